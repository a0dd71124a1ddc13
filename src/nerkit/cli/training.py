"""`nerkit train`, `nerkit evaluate` and `nerkit export`."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated

import typer

import nerkit
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
    console,
    friendly,
    report_repairs,
    resolve_device,
    set_threads,
)
from nerkit.encode import INFERENCE_BATCH
from nerkit.errors import NerkitError
from nerkit.evaluate import differences, report_table, score
from nerkit.files import atomic_text
from nerkit.train import TrainConfig, replace_config


@app.command("train")
@friendly
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
        Path | None, typer.Option(help="Hyperparameters from a TOML, YAML or JSON file.")
    ] = None,
    base: Annotated[
        str | None, typer.Option(help="Encoder name or path (default: bundled all-MiniLM-L6-v2).")
    ] = None,
    epochs: Annotated[int | None, typer.Option(help="Maximum epochs (default: 3).")] = None,
    batch_size: Annotated[int | None, typer.Option(help="Sentences per step (default: 32).")] = None,
    lr: Annotated[
        float | None,
        typer.Option(
            help="Peak learning rate "
            "(default: 3e-4 for sentence-transformers encoders such as the bundled one, else 5e-5)."
        ),
    ] = None,
    layer_decay: Annotated[
        float | None, typer.Option(help="Layer-wise learning-rate decay per encoder layer (default: 1.0).")
    ] = None,
    head_lr_scale: Annotated[
        float | None, typer.Option(help="Head learning rate as a multiple of the top layer's (default: 1.0).")
    ] = None,
    patience: Annotated[
        int | None, typer.Option(help="Epochs without validation gain before stopping.")
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Random seed (default: 13).")] = None,
    max_length: Annotated[int | None, typer.Option(help="Subwords per window (default: 256).")] = None,
    casing: Annotated[
        bool | None, typer.Option("--casing/--no-casing", help="Word-shape embeddings (default: auto).")
    ] = None,
    context: Annotated[
        int | None, typer.Option(help="Subwords of neighbouring sentences read on each side (default: 0).")
    ] = None,
    layers: Annotated[
        int | None, typer.Option(min=1, help="Keep only the base encoder's first N layers (smaller, faster).")
    ] = None,
    teacher: Annotated[
        list[str] | None,
        typer.Option(
            help="Distil from this trained nerkit model (same labels and tokenizer); repeat for an ensemble."
        ),
    ] = None,
    crf: Annotated[
        bool | None,
        typer.Option("--crf/--no-crf", help="Learn label-transition scores (CRF) (default: on)."),
    ] = None,
    distill_weight: Annotated[
        float | None, typer.Option(help="Share of the loss that follows the teachers (default: 0.5).")
    ] = None,
    limit_train: Annotated[int | None, typer.Option(help="Use only the first N training sentences.")] = None,
    train_with_validation: Annotated[
        bool | None,
        typer.Option(
            "--train-with-validation/--no-train-with-validation",
            help="Also train on the validation split and keep the last epoch, for a final model once "
            "--epochs was chosen on validation (default: off).",
        ),
    ] = None,
    checkpoint_steps: Annotated[
        int | None, typer.Option(help="Checkpoint every N steps as well as every epoch (0: epochs only).")
    ] = None,
    resume: Annotated[
        bool, typer.Option("--resume", help="Carry on from <out>.checkpoint after a crash or kill.")
    ] = False,
    nproc: Annotated[
        int | None, typer.Option(min=1, help="Train in N processes on this machine (runs torchrun).")
    ] = None,
    allow_pickle: AllowPickle = False,
    data_dir: DataDir = None,
    strict: Strict = False,
    threads: Threads = None,
    device: Device = "auto",
    quiet: Annotated[bool, typer.Option("--quiet", help="No progress bar.")] = False,
) -> None:
    """Fine-tune an encoder; keep the best epoch by validation F1 and score it on the test split."""
    if nproc and nproc > 1:
        _relaunch_with_torchrun(nproc)
    set_threads(threads)
    target = resolve_device(device)
    flags = {
        "base": base,
        "epochs": epochs,
        "batch_size": batch_size,
        "learning_rate": lr,
        "layer_decay": layer_decay,
        "head_lr_scale": head_lr_scale,
        "patience": patience,
        "seed": seed,
        "max_length": max_length,
        "casing": casing,
        "context": context,
        "layers": layers,
        "teachers": tuple(teacher) if teacher else None,
        "crf": crf,
        "distill_weight": distill_weight,
        "limit_train": limit_train,
        "train_with_validation": train_with_validation,
        "checkpoint_steps": checkpoint_steps,
        "allow_pickle": allow_pickle or None,
    }
    settings = TrainConfig.from_file(config) if config else TrainConfig()
    settings = replace_config(settings, **flags)
    data = nerkit.read_corpus(
        corpus, train=train_file, validation=validation, test=test, data_dir=data_dir, strict=strict
    )
    report_repairs(data.repairs)
    result = nerkit.train(data, out, settings, device=target, progress=not quiet, resume=resume)
    if int(os.environ.get("RANK", "0")) != 0:
        return
    if result.validation is not None:
        console.print(report_table(result.validation, f"validation (best epoch {result.best_epoch})"))
    if result.test is not None:
        console.print(report_table(result.test, "test"))
    console.print(f"model saved to [bold]{result.path}[/]")


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
    batch_size: Annotated[int, typer.Option(min=1)] = INFERENCE_BATCH,
    data_dir: DataDir = None,
    strict: Strict = False,
    allow_pickle: AllowPickle = False,
    backend: Backend = "auto",
    threads: Threads = None,
) -> None:
    """Entity-level precision, recall and F1 (micro, macro and per type) with seqeval."""
    set_threads(threads)
    data = nerkit.read_corpus(corpus, data_dir=data_dir, strict=strict)
    report_repairs(data.repairs)
    ner = nerkit.load(model, allow_pickle=allow_pickle, backend=backend, threads=threads)
    sentences = ner.gold_sentences(data, split, limit)
    words, contexts = [s.words for s in sentences], [s.context for s in sentences]
    predictions = ner.predict(words, batch_size, progress=not as_json, contexts=contexts)
    report = score([sentence.tags for sentence in sentences], [prediction.tags for prediction in predictions])
    if errors is not None:
        with atomic_text(errors) as handle:
            for row in differences(sentences, [prediction.tags for prediction in predictions]):
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    if as_json:
        typer.echo(json.dumps(report.to_dict()))
    else:
        console.print(report_table(report, f"{data.name} {split} ({report.sentences:,} sentences)"))


@app.command("export")
@friendly
def export_command(
    model: Annotated[Path, typer.Argument(help="Model directory from `nerkit train`.")],
    onnx: Annotated[bool, typer.Option("--onnx", help="Write model.onnx for ONNX Runtime.")] = False,
    quantize: Annotated[
        str | None, typer.Option(help="int8: also write model.int8.onnx (dynamic quantization).")
    ] = None,
) -> None:
    """Add an ONNX Runtime model (fp32, and int8 with --quantize int8) to a model directory."""
    from nerkit.model import Tagger

    if not onnx:
        raise NerkitError("E060", "nothing to export", hint="Pass --onnx.")
    written = Tagger.load(model, backend="torch").export_onnx(model, quantize)
    console.print(f"wrote [bold]{written}[/] ({written.stat().st_size / 1e6:.1f} MB)")
