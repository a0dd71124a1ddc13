"""What the benchmark scripts share: arguments, natural text from gold tokens, span scores."""

from __future__ import annotations

import argparse
from pathlib import Path

import torch
from sacremoses import MosesDetokenizer

from nerkit.labels import spans, tags_from_spans
from nerkit.text import detokenize


def model_and_corpus(description: str, out: bool = False) -> argparse.Namespace:
    """`--model`, `--corpus`, `--split` and `--threads` (applied to torch before returning), and `--out`
    when the script takes one."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--model", required=True, help="nerkit model directory")
    parser.add_argument("--corpus", required=True, help="corpus name or path, as for `nerkit evaluate`")
    parser.add_argument("--split", default="test")
    parser.add_argument("--threads", type=int, default=2)
    if out:
        parser.add_argument("--out", default=None, help="file name under bench/results")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    return args


def natural_text(words: tuple[str, ...], moses: MosesDetokenizer) -> tuple[str, list[tuple[int, int]]]:
    """Moses-detokenised text and each word's offsets in it; plain spaces when a word cannot be found
    (Moses rewrites a few tokens, such as quotes)."""
    text = moses.detokenize(list(words))
    offsets, position = [], 0
    for word in words:
        found = text.find(word, position)
        if found < 0 or text[position:found].strip():
            return detokenize(words)
        offsets.append((found, found + len(word)))
        position = found + len(word)
    return text, offsets


def prf(gold: set, found: set) -> dict[str, float]:
    hits = len(gold & found)
    precision = hits / len(found) if found else 0.0
    recall = hits / len(gold) if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}


def only(tags, kinds: dict[str, str]) -> list[str]:
    """`tags` with the spans whose type `kinds` maps, renamed; the others made O."""
    kept = [(start, end, kinds[kind]) for start, end, kind in spans(tags) if kind in kinds]
    return tags_from_spans(len(tags), kept)


def cpu_flags() -> list[str]:
    """The CPU's vector-instruction flags (AVX, AVX-512, VNNI, AMX), to record with every speed figure."""
    try:
        flags = Path("/proc/cpuinfo").read_text().split("flags\t\t: ", 1)[1].split("\n", 1)[0].split()
    except (OSError, IndexError):
        return []
    return sorted(flag for flag in flags if flag.startswith(("avx", "amx")))


def cpu_kind(flags: list[str]) -> str:
    """What decides int8 and bf16 speed: AMX tiles, VNNI int8 dot products, or neither."""
    if any(flag.startswith("amx") for flag in flags):
        return "AMX"
    if "avx512_vnni" in flags or "avx_vnni" in flags:
        return "AVX512-VNNI" if "avx512_vnni" in flags else "AVX-VNNI"
    return "AVX2" if "avx2" in flags else "no AVX2"
