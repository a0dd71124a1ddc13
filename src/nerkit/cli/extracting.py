"""`nerkit extract`: the pipeline (`NER.results`) in this process or on Ray, with the same options."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator, Sequence
from contextlib import nullcontext
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from nerkit.cli.common import (
    AllowPickle,
    Backend,
    ModelDir,
    Threads,
    app,
    console,
    friendly,
)
from nerkit.errors import NerkitError
from nerkit.files import file_format

if TYPE_CHECKING:
    from nerkit.documents import Document
    from nerkit.ner import NER, ExtractOptions, LoadOptions, Result
    from nerkit.operators import Anonymizer

OUTPUT_FORMATS = ("table", "jsonl", "csv", "conll", "labelstudio", "parquet")
"""What `--format` takes; `parquet` only with `--engine ray`, `table` only on the terminal."""
_FORMAT_OF_SYNTAX = {"jsonl": "jsonl", "json": "labelstudio", "csv": "csv", "conll": "conll", "text": "conll"}


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
    text_field: Annotated[str, typer.Option(help="JSONL (or Parquet) field holding the text.")] = "text",
    text_column: Annotated[
        str | None, typer.Option(help="CSV column holding the text (default: text).")
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(help="File to write (a directory with --engine ray) (default: standard output)."),
    ] = None,
    format: Annotated[
        str | None,
        typer.Option(
            help=f"{', '.join(OUTPUT_FORMATS)} (default: from --output's suffix; a table on the terminal; "
            "jsonl on Ray)."
        ),
    ] = None,
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
    redact_style: Annotated[
        str, typer.Option(help="label ([PERSON]), mask (****), hash, pseudonym (PERSON_1) or encrypt.")
    ] = "label",
    operators: Annotated[
        Path | None,
        typer.Option(help="Operators per label from a YAML/JSON file (docs/pii.md); implies --redact."),
    ] = None,
    key_file: Annotated[
        Path | None, typer.Option(help="Secret for hash and encrypt (default: $NERKIT_KEY).")
    ] = None,
    keep_titles: Annotated[
        bool, typer.Option("--keep-titles", help='Keep "Dr.", "Hi", "President"... in PERSON spans.')
    ] = False,
    values: Annotated[
        bool, typer.Option("--values/--no-values", help="Normalised values (ISO dates, amounts, E.164...).")
    ] = True,
    reference_time: Annotated[
        str | None,
        typer.Option(
            help="What relative dates count from, ISO 8601 (default: the text's Date: header, else now)."
        ),
    ] = None,
    explain: Annotated[
        bool, typer.Option("--explain", help="Say which recognizer, check and context word found each.")
    ] = False,
    summary: Annotated[
        bool, typer.Option("--summary", help="Group mentions of the same entity, with counts (JSONL, table).")
    ] = False,
    min_score: Annotated[
        float,
        typer.Option(min=0.0, max=1.0, help="Drop entities scored below this (see `nerkit calibrate`)."),
    ] = 0.0,
    thresholds: Annotated[
        bool,
        typer.Option(help="Apply the per-label score thresholds `nerkit calibrate` stored in the model."),
    ] = True,
    engine: Annotated[
        str, typer.Option(help="local (this process) or ray (Ray Data actors; JSONL/Parquet in and out).")
    ] = "local",
    address: Annotated[
        str | None, typer.Option(help="Ray cluster to join (ray://host:10001 or auto) (default: start one).")
    ] = None,
    actors: Annotated[int, typer.Option(min=1, help="Ray actors, each with its own model copy.")] = 2,
    workers: Annotated[
        int,
        typer.Option(min=1, help="Processes on this machine, each with its own model copy and one thread."),
    ] = 1,
    allow_pickle: AllowPickle = False,
    backend: Backend = "auto",
    threads: Threads = None,
) -> None:
    """Entities in raw text, with exact character offsets, from the model and pattern recognizers."""
    from nerkit.modeldir import model_path
    from nerkit.ner import ExtractOptions, LoadOptions

    if text is not None and input:
        raise NerkitError("E045", "give either TEXT or --input, not both")
    if text is not None and "\n" not in text and len(text) < 4096 and Path(text).is_file():
        typer.echo(f"reading {text!r} as text, not as a file: to read the file, use --input {text}", err=True)
    if format is not None and format not in OUTPUT_FORMATS:
        raise NerkitError(
            "E044", f"unknown output format {format!r}", hint=f"Use {', '.join(OUTPUT_FORMATS)}."
        )
    model = model_path(model)
    loading = LoadOptions(
        builtin_patterns, phone_region, str(patterns) if patterns else None, allow_pickle, backend
    )
    wanted = tuple(label.strip() for label in labels.split(",") if label.strip()) if labels else None
    options = ExtractOptions(
        labels=wanted,
        redact=_anonymizer(redact, redact_style, operators, key_file, model, loading),
        keep_titles=keep_titles,
        values=values,
        reference_time=_reference_time(reference_time),
        explain=explain,
        summary=summary,
        min_score=min_score,
        thresholds=thresholds,
    )
    if engine == "ray":
        if text is not None or text_column is not None:
            flag = "TEXT" if text is not None else "--text-column"
            raise NerkitError(
                "E045",
                f"{flag} cannot be used with --engine ray",
                hint="Ray reads JSONL or Parquet --input files.",
            )
        _extract_on_ray(
            model, input or [], output, format, text_field, address, actors, threads or 1, loading, options
        )
        return
    if engine != "local":
        raise NerkitError("E045", f"unknown engine {engine!r}", hint="Use local or ray.")
    chosen = format or (
        _FORMAT_OF_SYNTAX.get(file_format(output), "jsonl") if output is not None else "table"
    )
    if chosen == "parquet":
        raise NerkitError("E044", "parquet is written by --engine ray", hint="Use jsonl, csv or conll.")
    if chosen == "table" and output is not None:
        raise NerkitError("E044", "a table goes to the terminal", hint="Write files as jsonl, csv or conll.")
    if options.redact is not None and chosen not in ("table", "jsonl"):
        raise NerkitError("E044", "--redact writes JSONL or plain text", hint="Use --format jsonl.")
    from nerkit.documents import Document

    ner = loading.load(model, threads) if workers == 1 else None
    if ner is not None:
        from nerkit.ner import freeze_loaded_objects

        freeze_loaded_objects()
    documents = (
        [Document("text", text)]
        if text is not None
        else _documents(input or [], text_field, text_column or "text")
    )
    from tqdm.auto import tqdm

    progress = tqdm(documents, unit="doc", disable=not input or output is None, desc="extract")
    results = _results(ner, progress, options, workers, loading, model)
    if chosen == "table":
        _print_results(results)
        return
    from nerkit.documents import EntityWriter
    from nerkit.files import atomic_text

    with nullcontext(sys.stdout) if output is None else atomic_text(output) as handle:
        writer = EntityWriter(handle, chosen, ner.segmenter if ner is not None else None)
        for document, result in results:
            writer.write(document, result)
        writer.close()


def _anonymizer(
    redact: bool,
    style: str,
    operators: Path | None,
    key_file: Path | None,
    model: Path,
    loading: LoadOptions,
) -> Anonymizer | None:
    """The operators asked for, checked before any model loads: labels against what the model and the
    recognizers give, and a key for encrypt."""
    from nerkit.operators import Anonymizer, read_secret

    secret = read_secret(key_file)
    if operators is not None:
        return Anonymizer.from_file(operators, secret, _known_labels(model, loading))
    return Anonymizer.from_style(style, secret) if redact else None


def _known_labels(model: Path, loading: LoadOptions) -> set[str] | None:
    """Readable labels of the model (from its config files, without loading it) and the recognizers;
    None when the directory cannot be read (loading it reports why)."""
    from nerkit.labels import readable_names
    from nerkit.modeldir import METADATA_FILE, ModelConfig
    from nerkit.patterns import recognizers

    try:
        tags = ModelConfig.read(model).id2label.values()
        stored = json.loads((model / METADATA_FILE).read_text(encoding="utf-8")).get("label_names", {})
    except (NerkitError, OSError, ValueError, AttributeError):
        return None
    names = set(readable_names(sorted({tag[2:] for tag in tags if tag != "O"}), stored).values())
    return names | {
        r.label for r in recognizers(loading.builtin_patterns, loading.phone_region, loading.patterns)
    }


def _reference_time(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise NerkitError("E076", f"cannot read --reference-time {text!r}") from None


def _documents(inputs: Sequence[Path], text_field: str, text_column: str) -> Iterator[Document]:
    from nerkit.documents import read_documents
    from nerkit.raydata import expand_inputs

    for path in expand_inputs(inputs) if inputs else [None]:
        yield from read_documents(Path(path) if path else None, text_field, text_column)


def _extract_on_ray(
    model: Path,
    inputs: list[Path],
    output: Path | None,
    format: str | None,
    text_field: str,
    address: str | None,
    actors: int,
    threads: int,
    loading: LoadOptions,
    options: ExtractOptions,
) -> None:
    from nerkit.raydata import RayOptions, extract_with_ray

    if not inputs or output is None:
        raise NerkitError("E045", "--engine ray needs --input files and an --output directory")
    chosen = format or ("parquet" if file_format(output) == "parquet" else "jsonl")
    ray_options = RayOptions(address, actors, threads, text_field=text_field, output_format=chosen)
    count = extract_with_ray(model, inputs, output, ray_options, loading, options)
    console.print(f"tagged {count:,} records on Ray; wrote {chosen} files to [bold]{output}[/]")


def _results(
    ner: NER | None,
    documents: Iterable[Document],
    options: ExtractOptions,
    workers: int,
    loading: LoadOptions,
    model: Path,
) -> Iterator[tuple[Document, Result]]:
    """Documents streamed through the pipeline (which batches them), yielded one by one; in `workers`
    processes when there is no `ner` here."""
    from itertools import tee

    documents, texts = tee(documents)
    if ner is not None:
        yield from zip(documents, ner.results((d.text for d in texts), options), strict=True)
        return
    from nerkit import parallel

    found = parallel.results((d.text for d in texts), workers, loading, model, options)
    yield from zip(documents, found, strict=True)


def _print_results(results: Iterable[tuple[Document, Result]]) -> None:
    from rich.table import Table

    table = Table("id", "text", "label", "start", "end", "score", "source", "value")
    groups = Table("id", "entity", "label", "mentions", "first at", title="Summary")
    redacting = False
    for document, result in results:
        for group in result.summary or []:
            groups.add_row(
                str(document.id), group.name, group.label, str(group.count), str(group.mentions[0][0])
            )
        if result.redacted is not None:
            redacting = True
            typer.echo(result.redacted.text)
            continue
        for entity in result.entities:
            table.add_row(
                str(document.id),
                entity.text,
                entity.label,
                str(entity.start),
                str(entity.end),
                f"{entity.score:.3f}",
                entity.source,
                json.dumps(entity.value, ensure_ascii=False) if entity.value is not None else "",
            )
    if not redacting:
        console.print(table)
    if groups.row_count:
        console.print(groups)
