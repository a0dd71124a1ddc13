"""The `nerkit` command: thin Typer shells over the Python API.

User mistakes arrive as `NerkitError` and leave as one line on stderr and exit status 1, never a
traceback. One module per group of commands; importing them registers the commands on `app`.
"""

import os
import sys

from nerkit.cli import corpus, extracting, privacy, reporting, serving, training
from nerkit.cli.common import app

__all__ = ["app", "corpus", "extracting", "main", "privacy", "reporting", "serving", "training"]

QUICK_EXIT = {"extract", "evaluate", "data", "deanonymize"}
"""Commands that only read, compute and write files they have already renamed into place: once they
return, the process ends without the interpreter's teardown, which costs 0.5 s with torch loaded (a
third of a one-text `nerkit extract`). Training, serving and Ray keep the normal exit (their atexit
hooks stop processes and flush state)."""


def main() -> None:
    try:
        app()
        code: object = 0
    except SystemExit as done:
        code = done.code
    quick = len(sys.argv) > 1 and sys.argv[1] in QUICK_EXIT and "ray" not in sys.modules
    if not quick or not isinstance(code, int | None):
        sys.exit(code)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code or 0)
