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
import os
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nerkit.corpus.interchange import SpanRecord, checked
from nerkit.corpus.readers import json_object, latest_records, sentences_from_records
from nerkit.errors import NerkitError

if TYPE_CHECKING:
    from nerkit.corpus import Corpus, Sentence
    from nerkit.train import TrainConfig

Span = tuple[int, int, str]

TEACHING_EPOCHS = 20
TEACHING_RATE = 1 / 3
HEAD_RATE = 10.0
REHEARSAL_WEIGHT = 0.9
"""Twenty epochs at a third of the rate the model was trained with, its head (with the new labels'
rows) at ten times that, the starting model's probabilities weighing 0.9 of the loss: of the settings
tried on 400 CoNLL-2003 sentences marked with MISC alone (bench/teach.py, docs/results.md), the one
that learnt MISC best (0.683 F1) and lost 0.47 points of GMB's persons, places, companies and dates;
at 0.8 it learnt 0.678 and lost 0.65, ten epochs at the full rate 0.666 and 1.2."""


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
    appended and flushed to disk as they come: the last line for an id wins, so correcting a text
    appends it again, and forgetting one appends `{"id", "deleted": true}`; nothing is rewritten."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._records: dict[str, SpanRecord] = {}
        if self.path.is_file():
            self._read()

    def _read(self) -> None:
        """Read the lines back; a last line cut off by a crash (no newline, no JSON) is cut from the
        file, so that the next decision starts a line of its own."""
        content = self.path.read_text(encoding="utf-8")
        lines = content.split("\n")
        if lines[-1].strip():
            try:
                json.loads(lines[-1])
            except ValueError:
                with self.path.open("r+", encoding="utf-8") as handle:
                    handle.truncate(len(content.encode("utf-8")) - len(lines[-1].encode("utf-8")))
                lines[-1] = ""
        objects = [
            (number, json_object(line, self.path, number))
            for number, line in enumerate(lines, 1)
            if line.strip()
        ]
        for number, found in latest_records(objects, Counter()):
            record = _record(found, self.path, number)
            self._records[record.id] = record

    def add(self, record_id: str, text: str, spans: Sequence[Span]) -> SpanRecord:
        """Keep `spans` (inside `text`, none overlapping another) as the decision on `record_id`."""
        found = tuple((int(s), int(e), str(label)) for s, e, label in spans)
        record = checked(SpanRecord(str(record_id), text, found), self.path, "refuse", Counter())
        self._append({"id": record.id, "text": text, "spans": [list(span) for span in record.spans]})
        with self._lock:
            self._records[record.id] = record
        return record

    def remove(self, record_id: str) -> None:
        """Forget the decision on `record_id`."""
        self._append({"id": str(record_id), "deleted": True})
        with self._lock:
            self._records.pop(str(record_id), None)

    def _append(self, found: dict[str, Any]) -> None:
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as handle:
                handle.write(json.dumps(found, ensure_ascii=False) + "\n")
                handle.flush()
                os.fsync(handle.fileno())

    def records(self) -> list[SpanRecord]:
        with self._lock:
            return list(self._records.values())

    def __contains__(self, record_id: object) -> bool:
        return str(record_id) in self._records

    def __len__(self) -> int:
        return len(self._records)


def _record(found: dict[str, Any], path: Path, number: int) -> SpanRecord:
    try:
        spans = tuple((int(s), int(e), str(label)) for s, e, label in found["spans"])
        return SpanRecord(str(found["id"]), str(found["text"]), spans, number)
    except (ValueError, KeyError, TypeError) as error:
        raise NerkitError("E091", f"not an annotation line ({error})", path=path, line=number) from None


def teaching_run(
    sentences: Sequence[Sentence], base: str, epochs: int = TEACHING_EPOCHS, labels: Sequence[str] = ()
) -> tuple[Corpus, TrainConfig]:
    """The corpus and settings that continue `base` on a user's few hundred annotated `sentences`: every
    sentence is trained on and the last epoch kept (`train_with_validation`: a validation split cut from
    so few would choose an epoch by chance), and batches shrink so that a few hundred examples still take
    steps."""
    from nerkit.corpus import Corpus
    from nerkit.train import TrainConfig
    from nerkit.train.config import default_learning_rate

    lent = set(range(9, len(sentences), 10)) or {0}
    splits = {
        "train": tuple(s for i, s in enumerate(sentences) if i not in lent) or tuple(sentences),
        "validation": tuple(sentences[i] for i in sorted(lent)),
    }
    corpus = Corpus("annotations", splits)
    config = TrainConfig(
        base=base,
        epochs=epochs,
        learning_rate=default_learning_rate(base) * TEACHING_RATE,
        head_lr_scale=HEAD_RATE,
        batch_size=min(32, max(8, len(sentences) // 8)),
        train_with_validation=True,
        distill_weight=REHEARSAL_WEIGHT,
        annotated=tuple(labels),
    )
    return corpus, config


class Teacher:
    """Trains a new model from `annotations`, continuing the model at `base`, in a background thread, and
    hands it to `on_model` when done. One training at a time; `status` says how far it is."""

    def __init__(
        self,
        base: str | Path,
        annotations: Annotations,
        out: str | Path,
        on_model: Callable[[Path], None],
        epochs: int = TEACHING_EPOCHS,
        labels: Sequence[str] = (),
    ) -> None:
        """`labels`: what the annotations mark wherever it occurs (a page's or a project's labels), so
        that a label every suggestion of which was rejected is trained as absent, not filled in."""
        self.base = str(base)
        self.annotations = annotations
        self.out = Path(out)
        self.on_model = on_model
        self.epochs = epochs
        self.labels = tuple(labels)
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
            from nerkit.train import train

            sentences = sentences_from_records(records, self.annotations.path).sentences
            out = self.out / f"model-{time.strftime('%Y%m%d-%H%M%S')}-{len(records)}"
            corpus, config = teaching_run(sentences, self.base, self.epochs, self.labels)
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
