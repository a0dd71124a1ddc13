"""Raw text to words with character offsets.

Offsets are first-class: every word carries `(start, end)` into the original string, so whatever is
found in the words can be mapped back to the exact characters a user gave.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_WORD = re.compile(r"\w+(?:[-'\u2019.]\w+)*|[^\w\s]", re.UNICODE)


def word_offsets(text: str, cuts: Iterable[int] = ()) -> list[tuple[int, int]]:
    """Split text into words (runs of word characters, or single punctuation marks), additionally
    cutting at the given character positions so that annotated spans always fall on word edges."""
    boundaries = sorted(set(cuts))
    offsets: list[tuple[int, int]] = []
    for match in _WORD.finditer(text):
        start, end = match.span()
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
