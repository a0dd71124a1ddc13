"""Do entity scores mean what they say? Expected calibration error of entity scores, and temperature
scaling (Guo et al., 2017) fitted on held-out sentences so that a score of 0.9 is right about 90% of the
time; `nerkit calibrate` stores the temperature in the model and `Entity.score` then follows it.

An entity counts as right when a gold entity has its exact words and type. The temperature divides
every log-potential of the model's distribution (word log-probabilities, and a CRF's transition
scores): the best tags stay the same, only the scores move.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

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
        scores, right = [], []
        for probs, best, found, gold in zip(
            self.probabilities, self.ids, self.predicted, self.gold, strict=True
        ):
            if not found:
                continue
            words = decoder.scores(probs, best, temperature)
            for start, end, kind in found:
                scores.append(span_score(words, start, end))
                right.append((start, end, kind) in gold)
        return scores, right


def fit_temperature(tagger, sentences: Sequence[Sentence]) -> Calibration:
    """The grid temperature with the lowest ECE on `sentences` (use validation data, not test)."""
    probabilities = tagger.word_probabilities(
        [list(s.words) for s in sentences], contexts=[s.context for s in sentences]
    )
    return fit(tagger.decoder, Decoded.of(tagger.decoder, probabilities, sentences))


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
