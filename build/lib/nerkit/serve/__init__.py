"""HTTP service and web page for a loaded nerkit model. The app (FastAPI, the model) loads on first use,
so reading `ServeConfig` for the command line costs nothing."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from nerkit.serve.config import ServeConfig

if TYPE_CHECKING:
    from nerkit.serve.app import create_app


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from nerkit.serve.app import create_app

        return create_app
    raise AttributeError(f"module 'nerkit.serve' has no attribute {name!r}")


__all__ = ["ServeConfig", "create_app"]
