"""`nerkit extract`: local or on Ray."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator, Sequence
from contextlib import nullcontext
from itertools import tee
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from tqdm.auto import tqdm

import nerkit
from nerkit.cli.common import (
    AllowPickle,
    Backend,
    ModelDir,
    Threads,
    app,
    console,
    friendly,
    set_threads,
)
from nerkit.documents import OUTPUT_FORMATS, Document, EntityWriter, read_documents
from nerkit.errors import NerkitError
from nerkit.extract import Entity, Redaction
from nerkit.extract import redact as redact_entities
from nerkit.files import atomic_text
from nerkit.model import DEFAULT_MODEL
from nerkit.patterns import builtin_recognizers, load_recognizers
from nerkit.raydata import ExtractOptions, RayOptions, expand_inputs, extract_with_ray


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
        typer.Option(help="table, jsonl, csv or conll (default: from --output's suffix, else table)."),
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
        str | None, typer.Option(help="Ray cluster to join (ray://host:10001 or auto) (default: start one).")
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
    set_threads(threads)
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
