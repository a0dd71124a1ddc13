"""Words as spaCy's English tokenizer splits them, in plain Python, from rules exported from spaCy.

nerkit splits raw text into Penn-Treebank-like words (`n't`, `U.S.`, `$` `5`) as GMB and CoNLL were
tokenised, by spaCy's rule-based English tokenizer. Importing spaCy to do so costs 0.4-0.7 s (its
package imports its CLI, thinc, confection, weasel...; thinc imports torch where torch is installed,
0.9 s more), while extraction must start in under a second. The tokenizer itself is only data (prefix,
suffix and infix regexes, a URL regex, tokenizer exceptions) and a short algorithm, so
scripts/build_tokenizer_rules.py exports the data (data/tokenizer_rules.json.gz, read at first use) and
this module follows spaCy's algorithm (`Tokenizer.__call__` in spacy/tokenizer.pyx) step for step, quirks
included, so the words are spaCy's exactly (tests/test_tokenize.py compares them with spaCy's own):

- text is cut into runs of whitespace and of other characters; a single space after a word belongs to
  that word, any other whitespace is a word of its own;
- each run is split by the exceptions, prefixes, suffixes, URL pattern and infixes (`_Rules.split_run`);
- exceptions are then looked for across the words of the whole text (spaCy's `_special_matcher` pass,
  `_Rules.apply_exceptions`).

As spaCy does, the words of each run are cached, as almost every run of a text is a word seen before.
"""

from __future__ import annotations

import functools
import gzip
import json
import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

_RULES = Path(__file__).parent / "data" / "tokenizer_rules.json.gz"
_RUNS = re.compile(r"\s+|\S+")
"""Runs of whitespace and of other characters: `\\s` is exactly `str.isspace`, which spaCy cuts at."""
_CACHE_SIZE = 10_000
"""Runs whose words are kept, as many as spaCy keeps (`max_cache_size`): a few MB at most."""
_END = ""
"""The key that marks the end of an exception in `_Rules.matcher` (no word is empty)."""


class Token(NamedTuple):
    """A word as spaCy's tokenizer gives it: where it starts in the text, its length (that of `text`),
    whether it is punctuation (spaCy's `is_punct`: every character's Unicode category is P...) or
    whitespace, and its text."""

    start: int
    length: int
    is_punct: bool
    is_space: bool
    text: str


def split(text: str) -> list[Token]:
    """`text` as spaCy's tokenizer splits it (with nerkit's infixes), whitespace words included."""
    return _rules().split(text)


def sentence_ends() -> frozenset[str]:
    """The words after which spaCy's sentencizer ends a sentence (`Sentencizer.default_punct_chars`)."""
    return _rules().sentence_ends


class _Rules:
    """spaCy's tokenizer over the exported rules; the names follow spacy/tokenizer.pyx's."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.prefix_search = _compiled(data["prefix"]).search
        self.suffix_search = _compiled(data["suffix"]).search
        self.infix_finditer = _compiled(data["infix"]).finditer
        self.token_match = _compiled(data["token_match"]).match if data["token_match"] else _never
        self.url_match = _compiled(data["url_match"]).match if data["url_match"] else _never
        self.specials: dict[str, tuple[str, ...]] = {
            string: tuple(pieces) for string, pieces in data["special_cases"].items()
        }
        self.matcher: dict[str, Any] = {}
        for words in data["special_matcher"].values():
            node = self.matcher
            for word in words:
                node = node.setdefault(word, {})
            node[_END] = True
        self.sentence_ends = frozenset(data["sentence_ends"])
        self.cache: dict[str, tuple[str, ...]] = {}

    def split(self, text: str) -> list[Token]:
        """`Tokenizer.__call__`: runs split (and cached) one by one, then exceptions across runs."""
        starts: list[int] = []
        words: list[str] = []
        cache = self.cache
        for run in _RUNS.finditer(text):
            start, string = run.start(), run.group()
            if start and string[0] == " ":  # the space after a word is that word's
                start, string = start + 1, string[1:]
                if not string:
                    continue
            pieces = cache.get(string)
            if pieces is None:
                pieces = self.split_run(string)
                if len(cache) < _CACHE_SIZE:
                    cache[string] = pieces
            for piece in pieces:
                starts.append(start)
                words.append(piece)
                start += len(piece)
        starts, words = self.apply_exceptions(text, starts, words)
        return [
            Token(start, len(word), *_attributes(word), word)
            for start, word in zip(starts, words, strict=True)
        ]

    def split_run(self, string: str) -> tuple[str, ...]:
        """The words of one run: `_split_affixes` strips prefixes and suffixes until an exception or
        the token_match pattern is left, or nothing more comes off; `_attach_tokens` splits what is
        left at infixes unless it is an exception or matches token_match or url_match."""
        specials = self.specials
        if string in specials:
            return specials[string]
        prefixes: list[str] = []
        suffixes: list[str] = []
        last_size = 0
        while string and len(string) != last_size:
            if self.token_match(string) or string in specials:
                break
            last_size = len(string)
            pre_len = _length(self.prefix_search(string))
            if pre_len:
                prefix, minus_pre = string[:pre_len], string[pre_len:]
                if minus_pre in specials:
                    string = minus_pre
                    prefixes.append(prefix)
                    break
            suf_len = _length(self.suffix_search(string[pre_len:]))
            if suf_len:
                suffix, minus_suf = string[-suf_len:], string[:-suf_len]
                if minus_suf in specials:
                    string = minus_suf
                    suffixes.append(suffix)
                    break
            if pre_len and suf_len and pre_len + suf_len <= len(string):
                string = string[pre_len:-suf_len]
                prefixes.append(prefix)
                suffixes.append(suffix)
            elif pre_len:
                string = minus_pre
                prefixes.append(prefix)
            elif suf_len:
                string = minus_suf
                suffixes.append(suffix)
        words = prefixes
        if string in specials:
            words.extend(specials[string])
        elif string and (self.token_match(string) or self.url_match(string)):
            words.append(string)
        elif string:
            words.extend(self._infixes(string))
        words.extend(reversed(suffixes))
        return tuple(words)

    def _infixes(self, string: str) -> Iterator[str]:
        """`string` cut before and after each infix; an infix at the very start is no cut."""
        start = 0
        for match in self.infix_finditer(string):
            infix_start, infix_end = match.span()
            if infix_start == 0:
                continue
            if infix_start != start:
                yield string[start:infix_start]
            if infix_start != infix_end:
                yield string[infix_start:infix_end]
            start = infix_end
        if string[start:]:
            yield string[start:]

    def apply_exceptions(self, text: str, starts: list[int], words: list[str]) -> tuple[list[int], list[str]]:
        """`_apply_special_cases`: every place where an exception's words (as split without exceptions)
        follow one another, longest first then leftmost, none overlapping one already seen (whether or
        not it was kept), becomes that exception's words if the text there is the exception's string
        (words the phrase matcher joins across a space are left as they are, but still count as seen)."""
        found: list[tuple[int, int]] = []
        for first, word in enumerate(words):
            node = self.matcher.get(word)
            last = first + 1
            while node is not None:
                if _END in node:
                    found.append((first, last))
                if last == len(words):
                    break
                node = node.get(words[last])
                last += 1
        if not found:
            return starts, words
        found.sort(key=lambda span: (span[0] - span[1], span[0]))
        seen: set[int] = set()
        kept: list[tuple[int, int]] = []
        for first, end in found:
            if first not in seen and end - 1 not in seen:
                kept.append((first, end))
            seen.update(range(first, end))
        new_starts: list[int] = []
        new_words: list[str] = []
        done = 0
        for first, end in sorted(kept):
            start = starts[first]
            pieces = self.specials.get(text[start : starts[end - 1] + len(words[end - 1])])
            if pieces is None:
                continue
            new_starts += starts[done:first]
            new_words += words[done:first]
            for piece in pieces:
                new_starts.append(start)
                new_words.append(piece)
                start += len(piece)
            done = end
        return new_starts + starts[done:], new_words + words[done:]


@functools.cache
def _rules() -> _Rules:
    """data/tokenizer_rules.json.gz, read and compiled once, at the first text split."""
    with gzip.open(_RULES, "rt", encoding="utf-8") as file:
        return _Rules(json.load(file))


@functools.lru_cache(maxsize=1 << 16)
def _attributes(word: str) -> tuple[bool, bool]:
    """spaCy's `is_punct` and `is_space` of a word (spacy/lang/lex_attrs.py), kept for the words seen
    most recently as spaCy keeps them in its vocabulary (but not without bound)."""
    return all(unicodedata.category(character).startswith("P") for character in word), word.isspace()


def _compiled(regex: dict[str, Any]) -> re.Pattern[str]:
    return re.compile(regex["pattern"], regex["flags"])


def _length(match: re.Match[str] | None) -> int:
    """spaCy's `find_prefix`/`find_suffix`: the length of what the affix pattern matched, else 0."""
    return match.end() - match.start() if match is not None else 0


def _never(string: str) -> None:
    """A pattern that matches nothing, for a token_match or url_match spaCy's rules do not have."""
