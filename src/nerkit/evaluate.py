"""Entity-level scores, never token accuracy: seqeval in strict IOB2 mode, so a span counts only when
both its edges and its type are right. Pure functions over tag sequences; they do not care how the
predictions were made."""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from rich.table import Table
from seqeval.metrics import classification_report
from seqeval.scheme import IOB2

from nerkit.corpus import Sentence
from nerkit.labels import spans


@dataclass(frozen=True)
class Score:
    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True)
class Report:
    micro: Score
    macro_f1: float
    per_type: dict[str, Score]
    sentences: int

    def to_dict(self) -> dict[str, object]:
        micro = asdict(self.micro)
        return {
            "micro": {key: micro[key] for key in ("precision", "recall", "f1")},
            "macro_f1": self.macro_f1,
            "per_type": {kind: asdict(score) for kind, score in self.per_type.items()},
            "support": self.micro.support,
            "sentences": self.sentences,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Report:
        micro = data["micro"]
        return cls(
            Score(micro["precision"], micro["recall"], micro["f1"], data["support"]),
            data["macro_f1"],
            {kind: Score(**row) for kind, row in data["per_type"].items()},
            data["sentences"],
        )


def _score(row: dict[str, float]) -> Score:
    return Score(
        round(float(row["precision"]), 4),
        round(float(row["recall"]), 4),
        round(float(row["f1-score"]), 4),
        int(row["support"]),
    )


def score(gold: Sequence[Sequence[str]], predicted: Sequence[Sequence[str]]) -> Report:
    """Micro and macro P/R/F1 and a per-type table. Both sides must be valid IOB2."""
    if len(gold) != len(predicted):
        raise ValueError(f"{len(gold)} gold sentences but {len(predicted)} predicted")
    if not any(spans(tags) for tags in [*gold, *predicted]):
        return Report(Score(0.0, 0.0, 0.0, 0), 0.0, {}, len(gold))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # seqeval warns about types with no predictions; zeros are the answer
        table = classification_report(
            [list(tags) for tags in gold],
            [list(tags) for tags in predicted],
            mode="strict",
            scheme=IOB2,
            output_dict=True,
            zero_division=0,
        )
    per_type = {kind: _score(row) for kind, row in sorted(table.items()) if not kind.endswith(" avg")}
    return Report(
        _score(table["micro avg"]), round(float(table["macro avg"]["f1-score"]), 4), per_type, len(gold)
    )


def differences(
    sentences: Sequence[Sentence], predicted: Sequence[Sequence[str]]
) -> Iterator[dict[str, object]]:
    """Each sentence whose predicted spans differ from the gold ones, for reading errors by eye."""
    for sentence, tags in zip(sentences, predicted, strict=True):
        gold, found = set(sentence.spans), set(spans(tags))
        if gold != found:
            yield {
                "id": sentence.id,
                "line": sentence.line,
                "words": list(sentence.words),
                "gold": [_span_dict(sentence.words, span) for span in sorted(gold)],
                "predicted": [_span_dict(sentence.words, span) for span in sorted(found)],
                "missed": [_span_dict(sentence.words, span) for span in sorted(gold - found)],
                "spurious": [_span_dict(sentence.words, span) for span in sorted(found - gold)],
            }


def _span_dict(words: Sequence[str], span: tuple[int, int, str]) -> dict[str, object]:
    start, end, kind = span
    return {"start": start, "end": end, "type": kind, "text": " ".join(words[start:end])}


def report_table(report: Report, title: str = "Entity-level scores (seqeval, strict IOB2)") -> Table:
    table = Table(title=title)
    for column in ("type", "precision", "recall", "f1", "support"):
        table.add_column(column, justify="left" if column == "type" else "right")
    for kind, row in report.per_type.items():
        table.add_row(kind, f"{row.precision:.4f}", f"{row.recall:.4f}", f"{row.f1:.4f}", str(row.support))
    table.add_section()
    micro = report.micro
    table.add_row(
        "micro", f"{micro.precision:.4f}", f"{micro.recall:.4f}", f"{micro.f1:.4f}", str(micro.support)
    )
    table.add_row("macro", "", "", f"{report.macro_f1:.4f}", "")
    return table
