"""Config dataclass fields that carry their own help text, so a command line can be made from them
(`cli.common.options_from`) and each default is written once: in the dataclass."""

from __future__ import annotations

from dataclasses import field
from typing import Any


def setting(default: Any, help: str) -> Any:
    """A dataclass field with `help`: it becomes a command-line option with this default."""
    return field(default=default, metadata={"help": help})
