"""Request-size limit as plain ASGI middleware, so an oversized body is refused while it streams in,
before it is buffered or parsed.

Before the 413 goes out, the rest of the body is read and thrown away (up to a bound): a client that
writes its whole body before reading the reply (Python's urllib, many Java and .NET clients) would
otherwise see the connection reset under it instead of the JSON error. A client that asked
`Expect: 100-continue` has sent nothing yet, so it gets the 413 at once."""

from __future__ import annotations

import json
from typing import Any

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from nerkit.errors import NerkitError
from nerkit.extras import missing


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    """The one JSON shape of every error the service returns."""
    error: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        error["details"] = details
    return {"error": error}


def untrainable() -> JSONResponse:
    """The answer to a request to train where this server cannot: the train extra is missing, or it
    was started without a place for its annotations and models."""
    error = missing("train", "training") or NerkitError(
        "E096", "this server keeps no annotations to train on"
    )
    return JSONResponse(error_body("unavailable", str(error)), 400)


DRAIN_BYTES = 64 * 1024 * 1024
"""The most of a refused body read and discarded before answering; past it the connection is closed."""


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int, drain_bytes: int = DRAIN_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.drain_bytes = drain_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            if headers.get(b"expect", b"").lower() != b"100-continue":
                await self._drain(receive, 0)
            await self._refuse(send)
            return
        if declared is None:
            await self._buffered(scope, receive, send)
            return
        seen = 0
        started = False

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise _Oversize
            return message

        async def tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, tracked)
        except _Oversize:
            if not started:
                await self._drain(receive, seen)
                await self._refuse(send)

    async def _buffered(self, scope: Scope, receive: Receive, send: Send) -> None:
        """A body of unknown length (chunked) is read here, up to the limit, and replayed to the app: an
        overflow is answered by this middleware, not swallowed by the app's body parser as a 400."""
        messages: list[Message] = []
        seen = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            seen += len(message.get("body", b""))
            if seen > self.max_bytes:
                await self._drain(receive, seen)
                await self._refuse(send)
                return
            if not message.get("more_body", False):
                break
        pending = iter(messages)

        async def replayed() -> Message:
            return next(pending, None) or await receive()

        await self.app(scope, replayed, send)

    async def _drain(self, receive: Receive, seen: int) -> None:
        """Read and discard what is left of the body, up to `drain_bytes` in all."""
        while seen <= self.drain_bytes:
            message = await receive()
            if message["type"] != "http.request":
                return
            seen += len(message.get("body", b""))
            if not message.get("more_body", False):
                return

    async def _refuse(self, send: Send) -> None:
        body = json.dumps(error_body("too_large", f"request body over {self.max_bytes} bytes")).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


class _Oversize(Exception):
    pass
