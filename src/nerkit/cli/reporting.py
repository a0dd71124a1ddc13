"""`nerkit report`: the model-insight page (see `nerkit.report`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from nerkit.cli.common import Backend, DataDir, Threads, app, console, friendly, options_from
from nerkit.errors import NerkitError
from nerkit.report import ReportConfig


@app.command("report")
@friendly
@options_from(ReportConfig)
def report_command(
    models: Annotated[
        list[Path], typer.Argument(help="One model directory (or default), or two to compare.")
    ],
    out: Annotated[Path, typer.Option(help="Folder for index.html and its figures.")] = Path("report"),
    data: Annotated[
        str | None,
        typer.Option(
            help="Corpus with gold annotations (name, file or directory; default: the model's own)."
        ),
    ] = None,
    data_dir: DataDir = None,
    backend: Backend = "auto",
    threads: Threads = None,
    quiet: Annotated[bool, typer.Option("--quiet", help="No progress bar.")] = False,
    *,
    overrides: dict[str, Any],
) -> None:
    """Write an HTML report: training curves, per-type scores, confusion, an error browser and
    calibration; two models side by side with their deltas and disagreements."""
    import nerkit
    from nerkit.extras import require
    from nerkit.report import write_report

    require("train", "Entity-level scoring", ("seqeval",))  # before the models' work, not after it
    loaded = [(_name(path, models), nerkit.load(path, backend=backend, threads=threads)) for path in models]
    corpus = nerkit.read_corpus(data or own_corpus(loaded[0][1].metadata), data_dir=data_dir)
    page = write_report(loaded, corpus, out, ReportConfig(**overrides), progress=not quiet)
    console.print(f"wrote [bold]{page}[/] (open it in a browser)")


def _name(path: Path, models: list[Path]) -> str:
    """The directory's name, or its path when two models share a name."""
    names = [model.name for model in models]
    return str(path) if names.count(path.name) > 1 else path.name


def own_corpus(metadata: dict[str, Any]) -> str:
    """The corpus a model was trained on, when it is one nerkit can read again by name or path."""
    from nerkit.corpus import KNOWN_CORPORA

    data = metadata.get("data", {})
    name, sources = data.get("corpus"), data.get("sources", [])
    if name in KNOWN_CORPORA:
        return name
    if len(sources) == 1 and Path(sources[0]).exists():
        return sources[0]
    raise NerkitError(
        "E083", f"the model was trained on {name or 'an unnamed corpus'}, which cannot be read again"
    )
