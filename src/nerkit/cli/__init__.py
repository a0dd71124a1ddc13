"""The `nerkit` command: thin Typer shells over the Python API.

User mistakes arrive as `NerkitError` and leave as one line on stderr and exit status 1, never a
traceback. One module per group of commands; importing them registers the commands on `app`.
"""

from nerkit.cli import corpus, extracting, serving, training
from nerkit.cli.common import app

__all__ = ["app", "corpus", "extracting", "main", "serving", "training"]


def main() -> None:
    app()
