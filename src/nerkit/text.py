"""Raw text to sentences of words, each with character offsets into the original string.

Offsets are first-class: whatever is found in the words maps back to the exact characters a user gave.
Raw text is first cut where its layout says entities end (`nerkit.layout`: lines of signatures and
headers, table cells, field names), then each piece into words by spaCy's rule-based English tokenizer
and into sentences by its sentencizer's rule (no model needed), whose Penn-Treebank-like words (`n't`,
`U.S.`, `$` `5`) match how GMB and CoNLL were tokenised. Both run without spaCy (`nerkit.wordsplit`
follows spaCy's algorithm over rules exported from it), as importing spaCy alone took longer than
extraction may take to start. Long texts are cut at paragraph breaks (or, failing that, whitespace) into
chunks so memory stays bounded whatever the input size.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from nerkit import layout, wordsplit

_PARAGRAPH = re.compile(r"\n\s*\n")


@dataclass(frozen=True)
class Word:
    text: str
    start: int
    end: int


def word_spans(words: Sequence[Word], spans: Iterable[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Character spans `(start, end, label)` as word spans over `words`: those whose edges fall on the
    words' edges (others are not expressible in these words and are left out)."""
    starts = {word.start: index for index, word in enumerate(words)}
    ends = {word.end: index + 1 for index, word in enumerate(words)}
    return [
        (starts[start], ends[end], label) for start, end, label in spans if start in starts and end in ends
    ]


def word_offsets(text: str, cuts: Iterable[int] = ()) -> list[tuple[int, int]]:
    """Split text into words the way extraction does (spaCy's rule-based tokenizer, `Segmenter`),
    additionally cutting at the given character positions so that annotated spans always fall on word
    edges. Words joined by spaces (`detokenize`) come back as they were, "'s", "U.S." and "..." too."""
    boundaries = sorted(set(cuts))
    offsets: list[tuple[int, int]] = []
    for token in wordsplit.split(text):
        if token.is_space or not token.text.strip():
            continue
        start, end = token.start, token.start + token.length
        for cut in boundaries:
            if start < cut < end:
                offsets.append((start, cut))
                start = cut
        offsets.append((start, end))
    return offsets


def detokenize(words: Iterable[str]) -> tuple[str, list[tuple[int, int]]]:
    """Join words with single spaces, returning the text and each word's offsets."""
    pieces: list[str] = []
    offsets: list[tuple[int, int]] = []
    position = 0
    for word in words:
        if pieces:
            position += 1
        offsets.append((position, position + len(word)))
        pieces.append(word)
        position += len(word)
    return " ".join(pieces), offsets


def chunks(text: str, size: int) -> Iterator[int]:
    """Start offsets of pieces of at most about `size` characters, cut at paragraph breaks where
    possible, else at whitespace, else anywhere (a single enormous token)."""
    start = 0
    while start < len(text):
        yield start
        if len(text) - start <= size:
            return
        window = text[start : start + size]
        breaks = [match.end() for match in _PARAGRAPH.finditer(window)]
        cut = breaks[-1] if breaks and breaks[-1] > size // 4 else window.rfind(" ", size // 4) + 1
        start += cut if cut > 0 else size


class Segmenter:
    """Sentences and words with offsets: spaCy's English tokenizer (`nerkit.wordsplit`), and its
    sentencizer's rule (a sentence ends after `.`, `!`, `?` and the like, at the next token that is no
    punctuation)."""

    def __init__(self, chunk_size: int = 100_000, max_sentence_words: int = 400) -> None:
        self.chunk_size = chunk_size
        self.max_sentence_words = max_sentence_words

    def sentences(self, text: str, segments: Sequence[layout.Segment] | None = None) -> Iterator[list[Word]]:
        """Sentences of non-space words, within the layout's segments (`nerkit.layout`; given when the
        caller has them), so no sentence runs across a signature line, a table cell or a header field's
        name. Sentences longer than `max_sentence_words` (lists without punctuation) are cut so one
        never holds a whole document."""
        found = layout.segments(text) if segments is None else segments
        masked = layout.mask(text, found)
        ends = wordsplit.sentence_ends()
        for segment in found:
            for offset, size in _chunk_sizes(masked[segment.start : segment.end], self.chunk_size):
                start = segment.start + offset
                piece = masked[start : start + size]
                sentence: list[Word] = []
                seen_end = False
                for index, length, punct, space, word in wordsplit.split(piece):
                    ending = word in ends
                    if seen_end and not punct and not ending:
                        yield from self._cut(sentence)
                        sentence, seen_end = [], False
                    elif ending:
                        seen_end = True
                    if not space and word.strip():
                        sentence.append(Word(word, start + index, start + index + length))
                yield from self._cut(sentence)

    def _cut(self, words: list[Word]) -> Iterator[list[Word]]:
        for offset in range(0, len(words), self.max_sentence_words):
            if words[offset : offset + self.max_sentence_words]:
                yield words[offset : offset + self.max_sentence_words]


def _chunk_sizes(text: str, size: int) -> Iterator[tuple[int, int]]:
    starts = list(chunks(text, size))
    for index, start in enumerate(starts):
        end = starts[index + 1] if index + 1 < len(starts) else len(text)
        yield start, end - start
