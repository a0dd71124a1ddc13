"""How long the command line takes to answer: `nerkit --help`, `nerkit data stats --help` and a one-text
`nerkit extract` with the default model, each the median of N runs in fresh processes.

    python bench/startup.py [--runs 5] [--out bench/results/startup.json]
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

from common import cpu_flags

COMMANDS = {
    "nerkit --help": ["--help"],
    "nerkit data stats --help": ["data", "stats", "--help"],
    'nerkit extract "text"': ["extract", "Hi Maria, meet David Chen in Berlin on Tuesday at 3pm."],
}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", type=Path, default=Path("bench/results/startup.json"))
    args = parser.parse_args()
    results = {}
    for name, arguments in COMMANDS.items():
        times = []
        for _ in range(args.runs):
            started = time.perf_counter()
            subprocess.run([sys.executable, "-m", "nerkit", *arguments], check=True, capture_output=True)
            times.append(time.perf_counter() - started)
        median = round(statistics.median(times), 3)
        results[name] = {"median_s": median, "runs_s": [round(t, 3) for t in times]}
        print(f"{name:32s} median {results[name]['median_s']:.2f} s over {args.runs} runs")
    machine = {"cpu": platform.processor() or platform.machine(), "flags": cpu_flags()}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"machine": machine, "results": results}, indent=2) + "\n")


if __name__ == "__main__":
    main()
