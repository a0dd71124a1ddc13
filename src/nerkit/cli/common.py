"""What every command shares: the Typer apps, option types, the console, and `friendly`, which turns
a user mistake (`NerkitError`) into one line on stderr and exit status 1, never a traceback."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Annotated, Any, TypeVar

import torch
import typer
from huggingface_hub.utils import logging as hub_logging
from rich.console import Console
from transformers import logging as hf_logging

from nerkit.errors import NerkitError

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
        "--data-dir", envvar="NERKIT_DATA_DIR", help="Folder holding gmb/ and conll2003/ (default: ./data)."
    ),
]
Strict = Annotated[
    bool, typer.Option("--strict", help="Refuse invalid tag sequences instead of repairing them.")
]
Threads = Annotated[int | None, typer.Option("--threads", min=1, help="CPU threads for torch.")]
Device = Annotated[
    str, typer.Option("--device", help="cpu, cuda, cuda:N, or auto: the first GPU when torch sees one.")
]
ModelDir = Annotated[
    Path | None,
    typer.Option(help="Model directory from `nerkit train` (default: the English model nerkit ships)."),
]
AllowPickle = Annotated[
    bool,
    typer.Option("--allow-pickle", help="Accept pickle weights (they can run code): trusted models only."),
]
Backend = Annotated[
    str, typer.Option(help="auto, torch, onnx or onnx-int8 (default: auto: torch if its weights are there).")
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


def report_repairs(repairs: Mapping[str, int]) -> None:
    """Say on stderr what was repaired on read, so scores on repaired data are never a surprise."""
    if repairs:
        typer.echo("repaired: " + ", ".join(f"{kind} x{count}" for kind, count in repairs.items()), err=True)


def set_threads(threads: int | None) -> None:
    if threads:
        torch.set_num_threads(threads)


def resolve_device(name: str) -> torch.device:
    """`auto` trains on a GPU when there is one, as users of Hugging Face's Trainer expect; an explicit
    GPU that torch cannot see fails here rather than deep inside the first forward pass."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(name)
    except (RuntimeError, ValueError):
        raise NerkitError("E066", f"unknown device {name!r}", hint="Use cpu, cuda, cuda:N or auto.") from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise NerkitError("E066", f"no GPU for device {name!r}: torch sees none", hint="Use --device cpu.")
    return device
