"""Command-line arguments shared by the benchmark scripts."""

from __future__ import annotations

import argparse

import torch


def model_and_corpus(description: str) -> argparse.Namespace:
    """`--model`, `--corpus`, `--split` and `--threads` (applied to torch before returning)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--model", required=True, help="nerkit model directory")
    parser.add_argument("--corpus", required=True, help="corpus name or path, as for `nerkit evaluate`")
    parser.add_argument("--split", default="test")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    return args
