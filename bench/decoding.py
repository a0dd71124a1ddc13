"""Effect of BIO-constrained (Viterbi) decoding against per-word argmax on a corpus split.

    python bench/decoding.py --model models/gmb --corpus gmb [--split test]

Word probabilities are computed once and decoded both ways, so the difference is decoding alone.
"""

from __future__ import annotations

import json

from common import model_and_corpus

import nerkit
from nerkit.evaluate import score


def main() -> None:
    args = model_and_corpus(__doc__.splitlines()[0])
    sentences = nerkit.read_corpus(args.corpus)[args.split]
    tagger = nerkit.load(args.model).tagger
    probabilities = tagger.word_probabilities([sentence.words for sentence in sentences])
    gold = [sentence.tags for sentence in sentences]
    results = {}
    for name, constrained in (("argmax", False), ("viterbi", True)):
        predicted = [tagger.decoder(probs, constrained).tags for probs in probabilities]
        report = score(gold, predicted)
        results[name] = {
            "micro_f1": report.micro.f1,
            "precision": report.micro.precision,
            "recall": report.micro.recall,
            "macro_f1": report.macro_f1,
        }
    results["delta_f1_points"] = round(
        100 * (results["viterbi"]["micro_f1"] - results["argmax"]["micro_f1"]), 2
    )
    print(json.dumps({"model": args.model, "corpus": args.corpus, "split": args.split, **results}))


if __name__ == "__main__":
    main()
