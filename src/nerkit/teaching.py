"""Teaching a served model from annotations as they come in: the annotation page (`nerkit annotate`) and
the Label Studio backend (`nerkit serve --label-studio`) both collect a user's decisions here, one JSON
line each, appended and flushed at once (a crash loses nothing and a restart reads them back), and train
on them in the background: the model being served continues (`TrainConfig.base`; partial annotation and
rehearsal as `nerkit train` does them, `train.partial`), and the new model replaces it when done.

Needs the train extra: `pip install 'nerkit[train]'`.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from nerkit.corpus.interchange import SpanRecord
from nerkit.errors import NerkitError

Span = tuple[int, int, str]


@dataclass(frozen=True)
class Status:
    """Where the background training stands: `idle`, `training`, `done` or `failed`."""

    state: str = "idle"
    step: int = 0
    steps: int = 0
    examples: int = 0
    seconds: float = 0.0
    model: str | None = None
    """The directory of the model trained last, once `done`."""
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {key: value for key, value in self.__dict__.items()}


class Annotations:
    """A user's annotated texts, one JSON line each (`{"id", "text", "spans": [[start, end, label]]}`),
    appended and flushed as they come: the last line for an id wins, so correcting a text appends it
    again and nothing is ever rewritten."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._records: dict[str, SpanRecord] = {}
        if self.path.is_file():
            for number, line in enumerate(self.path.read_text(encoding="utf-8").splitlines(), start=1):
                if line.strip():
                    record = _record(line, self.path, number)
                    self._records[record.id] = record

    def add(self, record_id: str, text: str, spans: Sequence[Span]) -> SpanRecord:
        record = SpanRecord(
            str(record_id), text, tuple(sorted((int(s), int(e), str(label)) for s, e, label in spans))
        )
        for start, end, _ in record.spans:
            if not 0 <= start < end <= len(text):
                raise NerkitError(
                    "E091", f"span {start}-{end} is outside the {len(text)} characters of text {record_id}"
                )
        line = json.dumps(
            {"id": record.id, "text": text, "spans": [list(span) for span in record.spans]},
            ensure_ascii=False,
        )
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as handle:
                handle.write(line + "\n")
                handle.flush()
            self._records[record.id] = record
        return record

    def records(self) -> list[SpanRecord]:
        with self._lock:
            return list(self._records.values())

    def __contains__(self, record_id: object) -> bool:
        return str(record_id) in self._records

    def __len__(self) -> int:
        return len(self._records)


def _types_by_name(model: str | Path) -> dict[str, str]:
    """The model's types by the names it shows ("PERSON" -> `per`): an annotation in the names a user
    sees teaches the type behind them, not a new one."""
    from nerkit.files import read_json
    from nerkit.modeldir import METADATA_FILE, model_path

    names = read_json(model_path(model) / METADATA_FILE, "E023").get("label_names", {})
    return {name: code for code, name in names.items()}


def _record(line: str, path: Path, number: int) -> SpanRecord:
    try:
        found = json.loads(line)
        spans = tuple((int(s), int(e), str(label)) for s, e, label in found["spans"])
        return SpanRecord(str(found["id"]), str(found["text"]), spans, number)
    except (ValueError, KeyError, TypeError) as error:
        raise NerkitError("E091", f"not an annotation line ({error})", path=path, line=number) from None


class Teacher:
    """Trains a new model from `annotations`, continuing the model at `base`, in a background thread, and
    hands it to `on_model` when done. One training at a time; `status` says how far it is."""

    def __init__(
        self,
        base: str | Path,
        annotations: Annotations,
        out: str | Path,
        on_model: Callable[[Path], None],
        epochs: int = 5,
    ) -> None:
        self.base = str(base)
        self.annotations = annotations
        self.out = Path(out)
        self.on_model = on_model
        self.epochs = epochs
        self._status = Status()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    @property
    def status(self) -> Status:
        with self._lock:
            return self._status

    def start(self) -> Status:
        """Start training on every annotation so far (a training under way is left to finish)."""
        with self._lock:
            if self._status.state == "training":
                return self._status
            records = list(self.annotations.records())
            if not records:
                raise NerkitError("E092", "nothing annotated to train on yet")
            self._status = Status("training", examples=len(records))
            self._thread = threading.Thread(target=self._train, args=(records,), daemon=True)
            self._thread.start()
            return self._status

    def wait(self, timeout: float | None = None) -> Status:
        if self._thread is not None:
            self._thread.join(timeout)
        return self.status

    def _train(self, records: list[SpanRecord]) -> None:
        started = time.perf_counter()
        try:
            from nerkit.corpus import Corpus
            from nerkit.corpus.readers import sentences_from_records
            from nerkit.train import TrainConfig, train

            types = _types_by_name(self.base)
            records = [
                replace(r, spans=tuple((s, e, types.get(label, label)) for s, e, label in r.spans))
                for r in records
            ]
            sentences = sentences_from_records(records, self.annotations.path).sentences
            held = {index for index in range(0, len(sentences), 10)}
            corpus = Corpus(
                "annotations",
                {
                    "train": tuple(s for i, s in enumerate(sentences) if i not in held),
                    "validation": tuple(sentences[i] for i in sorted(held)),
                },
            )
            out = self.out / time.strftime("model-%Y%m%d-%H%M%S")
            batch_size = min(32, max(8, len(sentences) // 8))  # a few hundred examples still take steps
            config = TrainConfig(
                base=self.base, epochs=self.epochs, batch_size=batch_size, train_with_validation=True
            )
            steps = math.ceil(len(sentences) / config.batch_size) * config.epochs
            with self._lock:
                self._status = replace(self._status, steps=steps)

            def moved(progress) -> None:
                with self._lock:
                    self._status = replace(
                        self._status, step=progress.global_step, seconds=time.perf_counter() - started
                    )

            result = train(corpus, out, config, progress=False, on_step=moved)
            self.on_model(result.path)
            self.base = str(result.path)
            done = Status(
                "done",
                self._status.step,
                self._status.step,
                len(records),
                time.perf_counter() - started,
                str(result.path),
            )
        except Exception as error:  # the page and Label Studio show it; the server carries on
            done = Status(
                "failed", examples=len(records), seconds=time.perf_counter() - started, error=str(error)
            )
        with self._lock:
            self._status = done
