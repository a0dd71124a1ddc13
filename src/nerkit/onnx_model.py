"""The ONNX Runtime backend: export a trained model to ONNX, optionally quantise it to int8, and run it
behind the same `Tagger` interface as the PyTorch model.

The exported graph takes exactly what `Encoder.collate` produces (`input_ids`, `attention_mask`, and
`token_type_ids` when word shapes are on) with dynamic batch and sequence axes, so batching, padding
and decoding stay shared with the PyTorch path. Dynamic int8 quantisation (weights int8, activations
quantised on the fly) uses `onnxruntime.quantization`.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch

from nerkit.errors import NerkitError

if TYPE_CHECKING:
    from transformers import PreTrainedModel

ONNX_FILES = {None: "model.onnx", "int8": "model.int8.onnx"}


def onnx_file(quantize: str | None) -> str:
    if quantize not in ONNX_FILES:
        raise NerkitError("E060", f"unknown quantization {quantize!r}", hint="Use int8, or leave it out.")
    return ONNX_FILES[quantize]


def export(model: PreTrainedModel, inputs: list[str], directory: Path, quantize: str | None = None) -> Path:
    """Write `model.onnx` (and `model.int8.onnx` with `quantize="int8"`) into `directory`.

    The graph is traced with eager attention, whose plain MatMul/Softmax pattern ONNX Runtime's
    transformer optimizer recognises; the int8 model is quantised from the fused graph (Attention,
    SkipLayerNormalization, BiasGelu), which ran the CoNLL test 8% faster than the unfused one with the
    same labels (docs/benchmarks.md). `model.onnx` itself stays plain ONNX, runnable anywhere.
    """
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
    return _quantized(fp32, directory / onnx_file(quantize), model.config)


def _quantized(fp32: Path, target: Path, config: Any) -> Path:
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.transformers.optimizer import optimize_model

    fused = target.with_name(f".{target.stem}.fused.onnx")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            optimize_model(
                str(fp32),
                model_type="bert",
                num_heads=config.num_attention_heads,
                hidden_size=config.hidden_size,
                opt_level=1,
            ).save_model_to_file(str(fused))
        quantize_dynamic(
            str(fused),
            str(target),
            weight_type=QuantType.QInt8,
            per_channel=True,
            extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
        )
    finally:
        fused.unlink(missing_ok=True)
    return target


@dataclass
class _Output:
    logits: torch.Tensor


class OnnxModel:
    """Enough of a `PreTrainedModel` for `Tagger` to run inference through ONNX Runtime."""

    def __init__(self, file: Path, config: Any, threads: int | None = None) -> None:
        try:
            import onnxruntime
        except ImportError:
            raise NerkitError(
                "E061", "the ONNX backend needs onnxruntime", hint="pip install onnxruntime"
            ) from None
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads or torch.get_num_threads()
        options.inter_op_num_threads = 1
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.session = onnxruntime.InferenceSession(str(file), options, providers=["CPUExecutionProvider"])
        self.inputs = {node.name for node in self.session.get_inputs()}
        self.config = config
        self.file = file

    def to(self, device: torch.device | str) -> OnnxModel:
        if torch.device(device).type != "cpu":
            raise NerkitError("E062", "the ONNX backend runs on CPU", hint="Use backend='torch' on GPUs.")
        return self

    def eval(self) -> OnnxModel:
        return self

    def __call__(self, **inputs: torch.Tensor) -> _Output:
        feed = {name: value.numpy() for name, value in inputs.items() if name in self.inputs}
        (logits,) = self.session.run(["logits"], feed)
        return _Output(torch.from_numpy(logits))
