"""Decoding, in one room: word-label probabilities in, valid IOB2 tags and their scores out.

The `Decoder` owns the IOB2 constraints (which label may start a sentence or follow another) and, for a
CRF model, the learned transition scores (`TransitionScores`; `network.Transitions` while training):
how likely each allowed transition is
(`B-per` -> `I-per` against `B-per` -> `B-org`, say). A CRF trains the encoder on whole label sequences
rather than one word at a time; its scores are a few hundred numbers kept in the model's JSON metadata,
so every backend (PyTorch, ONNX, int8) decodes with them. Viterbi picks the path; a CRF model's scores
are forward-backward marginals over the same lattice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from nerkit.errors import NerkitError
from nerkit.labels import allowed_transitions, to_iob2

DECODE_BATCH = 64
"""Sentences decoded together, of similar lengths so little of the lattice is padding."""
FORBIDDEN = -1e4
"""A transition IOB2 does not allow: far below any learned score, finite so gradients stay finite."""


@dataclass(frozen=True, eq=False)
class TransitionScores:
    """A CRF model's learned start, transition and end scores, as its metadata keeps them: what
    decoding reads. Training holds them as a torch module (`nerkit.network.Transitions`) instead."""

    start: np.ndarray
    scores: np.ndarray
    end: np.ndarray

    @classmethod
    def from_json(cls, labels: Sequence[str], values: Mapping[str, Any]) -> TransitionScores:
        size = len(labels)
        try:
            loaded = {
                name: np.asarray(values[name], dtype=np.float32).astype(np.float64)
                for name in ("start", "scores", "end")
            }
        except (KeyError, TypeError, ValueError) as error:
            raise NerkitError("E027", f"cannot read the model's transition scores: {error}") from None
        shapes = {"start": (size,), "scores": (size, size), "end": (size,)}
        if any(loaded[name].shape != shape for name, shape in shapes.items()):
            raise NerkitError("E027", f"the model's transition scores do not fit its {size} labels")
        return cls(**loaded)

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return self.start, self.scores, self.end

    def relabelled(self, labels: Sequence[str], wider: Sequence[str]) -> TransitionScores:
        """The scores for `wider`, a label list holding every one of `labels`: each kept label keeps its
        scores, a new one starts at zero (no preference, as a fresh CRF does)."""
        where = [list(wider).index(label) for label in labels]
        start, end = np.zeros(len(wider)), np.zeros(len(wider))
        scores = np.zeros((len(wider), len(wider)))
        start[where], end[where] = self.start, self.end
        scores[np.ix_(where, where)] = self.scores
        return TransitionScores(start, scores, end)

    def version(self) -> tuple[int, ...]:
        """Fixed scores never change (a trained module's version moves with every update)."""
        return ()

    def to_json(self) -> dict[str, Any]:
        return {
            "start": _rounded(self.start),
            "scores": [_rounded(row) for row in self.scores],
            "end": _rounded(self.end),
        }


class Learned(Protocol):
    """Transition scores as the decoder reads them: fixed (`TransitionScores`) or in training."""

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]: ...

    def version(self) -> tuple[int, ...]: ...

    def to_json(self) -> dict[str, Any]: ...


def _rounded(values: Sequence[float] | np.ndarray) -> list[float]:
    return [round(float(value), 6) for value in values]


def _padded(rows: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Sentences of different lengths as one (sentences, most words, labels) array, zero-padded, and
    their lengths."""
    lengths = np.array([len(row) for row in rows])
    padded = np.zeros((len(rows), max(lengths.max(initial=0), 1), rows[0].shape[-1]))
    for index, row in enumerate(rows):
        padded[index, : len(row)] = row
    return padded, lengths


def marginals_batch(
    emissions: Sequence[np.ndarray],
    start: np.ndarray,
    follows: np.ndarray,
    learned: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> list[np.ndarray]:
    """Each word's probability of each label under the CRF (forward-backward over the same lattice
    Viterbi reads), for every sentence of a batch at once. These are a CRF model's scores: its per-word
    softmax is not a probability, since the model was trained on whole sequences, and it reads as 0.05
    for a word the model is sure of. Computed in probability space, rescaled at every word, one step
    for all sentences together; the sums run in a fixed order per sentence (an elementwise product
    summed over one axis, not a matrix product whose blocking depends on the batch), so a sentence's
    scores do not depend on what else is in its batch."""
    if not emissions:
        return []
    begin, between, end = learned
    padded, lengths = _padded(emissions)
    moves = np.where(follows, np.exp(between - between.max()), 0.0)
    local = np.exp(padded - padded.max(axis=2, keepdims=True))
    forward = np.empty_like(local)
    backward = np.empty_like(local)
    first = np.where(start, local[:, 0] * np.exp(begin - begin.max()), 0.0)
    forward[:, 0] = first / first.sum(-1, keepdims=True)
    for word in range(1, local.shape[1]):
        reached = (forward[:, word - 1, :, None] * moves).sum(1) * local[:, word]
        forward[:, word] = reached / reached.sum(-1, keepdims=True)
    last = np.exp(end - end.max())
    backward[:] = last
    for word in range(local.shape[1] - 2, -1, -1):
        following = (moves * (local[:, word + 1] * backward[:, word + 1])[:, None, :]).sum(2)
        inside = (word < lengths - 1)[:, None]
        backward[:, word] = np.where(inside, following / following.sum(-1, keepdims=True), last)
    joint = forward * backward
    joint /= joint.sum(-1, keepdims=True)
    return [joint[index, :length] for index, length in enumerate(lengths)]


def marginals(
    emissions: np.ndarray,
    start: np.ndarray,
    follows: np.ndarray,
    learned: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> np.ndarray:
    """`marginals_batch` for one sentence."""
    return marginals_batch([np.asarray(emissions, dtype=np.float64)], start, follows, learned)[0]


def viterbi_batch(
    emissions: Sequence[np.ndarray],
    start: np.ndarray,
    follows: np.ndarray,
    learned: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
) -> list[list[int]]:
    """The best label sequence of each sentence under hard transition constraints (`start[j]`: label j
    may begin; `follows[i, j]`: label j may follow label i), plus `learned` start, transition and end
    scores when the model has them (a CRF). One step for all sentences of a batch at once: per
    sentence, the lattice's Python loop cost more than its arithmetic. Without learned scores, a
    sentence whose words' best labels already form an allowed sequence takes that sequence."""
    if not emissions:
        return []
    padded, lengths = _padded(emissions)
    begin, between, end = learned if learned is not None else (0.0, 0.0, 0.0)
    transitions = np.where(follows, between, -np.inf)
    score = np.where(start, padded[:, 0] + begin, -np.inf)
    back = np.zeros((len(padded), max(padded.shape[1] - 1, 0), padded.shape[2]), dtype=np.int64)
    for word in range(1, padded.shape[1]):
        candidates = score[:, :, None] + transitions
        back[:, word - 1] = candidates.argmax(1)
        score = np.where((word < lengths)[:, None], candidates.max(1) + padded[:, word], score)
    rows = np.arange(len(padded))
    best = (score + end).argmax(-1)
    paths = np.zeros(padded.shape[:2], dtype=np.int64)
    paths[rows, np.maximum(lengths - 1, 0)] = best
    for word in range(padded.shape[1] - 1, 0, -1):
        inside = word < lengths
        best = np.where(inside, back[rows, word - 1, best], best)
        paths[:, word - 1] = np.where(inside, best, paths[:, word - 1])
    found = [paths[index, :length].tolist() for index, length in enumerate(lengths)]
    if learned is None:
        for index, row in enumerate(emissions):
            greedy = np.asarray(row).argmax(-1)
            if len(greedy) and start[greedy[0]] and follows[greedy[:-1], greedy[1:]].all():
                found[index] = greedy.tolist()
    return found


def viterbi(
    log_probs: np.ndarray,
    start: np.ndarray,
    follows: np.ndarray,
    learned: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
) -> list[int]:
    """`viterbi_batch` for one sentence."""
    return viterbi_batch([np.asarray(log_probs, dtype=np.float64)], start, follows, learned)[0]


@dataclass(frozen=True)
class Prediction:
    """Word-level IOB2 tags for one sentence, with the probability of each chosen tag."""

    tags: list[str]
    scores: list[float]


class Decoder:
    """Turns one sentence's word-label probabilities into IOB2 tags: the constraints and, for a CRF
    model, its `transitions` (trained as part of the network, read here as NumPy)."""

    def __init__(
        self, labels: Sequence[str], transitions: Learned | None = None, temperature: float = 1.0
    ) -> None:
        self.labels = list(labels)
        start, follows = allowed_transitions(self.labels)
        self.constraints = (np.array(start, dtype=bool), np.array(follows, dtype=bool))
        self.transitions = transitions
        self._arrays: tuple[Learned, tuple[int, ...], tuple[np.ndarray, ...]] | None = None
        self.temperature = temperature
        """Scores come from the model's distribution with every log-potential divided by this (fitted by
        `nerkit calibrate`, 1.0 until then); the tags do not change, only how sure the scores say it is."""

    @classmethod
    def from_metadata(cls, labels: Sequence[str], metadata: Mapping[str, Any]) -> Decoder:
        learned = metadata.get("transitions")
        transitions = TransitionScores.from_json(labels, learned) if learned is not None else None
        return cls(labels, transitions, float(metadata.get("temperature", 1.0)))

    def to_metadata(self) -> dict[str, Any]:
        found: dict[str, Any] = (
            {"transitions": self.transitions.to_json()} if self.transitions is not None else {}
        )
        return found | ({"temperature": self.temperature} if self.temperature != 1.0 else {})

    def __call__(self, probabilities: np.ndarray, constrained: bool = True) -> Prediction:
        """`decode` for one sentence."""
        return self.decode([probabilities], constrained)[0]

    def decode(self, probabilities: Sequence[np.ndarray], constrained: bool = True) -> list[Prediction]:
        """Tags and scores for a batch of sentences, decoded together. Constrained decoding finds the
        most probable sequence that is valid IOB2 (Viterbi over allowed transitions); unconstrained
        takes each word's best label and reads a stray `I-` as an entity start."""
        found: list[Prediction | None] = [None] * len(probabilities)
        order = sorted(range(len(probabilities)), key=lambda index: len(probabilities[index]))
        for first in range(0, len(order), DECODE_BATCH):
            chosen = order[first : first + DECODE_BATCH]
            probs = [np.asarray(probabilities[index], dtype=np.float64) for index in chosen]
            emissions = [np.log(np.maximum(sentence, 1e-12)) for sentence in probs]
            ids = self._best(probs, emissions, constrained)
            scores = self._scores(probs, emissions, ids, constrained, self.temperature)
            for index, row, row_scores in zip(chosen, ids, scores, strict=True):
                found[index] = Prediction(self.tags(row), row_scores)
        return found  # type: ignore[return-value]

    def best(self, probabilities: np.ndarray, constrained: bool = True) -> list[int]:
        """The label ids `__call__` chooses (they do not depend on the temperature)."""
        probs = np.asarray(probabilities, dtype=np.float64)
        return self._best([probs], [np.log(np.maximum(probs, 1e-12))], constrained)[0]

    def tags(self, ids: Sequence[int]) -> list[str]:
        tags, _ = to_iob2([self.labels[index] for index in ids])
        return tags

    def scores(self, probabilities: np.ndarray, ids: Sequence[int], temperature: float) -> list[float]:
        """Each chosen label's probability at `temperature`, for calibration to try temperatures
        without decoding again."""
        probs = np.asarray(probabilities, dtype=np.float64)
        return self._scores([probs], [np.log(np.maximum(probs, 1e-12))], [ids], True, temperature)[0]

    def _learned(self) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """The transition scores as NumPy, converted again only when they are new or training changed
        them."""
        if self.transitions is None:
            return None
        versions = self.transitions.version()
        cached = self._arrays
        if cached is None or cached[0] is not self.transitions or cached[1] != versions:
            cached = self._arrays = (self.transitions, versions, self.transitions.arrays())
        return cached[2]  # type: ignore[return-value]

    def _best(
        self, probs: Sequence[np.ndarray], emissions: Sequence[np.ndarray], constrained: bool
    ) -> list[list[int]]:
        if not constrained:
            return [sentence.argmax(-1).tolist() for sentence in probs]
        return viterbi_batch(emissions, *self.constraints, self._learned())

    def _scores(
        self,
        probs: Sequence[np.ndarray],
        emissions: Sequence[np.ndarray],
        ids: Sequence[Sequence[int]],
        constrained: bool,
        temperature: float,
    ) -> list[list[float]]:
        cooled = 1.0 / temperature
        learned = self._learned() if constrained else None
        if learned is not None:
            scaled = tuple(array * cooled for array in learned) if cooled != 1.0 else learned
            cool = [sentence * cooled for sentence in emissions] if cooled != 1.0 else emissions
            probs = marginals_batch(cool, *self.constraints, scaled)  # type: ignore[arg-type]
        elif cooled != 1.0:
            probs = [sentence**cooled / (sentence**cooled).sum(-1, keepdims=True) for sentence in probs]
        return [
            [round(score, 6) for score in sentence[np.arange(len(row)), row].tolist()]
            for sentence, row in zip(probs, ids, strict=True)
        ]
