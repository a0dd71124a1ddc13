"""Rebuild the word-splitting rules nerkit ships (src/nerkit/data/tokenizer_rules.json.gz) and the note
beside it from the installed spaCy, so that extraction splits words exactly as spaCy's English tokenizer
does without importing spaCy (0.4-0.7 s of imports, and thinc imports torch where it is installed):

    .venv/bin/python scripts/build_tokenizer_rules.py   # spaCy comes with the dev install

What is exported is what spaCy's tokenizer reads, taken from a spaCy `Tokenizer` built as nerkit used
to build it: English's prefix, suffix, token_match and url_match rules, nerkit's infixes (`infixes`), the
tokenizer exceptions and which of them spaCy also looks for across words (its `_special_matcher`), and
the sentencizer's sentence-ending characters. The same spaCy gives the same bytes (sorted keys, no
timestamp in the gzip header). tests/test_tokenize.py checks that `nerkit.wordsplit` splits as that
spaCy tokenizer does; after a new spaCy (or a change to `infixes`), rerun this and those tests.
"""

from __future__ import annotations

import gzip
import json
import re
from importlib.metadata import distribution
from pathlib import Path
from typing import Any

import spacy
from spacy.attrs import ORTH, intify_attrs
from spacy.lang.char_classes import ALPHA, ALPHA_LOWER, ALPHA_UPPER, CONCAT_QUOTES, LIST_ELLIPSES, LIST_ICONS
from spacy.lang.en import English
from spacy.pipeline import Sentencizer
from spacy.tokenizer import Tokenizer
from spacy.util import compile_infix_regex, compile_prefix_regex, compile_suffix_regex
from spacy.vocab import Vocab

OUT = Path(__file__).resolve().parents[1] / "src" / "nerkit" / "data"
RULES = "tokenizer_rules.json.gz"

NOTE = """\
# Tokenizer rules

`{rules}` holds the rules of [spaCy](https://github.com/explosion/spaCy) {version}'s English
tokenizer (prefixes, suffixes, URL pattern, tokenizer exceptions) and its sentencizer's sentence-ending
characters, exported from spaCy so that `nerkit.wordsplit` splits words exactly as spaCy does without
importing it. Changed from the source: the infix rules are nerkit's (spaCy's English ones without those
that split at hyphens, as GMB and CoNLL keep `Washington-based` and `1996-12-06` whole).

spaCy is licensed under the MIT License, which applies to these rules:

{license}
Regenerate the rules (and this file) with `python scripts/build_tokenizer_rules.py`.
"""


def infixes() -> re.Pattern[str]:
    """spaCy's English infix rules without the ones that split at hyphens: GMB and CoNLL keep
    `Washington-based`, `Boutros-Ghali`, `1996-12-06` and `2-0` as single words, and a model sees
    raw text best the way it saw its training data (measured in docs/results.md)."""
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


def tokenizer() -> Tokenizer:
    """spaCy's English tokenizer with nerkit's infixes, built from `English.Defaults` as spaCy's own
    factory builds it (a `Language` would load every installed package's spaCy entry points)."""
    defaults = English.Defaults
    return Tokenizer(
        Vocab(),
        rules=defaults.tokenizer_exceptions,
        prefix_search=compile_prefix_regex(defaults.prefixes).search,
        suffix_search=compile_suffix_regex(defaults.suffixes).search,
        infix_finditer=infixes().finditer,
        token_match=defaults.token_match,
        url_match=defaults.url_match,
    )


def export(spacy_tokenizer: Tokenizer) -> dict[str, Any]:
    """Everything `spacy_tokenizer` and spaCy's sentencizer read, JSON-ready and sorted.

    `special_matcher` maps each exception that spaCy also matches across words to the words it is
    split into without exceptions, as spaCy's `Tokenizer.add_special_case` adds it to its phrase
    matcher (with the default `faster_heuristics`: those with an affix, an infix or a space)."""
    bare = Tokenizer(
        spacy_tokenizer.vocab,
        rules={},
        prefix_search=spacy_tokenizer.prefix_search,
        suffix_search=spacy_tokenizer.suffix_search,
        infix_finditer=spacy_tokenizer.infix_finditer,
        token_match=spacy_tokenizer.token_match,
        url_match=spacy_tokenizer.url_match,
    )
    special_cases = {
        string: [intify_attrs(piece, _do_deprecated=True)[ORTH] for piece in pieces]
        for string, pieces in spacy_tokenizer.rules.items()
    }
    matched = {
        string: [token.text for token in bare(string)]
        for string in special_cases
        if spacy_tokenizer.find_prefix(string)
        or spacy_tokenizer.find_infix(string)
        or spacy_tokenizer.find_suffix(string)
        or " " in string
    }
    return {
        "source": f"spaCy {spacy.__version__}, https://github.com/explosion/spaCy",
        "license": _license(),
        "prefix": _pattern(spacy_tokenizer.prefix_search),
        "suffix": _pattern(spacy_tokenizer.suffix_search),
        "infix": _pattern(spacy_tokenizer.infix_finditer),
        "token_match": _pattern(spacy_tokenizer.token_match),
        "url_match": _pattern(spacy_tokenizer.url_match),
        "special_cases": special_cases,
        "special_matcher": matched,
        "sentence_ends": sorted(Sentencizer.default_punct_chars),
    }


def _pattern(method: Any) -> dict[str, Any] | None:
    """A compiled regex's bound method (`search`, `finditer`, `match`) as its pattern and flags."""
    if method is None:
        return None
    return {"pattern": method.__self__.pattern, "flags": method.__self__.flags}


def _license() -> str:
    files = distribution("spacy").files or []
    (path,) = [file for file in files if file.name == "LICENSE"]
    return path.read_text(encoding="utf-8")


def main() -> None:
    rules = export(tokenizer())
    data = json.dumps(rules, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / RULES).write_bytes(gzip.compress(data, compresslevel=9, mtime=0))
    version = spacy.__version__
    (OUT / "tokenizer_rules.md").write_text(
        NOTE.format(rules=RULES, version=version, license=rules["license"]), encoding="utf-8"
    )
    print(f"{OUT / RULES}: {len(data):,} bytes of JSON from spaCy {version}")


if __name__ == "__main__":
    main()
