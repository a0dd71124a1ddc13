"""Raw text to sentences of words, each with character offsets into the original string.

Offsets are first-class: whatever is found in the words maps back to the exact characters a user gave.
Raw text is first cut where its layout says entities end (`nerkit.layout`: lines of signatures and
headers, table cells, field names), then each piece by spaCy's rule-based English tokenizer and
sentencizer from a blank pipeline
(no model needed), whose Penn-Treebank-like words (`n't`, `U.S.`, `$` `5`) match how GMB and CoNLL
were tokenised. Long texts are cut at paragraph breaks (or, failing that, whitespace) into chunks so
memory stays bounded whatever the input size.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property

from nerkit import layout

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
    for token in _tokenizer()(text):
        if token.is_space or not token.text.strip():
            continue
        start, end = token.idx, token.idx + len(token.text)
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


def _infixes():
    """spaCy's English infix rules without the ones that split at hyphens: GMB and CoNLL keep
    `Washington-based`, `Boutros-Ghali`, `1996-12-06` and `2-0` as single words, and a model sees
    raw text best the way it saw its training data (measured in docs/results.md)."""
    from spacy.lang.char_classes import (
        ALPHA,
        ALPHA_LOWER,
        ALPHA_UPPER,
        CONCAT_QUOTES,
        LIST_ELLIPSES,
        LIST_ICONS,
    )
    from spacy.util import compile_infix_regex

    return compile_infix_regex(
        [
            *LIST_ELLIPSES,
            *LIST_ICONS,
            r"(?<=[0-9])[+*^](?=[0-9-])",
            rf"(?<=[{ALPHA_LOWER}{CONCAT_QUOTES}])\.(?=[{ALPHA_UPPER}{CONCAT_QUOTES}])",
            rf"(?<=[{ALPHA}]),(?=[{ALPHA}])",
            rf"(?<=[{ALPHA}0-9])[:<>=/](?=[{ALPHA}])",
        ]
    )


@functools.cache
def _tokenizer():
    """spaCy's English tokenizer rules with nerkit's infixes (see `_infixes`); built once, read-only.

    Built from `English.Defaults` as spaCy's own tokenizer factory builds it, not through
    `spacy.blank("en")`: a `Language` loads every package's spaCy entry points, and where
    presidio-analyzer is installed its entry point imports transformers' pipelines (a one-text
    `nerkit extract` took 8.7 s with it, 5.6 s without). Its vocabulary computes only the two word
    attributes segmentation reads (punctuation, space), not the twenty spaCy computes for each new word:
    on CoNLL's test text, new to a process, segmentation took 0.47-0.63 s with them and 0.38-0.45
    without."""
    from spacy.attrs import IS_PUNCT, IS_SPACE
    from spacy.lang.en import English
    from spacy.lang.lex_attrs import is_punct, is_space
    from spacy.tokenizer import Tokenizer
    from spacy.util import compile_prefix_regex, compile_suffix_regex
    from spacy.vocab import Vocab

    defaults = English.Defaults
    return Tokenizer(
        Vocab(lex_attr_getters={IS_PUNCT: is_punct, IS_SPACE: is_space}),
        rules=defaults.tokenizer_exceptions,
        prefix_search=compile_prefix_regex(defaults.prefixes).search,
        suffix_search=compile_suffix_regex(defaults.suffixes).search,
        infix_finditer=_infixes().finditer,
        token_match=defaults.token_match,
        url_match=defaults.url_match,
    )


class Segmenter:
    """Sentences and words with offsets: spaCy's blank English tokenizer, and its sentencizer's rule
    (a sentence ends after `.`, `!`, `?` and the like, at the next token that is no punctuation) read
    off the tokenizer's arrays, so no per-token Python object is made (they were most of the time)."""

    def __init__(self, chunk_size: int = 100_000, max_sentence_words: int = 400) -> None:
        self.chunk_size = chunk_size
        self.max_sentence_words = max_sentence_words

    @cached_property
    def _ends(self) -> frozenset[int]:
        """The string ids of the characters that end a sentence, as spaCy's sentencizer has them."""
        from spacy.pipeline import Sentencizer

        strings = _tokenizer().vocab.strings
        return frozenset(strings.add(character) for character in Sentencizer.default_punct_chars)

    def sentences(self, text: str, segments: Sequence[layout.Segment] | None = None) -> Iterator[list[Word]]:
        """Sentences of non-space words, within the layout's segments (`nerkit.layout`; given when the
        caller has them), so no sentence runs across a signature line, a table cell or a header field's
        name. Sentences longer than `max_sentence_words` (lists without punctuation) are cut so one
        never holds a whole document."""
        from spacy.attrs import IDX, IS_PUNCT, IS_SPACE, LENGTH, ORTH

        found = layout.segments(text) if segments is None else segments
        masked = layout.mask(text, found)
        tokenizer, ends = _tokenizer(), self._ends
        for segment in found:
            for offset, size in _chunk_sizes(masked[segment.start : segment.end], self.chunk_size):
                start = segment.start + offset
                piece = masked[start : start + size]
                rows = tokenizer(piece).to_array([IDX, LENGTH, IS_PUNCT, IS_SPACE, ORTH]).tolist()
                sentence: list[Word] = []
                seen_end = False
                for index, length, punct, space, orth in rows:
                    ending = orth in ends
                    if seen_end and not punct and not ending:
                        yield from self._cut(sentence)
                        sentence, seen_end = [], False
                    elif ending:
                        seen_end = True
                    word = piece[index : index + length]
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
