"""What a report shows about one model on gold sentences, as plain data: scores, the entity-level
confusion, the error records (`Evaluation.errors`, the ones `nerkit evaluate --errors` writes) with the
model's confidence, the training curves from its nerkit.json, and calibration before and after a
temperature fitted on other sentences. Two models on the same sentences also give their disagreements.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nerkit.calibration import Bin, Decoded, Point, expected_calibration_error, fit, reliability, tradeoff
from nerkit.corpus import Sentence
from nerkit.evaluate import Evaluation, Report, confusion, evaluate
from nerkit.labels import span_score, spans


@dataclass(frozen=True)
class CalibrationView:
    """Entity scores on the report's sentences at temperature 1 and at the one fitted on `fitted_on`."""

    temperature: float
    fitted_on: str
    ece_before: float
    ece_after: float
    before: list[Bin]
    after: list[Bin]
    entities: int
    stored_temperature: float
    """What the model's nerkit.json holds (1.0 when it was never calibrated)."""


@dataclass(frozen=True)
class ModelView:
    name: str
    evaluation: Evaluation
    confidence: tuple[float, ...]
    """Per sentence: the mean probability of the chosen tags (how sure the model was of the sentence)."""
    entity_scores: tuple[tuple[float, ...], ...]
    """Per sentence: each predicted entity's score, in span order."""
    confusion: dict[tuple[str, str], int]
    metadata: dict[str, Any]
    calibration: CalibrationView | None
    tradeoff: dict[str, list[Point]] = field(default_factory=dict)
    """Per readable label, precision, recall and F1 at each score threshold (`calibration.tradeoff`)."""
    thresholds: dict[str, float] = field(default_factory=dict)
    """The per-label thresholds the model stores (`nerkit calibrate`)."""
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def report(self) -> Report:
        return self.evaluation.report

    def errors(self) -> list[dict[str, Any]]:
        """`Evaluation.errors()` records, each with the sentence's confidence and every predicted
        entity's score."""
        found = []
        for row in self.evaluation.errors():
            index = row["index"]
            predicted = [
                {**span, "score": score}
                for span, score in zip(row["predicted"], self.entity_scores[index], strict=True)
            ]
            found.append({**row, "predicted": predicted, "confidence": round(self.confidence[index], 4)})
        return found


def analyse(
    name: str,
    ner,
    sentences: Sequence[Sentence],
    fit_sentences: Sequence[Sentence] = (),
    fitted_on: str = "",
    batch_size: int = 64,
    progress: bool = False,
) -> ModelView:
    """Tag `sentences` once and derive every view from those probabilities. The temperature is fitted
    on `fit_sentences` (never the sentences scored), when there are any."""
    tagger = ner.tagger
    decoder = tagger.decoder
    probabilities = _probabilities(tagger, sentences, batch_size, progress)
    decoded = Decoded.of(decoder, probabilities, sentences)
    word_scores = [
        decoder.scores(probs, ids, decoder.temperature)
        for probs, ids in zip(probabilities, decoded.ids, strict=True)
    ]
    evaluation = evaluate(sentences, lambda words, contexts: decoded.tags, tagger.entity_types, name)
    calibration = None
    if fit_sentences:
        fit_probabilities = _probabilities(tagger, fit_sentences, batch_size, progress)
        fitted = fit(decoder, Decoded.of(decoder, fit_probabilities, fit_sentences))
        before = decoded.scored_at(decoder, 1.0)
        after = decoded.scored_at(decoder, fitted.temperature)
        calibration = CalibrationView(
            fitted.temperature,
            fitted_on,
            expected_calibration_error(*before),
            expected_calibration_error(*after),
            reliability(*before),
            reliability(*after),
            len(before[0]),
            decoder.temperature,
        )
    return ModelView(
        name,
        evaluation,
        tuple(float(np.mean(scores)) if scores else 1.0 for scores in word_scores),
        tuple(_entity_scores(tags, scores) for tags, scores in zip(decoded.tags, word_scores, strict=True)),
        confusion(sentences, evaluation.predicted),
        dict(ner.metadata),
        calibration,
        _readable(tradeoff(decoded.entities_at(decoder, decoder.temperature), decoded.gold_counts()), ner),
        dict(ner.thresholds),
    )


def _readable(curves: dict[str, list[Point]], ner) -> dict[str, list[Point]]:
    return {ner.label_names.get(kind, kind): points for kind, points in curves.items()}


def _probabilities(
    tagger, sentences: Sequence[Sentence], batch_size: int, progress: bool
) -> list[np.ndarray]:
    return tagger.word_probabilities(
        [list(s.words) for s in sentences], batch_size, progress, [s.context for s in sentences]
    )


def _entity_scores(tags: Sequence[str], scores: Sequence[float]) -> tuple[float, ...]:
    return tuple(round(span_score(scores, start, end), 4) for start, end, _ in spans(tags))


def disagreements(first: ModelView, second: ModelView) -> list[dict[str, Any]]:
    """Sentences where the two models' spans differ, with gold and both predictions, and which of the
    two (if either) has exactly the gold spans."""
    found = []
    pairs = zip(first.evaluation.predicted, second.evaluation.predicted, strict=True)
    for position, (one, two) in enumerate(pairs):
        a, b = set(spans(one)), set(spans(two))
        if a == b:
            continue
        sentence = first.evaluation.sentences[position]
        gold = set(sentence.spans)
        found.append(
            {
                "id": sentence.id,
                "index": position,
                "words": list(sentence.words),
                "gold": _rows(gold),
                "first": _rows(a),
                "second": _rows(b),
                "right": "first" if a == gold else "second" if b == gold else "neither",
                "types": sorted({kind for _, _, kind in a ^ b}),
            }
        )
    return found


def _rows(found: set[tuple[int, int, str]]) -> list[dict[str, Any]]:
    return [{"start": start, "end": end, "type": kind} for start, end, kind in sorted(found)]
