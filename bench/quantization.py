"""What int8 quantisation costs: F1 and per-token label agreement against the PyTorch model, same run.

    python bench/quantization.py --model models/gmb --corpus gmb      # the directory needs model.int8.onnx

`torch-bf16` runs the PyTorch weights in bfloat16 (AMX where the CPU has it).

Every backend tags the same pre-tokenised sentences (evaluation path, Viterbi decoding); time is the
tagging wall time after a warm-up.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from common import cpu_flags, model_and_corpus

import nerkit
from nerkit.evaluate import score

HERE = Path(__file__).parent
AGAINST_TORCH = ("torch-bf16", "onnx", "onnx-int8")
"""The backends compared with PyTorch fp32 on the same sentences."""


def main() -> None:
    args = model_and_corpus(__doc__.splitlines()[0], out=True)
    sentences = list(nerkit.read_corpus(args.corpus)[args.split])
    words = [list(sentence.words) for sentence in sentences]
    gold = [sentence.tags for sentence in sentences]
    results, tags = {}, {}
    for backend in ("torch", *AGAINST_TORCH):
        ner = nerkit.load(args.model, backend=backend, threads=args.threads, recognizers=[])
        ner.predict(words[:64])
        started = time.perf_counter()
        tags[backend] = [prediction.tags for prediction in ner.predict(words)]
        seconds = time.perf_counter() - started
        report = score(gold, tags[backend])
        results[backend] = {
            "f1": report.micro.f1,
            "macro_f1": report.macro_f1,
            "seconds": round(seconds, 1),
            "words_per_s": round(sum(map(len, words)) / seconds),
        }
    for backend in AGAINST_TORCH:
        pairs = [
            (a, b)
            for x, y in zip(tags["torch"], tags[backend], strict=True)
            for a, b in zip(x, y, strict=True)
        ]
        results[backend]["token_agreement_with_torch"] = round(sum(a == b for a, b in pairs) / len(pairs), 5)
        results[backend]["f1_points_vs_torch"] = round(
            100 * (results[backend]["f1"] - results["torch"]["f1"]), 2
        )
        results[backend]["speed_vs_torch"] = round(
            results[backend]["words_per_s"] / results["torch"]["words_per_s"], 2
        )
    output = {
        "model": args.model,
        "corpus": args.corpus,
        "split": args.split,
        "threads": args.threads,
        "cpu_flags": cpu_flags(),
        **results,
    }
    print(json.dumps(output, indent=2))
    name = f"quantization_{args.corpus}.json" if args.out is None else args.out
    (HERE / "results" / name).write_text(json.dumps(output, indent=2) + "\n")


if __name__ == "__main__":
    main()
