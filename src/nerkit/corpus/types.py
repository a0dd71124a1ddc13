"""The nouns every other module shares: a `Sentence` of words and IOB2 tags, and a `Corpus` of splits."""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from nerkit.labels import Span, entity_types, spans

SPLITS = ("train", "validation", "test")
Words = TypeVar("Words")


@dataclass(frozen=True)
class Sentence:
    """Pre-tokenised words with one IOB2 tag each.

    `id` is the sentence number (GMB's `Sentence: N`, else the 1-based position in its file) and is
    what reference splits are computed from; `line` is where the sentence starts in its file.
    `before` and `after` are the words of the neighbouring sentences of the same document, which a model
    trained with document context reads (never their labels); `source` names the corpus a mixed training
    set took it from, so that a distillation run's teachers teach only the sources they know (`teach`).
    None of the three takes part in equality.
    """

    words: tuple[str, ...]
    tags: tuple[str, ...]
    id: int = 0
    line: int = 0
    before: tuple[str, ...] = field(default=(), compare=False, repr=False)
    after: tuple[str, ...] = field(default=(), compare=False, repr=False)
    source: str = field(default="", compare=False, repr=False)

    def __post_init__(self) -> None:
        if len(self.words) != len(self.tags):
            raise ValueError(f"{len(self.words)} words but {len(self.tags)} tags")

    def __len__(self) -> int:
        return len(self.words)

    @property
    def spans(self) -> list[Span]:
        return spans(self.tags)

    @property
    def context(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        return self.before, self.after


@dataclass(frozen=True)
class Corpus:
    """Sentences in named splits, plus what was repaired on the way in and where it came from."""

    name: str
    splits: Mapping[str, tuple[Sentence, ...]]
    repairs: Mapping[str, int] = field(default_factory=dict)
    sources: tuple[str, ...] = ()
    fingerprint: str = ""

    def __getitem__(self, split: str) -> tuple[Sentence, ...]:
        """One split by name; `all` is every sentence."""
        return self.sentences if split == "all" else self.splits.get(split, ())

    @property
    def sentences(self) -> tuple[Sentence, ...]:
        return tuple(sentence for part in self.splits.values() for sentence in part)

    @property
    def entity_types(self) -> list[str]:
        return entity_types(sentence.tags for sentence in self.sentences)


def neighbours(
    words: Sequence[Words], documents: Sequence[Hashable], edge: Words
) -> list[tuple[Words, Words]]:
    """Each sentence's words before and after it within its document (`edge` where there are none):
    what readers attach to sentences and extraction feeds to models trained with document context."""

    def beside(index: int, other: int) -> Words:
        inside = 0 <= other < len(words) and documents[other] == documents[index]
        return words[other] if inside else edge

    return [(beside(index, index - 1), beside(index, index + 1)) for index in range(len(words))]


def reference_split(sentences: Sequence[Sentence]) -> dict[str, tuple[Sentence, ...]]:
    """nerkit's seed-free split by sentence number: test N%10==0, validation N%10==9, train the rest.

    Any tool can rebuild it exactly, and it never splits a sentence across parts.
    """
    parts: dict[str, list[Sentence]] = {name: [] for name in SPLITS}
    for sentence in sentences:
        rest = sentence.id % 10
        parts["test" if rest == 0 else "validation" if rest == 9 else "train"].append(sentence)
    return {name: tuple(part) for name, part in parts.items()}


def _percentile(sorted_values: Sequence[int], q: float) -> int:
    if not sorted_values:
        return 0
    index = min(len(sorted_values) - 1, max(0, round(q / 100 * (len(sorted_values) - 1))))
    return sorted_values[index]


def stats(sentences: Sequence[Sentence]) -> dict[str, object]:
    """Counts a user checks before training: sizes, entities per type, sentence-length percentiles."""
    lengths = sorted(len(sentence) for sentence in sentences)
    entities: Counter[str] = Counter(kind for sentence in sentences for _, _, kind in sentence.spans)
    return {
        "sentences": len(sentences),
        "tokens": sum(lengths),
        "entities": dict(sorted(entities.items(), key=lambda item: (-item[1], item[0]))),
        "length": {
            "mean": round(sum(lengths) / len(lengths), 2) if lengths else 0.0,
            "p50": _percentile(lengths, 50),
            "p90": _percentile(lengths, 90),
            "p99": _percentile(lengths, 99),
            "max": lengths[-1] if lengths else 0,
        },
    }
