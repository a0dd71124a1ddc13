"""`nerkit.wordsplit` splits words exactly as spaCy's own tokenizer does, and `Segmenter` cuts sentences
exactly as it did when it read them off spaCy: the oracle is spaCy, built as `nerkit.text` built it before
it stopped importing spaCy (`_reference_tokenizer`, `_ReferenceSegmenter`: that code, kept here).

spaCy comes with the dev install; without it, or when the shipped rules were exported from another spaCy
(rerun scripts/build_tokenizer_rules.py), the comparisons skip.
"""

from __future__ import annotations

import functools
import gzip
import importlib.util
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nerkit
from nerkit import layout, wordsplit
from nerkit.corpus.marked import read_marked
from nerkit.errors import NerkitError
from nerkit.text import Segmenter, Word, _chunk_sizes, word_offsets

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "build_tokenizer_rules.py"
MARKED = {
    "documents": Path(__file__).parent / "data" / "documents" / "documents.txt",
    "pii": Path(__file__).parent / "data" / "pii" / "pii.txt",
    "summary": Path(__file__).parent / "data" / "summary" / "summary.txt",
}


def _reference_infixes():
    """nerkit's infixes as `nerkit.text` compiled them: spaCy's English ones without hyphen splits."""
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
def _reference_tokenizer():
    """spaCy's English tokenizer with nerkit's infixes, as `nerkit.text._tokenizer` built it."""
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
        infix_finditer=_reference_infixes().finditer,
        token_match=defaults.token_match,
        url_match=defaults.url_match,
    )


class _ReferenceSegmenter(Segmenter):
    """`Segmenter.sentences` as it was, reading spaCy's tokenizer arrays and its sentencizer's characters."""

    def sentences(self, text: str, segments: Sequence[layout.Segment] | None = None) -> Iterator[list[Word]]:
        from spacy.attrs import IDX, IS_PUNCT, IS_SPACE, LENGTH, ORTH
        from spacy.pipeline import Sentencizer

        found = layout.segments(text) if segments is None else segments
        masked = layout.mask(text, found)
        tokenizer = _reference_tokenizer()
        ends = frozenset(tokenizer.vocab.strings.add(c) for c in Sentencizer.default_punct_chars)
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


@functools.cache
def _shipped() -> dict[str, Any]:
    with gzip.open(wordsplit._RULES, "rt", encoding="utf-8") as file:
        return json.load(file)


@pytest.fixture(scope="module")
def reference():
    """The spaCy tokenizer to match; skips without spaCy or with another spaCy than the rules came from."""
    spacy = pytest.importorskip("spacy")
    if not _shipped()["source"].startswith(f"spaCy {spacy.__version__},"):
        pytest.skip(f"the rules come from {_shipped()['source']}: rerun scripts/build_tokenizer_rules.py")
    return _reference_tokenizer()


def _spacy_words(tokenizer, text: str) -> list[tuple[int, int, bool, bool, str]]:
    return [(t.idx, len(t), t.is_punct, t.is_space, t.text) for t in tokenizer(text)]


def _words(text: str) -> list[tuple[int, int, bool, bool, str]]:
    return [tuple(token) for token in wordsplit.split(text)]


def _sentences(segmenter: Segmenter, text: str) -> list[list[tuple[str, int, int]]]:
    return [[(w.text, w.start, w.end) for w in words] for words in segmenter.sentences(text)]


def _sentencizer_sentences(tokenizer, text: str) -> list[list[tuple[str, int, int]]]:
    """What spaCy's own sentencizer makes of each layout piece: the rule `Segmenter` reads off the words
    (no chunks or cut of long sentences: for texts short enough to have neither)."""
    from spacy.pipeline import Sentencizer

    found = layout.segments(text)
    masked = layout.mask(text, found)
    sentences = []
    for segment in found:
        for sentence in Sentencizer()(tokenizer(masked[segment.start : segment.end])).sents:
            words = [
                (t.text, segment.start + t.idx, segment.start + t.idx + len(t))
                for t in sentence
                if not t.is_space and t.text.strip()
            ]
            if words:
                sentences.append(words)
    return sentences


def _spacy_word_offsets(tokenizer, text: str) -> list[tuple[int, int]]:
    """`word_offsets` (without cuts) as it was: spaCy's words that are neither space nor blank."""
    return [(t.idx, t.idx + len(t)) for t in tokenizer(text) if not t.is_space and t.text.strip()]


def _first_difference(ours: list[Any], theirs: list[Any]) -> tuple[int, list[Any], list[Any]] | None:
    """Where two long lists first differ, with a little context (a whole-list diff would be unreadable)."""
    for index, (mine, other) in enumerate(zip(ours, theirs, strict=False)):
        if mine != other:
            return index, ours[max(0, index - 3) : index + 3], theirs[max(0, index - 3) : index + 3]
    if len(ours) != len(theirs):
        return min(len(ours), len(theirs)), ours[-3:], theirs[-3:]
    return None


TRICKY = [
    "Visit https://www.example.com/path?q=1&x=2. Or www.nerkit.org/docs!",
    "See http://localhost:8000, ftp://files.example.org/a_b.txt and example.com.",
    "Mail anna.berg@example.co.uk, or <t.berg@firm-name.de>.",
    "The U.S. and the U.K. signed; U.S.-based firms, too.",
    "I don't know; she can't, won't, shouldn't've. Don't!",
    "Peter's car, the boys' toys, Ma'am, 'tis, 'em 'Cause y'all.",
    "\u2019s and \u2019S and \u2019\u2019 and '' and ``quoted''",
    "Great :) see you :-( ;) :D xD <3 (:",
    "(:- ) against (: -) and ( -8 against (-8",
    "at 10 a.m. or 5:30p.m. and 10a.m., 11pm.",
    "a Washington-based firm, Boutros-Ghali, well-known",
    "on 1996-12-06 it rained; score 2-0 (3-1) and 12/06/96.",
    "It costs $5.00 (or €4,50), £3bn, 50% and 20°C.",
    "(see p. 3) and [cf. fig. 2], {ibid.}",
    "e.g. etc. vs. Mr. Smith met Dr.Who in St. Louis, Mo.",
    "...and then... what?! Really?!? Yes…no",
    "C++ and C# and F#. 1,000,000 and 3.14 and 10km and 5'11\" tall",
    "hello.World a.b.c. A.B.C. x.Y",
    "#hashtag @user &amp; a&b a/b a:b a<b a=b",
    "two  spaces,   three,\n\nnewlines\tand\ttabs \t mixed\r\nwindows",
    "  leading and trailing  ",
    " single leading and trailing ",
    "\n\nnewlines around\n",
    "\t",
    " ",
    "",
    "x\xa0y \xa0 nbsp\u2028line\u2029para\x1cfs\u3000ideographic",
    'He said "Stop." Then she left. "Why?" she asked.',
    "He left.\u201d She stayed. \u2018No.\u2019 It ended.' Then...",
    "It's over.) (Is it?) Yes!\" OK.",
    "Emoji 👍🏽 and 🇩🇪 flags! 😀😀 family 👨‍👩‍👧 done.",
    "Москва — столица России. 東京は日本の首都です。 القاهرة عاصمة مصر. नमस्ते। Ελλάδα;",
    "Straße, naïve café, Zürich-based Ærø",
    "Invoice no. 2025-118 of 3 Oct. 2025: total EUR 1.234,56 (incl. VAT).",
]


def test_the_rules_are_what_the_script_exports_from_the_reference(reference):
    spec = importlib.util.spec_from_file_location("build_tokenizer_rules", SCRIPT)
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    assert script.export(reference) == _shipped()


@pytest.mark.parametrize("text", TRICKY)
def test_words_are_spacy_s(reference, text):
    assert _words(text) == _spacy_words(reference, text)
    assert word_offsets(text) == _spacy_word_offsets(reference, text)


@pytest.mark.parametrize("text", TRICKY)
def test_sentences_are_as_they_were(reference, text):
    assert _sentences(Segmenter(), text) == _sentences(_ReferenceSegmenter(), text)


def test_runs_are_cut_where_spacy_cuts_them():
    """spaCy cuts text where `str.isspace` changes; `wordsplit` where its regex's `\\s` does."""
    characters = map(chr, range(sys.maxunicode + 1))
    assert [c for c in characters if (re.fullmatch(r"\s", c) is not None) != c.isspace()] == []


def test_an_exception_found_across_a_space_still_hides_a_shorter_one(reference):
    """spaCy's phrase-matcher pass finds `:-)` across the space in `(:- )`; it is no exception there, so
    it is left as it is, but it still keeps `(:` (an exception) from being joined."""
    assert [token.text for token in wordsplit.split("(:- )")] == ["(", ":", "-", ")"]
    assert [token.text for token in wordsplit.split("(: -)")] == ["(:", "-", ")"]


@settings(deadline=None, max_examples=300)
@given(st.text(alphabet=st.sampled_from(list("aAS8 .!?;:\n\t-()'\u2019\"…。,/$%@_\xa0é")), max_size=60))
def test_words_and_sentences_are_spacy_s_on_any_punctuation(reference, text):
    assert _words(text) == _spacy_words(reference, text)
    assert _sentences(Segmenter(), text) == _sentences(_ReferenceSegmenter(), text)
    assert _sentences(Segmenter(), text) == _sentencizer_sentences(reference, text)


def test_sentences_are_those_of_spacy_s_sentencizer_on_the_documents_set(reference):
    for document in read_marked(MARKED["documents"]):
        assert _sentences(Segmenter(), document.text) == _sentencizer_sentences(reference, document.text)


PIECES = [" ", "  ", "\n", "\t", "a", "5", "Don", "U.S.", "n't", "'s", "'", "''", "\u2019", "(", ")"]
PIECES += [":", "-", ":-)", "(:", "^_^", "<3", "-8", "a.m.", "Mr.", "e.g.", ".", "!", "…", "$"]
PIECES += ["http://a.io", "x@y.z"]
"""Exceptions, their pieces, affixes and URLs: strings where the order of spaCy's steps shows."""


@settings(deadline=None, max_examples=300)
@given(st.lists(st.sampled_from(PIECES), max_size=12).map("".join))
def test_words_and_sentences_are_spacy_s_on_exceptions_and_affixes(reference, text):
    assert _words(text) == _spacy_words(reference, text)
    assert _sentences(Segmenter(), text) == _sentences(_ReferenceSegmenter(), text)


def _texts(source: str) -> dict[str, str]:
    """The documents of a marked test set, or a corpus's test split as raw text: its sentences joined
    with spaces, and on lines of their own."""
    if source in MARKED:
        return {document.id: document.text for document in read_marked(MARKED[source])}
    try:
        sentences = nerkit.read_corpus(source, data_dir=ROOT / "data")["test"]
    except NerkitError as error:
        if os.environ.get("NERKIT_REQUIRE_DATA") == "1":
            raise
        pytest.skip(str(error))
    lines = [" ".join(sentence.words) for sentence in sentences]
    return {"spaces": " ".join(lines), "lines": "\n".join(lines)}


@pytest.mark.slow
@pytest.mark.parametrize("source", [*MARKED, "conll2003", "gmb"])
def test_words_and_sentences_are_as_they_were_on_real_text(reference, source):
    for name, text in _texts(source).items():
        words = _first_difference(_words(text), _spacy_words(reference, text))
        assert words is None, (name, words)
        sentences = _first_difference(_sentences(Segmenter(), text), _sentences(_ReferenceSegmenter(), text))
        assert sentences is None, (name, sentences)


@pytest.mark.slow
def test_segmenting_imports_no_spacy():
    """`import spacy` alone took 0.4-0.7 s (and thinc imports torch where it is installed)."""
    code = (
        "import sys; from nerkit.text import Segmenter, word_offsets;"
        "list(Segmenter().sentences('Hello there. Bye.')); word_offsets('U.S. words');"
        "print(sorted({name.split('.')[0] for name in sys.modules} & {'spacy', 'thinc'}))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
