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


def expected_calibration_error(scores: Sequence[float], right: Sequence[bool], bins: int = BINS) -> float:
    """Weighted mean gap between the mean score and the share right, over equal-width score bins."""
    if not scores:
        return 0.0
    values, hits = np.asarray(scores, dtype=float), np.asarray(right, dtype=float)
    which = np.minimum((values * bins).astype(int), bins - 1)
    gap = 0.0
    for index in range(bins):
        chosen = which == index
        if chosen.any():
            gap += chosen.sum() / len(values) * abs(values[chosen].mean() - hits[chosen].mean())
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
    probabilities = tagger.word_probabilities([list(s.words) for s in sentences])
    decoder = tagger.decoder
    original = decoder.temperature
    try:
        decoder.temperature = 1.0
        before = expected_calibration_error(*entity_scores(decoder, probabilities, sentences))
        best = (before, 1.0)
        for temperature in TEMPERATURES:
            decoder.temperature = temperature
            scores, right = entity_scores(decoder, probabilities, sentences)
            best = min(best, (expected_calibration_error(scores, right), temperature))
    finally:
        decoder.temperature = original
    return Calibration(best[1], before, best[0], len(scores))
