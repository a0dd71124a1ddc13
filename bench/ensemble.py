"""Ensemble upper bound: average the word probabilities of several models of the same labels, then
decode once, on a corpus split.

    python bench/ensemble.py --model models/a --model models/b --corpus conll2003 --split test

Each model alone and their average are scored on the same sentences; the average says how much a
distilled single model could gain from learning several teachers at once.
"""

from __future__ import annotations

import argparse
import json

import nerkit
from nerkit.evaluate import score


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", action="append", required=True)
    parser.add_argument("--corpus", required=True)
    parser.add_argument("--split", default="test")
    args = parser.parse_args()
    data = nerkit.read_corpus(args.corpus)
    taggers = [nerkit.load(path, backend="torch").tagger for path in args.model]
    if any(tagger.labels != taggers[0].labels for tagger in taggers):
        parser.error("the models predict different labels")
    sentences = data[args.split]
    gold = [sentence.tags for sentence in sentences]
    words, contexts = [s.words for s in sentences], [s.context for s in sentences]
    per_model = [tagger.word_probabilities(words, contexts=contexts) for tagger in taggers]
    results = {}
    for path, tagger, probabilities in zip(args.model, taggers, per_model, strict=True):
        results[path] = score(gold, [tagger.decoder(p).tags for p in probabilities]).micro.f1
    averaged = [sum(probs) / len(probs) for probs in zip(*per_model, strict=True)]
    report = score(gold, [taggers[0].decoder(p).tags for p in averaged])
    results["ensemble"] = report.micro.f1
    results["ensemble_macro"] = report.macro_f1
    print(json.dumps({"corpus": args.corpus, "split": args.split, "micro_f1": results}))


if __name__ == "__main__":
    main()
