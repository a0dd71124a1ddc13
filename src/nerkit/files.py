"""Writing files and directories so that a crash, a full disk or a SIGKILL never leaves half of one.

Everything is written to a temporary sibling and renamed into place. Replacing a directory takes two
renames (old one aside, new one in); a kill between them leaves the old version at `previous_path`,
which `check_not_interrupted` turns into an error that says where it is.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

from nerkit.errors import NerkitError

SUFFIX_FORMATS: dict[str, str] = {
    ".csv": "csv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
    ".conll": "conll",
    ".txt": "text",
    ".yaml": "yaml",
    ".yml": "yaml",
    ".toml": "toml",
    ".parquet": "parquet",
    ".ann": "brat",
    ".spacy": "spacy",
}
"""The one table from a file's suffix to its syntax; each reader or writer says which syntaxes it takes
(for annotated corpora `csv` is GMB and `text` is CoNLL columns, for documents `text` is one document)."""


def file_format(path: str | Path | None, default: str = "text") -> str:
    """The syntax of `path` by its suffix (see `SUFFIX_FORMATS`), `default` when the suffix is unknown."""
    return SUFFIX_FORMATS.get(Path(path).suffix.lower(), default) if path is not None else default


@contextmanager
def atomic_text(path: Path, encoding: str = "utf-8", newline: str | None = None) -> Iterator[TextIO]:
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(descriptor, "w", encoding=encoding, newline=newline) as handle:
            yield handle
        os.chmod(temporary, 0o644)  # mkstemp's files are private; what nerkit writes is not
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def previous_path(path: Path) -> Path:
    return path.parent / f".{path.name}.previous"


@contextmanager
def atomic_directory(path: Path) -> Iterator[Path]:
    """Yield an empty temporary directory; on success it replaces `path` whole."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=path.parent))
    try:
        yield temporary
        for written in temporary.iterdir():  # temporary files are private; the result is not
            written.chmod(0o644)
        temporary.chmod(0o755)
        previous = previous_path(path)
        shutil.rmtree(previous, ignore_errors=True)
        if path.exists():
            os.replace(path, previous)
        os.replace(temporary, path)
        shutil.rmtree(previous, ignore_errors=True)
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise


def check_not_interrupted(path: Path) -> None:
    """Explain a missing directory whose replacement was cut off between its two renames."""
    previous = previous_path(path)
    if not path.exists() and previous.is_dir():
        raise NerkitError(
            "E025",
            f"{path} is missing: a save was interrupted after moving the previous version aside",
            hint=f"The previous version is intact: `mv {previous} {path}`.",
        )


def read_settings(path: Path, code: str, what: str) -> Any:
    """A file a user wrote (hyperparameters, recognizer rules, operators) in TOML, YAML or JSON, by its
    suffix; unreadable or malformed is error `code`, saying it could not read `what`."""
    import tomllib

    import yaml

    try:
        text = path.read_text(encoding="utf-8")
        syntax = file_format(path)
        if syntax == "toml":
            return tomllib.loads(text)
        return yaml.safe_load(text) if syntax == "yaml" else json.loads(text)
    except (OSError, UnicodeDecodeError, ValueError, yaml.YAMLError) as error:
        raise NerkitError(code, f"cannot read {what}: {str(error).splitlines()[0]}", path=path) from None


def read_json(path: Path, code: str) -> Any:
    """A JSON file nerkit wrote itself (model metadata, checkpoint state); unreadable is an error."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise NerkitError(code, f"cannot read {path.name}: {error}", path=path) from None


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify_checksums(directory: Path, checksums: dict[str, str]) -> None:
    """Refuse a directory whose files changed after they were written (truncated copy, bad disk)."""
    for name, expected in checksums.items():
        file = directory / name
        if not file.is_file():
            raise NerkitError("E026", f"{name} is missing", path=directory, hint="Retrain or restore it.")
        if sha256(file) != expected:
            raise NerkitError(
                "E026",
                f"{name} does not match the checksum recorded when it was saved (truncated or corrupt)",
                path=directory,
                hint="Retrain or restore the directory from a backup.",
            )
