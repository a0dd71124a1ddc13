"""Single-process `nerkit extract` against Ray Data with N actors, on the same texts, in one run.

    python bench/ray_extract.py --model models/gmb --texts 50000 --actors 2

Texts are GMB sentences (all splits, detokenised), cycled up to --texts. Both engines write JSONL; the
script checks that they found the same entities and reports words/s for each and the ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nerkit
from nerkit.text import detokenize

HERE = Path(__file__).parent


def _texts(count: int) -> list[str]:
    sentences = nerkit.read_corpus("gmb").sentences
    return [detokenize(sentences[index % len(sentences)].words)[0] for index in range(count)]


def _run(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def _entities(files: list[Path]) -> dict[str, list]:
    found = {}
    for file in files:
        for line in file.read_text().split("\n"):  # not splitlines(): U+2028 and U+0085 are inside texts
            if not line:
                continue
            record = json.loads(line)
            found[str(record["id"])] = record["entities"]
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", required=True)
    parser.add_argument("--texts", type=int, default=50_000)
    parser.add_argument("--actors", type=int, default=2)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1, help="threads, single process")
    parser.add_argument("--backend", default="auto", help="as for nerkit extract (both engines)")
    args = parser.parse_args()
    texts = _texts(args.texts)
    words = sum(len(text.split()) for text in texts)
    folder = Path(tempfile.mkdtemp(prefix="nerkit-ray-bench-"))
    source = folder / "texts.jsonl"
    source.write_text("".join(json.dumps({"id": str(i), "text": t}) + "\n" for i, t in enumerate(texts)))
    small = folder / "small.jsonl"
    small.write_text("".join(source.read_text().splitlines(keepends=True)[:100]))

    def single(path: Path, out: Path) -> float:
        command = [sys.executable, "-m", "nerkit", "extract", "--model", args.model, "--input", str(path)]
        return _run(
            [*command, "--output", str(out), "--threads", str(args.threads), "--backend", args.backend]
        )

    def on_ray(path: Path, out: Path) -> float:
        command = [sys.executable, "-m", "nerkit", "extract", "--model", args.model, "--input", str(path)]
        command += ["--engine", "ray", "--actors", str(args.actors), "--backend", args.backend]
        return _run([*command, "--output", str(out)])

    overhead = {"single_process": single(small, folder / "s.jsonl"), "ray": on_ray(small, folder / "s-ray")}
    local_seconds = single(source, folder / "local.jsonl")
    ray_seconds = on_ray(source, folder / "ray")
    local = _entities([folder / "local.jsonl"])
    remote = _entities(sorted((folder / "ray").glob("*.json*")))
    result = {
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs",
        "backend": args.backend,
        "texts": len(texts),
        "words": words,
        "single_process": {
            "threads": args.threads,
            "seconds": round(local_seconds, 1),
            "words_per_s": round(words / local_seconds),
        },
        "ray": {
            "actors": args.actors,
            "threads_per_actor": 1,
            "seconds": round(ray_seconds, 1),
            "words_per_s": round(words / ray_seconds),
        },
        "seconds_for_100_texts": {name: round(value, 1) for name, value in overhead.items()},
        "ray_over_single": round(local_seconds / ray_seconds, 3),
        "same_entities": local == remote,
        "note": "wall time of the whole command, including start-up (Ray's local cluster and actor start-up)",
    }
    print(json.dumps(result, indent=2))
    (HERE / "results" / "ray_extract.json").write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
