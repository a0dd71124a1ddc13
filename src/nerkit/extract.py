"""`NER`, the object users hold: a loaded model and what can be done with it."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch

from nerkit.corpus import Corpus, Sentence
from nerkit.errors import NerkitError
from nerkit.evaluate import Report, score
from nerkit.model import Prediction, Tagger


class NER:
    """A trained nerkit model. Get one with `nerkit.load(path)`."""

    def __init__(self, tagger: Tagger) -> None:
        self.tagger = tagger

    @classmethod
    def load(cls, path: str | Path, device: torch.device | str = "cpu") -> NER:
        return cls(Tagger.load(path, device))

    @property
    def labels(self) -> list[str]:
        return self.tagger.labels

    @property
    def metadata(self) -> dict[str, Any]:
        return self.tagger.metadata

    def predict(
        self, sentences: Sequence[Sequence[str]], batch_size: int = 64, progress: bool = False
    ) -> list[Prediction]:
        """Tag pre-tokenised sentences (lists of words) with IOB2 tags and per-word probabilities."""
        return self.tagger.predict(sentences, batch_size=batch_size, progress=progress)

    def evaluate(
        self,
        data: Corpus | Sequence[Sentence],
        split: str = "test",
        limit: int | None = None,
        batch_size: int = 64,
        progress: bool = False,
    ) -> tuple[Report, list[Prediction]]:
        """Score the model on gold sentences (a corpus split, or sentences given directly)."""
        sentences = list(data[split] if isinstance(data, Corpus) else data)[:limit]
        if not sentences:
            raise NerkitError(
                "E040", f"no sentences to evaluate in split {split!r}", hint="Choose another --split."
            )
        predictions = self.predict([sentence.words for sentence in sentences], batch_size, progress)
        report = score(
            [sentence.tags for sentence in sentences], [prediction.tags for prediction in predictions]
        )
        return report, predictions
