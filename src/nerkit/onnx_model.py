"""The ONNX Runtime backend: export a trained model to ONNX, optionally quantise it to int8, and run it
behind the same `Tagger` interface as the PyTorch model.

The exported graph takes exactly what `Encoder.collate` produces (`input_ids`, `attention_mask`, and
`token_type_ids` when word shapes are on) with dynamic batch and sequence axes, so batching, padding
and decoding stay shared with the PyTorch path.

int8 is *static* (QDQ, `onnxruntime.quantization.quantize_static`): weights per channel, and each
MatMul's activations with a scale fixed at export from calibration sentences. Dynamic quantisation
scales activations per batch, so a text's entities changed with whatever else was in its batch (37 of
200 GMB test sentences changed a tag between batch sizes 1, 7 and 64); with fixed scales the
probabilities are bit-identical across batch compositions, at the same F1 and speed
(docs/benchmarks.md, "Same input, same output").
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from nerkit.errors import NerkitError

if TYPE_CHECKING:
    import torch
    from transformers import PreTrainedModel

ONNX_FILES = {None: "model.onnx", "int8": "model.int8.onnx"}


def onnx_file(quantize: str | None) -> str:
    if quantize not in ONNX_FILES:
        raise NerkitError("E060", f"unknown quantization {quantize!r}", hint="Use int8, or leave it out.")
    return ONNX_FILES[quantize]


CALIBRATION_SENTENCES = 256
"""Activation ranges measured on this many sentences kept int8 at fp32's F1 (docs/benchmarks.md)."""


def calibration_sentences(corpus: str, data_dir: str | Path | None = None) -> list[list[str]]:
    """A seeded sample of the corpus's train sentences (of all of it when it has no train split), for
    `export`'s int8 calibration."""
    import random

    from nerkit.corpus import read_corpus

    data = read_corpus(corpus, data_dir=data_dir)
    sentences = [list(s.words) for s in (data["train"] if "train" in data.splits else data["all"])]
    return random.Random(13).sample(sentences, min(CALIBRATION_SENTENCES, len(sentences)))


def export(
    model: PreTrainedModel,
    inputs: list[str],
    directory: Path,
    quantize: str | None = None,
    calibration: Iterable[dict[str, np.ndarray]] = (),
) -> Path:
    """Write `model.onnx` (and `model.int8.onnx` with `quantize="int8"`, its activation ranges measured
    on the `calibration` batches) into `directory`. The graph is traced with eager attention, plain
    ONNX runnable anywhere. Static QDQ quantisation of the graph as traced ran as fast as dynamic
    quantisation of ONNX Runtime's fused graph (whose fused Attention it cannot quantise statically).
    """
    import torch

    fp32 = directory / ONNX_FILES[None]
    example = {name: torch.ones((2, 8), dtype=torch.long) for name in inputs}
    axes = {name: {0: "batch", 1: "sequence"} for name in inputs}
    attention = model.config._attn_implementation
    model.eval()
    model.set_attn_implementation("eager")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                model,
                (),
                str(fp32),
                kwargs=example,
                input_names=inputs,
                output_names=["logits"],
                dynamic_axes={**axes, "logits": {0: "batch", 1: "sequence"}},
                opset_version=17,
                dynamo=False,
            )
    finally:
        model.set_attn_implementation(attention)
    if quantize is None:
        return fp32
    return _quantized(fp32, directory / onnx_file(quantize), list(calibration))


AGREEMENT = 0.97
"""Share of calibration subwords whose best label the int8 model must keep from the fp32 one."""


def _quantized(fp32: Path, target: Path, calibration: list[dict[str, np.ndarray]]) -> Path:
    """Static QDQ int8, checked against fp32 on the calibration batches. Some encoders (MPNet) feed
    their feed-forward output projections activations with a few huge channels, which one scale per
    tensor cannot hold: GMB test F1 fell from 0.86 to 0.13. When the labels agree on fewer than
    `AGREEMENT` of the subwords, those projections (the MatMuls after a GELU) stay fp32: 0.82 against
    0.83 on 500 GMB test sentences for MPNet."""
    _quantize_static(fp32, target, calibration, ())
    if _agreement(fp32, target, calibration) < AGREEMENT:
        _quantize_static(fp32, target, calibration, _after_gelu(fp32))
    return target


FLOAT_OUTPUTS = ["MatMul", "Gemm"]
"""Operators whose inputs int8 quantises but whose outputs it leaves in fp32 (see `_quantize_static`)."""


def _quantize_static(
    fp32: Path, target: Path, calibration: list[dict[str, np.ndarray]], keep_fp32: Iterable[str]
) -> None:
    """A MatMul's inputs are quantised, its output is not: ONNX Runtime then fuses the product and its
    dequantisation (`MatMulIntegerToFloat`) instead of rounding the output to int8 and back, which took
    a fifth of the forward pass's time and caused more than half of its disagreements with fp32
    (docs/benchmarks.md, "int8 MatMul outputs kept in float")."""
    import logging

    from onnxruntime.quantization import (
        CalibrationDataReader,
        CalibrationMethod,
        QuantFormat,
        QuantType,
        quantize_static,
    )
    from onnxruntime.quantization.shape_inference import quant_pre_process

    class Batches(CalibrationDataReader):
        def __init__(self) -> None:
            self.batches = iter(calibration)

        def get_next(self) -> dict[str, np.ndarray] | None:
            return next(self.batches, None)

    prepared = target.with_name(f".{target.stem}.prepared.onnx")
    quiet = logging.getLogger().level
    logging.getLogger().setLevel(logging.ERROR)
    try:
        quant_pre_process(str(fp32), str(prepared), skip_symbolic_shape=True)
        quantize_static(
            str(prepared),
            str(target),
            Batches(),
            quant_format=QuantFormat.QDQ,
            per_channel=True,
            activation_type=QuantType.QUInt8,
            weight_type=QuantType.QInt8,
            op_types_to_quantize=["MatMul", "Gemm", "Gather"],
            nodes_to_exclude=list(keep_fp32),
            calibrate_method=CalibrationMethod.MinMax,
            extra_options={
                "CalibMovingAverage": True,
                "OpTypesToExcludeOutputQuantization": FLOAT_OUTPUTS,
            },
        )
    finally:
        logging.getLogger().setLevel(quiet)
        prepared.unlink(missing_ok=True)


def _agreement(fp32: Path, int8: Path, calibration: list[dict[str, np.ndarray]]) -> float:
    import onnxruntime

    sessions = [
        onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"]) for path in (fp32, int8)
    ]
    same = total = 0
    for feed in calibration:
        full, quantized = (session.run(["logits"], feed)[0].argmax(-1) for session in sessions)
        real = feed["attention_mask"].astype(bool)
        same += int((full == quantized)[real].sum())
        total += int(real.sum())
    return same / max(total, 1)


def _after_gelu(fp32: Path) -> list[str]:
    """The MatMuls that read a GELU's output (a feed-forward block's output projection)."""
    import onnx

    graph = onnx.load(str(fp32), load_external_data=False).graph
    producer = {output: node for node in graph.node for output in node.output}

    def near_gelu(name: str, depth: int) -> bool:
        node = producer.get(name)
        if node is None or depth == 0:
            return False
        return node.op_type in ("Erf", "Gelu") or any(near_gelu(i, depth - 1) for i in node.input)

    return [node.name for node in graph.node if node.op_type == "MatMul" and near_gelu(node.input[0], 4)]


def default_threads() -> int:
    """The cores a process may use: `OMP_NUM_THREADS` when set (as torch reads it), else the CPUs this
    process is allowed to run on where the platform says (Linux), else all of them."""
    configured = os.environ.get("OMP_NUM_THREADS", "")
    if configured.isdigit() and int(configured) > 0:
        return int(configured)
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


@dataclass
class _Output:
    logits: np.ndarray


class OnnxModel:
    """Enough of a `PreTrainedModel` for `Tagger` to run inference through ONNX Runtime.

    Several batches use its `threads` cores by running that many at once, each on one thread
    (`concurrency`, read by `Tagger.logits`, on the one-thread session of `side_by_side`), not by
    splitting each batch's operators across threads: on 2 cores the model's batches of a few thousand
    tokens ran 1.3-1.5x faster two at a time than one at a time on 2 intra-op threads
    (docs/benchmarks.md, "Batches side by side on an ONNX model's threads"). A lone batch (one
    sentence, a short text) still splits its operators: with every batch on one thread, `make bench`'s
    one-text p50 went from 3.72 to 5.92 ms. A session's `run` may be called from several threads at
    once, and releases the GIL.

    Threads sleep between operators instead of spinning: on a 2-core machine busy with
    other work, spinning threads held the cores the thread with work needed, and extraction ran at
    0.65-0.8x the words/s and twice the one-text latency; on the same machine idle, spinning was 0-10%
    faster (docs/benchmarks.md, "Threads that sleep instead of spinning"). The small loss is taken
    for the large one."""

    def __init__(self, file: Path, config: Any, threads: int | None = None) -> None:
        try:
            import onnxruntime
        except ImportError:
            raise NerkitError(
                "E061", "the ONNX backend needs onnxruntime", hint="pip install onnxruntime"
            ) from None
        options = onnxruntime.SessionOptions()
        self.concurrency = threads or default_threads()
        options.intra_op_num_threads = self.concurrency
        options.inter_op_num_threads = 1
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = onnxruntime.InferenceSession(str(file), options, providers=["CPUExecutionProvider"])
        self.inputs = {node.name for node in self.session.get_inputs()}
        self.config = config
        self.file = file

    @cached_property
    def side_by_side(self) -> OnnxModel:
        """The same network on a one-thread session, for batches run `concurrency` at a time; made
        when first needed (0.1 s), so a process that only ever runs lone batches never pays for it."""
        return OnnxModel(self.file, self.config, threads=1)

    def to(self, device: torch.device | str) -> OnnxModel:
        if str(device).split(":")[0] != "cpu":
            raise NerkitError("E062", "the ONNX backend runs on CPU", hint="Use backend='torch' on GPUs.")
        return self

    def eval(self) -> OnnxModel:
        return self

    def __call__(self, **inputs: np.ndarray) -> _Output:
        missing = self.inputs - inputs.keys()
        if missing:
            raise NerkitError("E023", f"the ONNX model needs inputs nerkit does not make: {sorted(missing)}")
        (logits,) = self.session.run(["logits"], {name: inputs[name] for name in self.inputs})
        return _Output(logits)
