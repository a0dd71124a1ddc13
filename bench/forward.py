"""The forward pass alone, in each number format this CPU offers: the shipped int8 ONNX network against
PyTorch networks of the same shape in fp32 and in bf16 (which runs on AMX tiles where the CPU has them,
and on AVX512-BF16 otherwise). The PyTorch networks have random weights: the speed of a matrix product
does not depend on its values, and the package ships no PyTorch weights.

All three read the same batches: the CoNLL-2003 test set as raw text, segmented, encoded and
length-grouped as `NER.extract_batch` would (word shapes as zeros for PyTorch; they change no shape).
Each figure is the best of `--rounds`, the formats taken in turn.

    python bench/forward.py [--rounds 3] [--out results/forward.json]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch
from common import cpu_flags
from stages import conll_texts, model_batches
from transformers import AutoConfig, AutoModelForTokenClassification

import nerkit
from nerkit.modeldir import DEFAULT_MODEL
from nerkit.network import bfloat16


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data-dir", default="../data")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    ner = nerkit.load()
    words, onnx_batches = model_batches(ner, conll_texts(args.data_dir))
    network = AutoModelForTokenClassification.from_config(AutoConfig.from_pretrained(DEFAULT_MODEL))
    network.eval()
    torch_batches = [
        {
            name: torch.zeros_like(tensor) if name == "token_type_ids" else tensor
            for name, tensor in ((name, torch.from_numpy(value)) for name, value in inputs.items())
        }
        for inputs in onnx_batches
    ]

    def onnx_int8() -> None:
        for inputs in onnx_batches:
            ner.tagger.model(**inputs)

    def torch_in(bf16: bool):
        def run() -> None:
            with torch.inference_mode(), bfloat16(torch.device("cpu"), bf16):
                for inputs in torch_batches:
                    network(**inputs)

        return run

    formats = {"onnx int8 (shipped)": onnx_int8, "torch fp32": torch_in(False), "torch bf16": torch_in(True)}
    best = dict.fromkeys(formats, float("inf"))
    for _ in range(args.rounds):
        for name, run in formats.items():
            started = time.perf_counter()
            run()
            best[name] = min(best[name], time.perf_counter() - started)
    results = {
        name: {"seconds": round(seconds, 2), "words_per_s": round(words / seconds)}
        for name, seconds in best.items()
    }
    print(json.dumps(results, indent=1))
    if args.out:
        args.out.write_text(
            json.dumps({"cpu_flags": cpu_flags(), "words": words, "results": results}, indent=1) + "\n"
        )


if __name__ == "__main__":
    main()
