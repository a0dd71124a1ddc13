"""The `Tagger`: words in, label probabilities and IOB2 tags out, on PyTorch or ONNX Runtime.

It owns the network (encoder plus classification head), the tokenizer that feeds it (`Encoder`) and
the `Decoder` that reads its probabilities; files on disk are `nerkit.modeldir`'s business. An ONNX
model runs on ONNX Runtime, the Rust tokenizer and NumPy alone: torch and transformers are imported
only by what needs PyTorch weights (`nerkit.network`), so extraction installs and starts light.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from tqdm.auto import tqdm

from nerkit import modeldir
from nerkit.decode import Decoder, Prediction, TransitionScores
from nerkit.encode import (
    FEWEST_RUNS,
    INFERENCE_BATCH,
    RUN_OVERHEAD,
    Context,
    Encoder,
    Window,
    inference_batches,
)
from nerkit.errors import NerkitError
from nerkit.labels import entity_types

if TYPE_CHECKING:
    import torch
    from transformers import PreTrainedModel

    from nerkit.network import Network, WordShapes

__all__ = ["Prediction", "Tagger"]


class Tagger:
    """A token-classification model with its tokenizer, labels and decoder: words in, IOB2 tags out."""

    def __init__(
        self,
        model: PreTrainedModel | WordShapes,
        tokenizer: Any,
        max_length: int,
        metadata: Mapping[str, Any] | None = None,
        device: torch.device | str = "cpu",
        casing: bool = False,
        context: int = 0,
        backend: str = "torch",
        threads: int | None = None,
    ) -> None:
        """`threads`: the CPU cores a PyTorch model computes on (an ONNX model is given them at load)."""
        self.model = model.to(device)
        self.tokenizer = tokenizer
        self.backend = backend
        self.device: torch.device | str = "cpu"
        if backend in modeldir.TORCH_BACKENDS:
            import torch

            self.device = torch.device(device)
            if threads:
                torch.set_num_threads(threads)
        self.labels: list[str] = [model.config.id2label[index] for index in range(model.config.num_labels)]
        self.max_length = min(
            max_length, getattr(model.config, "max_position_embeddings", None) or max_length
        )
        self.casing = casing
        self.encoder = Encoder(tokenizer, self.max_length, casing, context)
        self.metadata: dict[str, Any] = dict(metadata or {})
        self.decoder = Decoder.from_metadata(self.labels, self.metadata)

    @classmethod
    def from_base(
        cls,
        base: str | None,
        labels: Sequence[str],
        max_length: int,
        device: torch.device | str = "cpu",
        casing: bool | None = None,
        allow_pickle: bool = False,
        context: int = 0,
        layers: int | None = None,
    ) -> Tagger:
        """A fresh tagger on a pretrained encoder, with a new classification head for `labels`.

        `casing=None` adds word-shape embeddings (`WordShapes`) only where they help: the tokenizer
        lowercases (the bundled MiniLM, MPNet). `layers` keeps only the encoder's first N layers (a
        student for distillation).
        """
        from nerkit.bases import resolve
        from nerkit.network import WordShapes, bundled_base, lowercases

        name = resolve(base) if base else bundled_base()
        try:
            from transformers import AutoConfig, AutoModelForTokenClassification
            from transformers import logging as hf_logging

            config = AutoConfig.from_pretrained(
                name,
                num_labels=len(labels),
                id2label=dict(enumerate(labels)),
                label2id={label: index for index, label in enumerate(labels)},
                trust_remote_code=False,
                **({"num_hidden_layers": layers} if layers else {}),
            )
            verbosity = hf_logging.get_verbosity()
            hf_logging.set_verbosity_error()  # the "newly initialized head" warning is the point here
            try:
                model = AutoModelForTokenClassification.from_pretrained(
                    name,
                    config=config,
                    ignore_mismatched_sizes=True,
                    use_safetensors=None if allow_pickle else True,
                    trust_remote_code=False,
                )
            finally:
                hf_logging.set_verbosity(verbosity)
            tokenizer = modeldir.load_tokenizer(name, config.model_type)
        except (OSError, ValueError) as error:
            raise NerkitError(
                "E020",
                f"cannot load base encoder {name!r}: {str(error).splitlines()[0]}",
                hint="Pass a local model directory with safetensors weights, or a Hugging Face name while "
                "online (--allow-pickle if the encoder only has pickle weights and you trust it).",
            ) from None
        shaped = lowercases(tokenizer) if casing is None else casing
        network = WordShapes.around(model, name if Path(name).is_dir() else None) if shaped else model
        base_name = {"base": base or "all-MiniLM-L6-v2 (bundled)"}
        return cls(network, tokenizer, max_length, base_name, device, shaped, context)

    @classmethod
    def load(
        cls,
        path: str | Path,
        device: torch.device | str = "cpu",
        allow_pickle: bool = False,
        backend: str = "auto",
        threads: int | None = None,
    ) -> Tagger:
        """Load a model directory (see `modeldir.read` for backends and the checks made)."""
        loaded = modeldir.read(path, allow_pickle, backend, threads)
        metadata = loaded.metadata
        casing = bool(metadata.get("casing", False))
        model = loaded.model
        if metadata.get("word_shapes") == "input" and loaded.backend in modeldir.TORCH_BACKENDS:
            from nerkit.network import WordShapes

            model = WordShapes.around(model, path)
        max_length, context = int(metadata.get("max_length", 512)), int(metadata.get("context", 0))
        return cls(
            model, loaded.tokenizer, max_length, metadata, device, casing, context, loaded.backend, threads
        )

    def widen(self, labels: Sequence[str]) -> None:
        """Tag `labels` (which hold the model's own): the head keeps what it learnt for its labels and
        gets fresh rows for the new ones, and a CRF's transition scores widen alike (`network.widen_head`,
        `TransitionScores.relabelled`). A model continued on new data starts from here."""
        from nerkit.network import widen_head

        if list(labels) == self.labels:
            return
        missing = sorted(set(self.labels) - set(labels))
        if missing:
            raise NerkitError("E089", f"adding labels cannot drop the model's own: {', '.join(missing)}")
        widen_head(self.model, self.labels, labels)
        transitions = self.decoder.transitions
        if transitions is not None and not isinstance(transitions, TransitionScores):
            raise NerkitError("E089", "labels are added before training, not while transitions train")
        widened = transitions.relabelled(self.labels, labels) if transitions is not None else None
        self.labels = list(labels)
        self.decoder = Decoder(self.labels, widened, self.decoder.temperature)

    @property
    def entity_types(self) -> list[str]:
        """The entity types the model tags (its labels without `B-`/`I-`), sorted."""
        return entity_types([self.labels])

    def network(self, crf: bool | None = None) -> Network:
        """The trainable module. `crf=True` gives a tagger without transition scores fresh ones; a
        loaded CRF model's fixed scores become parameters."""
        from nerkit.network import Network, Transitions

        found = self.decoder.transitions
        if crf and found is None:
            self.decoder.transitions = Transitions(self.labels).to(self.device)
        elif isinstance(found, TransitionScores):
            self.decoder.transitions = Transitions.trainable(self.labels, found).to(self.device)
        return Network(self.model, self.decoder.transitions)

    def export_onnx(
        self, path: str | Path, quantize: str | None = None, calibration: Sequence[Sequence[str]] = ()
    ) -> Path:
        """Add `model.onnx` (and `model.int8.onnx`, its activation ranges measured on the `calibration`
        sentences: a few hundred from the training data) to the saved model directory `path`."""
        if self.backend not in modeldir.TORCH_BACKENDS:
            raise NerkitError("E063", "export needs the PyTorch weights", hint="Load with backend='torch'.")
        if quantize is not None and not calibration:
            raise NerkitError("E077", "int8 needs calibration sentences to measure activation ranges")
        inputs = ["input_ids", "attention_mask", *(["token_type_ids"] if self.casing else [])]
        windows = self.encoder.encode(calibration)
        batches = [self.encoder.collate(windows[i : i + 16]) for i in range(0, len(windows), 16)]
        feeds = [{name: batch[name] for name in inputs} for batch in batches]
        written = modeldir.add_onnx(path, self.model.cpu(), inputs, quantize, feeds)
        self.model.to(self.device)
        return written

    def save(self, path: str | Path, metadata: Mapping[str, Any]) -> Path:
        """Write the model directory (atomically, with checksums; see `modeldir.write`)."""
        from nerkit.network import WordShapes

        own = {"max_length": self.max_length, "casing": self.casing, "context": self.encoder.context}
        own |= {"word_shapes": "input"} if isinstance(self.model, WordShapes) else {}
        self.metadata = modeldir.write(
            path, self.model, self.tokenizer, {**own, **metadata, **self.decoder.to_metadata()}
        )
        return Path(path)

    def word_probabilities(
        self,
        sentences: Sequence[Sequence[str]],
        batch_size: int = INFERENCE_BATCH,
        progress: bool = False,
        contexts: Sequence[Context] | None = None,
    ) -> list[np.ndarray]:
        """Label probabilities for every word (taken at its first subword), one `(words, labels)` array
        per sentence. Windows are batched by length where padding costs least (`inference_batches`).
        `contexts` (the words around each sentence in its document) are read only by models trained with
        context."""
        self.model.eval()
        windows = self.encoder.encode(sentences, contexts=contexts)
        parts: list[list[tuple[int, np.ndarray]]] = [[] for _ in sentences]
        batches = [
            [windows[index] for index in batch]
            for batch in self.batches([len(window) for window in windows], batch_size)
        ]
        computed = self.logits(map(self.inputs, batches))
        bar = tqdm(computed, "predict", len(batches), unit="batch", disable=not progress, leave=False)
        for chosen, logits in zip(batches, bar, strict=True):
            for row, window in enumerate(chosen):
                parts[window.sentence].append(
                    (window.words.start, _softmax(logits[row, window.first_subwords]))
                )
        empty = np.zeros((0, len(self.labels)), dtype=np.float32)
        return [
            np.concatenate([part for _, part in sorted(found, key=lambda item: item[0])] or [empty])
            for found in parts
        ]

    def logits(self, batches: Iterable[Mapping[str, np.ndarray]]) -> Iterator[np.ndarray]:
        """The network's output for each batch of inputs, in order, as float32 arrays. A model that
        runs several batches at once (`OnnxModel.concurrency`) is given that many at a time on its
        `side_by_side` form, unless there is only one; outputs are the same as one at a time."""
        batches = list(batches)
        at_once = min(getattr(self.model, "concurrency", 1), len(batches))
        if at_once < 2:
            yield from (self._run(self.model, inputs) for inputs in batches)
            return
        model = self.model.side_by_side
        with ThreadPoolExecutor(at_once) as pool:
            yield from pool.map(lambda inputs: self._run(model, inputs), batches)

    def _run(self, model: Any, inputs: Mapping[str, np.ndarray]) -> np.ndarray:
        if self.backend not in modeldir.TORCH_BACKENDS:
            return model(**inputs).logits
        from nerkit.network import forward

        return forward(model, inputs, self.device, self.backend == "torch-bf16")

    def inputs(self, windows: Sequence[Window]) -> dict[str, np.ndarray]:
        """The network's inputs for one batch of windows (collated, without the training labels)."""
        inputs = self.encoder.collate(windows)
        inputs.pop("labels")
        return inputs

    def batches(self, lengths: Sequence[int], batch_size: int) -> list[list[int]]:
        """The windows (given by their lengths) of each forward pass: cut where padding costs least on
        a CPU, as few as `batch_size` allows on accelerators (`encode.FEWEST_RUNS`)."""
        overhead = RUN_OVERHEAD if str(self.device).split(":")[0] == "cpu" else FEWEST_RUNS
        return inference_batches(lengths, batch_size, overhead)

    def predict(
        self,
        sentences: Sequence[Sequence[str]],
        batch_size: int = INFERENCE_BATCH,
        progress: bool = False,
        constrained: bool = True,
        contexts: Sequence[Context] | None = None,
    ) -> list[Prediction]:
        """Tag pre-tokenised sentences with IOB2 tags and the probability of each chosen tag."""
        probabilities = self.word_probabilities(sentences, batch_size, progress, contexts)
        return self.decoder.decode(probabilities, constrained)


def _softmax(logits: np.ndarray) -> np.ndarray:
    exponent = np.exp(logits - logits.max(-1, keepdims=True))
    return exponent / exponent.sum(-1, keepdims=True)
