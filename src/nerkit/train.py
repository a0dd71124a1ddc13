"""Fine-tuning: the loop, its schedule, validation after each epoch, best checkpoint, early stopping."""

from __future__ import annotations

import json
import math
import platform
import random
import time
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import torch
import transformers
import yaml
from tqdm.auto import tqdm
from transformers import get_linear_schedule_with_warmup

from nerkit._version import __version__
from nerkit.corpus import Corpus, Sentence
from nerkit.encode import Window, length_grouped_batches
from nerkit.errors import NerkitError
from nerkit.evaluate import Report, score
from nerkit.labels import label_list, readable_names
from nerkit.model import Tagger

BUNDLED_LEARNING_RATE = 3e-4
"""all-MiniLM-L6-v2 was tuned for sentence embeddings and needs a high rate (5e-5 learns far slower)."""
OTHER_LEARNING_RATE = 5e-5
"""The usual rate for raw pretrained encoders such as bert-base-cased."""


@dataclass(frozen=True)
class TrainConfig:
    """Hyperparameters, with defaults measured on GMB and CoNLL-2003 (see docs/results.md)."""

    base: str | None = None
    epochs: int = 3
    batch_size: int = 32
    learning_rate: float | None = None
    weight_decay: float = 0.01
    warmup_ratio: float = 0.06
    max_grad_norm: float = 1.0
    patience: int = 2
    seed: int = 13
    max_length: int = 256
    casing: bool | None = None
    limit_train: int | None = None
    eval_batch_size: int = 64

    @property
    def resolved_learning_rate(self) -> float:
        if self.learning_rate is not None:
            return self.learning_rate
        return BUNDLED_LEARNING_RATE if self.base is None else OTHER_LEARNING_RATE

    def validated(self) -> TrainConfig:
        checks = {
            "epochs": self.epochs >= 1,
            "batch_size": self.batch_size >= 1,
            "eval_batch_size": self.eval_batch_size >= 1,
            "learning_rate": self.learning_rate is None or self.learning_rate > 0,
            "warmup_ratio": 0 <= self.warmup_ratio < 1,
            "patience": self.patience >= 1,
            "max_length": self.max_length >= 8,
            "limit_train": self.limit_train is None or self.limit_train >= 1,
        }
        for name, ok in checks.items():
            if not ok:
                raise NerkitError(
                    "E030", f"invalid {name}={getattr(self, name)!r}", hint="See `nerkit train --help`."
                )
        return self

    @classmethod
    def from_file(cls, path: str | Path, **overrides: Any) -> TrainConfig:
        """Read hyperparameters from TOML, YAML or JSON; explicit `overrides` (flags) win."""
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
            if path.suffix == ".toml":
                values = tomllib.loads(text)
            elif path.suffix in {".yaml", ".yml"}:
                values = yaml.safe_load(text) or {}
            else:
                values = json.loads(text)
        except (OSError, ValueError, yaml.YAMLError) as error:
            raise NerkitError(
                "E031", f"cannot read config: {str(error).splitlines()[0]}", path=path
            ) from None
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
        return cls(**{**values, **overrides})


def _coerce(name: str, annotation: str, value: Any, path: Path) -> Any:
    """Check a config-file value against its field's type; YAML reads `3e-4` as a string, so floats
    may arrive as text."""
    kind = annotation.split(" | ")[0]
    if value is None and "None" in annotation:
        return None
    if kind == "float" and isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            pass
    expected = {"int": (int,), "float": (int, float), "bool": (bool,), "str": (str,)}[kind]
    if isinstance(value, expected) and (kind == "bool" or not isinstance(value, bool)):
        return float(value) if kind == "float" else value
    raise NerkitError("E031", f"option {name} must be {annotation}, got {value!r}", path=path)


@dataclass(frozen=True)
class TrainResult:
    path: Path
    best_epoch: int
    validation: Report
    test: Report | None
    history: list[dict[str, float]]


def _label_ids(sentences: Sequence[Sentence], labels: Sequence[str]) -> list[list[int]]:
    index = {label: position for position, label in enumerate(labels)}
    return [[index[tag] for tag in sentence.tags] for sentence in sentences]


def evaluate_tagger(tagger: Tagger, sentences: Sequence[Sentence], batch_size: int = 64) -> Report:
    predictions = tagger.predict([sentence.words for sentence in sentences], batch_size=batch_size)
    return score([sentence.tags for sentence in sentences], [prediction.tags for prediction in predictions])


def _seed_everything(seed: int) -> random.Random:
    transformers.set_seed(seed)
    return random.Random(seed)


def _optimizer(tagger: Tagger, config: TrainConfig, steps: int):
    decay, no_decay = [], []
    for name, parameter in tagger.model.named_parameters():
        (no_decay if parameter.ndim < 2 or "LayerNorm" in name or "bias" in name else decay).append(parameter)
    optimizer = torch.optim.AdamW(
        [{"params": decay, "weight_decay": config.weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
        lr=config.resolved_learning_rate,
    )
    scheduler = get_linear_schedule_with_warmup(optimizer, math.ceil(config.warmup_ratio * steps), steps)
    return optimizer, scheduler


def _train_epoch(
    tagger: Tagger,
    batches: Sequence[Sequence[Window]],
    optimizer: torch.optim.Optimizer,
    scheduler: torch.optim.lr_scheduler.LRScheduler,
    max_grad_norm: float,
    bar: tqdm,
) -> float:
    """One pass over the batches; returns the mean loss."""
    tagger.model.train()
    started, seen, total_loss = time.perf_counter(), 0, 0.0
    for step, batch in enumerate(batches, start=1):
        inputs = tagger.encoder.collate(batch)
        loss = tagger.model(**{key: value.to(tagger.device) for key, value in inputs.items()}).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(tagger.model.parameters(), max_grad_norm)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad(set_to_none=True)
        total_loss += loss.item()
        seen += len(batch)
        speed = seen / (time.perf_counter() - started)
        bar.set_postfix(loss=f"{total_loss / step:.4f}", sents_per_s=f"{speed:.1f}", refresh=False)
        bar.update()
    return total_loss / max(len(batches), 1)


def _metadata(
    corpus: Corpus, config: TrainConfig, labels: list[str], sizes: Mapping[str, int]
) -> dict[str, Any]:
    return {
        "nerkit_version": __version__,
        "labels": labels,
        "label_names": readable_names(corpus.entity_types),
        "scheme": "IOB2",
        "base": config.base or "all-MiniLM-L6-v2 (bundled)",
        "data": {
            "corpus": corpus.name,
            "sources": list(corpus.sources),
            "fingerprint": corpus.fingerprint,
            "split": "reference (test N%10==0, validation N%10==9)"
            if len(corpus.sources) == 1
            else "files as given",
            "sizes": dict(sizes),
            "repairs": dict(corpus.repairs),
        },
        "hyperparameters": {**asdict(config), "learning_rate": config.resolved_learning_rate},
        "versions": {
            "python": platform.python_version(),
            "torch": torch.__version__,
            "transformers": transformers.__version__,
        },
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def train(
    corpus: Corpus,
    out: str | Path,
    config: TrainConfig | None = None,
    *,
    device: torch.device | str = "cpu",
    progress: bool = True,
) -> TrainResult:
    """Fine-tune `config.base` on `corpus["train"]`, keep the epoch with the best validation F1 in `out`,
    stop after `patience` epochs without improvement, and score the kept model on the test split."""
    config = (config or TrainConfig()).validated()
    train_sentences = corpus["train"][: config.limit_train] if config.limit_train else corpus["train"]
    validation = corpus["validation"]
    if not train_sentences or not validation:
        raise NerkitError(
            "E032",
            f"need training and validation sentences, got {len(train_sentences)} and {len(validation)}",
            hint="Give a corpus name or single file (split automatically), or pass --train and --validation.",
        )
    labels = label_list(corpus.entity_types)
    rng = _seed_everything(config.seed)
    tagger = Tagger.from_base(config.base, labels, config.max_length, device, config.casing)
    windows = tagger.encoder.encode([s.words for s in train_sentences], _label_ids(train_sentences, labels))
    lengths = [len(window) for window in windows]
    steps_per_epoch = math.ceil(len(windows) / config.batch_size)
    optimizer, scheduler = _optimizer(tagger, config, steps_per_epoch * config.epochs)
    sizes = {"train": len(train_sentences), "validation": len(validation), "test": len(corpus["test"])}
    metadata = _metadata(corpus, config, labels, sizes)

    history: list[dict[str, float]] = []
    best_f1, best_epoch, best_report = -1.0, 0, None
    bar = tqdm(total=steps_per_epoch * config.epochs, unit="step", disable=not progress, dynamic_ncols=True)
    say = bar.write if progress else lambda _: None
    for epoch in range(1, config.epochs + 1):
        started = time.perf_counter()
        bar.set_description(f"epoch {epoch}/{config.epochs}")
        batches = length_grouped_batches(lengths, config.batch_size, rng)
        loss = _train_epoch(
            tagger,
            [[windows[i] for i in batch] for batch in batches],
            optimizer,
            scheduler,
            config.max_grad_norm,
            bar,
        )
        report = evaluate_tagger(tagger, validation, config.eval_batch_size)
        history.append(
            {
                "epoch": epoch,
                "loss": round(loss, 5),
                "validation_f1": report.micro.f1,
                "seconds": round(time.perf_counter() - started, 1),
            }
        )
        say(f"epoch {epoch}: loss {history[-1]['loss']:.4f}  validation F1 {report.micro.f1:.4f}")
        if report.micro.f1 > best_f1:
            best_f1, best_epoch, best_report = report.micro.f1, epoch, report
            tagger.save(
                out,
                {
                    **metadata,
                    "history": history,
                    "best_epoch": epoch,
                    "metrics": {"validation": report.to_dict()},
                },
            )
        elif epoch - best_epoch >= config.patience:
            say(f"early stop: no validation gain for {config.patience} epochs")
            break
    bar.close()
    assert best_report is not None
    best = Tagger.load(out, device) if best_epoch != len(history) else tagger
    test = evaluate_tagger(best, corpus["test"], config.eval_batch_size) if corpus["test"] else None
    metrics = {"validation": best_report.to_dict(), **({"test": test.to_dict()} if test else {})}
    best.save(out, {**metadata, "history": history, "best_epoch": best_epoch, "metrics": metrics})
    return TrainResult(Path(out), best_epoch, best_report, test, history)


def replace_config(config: TrainConfig, **changes: Any) -> TrainConfig:
    """Apply only the changes that were actually given (flags left unset stay as configured)."""
    return replace(config, **{key: value for key, value in changes.items() if value is not None})
