"""The one evaluation: entity-level scores, never token accuracy (seqeval in strict IOB2 mode, so a span
counts only when both its edges and its type are right), with the predictions and error records.

`evaluate` is what training, `nerkit evaluate` and `NER.evaluate` all call. It takes the predictions as
a function of words, so it does not care how they were made (one process, shards, an ensemble).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from nerkit.corpus import Sentence
from nerkit.errors import NerkitError
from nerkit.extras import require
from nerkit.labels import entity_types, spans

if TYPE_CHECKING:
    from rich.table import Table

Predict = Callable[[list[Sequence[str]], list[tuple[Sequence[str], Sequence[str]]]], list[Sequence[str]]]
"""Words of each sentence and its context (see `Sentence.context`) in, IOB2 tags out."""


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
    require("train", "Entity-level scoring", ("seqeval",))
    from seqeval.metrics import classification_report
    from seqeval.scheme import IOB2

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


@dataclass(frozen=True)
class Evaluation:
    """Scores with what they were computed from: the gold sentences and the predicted tags."""

    report: Report
    sentences: tuple[Sentence, ...]
    predicted: tuple[tuple[str, ...], ...]

    def errors(self) -> Iterator[dict[str, object]]:
        """The sentences whose predicted spans differ from the gold ones (see `differences`)."""
        return differences(self.sentences, self.predicted)


def evaluate(
    sentences: Sequence[Sentence],
    predict: Predict,
    known_types: Sequence[str] | None = None,
    name: str = "the data",
) -> Evaluation:
    """Score `predict` on gold `sentences` (`name` says where they came from, for errors). With
    `known_types` (the model's entity types), data whose types are none of them is refused, since it
    could only ever score zero."""
    if not sentences:
        raise NerkitError("E040", f"no sentences to evaluate in {name}")
    found = set(entity_types(sentence.tags for sentence in sentences))
    if known_types is not None and found and not found & set(known_types):
        raise NerkitError(
            "E046",
            f"the data's entity types ({', '.join(sorted(found))}) are none of the model's "
            f"({', '.join(sorted(known_types))})",
            hint="Evaluate on data annotated like the training corpus.",
        )
    predicted = predict([s.words for s in sentences], [s.context for s in sentences])
    report = score([sentence.tags for sentence in sentences], predicted)
    return Evaluation(report, tuple(sentences), tuple(tuple(tags) for tags in predicted))


Span = tuple[int, int, str]
ERROR_KINDS = ("type", "boundary", "missed", "spurious")
"""What went wrong with an entity: the right edges with another type; an overlapping prediction with
other edges; no prediction touching it; a prediction touching no gold entity."""


@dataclass(frozen=True)
class Outcome:
    """One entity's fate: `kind` is "correct" or one of `ERROR_KINDS`; `gold` is None for a spurious
    prediction and `predicted` None for a missed entity."""

    kind: str
    gold: str | None
    predicted: str | None


def outcomes(gold: set[Span], found: set[Span]) -> list[Outcome]:
    """Each gold span's outcome (same span, same edges other type, overlap, nothing), then one per
    prediction that touches no gold span. A prediction that overlaps a gold span it did not match is
    part of that span's boundary error, not spurious."""
    found_sorted = sorted(found)
    result = []
    for start, end, kind in sorted(gold):
        same_edges = next((span for span in found_sorted if span[:2] == (start, end)), None)
        overlapping = next((span for span in found_sorted if span[0] < end and start < span[1]), None)
        if same_edges is not None:
            result.append(Outcome("correct" if same_edges[2] == kind else "type", kind, same_edges[2]))
        elif overlapping is not None:
            result.append(Outcome("boundary", kind, overlapping[2]))
        else:
            result.append(Outcome("missed", kind, None))
    for start, end, kind in found_sorted:
        if not any(span[0] < end and start < span[1] for span in gold):
            result.append(Outcome("spurious", None, kind))
    return result


def confusion(
    sentences: Sequence[Sentence], predicted: Sequence[Sequence[str]]
) -> dict[tuple[str, str], int]:
    """Entity-level confusion counts keyed `(gold type, column)`: the column is the predicted type of a
    span with the gold edges (the diagonal is right), "boundary" or "missed"; spurious predictions
    are keyed `("spurious", predicted type)`."""
    counts: dict[tuple[str, str], int] = {}
    for sentence, tags in zip(sentences, predicted, strict=True):
        for outcome in outcomes(set(sentence.spans), set(spans(tags))):
            if outcome.kind in ("correct", "type"):
                key = (outcome.gold, outcome.predicted)
            elif outcome.kind == "spurious":
                key = ("spurious", outcome.predicted)
            else:
                key = (outcome.gold, outcome.kind)
            counts[key] = counts.get(key, 0) + 1  # type: ignore[index]
    return counts


def differences(
    sentences: Sequence[Sentence], predicted: Sequence[Sequence[str]]
) -> Iterator[dict[str, object]]:
    """Each sentence whose predicted spans differ from the gold ones, for reading errors by eye, with
    its position in `sentences`, the kinds of error it holds (`ERROR_KINDS`) and the entity types they
    involve."""
    for index, (sentence, tags) in enumerate(zip(sentences, predicted, strict=True)):
        gold, found = set(sentence.spans), set(spans(tags))
        if gold != found:
            wrong = [outcome for outcome in outcomes(gold, found) if outcome.kind != "correct"]
            yield {
                "id": sentence.id,
                "line": sentence.line,
                "index": index,
                "kinds": sorted({outcome.kind for outcome in wrong}, key=ERROR_KINDS.index),
                "types": sorted({t for o in wrong for t in (o.gold, o.predicted) if t is not None}),
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
    from rich.table import Table

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


CharSpan = tuple[int, int, str]


@dataclass(frozen=True)
class TextEvaluation:
    """Extraction scored on raw texts by character spans: exact edges, and any overlap."""

    exact: Report
    partial: Report
    predicted: tuple[tuple[CharSpan, ...], ...]


def span_report(
    gold: Sequence[Sequence[CharSpan]],
    predicted: Sequence[Sequence[CharSpan]],
    partial: bool = False,
    labels: Sequence[str] | None = None,
) -> Report:
    """Entity scores on raw text, by character spans `(start, end, label)` per document: a prediction
    is right when a gold span has its label and the same edges (or, with `partial`, any overlap; each
    gold span is matched once). `labels` restricts both sides to those labels; `sentences` in the
    report counts documents."""
    keep = set(labels) if labels is not None else None
    counts: dict[str, list[int]] = {}  # label -> [true positives, predicted, gold]
    for gold_spans, found in zip(gold, predicted, strict=True):
        gold_spans = [s for s in gold_spans if keep is None or s[2] in keep]
        found = [s for s in found if keep is None or s[2] in keep]
        unmatched = list(gold_spans)
        for span in found:
            counts.setdefault(span[2], [0, 0, 0])[1] += 1
            match = next((g for g in unmatched if _matches(g, span, partial)), None)
            if match is not None:
                unmatched.remove(match)
                counts[span[2]][0] += 1
        for span in gold_spans:
            counts.setdefault(span[2], [0, 0, 0])[2] += 1
    per_type = {label: _prf(*counts[label]) for label in sorted(counts)}
    micro = _prf(*(sum(column) for column in zip(*counts.values(), strict=True))) if counts else _prf(0, 0, 0)
    macro = round(sum(score.f1 for score in per_type.values()) / len(per_type), 4) if per_type else 0.0
    return Report(micro, macro, per_type, len(gold))


def _matches(gold: CharSpan, found: CharSpan, partial: bool) -> bool:
    if gold[2] != found[2]:
        return False
    return gold[0] < found[1] and found[0] < gold[1] if partial else gold[:2] == found[:2]


def _prf(right: int, predicted: int, gold: int) -> Score:
    precision = right / predicted if predicted else 0.0
    recall = right / gold if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Score(round(precision, 4), round(recall, 4), round(f1, 4), gold)
