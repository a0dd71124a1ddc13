"""The server's limits and options, apart from the app so the command line can read them cheaply."""

from __future__ import annotations

from dataclasses import dataclass

from nerkit.settings import setting


@dataclass(frozen=True)
class ServeConfig:
    """Limits and options; every limit is enforced before any model work starts."""

    max_body_bytes: int = setting(2_000_000, "Largest request body in bytes")
    max_texts: int = setting(64, "Texts per request")
    max_chars: int = setting(100_000, "Characters per text")
    api_key: str | None = None
    """Required on /v1/* when set (the CLI reads it from --api-key or NERKIT_API_KEY)."""
    cors_origins: tuple[str, ...] = setting((), "Allow browser calls from this origin")
    batching: bool = setting(True, "Micro-batch concurrent requests")
    max_batch: int = setting(32, "Most texts in one micro-batch")
    max_wait_ms: float = setting(
        0.0, "Wait this long for more texts after the first of a micro-batch, in ms (0: take what is queued)"
    )
    timeout_s: float = setting(
        30.0,
        "Seconds a request may take before it is answered 503, so a stuck client cannot pile up work",
    )
