"""The one error type users see.

Every mistake a user can make (a bad file, a missing corpus, a wrong option) raises `NerkitError`, so
callers catch one thing and the CLI can print one line and exit non-zero instead of a traceback.
Codes are stable, like spaCy's numbered errors, so they can be searched for and documented.
"""

from __future__ import annotations

from pathlib import Path


class NerkitError(Exception):
    """A user-facing error: what went wrong, where (file:line), and what to do about it."""

    def __init__(
        self,
        code: str,
        message: str,
        *,
        path: str | Path | None = None,
        line: int | None = None,
        hint: str | None = None,
    ) -> None:
        self.code = code
        self.message = message
        self.path = str(path) if path is not None else None
        self.line = line
        self.hint = hint
        super().__init__(str(self))

    @property
    def where(self) -> str | None:
        if self.path is None:
            return None
        return f"{self.path}:{self.line}" if self.line is not None else self.path

    def __str__(self) -> str:
        where = f"{self.where}: " if self.where else ""
        hint = f" {self.hint}" if self.hint else ""
        return f"[{self.code}] {where}{self.message.rstrip('.')}.{hint}"
