"""`nerkit deanonymize`: restore the spans `--redact-style encrypt` (or an `encrypt` operator) replaced."""

from __future__ import annotations

import json
import sys
from contextlib import nullcontext
from pathlib import Path
from typing import Annotated

import typer

from nerkit.cli.common import app, friendly
from nerkit.errors import NerkitError


@app.command("deanonymize")
@friendly
def deanonymize_command(
    input: Annotated[
        Path | None,
        typer.Argument(
            help="Anonymised text, or the JSONL `nerkit extract --redact` wrote (default: stdin)."
        ),
    ] = None,
    key_file: Annotated[
        Path | None, typer.Option(help="The secret it was encrypted with (default: $NERKIT_KEY).")
    ] = None,
    output: Annotated[Path | None, typer.Option(help="File to write (default: standard output).")] = None,
) -> None:
    """The original text back, exactly, wherever `encrypt` replaced an entity. JSONL records get their
    `text` restored and their `replacements` dropped; anything else is read as one plain text."""
    from nerkit.files import atomic_text
    from nerkit.operators import KEY_VARIABLE, deanonymize, read_secret

    secret = read_secret(key_file)
    if secret is None:
        raise NerkitError(
            "E072",
            "deanonymize needs the key the text was encrypted with",
            hint=f"Pass --key-file or set {KEY_VARIABLE}.",
        )
    try:
        text = input.read_text(encoding="utf-8") if input is not None else sys.stdin.read()
    except (OSError, UnicodeDecodeError) as error:
        raise NerkitError("E005", f"cannot read the input: {error}", path=input) from None
    restored = _records(text, secret, input) if _is_jsonl(text) else deanonymize(text, secret)[0]
    with nullcontext(sys.stdout) if output is None else atomic_text(output) as handle:
        handle.write(restored)


def _is_jsonl(text: str) -> bool:
    try:
        first = json.loads(text.lstrip().split("\n", 1)[0])
    except ValueError:
        return False
    return isinstance(first, dict) and "text" in first


def _records(text: str, secret: bytes, path: Path | None) -> str:
    from nerkit.operators import deanonymize

    lines = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            record["text"] = deanonymize(record["text"], secret)[0]
        except (ValueError, KeyError, TypeError):
            raise NerkitError(
                "E043", "expected a JSON object with a string field 'text'", path=path, line=number
            ) from None
        except NerkitError as error:
            raise NerkitError(error.code, error.message, path=path, line=number) from None
        record.pop("replacements", None)
        lines.append(json.dumps(record, ensure_ascii=False) + "\n")
    return "".join(lines)
