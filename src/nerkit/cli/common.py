"""What every command shares: the Typer apps, option types, the console, `options_from` (a config
dataclass's fields as options), and `friendly`, which turns a user mistake (`NerkitError`) into one line
on stderr and exit status 1, never a traceback.

Nothing heavy is imported here or at the top of any command module: torch, transformers and spaCy load
inside the commands that use them, so `nerkit --help` answers at once.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import typing
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.console import Console

from nerkit.errors import NerkitError
from nerkit.extras import quiet_hugging_face, require

if TYPE_CHECKING:
    import torch

app = typer.Typer(
    help="Train, evaluate and use transformer NER models.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
data_app = typer.Typer(help="Inspect and convert annotated corpora.", no_args_is_help=True)
app.add_typer(data_app, name="data")
base_app = typer.Typer(help="Pretrained encoders too large to bundle.", no_args_is_help=True)
app.add_typer(base_app, name="base")
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
Threads = Annotated[
    int | None,
    typer.Option(
        "--threads",
        min=1,
        help="CPU cores to use: torch's threads; for ONNX models, batches run at once.",
    ),
]
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
    str,
    typer.Option(
        help="auto, torch, torch-bf16 (bfloat16: fastest on CPUs with AMX), onnx or onnx-int8 "
        "(default: auto: torch if its weights are there)."
    ),
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


def _print_version(asked: bool) -> None:
    if asked:
        from nerkit._version import __version__

        typer.echo(f"nerkit {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_print_version, is_eager=True, help="Print nerkit's version."),
    ] = False,
) -> None:
    """Hugging Face's warnings and progress bars are not the user's business on the command line."""
    quiet_hugging_face()


def options_from(config: type, renamed: Mapping[str, str] | None = None) -> Callable[[F], F]:
    """Give a command one option per field of the dataclass `config`, named after the field (or as
    `renamed`), with its help and default taken from the field, so each default is written once: in
    the dataclass. The command receives `overrides`: the fields the user set, by name."""
    renamed = dict(renamed or {})
    hints = typing.get_type_hints(config)

    def decorate(command: F) -> F:
        signature = inspect.signature(command, eval_str=True)
        kept = [parameter for parameter in signature.parameters.values() if parameter.name != "overrides"]
        added = [
            inspect.Parameter(
                field.name,
                inspect.Parameter.KEYWORD_ONLY,
                default=None,
                annotation=_option(field, hints[field.name], renamed.get(field.name)),
            )
            for field in dataclasses.fields(config)
            if field.metadata.get("help")
        ]
        names = {parameter.name for parameter in added}

        @functools.wraps(command)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            overrides = {name: kwargs.pop(name) for name in names}
            overrides = {name: value for name, value in overrides.items() if value is not None}
            return command(*args, overrides=overrides, **kwargs)

        parameters = [*kept, *added]
        wrapper.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
        wrapper.__annotations__ = {parameter.name: parameter.annotation for parameter in parameters}
        return wrapper  # type: ignore[return-value]

    return decorate


def _option(field: dataclasses.Field, hint: Any, flag: str | None) -> Any:
    name = flag or "--" + field.name.replace("_", "-")
    kind = next((arg for arg in typing.get_args(hint) if arg is not type(None)), hint)
    default = field.default if field.default is not dataclasses.MISSING else None
    if isinstance(default, bool):
        default = "on" if default else "off"
    shown = f" (default: {default})" if default not in (None, ()) else ""
    help = field.metadata["help"].rstrip(".") + shown + "."
    if kind is bool or hint is bool:
        return Annotated[bool | None, typer.Option(f"{name}/--no-{name.removeprefix('--')}", help=help)]
    if typing.get_origin(kind) is tuple or typing.get_origin(hint) is tuple:
        return Annotated[list[str] | None, typer.Option(name, help=help + " Repeat for several.")]
    return Annotated[kind | None, typer.Option(name, help=help)]


def report_repairs(repairs: Mapping[str, int]) -> None:
    """Say on stderr what was repaired on read, so scores on repaired data are never a surprise."""
    if repairs:
        typer.echo("repaired: " + ", ".join(f"{kind} x{count}" for kind, count in repairs.items()), err=True)


def set_threads(threads: int | None) -> None:
    """torch's threads for training (a loaded model is given its `threads` by `nerkit.load`)."""
    if threads:
        import torch

        torch.set_num_threads(threads)


def resolve_device(name: str) -> torch.device:
    """`auto` trains on a GPU when there is one, as users of Hugging Face's Trainer expect; an explicit
    GPU that torch cannot see fails here rather than deep inside the first forward pass."""
    require("train", "choosing a device")
    import torch

    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(name)
    except (RuntimeError, ValueError):
        raise NerkitError("E066", f"unknown device {name!r}", hint="Use cpu, cuda, cuda:N or auto.") from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise NerkitError("E066", f"no GPU for device {name!r}: torch sees none", hint="Use --device cpu.")
    return device
