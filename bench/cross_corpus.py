"""GMB-labelled models across corpora and casing, side by side:

- GMB test in GMB's own convention (titles such as "President" inside `per`), and in nerkit's
  documents convention (docs/conventions.md: titles, honorifics and greetings left out of `per`, on the
  gold and the predicted side alike);
- CoNLL-2003 test with the types both share (PER, LOC, ORG; the model's geo and gpe read as LOC, its
  other types and CoNLL's MISC as O), as written, lowercased and upper-cased.

    python bench/cross_corpus.py --model old=src/nerkit/default_model --model new=models/default-docs

`--split validation` scores the validation halves instead, to choose between models before reading
test; the recipes train on GMB's validation half, so there only the CoNLL figures are unseen.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from common import cpu_flags, only

import nerkit
from nerkit.conventions import TITLE
from nerkit.corpus import Sentence
from nerkit.evaluate import score
from nerkit.labels import spans, tags_from_spans

TO_CONLL = {"per": "PER", "geo": "LOC", "gpe": "LOC", "org": "ORG", "PER": "PER", "LOC": "LOC", "ORG": "ORG"}


def untitled(words: tuple[str, ...], tags: list[str]) -> list[str]:
    """`per` spans without their leading titles, honorifics and greetings."""
    found = []
    for start, end, kind in spans(tags):
        while kind == "per" and start < end and TITLE.fullmatch(words[start]):
            start += 1
        if start < end:
            found.append((start, end, kind))
    return tags_from_spans(len(words), found)


def conll_tags(tags) -> list[str]:
    return only(tags, TO_CONLL)


def gmb_scores(ner: nerkit.NER, sentences: list[Sentence]) -> dict[str, float]:
    predicted = [
        p.tags for p in ner.predict([s.words for s in sentences], contexts=[s.context for s in sentences])
    ]
    gold = [list(s.tags) for s in sentences]
    own = score(gold, predicted)
    documents = score(
        [untitled(s.words, g) for s, g in zip(sentences, gold, strict=True)],
        [untitled(s.words, p) for s, p in zip(sentences, predicted, strict=True)],
    )
    return {"gmb_convention": own.micro.f1, "documents_convention": documents.micro.f1}


def conll_scores(ner: nerkit.NER, sentences: list[Sentence]) -> dict[str, float]:
    gold = [conll_tags(s.tags) for s in sentences]
    results = {}
    for name, change in (("as_written", str), ("lowercased", str.lower), ("uppercased", str.upper)):
        words = [[change(word) for word in s.words] for s in sentences]
        predicted = [conll_tags(p.tags) for p in ner.predict(words, contexts=[s.context for s in sentences])]
        results[name] = score(gold, predicted).micro.f1
    return results


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--model", action="append", required=True, help="NAME=PATH (repeat)")
    parser.add_argument("--data-dir", default="data")
    parser.add_argument("--backend", default="auto", help="nerkit backend for every --model")
    parser.add_argument(
        "--split",
        choices=("test", "validation"),
        default="test",
        help="validation to choose between models, test to report the chosen one",
    )
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    gmb = list(nerkit.read_corpus("gmb", data_dir=args.data_dir)[args.split])
    conll = list(nerkit.read_corpus("conll2003", data_dir=args.data_dir)[args.split])
    results = {}
    for name, path in (m.split("=", 1) for m in args.model):
        ner = nerkit.load(path, backend=args.backend)
        results[name] = {
            f"gmb_{args.split}": gmb_scores(ner, gmb),
            f"conll_{args.split}_PER_LOC_ORG": conll_scores(ner, conll),
        }
        print(name, json.dumps(results[name]))
    if args.out:
        args.out.write_text(
            json.dumps({"machine": {"cpu_flags": cpu_flags()}, "results": results}, indent=2) + "\n"
        )


if __name__ == "__main__":
    main()
