"""The `nerkit` command: thin Typer shells over the Python API.

User mistakes arrive as `NerkitError` and leave as one line on stderr and exit status 1, never a
traceback.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import nullcontext
from itertools import tee
from pathlib import Path
from typing import Annotated, Any, TypeVar

import torch
import typer
from huggingface_hub.utils import logging as hub_logging
from rich.console import Console
from rich.table import Table
from tqdm.auto import tqdm
from transformers import logging as hf_logging

import nerkit
from nerkit.corpus import read_file, stats, write_file
from nerkit.documents import OUTPUT_FORMATS, Document, EntityWriter, read_documents
from nerkit.errors import NerkitError
from nerkit.evaluate import differences, report_table, score
from nerkit.extract import Entity, Redaction
from nerkit.extract import redact as redact_entities
from nerkit.files import atomic_text
from nerkit.model import DEFAULT_MODEL
from nerkit.patterns import builtin_recognizers, load_recognizers
from nerkit.raydata import ExtractOptions, RayOptions, expand_inputs, extract_with_ray
from nerkit.train import TrainConfig, replace_config

app = typer.Typer(
    help="Train, evaluate and use transformer NER models.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
data_app = typer.Typer(help="Inspect and convert annotated corpora.", no_args_is_help=True)
app.add_typer(data_app, name="data")
console = Console()

F = TypeVar("F", bound=Callable[..., Any])

DataDir = Annotated[
    Path | None,
    typer.Option(
        "--data-dir", envvar="NERKIT_DATA_DIR", help="Folder holding gmb/ and conll2003/ [default: ./data]."
    ),
]
Strict = Annotated[
    bool, typer.Option("--strict", help="Refuse invalid tag sequences instead of repairing them.")
]
Threads = Annotated[int | None, typer.Option("--threads", min=1, help="CPU threads for torch.")]
ModelDir = Annotated[
    Path | None,
    typer.Option(help="Model directory from `nerkit train` [default: the English model nerkit ships]."),
]
AllowPickle = Annotated[
    bool,
    typer.Option("--allow-pickle", help="Accept pickle weights (they can run code): trusted models only."),
]
Backend = Annotated[
    str, typer.Option(help="auto, torch, onnx or onnx-int8 [default: auto: torch if its weights are there].")
]
AsJson = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON only.")]


def friendly(command: F) -> F:
    """Print a user mistake on one line and exit 1, instead of a traceback."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except NerkitError as error:
            typer.echo(f"error: {error}", err=True)
            raise typer.Exit(1) from None

    return wrapper  # type: ignore[return-value]


@app.callback()
def _quiet_transformers() -> None:
    hf_logging.set_verbosity_error()
    hub_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()


def _report_repairs(repairs: Mapping[str, int]) -> None:
    """Say on stderr what was repaired on read, so scores on repaired data are never a surprise."""
    if repairs:
        typer.echo("repaired: " + ", ".join(f"{kind} x{count}" for kind, count in repairs.items()), err=True)


def _threads(threads: int | None) -> None:
    if threads:
        torch.set_num_threads(threads)


@data_app.command("stats")
@friendly
def data_stats(
    source: Annotated[str, typer.Argument(help="Corpus name (gmb, conll2003), file or directory.")],
    as_json: AsJson = False,
    data_dir: DataDir = None,
    strict: Strict = False,
) -> None:
    """Sentences, tokens, entities per type and sentence-length percentiles."""
    corpus = nerkit.read_corpus(source, data_dir=data_dir, strict=strict)
    summary = {
        **stats(corpus.sentences),
        "splits": {name: len(part) for name, part in corpus.splits.items()},
        "repairs": dict(corpus.repairs),
    }
    if as_json:
        typer.echo(json.dumps(summary))
        return
    console.print(f"[bold]{corpus.name}[/]: {summary['sentences']:,} sentences, {summary['tokens']:,} tokens")
    console.print("splits: " + ", ".join(f"{name} {size:,}" for name, size in summary["splits"].items()))
    console.print(
        "entities: " + ", ".join(f"{kind} {count:,}" for kind, count in summary["entities"].items())
    )
    console.print("length: " + ", ".join(f"{key} {value}" for key, value in summary["length"].items()))
    if corpus.repairs:
        console.print("repaired: " + ", ".join(f"{kind} x{count}" for kind, count in corpus.repairs.items()))


@data_app.command("convert")
@friendly
def data_convert(
    source: Annotated[Path, typer.Argument(help="Input file (.csv GMB, .jsonl, or CoNLL columns).")],
    target: Annotated[
        Path, typer.Argument(help="Output file; its suffix picks the format unless --to is given.")
    ],
    to: Annotated[str | None, typer.Option(help="conll, jsonl, jsonl-spans or gmb.")] = None,
    strict: Strict = False,
) -> None:
    """Convert between GMB CSV, CoNLL columns and JSONL (tokens/tags or text/entities)."""
    result = read_file(source, strict)
    write_file(result.sentences, target, to)
    repaired = sum(result.repairs.values())
    typer.echo(
        f"wrote {len(result.sentences):,} sentences to {target}"
        + (f" ({repaired} tags repaired)" if repaired else "")
    )


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
        str | None, typer.Option(help="Encoder name or path [default: bundled all-MiniLM-L6-v2].")
    ] = None,
    epochs: Annotated[int | None, typer.Option(help="Maximum epochs [default: 3].")] = None,
    batch_size: Annotated[int | None, typer.Option(help="Sentences per step [default: 32].")] = None,
    lr: Annotated[
        float | None, typer.Option(help="Peak learning rate [default: 3e-4 bundled, 5e-5 others].")
    ] = None,
    patience: Annotated[
        int | None, typer.Option(help="Epochs without validation gain before stopping.")
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Random seed [default: 13].")] = None,
    max_length: Annotated[int | None, typer.Option(help="Subwords per window [default: 256].")] = None,
    casing: Annotated[
        bool | None, typer.Option("--casing/--no-casing", help="Word-shape embeddings [default: auto].")
    ] = None,
    limit_train: Annotated[int | None, typer.Option(help="Use only the first N training sentences.")] = None,
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
    quiet: Annotated[bool, typer.Option("--quiet", help="No progress bar.")] = False,
) -> None:
    """Fine-tune an encoder; keep the best epoch by validation F1 and score it on the test split."""
    if nproc and nproc > 1:
        _relaunch_with_torchrun(nproc)
    _threads(threads)
    flags = {
        "base": base,
        "epochs": epochs,
        "batch_size": batch_size,
        "learning_rate": lr,
        "patience": patience,
        "seed": seed,
        "max_length": max_length,
        "casing": casing,
        "limit_train": limit_train,
        "checkpoint_steps": checkpoint_steps,
        "allow_pickle": allow_pickle or None,
    }
    settings = TrainConfig.from_file(config) if config else TrainConfig()
    settings = replace_config(settings, **flags)
    data = nerkit.read_corpus(
        corpus, train=train_file, validation=validation, test=test, data_dir=data_dir, strict=strict
    )
    _report_repairs(data.repairs)
    result = nerkit.train(data, out, settings, progress=not quiet, resume=resume)
    if int(os.environ.get("RANK", "0")) != 0:
        return
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
    batch_size: Annotated[int, typer.Option(min=1)] = 64,
    data_dir: DataDir = None,
    strict: Strict = False,
    allow_pickle: AllowPickle = False,
    backend: Backend = "auto",
    threads: Threads = None,
) -> None:
    """Entity-level precision, recall and F1 (micro, macro and per type) with seqeval."""
    _threads(threads)
    data = nerkit.read_corpus(corpus, data_dir=data_dir, strict=strict)
    _report_repairs(data.repairs)
    ner = nerkit.load(model, allow_pickle=allow_pickle, backend=backend, threads=threads)
    sentences = ner.gold_sentences(data, split, limit)
    predictions = ner.predict([sentence.words for sentence in sentences], batch_size, progress=not as_json)
    report = score([sentence.tags for sentence in sentences], [prediction.tags for prediction in predictions])
    if errors is not None:
        with atomic_text(errors) as handle:
            for row in differences(sentences, [prediction.tags for prediction in predictions]):
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    if as_json:
        typer.echo(json.dumps(report.to_dict()))
    else:
        console.print(report_table(report, f"{data.name} {split} ({report.sentences:,} sentences)"))


@app.command("extract")
@friendly
def extract_command(
    text: Annotated[
        str | None, typer.Argument(help="Text to read; omit to use --input or standard input.")
    ] = None,
    model: ModelDir = None,
    input: Annotated[
        list[Path] | None,
        typer.Option("--input", help="A .txt, .jsonl or .csv file of documents (repeatable; quoted globs)."),
    ] = None,
    text_field: Annotated[str, typer.Option(help="JSONL field holding the text.")] = "text",
    text_column: Annotated[str, typer.Option(help="CSV column holding the text.")] = "text",
    output: Annotated[
        Path | None,
        typer.Option(help="A file to write (format from its suffix), or a format name for standard output."),
    ] = None,
    format: Annotated[
        str | None,
        typer.Option(help="table, jsonl, csv or conll [default: from --output's suffix, else table]."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Same as --format jsonl.")] = False,
    labels: Annotated[
        str | None, typer.Option(help="Comma-separated labels to keep, e.g. PERSON,EMAIL.")
    ] = None,
    patterns: Annotated[
        Path | None, typer.Option(help="Extra recognizers from a YAML/JSON rules file.")
    ] = None,
    builtin_patterns: Annotated[
        bool,
        typer.Option("--builtin-patterns/--no-builtin-patterns", help="Email, phone, URL... recognizers."),
    ] = True,
    phone_region: Annotated[
        str, typer.Option(help="Region for phone numbers without a country code.")
    ] = "US",
    redact: Annotated[bool, typer.Option("--redact", help="Print the text with entities replaced.")] = False,
    redact_style: Annotated[str, typer.Option(help="label ([PERSON]), mask (****) or hash.")] = "label",
    engine: Annotated[
        str, typer.Option(help="local (this process) or ray (Ray Data actors; JSONL/Parquet in and out).")
    ] = "local",
    address: Annotated[
        str | None, typer.Option(help="Ray cluster to join (ray://host:10001 or auto) [default: start one].")
    ] = None,
    actors: Annotated[int, typer.Option(min=1, help="Ray actors, each with its own model copy.")] = 2,
    allow_pickle: AllowPickle = False,
    backend: Backend = "auto",
    threads: Threads = None,
) -> None:
    """Entities in raw text, with exact character offsets, from the model and pattern recognizers."""
    if text is not None and input:
        raise NerkitError("E045", "give either TEXT or --input, not both")
    if engine == "ray":
        options = ExtractOptions(
            tuple(label.strip() for label in labels.split(",")) if labels else None,
            builtin_patterns,
            phone_region,
            str(patterns) if patterns else None,
            allow_pickle,
            backend,
        )
        _extract_on_ray(
            model, input or [], output, format, text_field, address, actors, threads or 1, options
        )
        return
    if engine != "local":
        raise NerkitError("E045", f"unknown engine {engine!r}", hint="Use local or ray.")
    _threads(threads)
    if output is not None and str(output).lower() in OUTPUT_FORMATS:
        format, output = format or str(output).lower(), None
    chosen = "jsonl" if as_json else format or _format_from_suffix(output)
    if chosen not in OUTPUT_FORMATS:
        raise NerkitError(
            "E044", f"unknown output format {chosen!r}", hint=f"Use {', '.join(OUTPUT_FORMATS)}."
        )
    recognizers = builtin_recognizers(phone_region) if builtin_patterns else []
    recognizers += load_recognizers(patterns) if patterns else []
    ner = nerkit.load(
        model, recognizers=recognizers, allow_pickle=allow_pickle, backend=backend, threads=threads
    )
    wanted = [label.strip() for label in labels.split(",") if label.strip()] if labels else None
    documents = (
        [Document("text", text)]
        if text is not None
        else _documents(expand_inputs(input) if input else [None], text_field, text_column)
    )
    progress = tqdm(documents, unit="doc", disable=not input or output is None, desc="extract")
    results = _extract_stream(ner, progress, wanted, redact, redact_style)
    if chosen == "table" and output is None:
        _print_results(results, redact)
        return
    if chosen == "table":
        raise NerkitError("E044", "a table goes to the terminal", hint="Write files as jsonl, csv or conll.")
    with nullcontext(sys.stdout) if output is None else atomic_text(output) as handle:
        writer = EntityWriter(handle, chosen, ner.segmenter)
        for document, entities, redaction in results:
            writer.write(document, entities, redaction)


def _documents(paths: Sequence[str | None], text_field: str, text_column: str) -> Iterator[Document]:
    for path in paths:
        yield from read_documents(Path(path) if path else None, text_field, text_column)


def _extract_on_ray(
    model: Path | None,
    inputs: list[Path],
    output: Path | None,
    format: str | None,
    text_field: str,
    address: str | None,
    actors: int,
    threads: int,
    extract: ExtractOptions,
) -> None:
    if not inputs or output is None:
        raise NerkitError("E045", "--engine ray needs --input files and an --output directory")
    chosen = format or ("parquet" if output.suffix == ".parquet" else "jsonl")
    options = RayOptions(address, actors, threads, text_field=text_field, output_format=chosen)
    count = extract_with_ray(model or DEFAULT_MODEL, inputs, output, options, extract)
    console.print(f"tagged {count:,} records on Ray; wrote {chosen} files to [bold]{output}[/]")


def _format_from_suffix(output: Path | None) -> str:
    suffixes = {".jsonl": "jsonl", ".json": "jsonl", ".csv": "csv", ".conll": "conll", ".txt": "conll"}
    return suffixes.get(output.suffix.lower(), "jsonl") if output is not None else "table"


def _extract_stream(
    ner: nerkit.NER, documents: Iterable[Document], labels: list[str] | None, redact: bool, style: str
) -> Iterator[tuple[Document, list[Entity], Redaction | None]]:
    """Documents streamed through `NER.iter_extract` (which batches them), yielded one by one."""
    documents, texts = tee(documents)
    for document, entities in zip(documents, ner.iter_extract((d.text for d in texts), labels), strict=True):
        yield document, entities, (redact_entities(document.text, entities, style) if redact else None)  # type: ignore[arg-type]


def _print_results(results: Iterable[tuple[Document, list[Entity], Redaction | None]], redact: bool) -> None:
    table = Table("id", "text", "label", "start", "end", "score", "source")
    for document, entities, redaction in results:
        if redact and redaction is not None:
            typer.echo(redaction.text)
            continue
        for entity in entities:
            table.add_row(
                document.id,
                entity.text,
                entity.label,
                str(entity.start),
                str(entity.end),
                f"{entity.score:.3f}",
                entity.source,
            )
    if not redact:
        console.print(table)


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


@app.command("serve")
@friendly
def serve_command(
    model: ModelDir = None,
    host: Annotated[
        str, typer.Option(help="Interface to bind; loopback unless you mean otherwise.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes, each with its own model.")] = 1,
    api_key: Annotated[
        str | None,
        typer.Option(envvar="NERKIT_API_KEY", help="Require this key on /v1/* (X-API-Key header)."),
    ] = None,
    max_texts: Annotated[int, typer.Option(min=1, help="Texts per request.")] = 64,
    max_chars: Annotated[int, typer.Option(min=1, help="Characters per text.")] = 100_000,
    max_body_bytes: Annotated[int, typer.Option(min=1, help="Request body size.")] = 2_000_000,
    cors_origin: Annotated[
        list[str] | None, typer.Option(help="Allow browser calls from this origin.")
    ] = None,
    batching: Annotated[
        bool, typer.Option("--batching/--no-batching", help="Micro-batch concurrent requests.")
    ] = True,
    timeout: Annotated[
        float, typer.Option(min=0.1, help="Seconds a request may take before it is answered 503.")
    ] = 30.0,
    allow_pickle: AllowPickle = False,
    backend: Backend = "auto",
    threads: Threads = None,
) -> None:
    """HTTP API (/v1/extract, /v1/model, /healthz, /readyz, /metrics, /docs) and a web page at /."""
    import uvicorn

    from nerkit.serve import ServeConfig, create_app

    _threads(threads)
    settings = ServeConfig(
        max_body_bytes=max_body_bytes,
        max_texts=max_texts,
        max_chars=max_chars,
        api_key=api_key,
        cors_origins=tuple(cor for cor in cors_origin or ()),
        batching=batching,
        timeout_s=timeout,
    )
    if workers == 1:
        ner = nerkit.load(model, allow_pickle=allow_pickle, backend=backend, threads=threads)
        uvicorn.run(create_app(ner, settings), host=host, port=port, log_level="warning")
        return
    loading = {"allow_pickle": allow_pickle, "backend": backend, "threads": threads}
    nerkit.load(model, **loading)  # fail here, once, rather than in every worker
    os.environ["NERKIT_SERVE_MODEL"] = str(model or DEFAULT_MODEL)
    os.environ["NERKIT_SERVE_LOAD"] = json.dumps(loading)
    os.environ["NERKIT_SERVE_CONFIG"] = json.dumps(dataclasses.asdict(settings))
    uvicorn.run(
        "nerkit.serve.app:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
    )


def main() -> None:
    app()


if __name__ == "__main__":
    main()
