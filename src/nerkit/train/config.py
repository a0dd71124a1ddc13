"""Hyperparameters for `train`, from code, flags or a TOML/YAML/JSON file."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from nerkit.errors import NerkitError
from nerkit.files import read_settings
from nerkit.settings import setting

BUNDLED_LEARNING_RATE = 3e-4
"""all-MiniLM-L6-v2 was tuned for sentence embeddings and needs a high rate (5e-5 learns far slower)."""
OTHER_LEARNING_RATE = 5e-5
"""The usual rate for raw pretrained encoders such as bert-base-cased."""


def default_learning_rate(base: str | None) -> float:
    """Sentence-embedding encoders (the bundled one, a copy of it, its hub kin) get the high rate.
    They are known by the file sentence-transformers writes beside them, or by their hub organisation,
    so a copied bundled encoder no longer trains six times slower than the same encoder by default.
    A nerkit model continues at the rate it was trained with."""
    if base is None or base.startswith("sentence-transformers/"):
        return BUNDLED_LEARNING_RATE
    from nerkit.modeldir import METADATA_FILE, model_path, read_json

    metadata = model_path(base) / METADATA_FILE
    if metadata.is_file():
        trained = read_json(metadata, "E023").get("hyperparameters", {}).get("learning_rate")
        return float(trained) if trained else BUNDLED_LEARNING_RATE
    if (Path(base) / "config_sentence_transformers.json").is_file():
        return BUNDLED_LEARNING_RATE
    return OTHER_LEARNING_RATE


@dataclass(frozen=True)
class TrainConfig:
    """Hyperparameters, with defaults measured on GMB and CoNLL-2003 (see docs/results.md)."""

    base: str | None = setting(
        None,
        "Encoder name or path (default: bundled all-MiniLM-L6-v2), or a nerkit model to continue: its labels "
        "are kept and the data's new ones added",
    )
    partial: bool | None = setting(
        None,
        "The data marks only its own labels: the starting model's others are taken from its predictions "
        "and rehearsed (default: auto, when a model continues on data that lacks some of its labels)",
    )
    annotated: tuple[str, ...] = setting(
        (),
        "Labels the data annotates wherever they occur, also those none of its texts holds (a label whose "
        "every suggestion was rejected); default: the labels its spans hold",
    )
    epochs: int = setting(3, "Maximum epochs")
    batch_size: int = setting(32, "Sentences per step")
    learning_rate: float | None = setting(
        None,
        "Peak learning rate (default: 3e-4 for sentence-transformers encoders such as the bundled one, "
        "else 5e-5)",
    )
    weight_decay: float = setting(0.01, "AdamW weight decay (not on biases, norms or transitions)")
    layer_decay: float = setting(
        1.0,
        "Layer-wise learning-rate decay: each encoder layer learns at this factor of the layer above it, "
        "the embeddings at the lowest rate (1.0: one rate for all)",
    )
    head_lr_scale: float = setting(1.0, "Head learning rate as a multiple of the top layer's")
    warmup_ratio: float = setting(0.06, "Share of the steps spent warming the rate up from zero")
    max_grad_norm: float = setting(1.0, "Gradient clipping norm")
    patience: int = setting(2, "Epochs without validation gain before stopping")
    seed: int = setting(13, "Random seed")
    max_length: int = setting(256, "Subwords per window")
    casing: bool | None = setting(None, "Word-shape embeddings (default: auto: for lowercasing encoders)")
    context: int = setting(
        0, "Subwords of document context read on each side of a sentence (its neighbours' words, unlabelled)"
    )
    layers: int | None = setting(
        None, "Keep only the base encoder's first N layers: a smaller, faster model (pair it with teachers)"
    )
    teachers: tuple[str, ...] = setting(
        (),
        "Trained nerkit model (same labels and tokenizer) whose word-label probabilities the model also "
        "learns from: distillation, and with several an ensemble's knowledge in one model",
    )
    crf: bool = setting(
        True,
        "Learn label-transition scores (CRF) over each sentence's word labels instead of one cross-entropy "
        "per word; ahead on validation on both corpora at the same cost per epoch",
    )
    distill_weight: float = setting(0.5, "Share of the loss that follows the teachers")
    teach: tuple[str, ...] = setting(
        (),
        "Sources whose sentences the teachers teach (a recipe's gmb, conll2003, documents); the others "
        "learn their gold labels alone. Default: every sentence",
    )
    limit_train: int | None = setting(None, "Use only the first N training sentences")
    train_with_validation: bool = setting(
        False,
        "Also train on the validation split and keep the last epoch, for a final model once the epochs "
        "were chosen on validation (Flair's train_with_dev)",
    )
    bf16: bool = setting(
        False,
        "Compute in bfloat16 where torch's autocast deems it safe (weights, optimiser and loss stay fp32): "
        "about 3x faster steps on CPUs with AVX512-BF16 or AMX and on recent GPUs, slower on other CPUs",
    )
    eval_batch_size: int = setting(64, "Sentences per batch when scoring")
    checkpoint_steps: int = setting(500, "Also checkpoint every N optimiser steps (0: epochs only)")
    allow_pickle: bool = setting(False, "Let the base encoder load from pickle weights (trusted bases only)")

    @property
    def resolved_learning_rate(self) -> float:
        if self.learning_rate is not None:
            return self.learning_rate
        return default_learning_rate(self.base)

    def validated(self) -> TrainConfig:
        checks = {
            "epochs": self.epochs >= 1,
            "batch_size": self.batch_size >= 1,
            "eval_batch_size": self.eval_batch_size >= 1,
            "learning_rate": self.learning_rate is None or self.learning_rate > 0,
            "layer_decay": 0 < self.layer_decay <= 1,
            "head_lr_scale": self.head_lr_scale > 0,
            "warmup_ratio": 0 <= self.warmup_ratio < 1,
            "patience": self.patience >= 1,
            "max_length": self.max_length >= 8,
            "context": self.context >= 0,
            "layers": self.layers is None or self.layers >= 1,
            "distill_weight": 0 <= self.distill_weight <= 1,
            "limit_train": self.limit_train is None or self.limit_train >= 1,
            "checkpoint_steps": self.checkpoint_steps >= 0,
        }
        for name, ok in checks.items():
            if not ok:
                raise NerkitError(
                    "E030", f"invalid {name}={getattr(self, name)!r}", hint="See `nerkit train --help`."
                )
        return self

    @classmethod
    def from_file(
        cls, path: str | Path, defaults: TrainConfig | None = None, **overrides: Any
    ) -> TrainConfig:
        """Read hyperparameters from TOML, YAML or JSON over `defaults` (a recipe's settings, else the
        dataclass defaults); explicit `overrides` (fields by name, flags) win."""
        path = Path(path)
        values = read_settings(path, "E031", "config") or {}
        if not isinstance(values, dict):
            raise NerkitError("E031", "config must be a mapping of option names to values", path=path)
        known = {field.name for field in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise NerkitError(
                "E031",
                f"unknown option(s) {', '.join(unknown)}",
                path=path,
                hint=f"Known: {', '.join(sorted(known))}.",
            )
        types = {field.name: str(field.type) for field in fields(cls)}
        values = {name: _coerce(name, types[name], value, path) for name, value in values.items()}
        return replace(defaults or cls(), **{**values, **overrides})


def _coerce(name: str, annotation: str, value: Any, path: Path) -> Any:
    """Check a config-file value against its field's type; YAML reads `3e-4` as a string, so floats
    may arrive as text."""
    kind = annotation.split(" | ")[0]
    if value is None and "None" in annotation:
        return None
    if kind == "tuple[str, ...]":
        items = [value] if isinstance(value, str) else value
        if isinstance(items, list) and all(isinstance(item, str) for item in items):
            return tuple(items)
        raise NerkitError("E031", f"option {name} must be a list of strings, got {value!r}", path=path)
    if kind == "float" and isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            pass
    expected = {"int": (int,), "float": (int, float), "bool": (bool,), "str": (str,)}[kind]
    if isinstance(value, expected) and (kind == "bool" or not isinstance(value, bool)):
        return float(value) if kind == "float" else value
    raise NerkitError("E031", f"option {name} must be {annotation}, got {value!r}", path=path)


def replace_config(config: TrainConfig, **changes: Any) -> TrainConfig:
    """Apply only the changes that were actually given (flags left unset stay as configured)."""
    return replace(config, **{key: value for key, value in changes.items() if value is not None})
