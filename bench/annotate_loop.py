"""The annotation page's loop, timed as a user meets it: `nerkit annotate` serving N CoNLL-2003 training
sentences with their MISC spans already saved (as if annotated on the page), then "train" pressed
(`POST /api/train`): seconds until training is done and until the page's next text comes back with
suggestions of the new label from the new model.

    python bench/annotate_loop.py --sentences 200 --out bench/results/annotate_loop.json
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from common import cpu_flags

import nerkit
from nerkit.labels import spans
from nerkit.text import detokenize

MISC = "MISC"


def call(url: str, method: str = "GET") -> dict:
    request = urllib.request.Request(url, method=method, data=b"" if method == "POST" else None)
    with urllib.request.urlopen(request, timeout=600) as response:
        return json.loads(response.read())


def write_texts(folder: Path, sentences, size: int) -> tuple[Path, Path]:
    """The texts to annotate (the N sentences and as many again not yet annotated) and the page's
    annotation file with the N sentences' MISC spans."""
    texts, labelled = folder / "texts.jsonl", folder / "labelled.jsonl"
    with texts.open("w") as to_read, labelled.open("w") as done:
        for number, sentence in enumerate(sentences[: size * 2]):
            text, offsets = detokenize(sentence.words)
            to_read.write(json.dumps({"id": str(number), "text": text}) + "\n")
            if number < size:
                found = [
                    [offsets[start][0], offsets[end - 1][1], kind]
                    for start, end, kind in spans(sentence.tags)
                    if kind == MISC
                ]
                done.write(json.dumps({"id": str(number), "text": text, "spans": found}) + "\n")
    return texts, labelled


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sentences", type=int, default=200)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--data-dir", default="data")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    sentences = list(nerkit.read_corpus("conll2003", data_dir=args.data_dir)["train"])
    random.Random(args.seed).shuffle(sentences)
    folder = Path(tempfile.mkdtemp(prefix="nerkit-annotate-"))
    texts, labelled = write_texts(folder, sentences, args.sentences)
    command = [sys.executable, "-m", "nerkit", "annotate", str(texts), "--out", str(labelled)]
    # MISC alone is annotated; in file order the text asked for before and after training is the same one
    command += ["--label", MISC, "--order", "file", "--port", str(args.port)]
    server = subprocess.Popen(command, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{args.port}"
    try:
        for _ in range(600):
            try:
                call(f"{base}/api/state")
                break
            except OSError:
                time.sleep(0.1)
        before = call(f"{base}/api/next")
        started = time.perf_counter()
        call(f"{base}/api/train", "POST")
        status = call(f"{base}/api/train")
        while status["state"] == "training":
            time.sleep(0.5)
            status = call(f"{base}/api/train")
        trained = time.perf_counter() - started
        after = call(f"{base}/api/next")
        answering = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait()
    result = {
        "sentences": args.sentences,
        "state": status["state"],
        "error": status.get("error"),
        "steps": status.get("steps"),
        "seconds_to_trained": round(trained, 1),
        "seconds_to_new_model_answering": round(answering, 1),
        "model": status.get("model"),
        "misc_suggested_before": len(before.get("suggestions", [])),
        "misc_suggested_after": len(after.get("suggestions", [])),
        "next_text_after": after.get("text"),
        "machine": {"cpu_flags": cpu_flags()},
    }
    print(json.dumps(result, indent=2))
    if args.out:
        args.out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
