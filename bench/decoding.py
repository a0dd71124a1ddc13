"""Effect of BIO-constrained (Viterbi) decoding against per-word argmax on a corpus split.

    python bench/decoding.py --model models/gmb --corpus gmb [--split test]

Word probabilities are computed once and decoded both ways, so the difference is decoding alone.
"""

from __future__ import annotations

import argparse
import json

import torch

import nerkit
from nerkit.evaluate import score


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True)
    parser.add_argument("--corpus", required=True)
    parser.add_argument("--split", default="test")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    sentences = nerkit.read_corpus(args.corpus)[args.split]
    tagger = nerkit.load(args.model).tagger
    probabilities = tagger.word_probabilities([sentence.words for sentence in sentences])
    gold = [sentence.tags for sentence in sentences]
    results = {}
    for name, constrained in (("argmax", False), ("viterbi", True)):
        predicted = [tagger.decode(probs, constrained).tags for probs in probabilities]
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
