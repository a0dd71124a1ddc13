"""HTTP service and web page for a loaded nerkit model."""

from nerkit.serve.app import ServeConfig, create_app

__all__ = ["ServeConfig", "create_app"]
