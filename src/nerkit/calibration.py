"""Do entity scores mean what they say? Expected calibration error of entity scores, and temperature
scaling (Guo et al., 2017) fitted on held-out sentences so that a score of 0.9 is right about 90% of the
time; `nerkit calibrate` stores the temperature in the model and `Entity.score` then follows it.
Then per label, what a score threshold trades (`tradeoff`): the precision and recall of the entities kept
at each threshold, and the threshold with the best F1 (`best_thresholds`), which `nerkit calibrate`
stores for extraction to apply.

An entity counts as right when a gold entity has its exact words and type. The temperature divides
every log-potential of the model's distribution (word log-probabilities, and a CRF's transition
scores): the best tags stay the same, only the scores move.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from nerkit.corpus.types import Sentence
from nerkit.labels import span_score, spans

BINS = 15
TEMPERATURES = tuple(round(0.5 + 0.1 * step, 2) for step in range(46))
"""The grid the temperature is chosen from: 0.5 to 5.0."""


@dataclass(frozen=True)
class Calibration:
    temperature: float
    ece_before: float
    ece_after: float
    entities: int


@dataclass(frozen=True)
class Bin:
    """Entities whose score fell in `[low, high)`: how many, their mean score, and the share right."""

    low: float
    high: float
    count: int
    mean_score: float
    accuracy: float


def reliability(scores: Sequence[float], right: Sequence[bool], bins: int = BINS) -> list[Bin]:
    """Equal-width score bins (the reliability diagram's bars); empty bins are left out."""
    values, hits = np.asarray(scores, dtype=float), np.asarray(right, dtype=float)
    which = np.minimum((values * bins).astype(int), bins - 1)
    return [
        Bin(
            index / bins,
            (index + 1) / bins,
            int(chosen.sum()),
            float(values[chosen].mean()),
            float(hits[chosen].mean()),
        )
        for index in range(bins)
        if (chosen := which == index).any()
    ]


def expected_calibration_error(scores: Sequence[float], right: Sequence[bool], bins: int = BINS) -> float:
    """Weighted mean gap between the mean score and the share right, over equal-width score bins."""
    if not scores:
        return 0.0
    gap = sum(
        b.count / len(scores) * abs(b.mean_score - b.accuracy) for b in reliability(scores, right, bins)
    )
    return round(float(gap), 4)


@dataclass(frozen=True)
class Scored:
    """A predicted entity as a threshold sees it: its label, its score and whether gold has it."""

    label: str
    score: float
    right: bool


@dataclass(frozen=True)
class Point:
    """What keeping a label's entities scored at or above `threshold` gives."""

    threshold: float
    precision: float
    recall: float
    f1: float
    kept: int

    def summary(self) -> str:
        return f"{self.precision:.3f} / {self.recall:.3f} / {self.f1:.3f}"


THRESHOLDS = tuple(round(0.05 * step, 2) for step in range(20))
"""The grid a label's threshold is chosen from: 0 (keep all) to 0.95."""


def tradeoff(found: Iterable[Scored], gold: Counter[str]) -> dict[str, list[Point]]:
    """Per label (of the predictions or the gold), precision, recall and F1 at each threshold of
    `THRESHOLDS`: recall counts every gold entity of the label, found or not."""
    by_label: dict[str, list[Scored]] = {label: [] for label in gold}
    for entity in found:
        by_label.setdefault(entity.label, []).append(entity)
    curves = {}
    for label, entities in sorted(by_label.items()):
        points = []
        for threshold in THRESHOLDS:
            kept = [entity for entity in entities if entity.score >= threshold]
            right = sum(entity.right for entity in kept)
            precision = right / len(kept) if kept else 0.0
            recall = right / gold[label] if gold[label] else 0.0
            f1 = 2 * precision * recall / (precision + recall) if right else 0.0
            points.append(Point(threshold, round(precision, 4), round(recall, 4), round(f1, 4), len(kept)))
        curves[label] = points
    return curves


def best_thresholds(curves: dict[str, list[Point]]) -> dict[str, float]:
    """Per label, the lowest threshold with the best F1; labels whose best is 0 (keep all) are left out."""
    best = {
        label: max(points, key=lambda p: (p.f1, -p.threshold)).threshold for label, points in curves.items()
    }
    return {label: threshold for label, threshold in best.items() if threshold > 0}


def scored_documents(
    documents: Iterable[tuple[Sequence[Any], Iterable[tuple[int, int, str]]]],
) -> tuple[list[Scored], Counter[str]]:
    """Extracted entities (`Entity`: `start`, `end`, `label`, `score`, `source`) against gold character
    spans, document by document, for `tradeoff`: an entity is right when gold has its exact span and
    label; pattern matches count as scored 1, since thresholds leave them alone."""
    found, gold_counts = [], Counter()
    for entities, gold in documents:
        gold = set(gold)
        gold_counts.update(label for _, _, label in gold)
        for e in entities:
            score = e.score if e.source == "model" else 1.0
            found.append(Scored(e.label, score, (e.start, e.end, e.label) in gold))
    return found, gold_counts


@dataclass(frozen=True)
class Decoded:
    """Sentences decoded once: the label ids and gold spans that entity scores at any temperature
    are read against (the tags do not depend on the temperature)."""

    probabilities: Sequence[np.ndarray]
    ids: list[list[int]]
    tags: list[list[str]]
    predicted: list[list[tuple[int, int, str]]]
    gold: list[set[tuple[int, int, str]]]

    @classmethod
    def of(cls, decoder, probabilities: Sequence[np.ndarray], sentences: Sequence[Sentence]) -> Decoded:
        ids = [decoder.best(probs) for probs in probabilities]
        tags = [decoder.tags(best) for best in ids]
        return cls(
            probabilities,
            ids,
            tags,
            [list(spans(found)) for found in tags],
            [set(sentence.spans) for sentence in sentences],
        )

    def scored_at(self, decoder, temperature: float) -> tuple[list[float], list[bool]]:
        """Each predicted entity's score (mean of its words') at `temperature`, and whether gold has it."""
        found = self.entities_at(decoder, temperature)
        return [entity.score for entity in found], [entity.right for entity in found]

    def entities_at(self, decoder, temperature: float) -> list[Scored]:
        """Each predicted entity's type, score at `temperature`, and whether gold has it."""
        scored = []
        for probs, best, found, gold in zip(
            self.probabilities, self.ids, self.predicted, self.gold, strict=True
        ):
            if not found:
                continue
            words = decoder.scores(probs, best, temperature)
            for start, end, kind in found:
                scored.append(Scored(kind, span_score(words, start, end), (start, end, kind) in gold))
        return scored

    def gold_counts(self) -> Counter[str]:
        return Counter(kind for gold in self.gold for _, _, kind in gold)


def decode(tagger, sentences: Sequence[Sentence]) -> Decoded:
    """Tag `sentences` once (use validation data, not test) for `fit` and `Decoded.entities_at`."""
    probabilities = tagger.word_probabilities(
        [list(s.words) for s in sentences], contexts=[s.context for s in sentences]
    )
    return Decoded.of(tagger.decoder, probabilities, sentences)


def fit(decoder, decoded: Decoded) -> Calibration:
    """The temperature of `TEMPERATURES` with the lowest ECE: every fifth one first, then the grid
    around the best of those (the error is close to unimodal in the temperature, and each try costs a
    forward-backward pass per sentence)."""
    errors: dict[float, float] = {}

    def error(temperature: float) -> float:
        if temperature not in errors:
            errors[temperature] = expected_calibration_error(*decoded.scored_at(decoder, temperature))
        return errors[temperature]

    coarse = min(TEMPERATURES[::5], key=lambda t: (error(t), t))
    near = [t for t in TEMPERATURES if abs(t - coarse) < 0.5]
    best = min([1.0, *near], key=lambda t: (error(t), t))
    return Calibration(best, error(1.0), error(best), sum(len(found) for found in decoded.predicted))
