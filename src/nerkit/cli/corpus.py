"""`nerkit data stats` and `nerkit data convert`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

import nerkit
from nerkit.cli.common import (
    AsJson,
    DataDir,
    Strict,
    console,
    data_app,
    friendly,
)
from nerkit.corpus import read_file, stats, write_file
from nerkit.errors import NerkitError


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
    source: Annotated[
        Path,
        typer.Argument(
            help="Input: .csv GMB, .jsonl (nerkit, doccano, Prodigy), .json Label Studio export, .ann brat "
            "(or a folder of .txt/.ann pairs), .spacy DocBin, or CoNLL columns."
        ),
    ],
    target: Annotated[
        Path,
        typer.Argument(
            help="Output file (a folder for brat); its suffix picks the format unless --to is given."
        ),
    ],
    to: Annotated[
        str | None,
        typer.Option(help="conll, jsonl, jsonl-spans, gmb, doccano, prodigy, labelstudio, brat or spacy."),
    ] = None,
    overlaps: Annotated[
        str, typer.Option(help="Overlapping spans in the input: refuse, or keep the longest.")
    ] = "refuse",
    strict: Strict = False,
) -> None:
    """Convert between GMB CSV, CoNLL, JSONL and the annotation tools' formats."""
    if overlaps not in ("refuse", "longest"):
        raise NerkitError("E011", f"unknown --overlaps {overlaps!r}", hint="Use refuse or longest.")
    result = read_file(source, strict, overlaps=overlaps)  # type: ignore[arg-type]
    write_file(result.sentences, target, to)
    spans = sum(len(sentence.spans) for sentence in result.sentences)
    notes = ", ".join(f"{kind} x{count}" for kind, count in result.repairs.items())
    typer.echo(
        f"wrote {len(result.sentences):,} sentences ({spans:,} entities) to {target}"
        + (f"; {notes}" if notes else "")
    )
