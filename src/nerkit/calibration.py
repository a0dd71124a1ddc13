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
from nerkit.labels import spans

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


def entity_scores(
    decode, probabilities: Sequence[np.ndarray], sentences: Sequence[Sentence]
) -> tuple[list, list]:
    """Each predicted entity's score (mean of its words') and whether gold has it."""
    scores, right = [], []
    for probs, sentence in zip(probabilities, sentences, strict=True):
        prediction = decode(probs)
        gold = set(spans(sentence.tags))
        for start, end, kind in spans(prediction.tags):
            scores.append(sum(prediction.scores[start:end]) / (end - start))
            right.append((start, end, kind) in gold)
    return scores, right


def fit_temperature(tagger, sentences: Sequence[Sentence]) -> Calibration:
    """The grid temperature with the lowest ECE on `sentences` (use validation data, not test)."""
    probabilities = tagger.word_probabilities(
        [list(s.words) for s in sentences], contexts=[s.context for s in sentences]
    )
    return fit(tagger.decoder, probabilities, sentences)


def fit(decoder, probabilities: Sequence[np.ndarray], sentences: Sequence[Sentence]) -> Calibration:
    """`fit_temperature` on word probabilities already computed; `decoder` is left as it was."""
    before_scores, before_right = scored_at(decoder, 1.0, probabilities, sentences)
    before = expected_calibration_error(before_scores, before_right)
    best = (before, 1.0)
    for temperature in TEMPERATURES:
        best = min(
            best,
            (
                expected_calibration_error(*scored_at(decoder, temperature, probabilities, sentences)),
                temperature,
            ),
        )
    return Calibration(best[1], before, best[0], len(before_scores))


def scored_at(
    decoder, temperature: float, probabilities: Sequence[np.ndarray], sentences: Sequence[Sentence]
) -> tuple[list, list]:
    """`entity_scores` with the decoder at `temperature` (and put back as it was after)."""
    original = decoder.temperature
    try:
        decoder.temperature = temperature
        return entity_scores(decoder, probabilities, sentences)
    finally:
        decoder.temperature = original
