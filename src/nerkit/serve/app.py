"""The HTTP service: FastAPI app with typed, versioned endpoints, limits, metrics and the web page."""

from __future__ import annotations

import asyncio
import hmac
import json
import os
import time
from pathlib import Path
from typing import Any, Literal

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from pydantic import BaseModel, ConfigDict, Field, model_validator
from starlette.exceptions import HTTPException as StarletteHTTPException

from nerkit.entities import Entity
from nerkit.ner import NER, ExtractOptions
from nerkit.serve.batcher import MicroBatcher
from nerkit.serve.config import ServeConfig
from nerkit.serve.limits import BodyLimit, error_body

STATIC = Path(__file__).parent / "static"


class ExtractRequest(BaseModel):
    """One `text` or a batch of `texts`. Unknown fields are refused, so nothing a client sends can name
    a file or a model on the server."""

    model_config = ConfigDict(extra="forbid")

    text: str | None = Field(default=None, description="A single text.")
    texts: list[str] | None = Field(default=None, description="Several texts, answered in order.")
    labels: list[str] | None = Field(default=None, description="Keep only these labels, e.g. PERSON, EMAIL.")
    patterns: bool = Field(default=True, description="Add pattern recognizers (email, phone, URL...).")
    redact: Literal["label", "mask", "hash"] | None = Field(
        default=None, description="Also return redacted text."
    )
    keep_titles: bool = Field(default=False, description='Keep "Dr.", "Hi", "President"... in PERSON spans.')

    @model_validator(mode="after")
    def _one_of_text_or_texts(self) -> ExtractRequest:
        if (self.text is None) == (self.texts is None):
            raise ValueError("give exactly one of 'text' or 'texts'")
        return self

    @property
    def all_texts(self) -> list[str]:
        return [self.text] if self.text is not None else list(self.texts or [])

    @property
    def options(self) -> ExtractOptions:
        labels = tuple(self.labels) if self.labels is not None else None
        return ExtractOptions(
            labels=labels, patterns=self.patterns, redact=self.redact, keep_titles=self.keep_titles
        )


class EntityOut(BaseModel):
    text: str
    label: str
    start: int
    end: int
    score: float
    source: Literal["model", "pattern"]


class ResultOut(BaseModel):
    entities: list[EntityOut]
    redacted: str | None = None


class ExtractResponse(BaseModel):
    results: list[ResultOut]


class _Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "nerkit_requests", "HTTP requests", ["path", "status"], registry=self.registry
        )
        self.latency = Histogram(
            "nerkit_request_seconds", "Request latency", ["path"], registry=self.registry
        )
        self.texts = Counter("nerkit_texts", "Texts extracted", registry=self.registry)
        self.entities = Counter("nerkit_entities", "Entities returned", ["label"], registry=self.registry)


def create_app(ner: NER, config: ServeConfig | None = None) -> FastAPI:
    """The app for one loaded model. Model inference runs off the event loop, micro-batched."""
    config = config or ServeConfig()
    batcher: MicroBatcher[list[Entity]] = MicroBatcher(
        ner.tag, config.max_batch if config.batching else 1, config.max_wait_ms / 1000
    )
    metrics = _Metrics()
    app = FastAPI(title="nerkit", version=str(ner.metadata.get("nerkit_version", "")), docs_url="/docs")
    app.state.batcher = batcher
    app.add_middleware(BodyLimit, max_bytes=config.max_body_bytes)
    if config.cors_origins:
        app.add_middleware(
            CORSMiddleware, allow_origins=list(config.cors_origins), allow_methods=["GET", "POST"]
        )

    @app.middleware("http")
    async def _measure(request: Request, call_next: Any) -> Response:
        started = time.perf_counter()
        try:
            response = await call_next(request)
        except Exception:  # never leak a stack trace to a client
            response = JSONResponse(error_body("internal", "internal error"), status_code=500)
        path = request.scope.get("route").path if request.scope.get("route") else "other"
        metrics.requests.labels(path, str(response.status_code)).inc()
        metrics.latency.labels(path).observe(time.perf_counter() - started)
        return response

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, error: RequestValidationError) -> JSONResponse:
        details = [
            {"where": ".".join(str(part) for part in item.get("loc", ())), "problem": item.get("msg", "")}
            for item in error.errors()
        ]
        message = "; ".join(f"{item['where']}: {item['problem']}" for item in details)
        return JSONResponse(error_body("invalid_request", message, details), status_code=422)

    def _check_key(request: Request) -> None:
        if config.api_key is None:
            return
        given = request.headers.get("x-api-key") or request.headers.get("authorization", "").removeprefix(
            "Bearer "
        )
        if not hmac.compare_digest(given.encode(), config.api_key.encode()):
            raise _Unauthorized()

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_: Request, error: StarletteHTTPException) -> JSONResponse:
        """Undecodable bodies (400), unknown paths (404), wrong methods (405): the same JSON shape."""
        code = {400: "bad_request", 404: "not_found", 405: "method_not_allowed"}.get(
            error.status_code, "error"
        )
        return JSONResponse(error_body(code, str(error.detail)), status_code=error.status_code)

    @app.exception_handler(_Unauthorized)
    async def _unauthorized(_: Request, __: _Unauthorized) -> JSONResponse:
        return JSONResponse(error_body("unauthorized", "missing or wrong API key"), status_code=401)

    @app.exception_handler(_TooLarge)
    async def _too_large(_: Request, error: _TooLarge) -> JSONResponse:
        return JSONResponse(error_body("too_large", str(error)), status_code=413)

    @app.exception_handler(_Timeout)
    async def _timeout(_: Request, error: _Timeout) -> JSONResponse:
        return JSONResponse(error_body("timeout", str(error)), status_code=503)

    @app.post("/v1/extract", response_model=ExtractResponse, dependencies=[Depends(_check_key)])
    async def extract(body: ExtractRequest) -> ExtractResponse:
        """Entities with exact character offsets and scores, for one text or a batch."""
        texts = body.all_texts
        if len(texts) > config.max_texts:
            raise _TooLarge(f"{len(texts)} texts in one request; the limit is {config.max_texts}")
        longest = max((len(text) for text in texts), default=0)
        if longest > config.max_chars:
            raise _TooLarge(f"a text has {longest} characters; the limit is {config.max_chars}")
        try:
            async with asyncio.timeout(config.timeout_s):
                found = await batcher.submit(texts) if texts else []
                return await asyncio.to_thread(_finish, body, texts, found)
        except TimeoutError:
            raise _Timeout(f"not answered within {config.timeout_s:g} s; retry later") from None

    def _finish(body: ExtractRequest, texts: list[str], found: list[list[Entity]]) -> ExtractResponse:
        """The per-text half of the pipeline (`NER.finish`), per request: CPU work, so it runs off the
        event loop while the model's half of the next requests is batched."""
        options = body.options
        results = []
        for text, entities in zip(texts, found, strict=True):
            result = ner.finish(text, entities, options)
            metrics.texts.inc()
            for entity in result.entities:
                metrics.entities.labels(entity.label).inc()
            redacted = str(result.redacted) if result.redacted is not None else None
            results.append(
                ResultOut(entities=[EntityOut(**e.to_dict()) for e in result.entities], redacted=redacted)
            )
        return ExtractResponse(results=results)

    @app.get("/v1/model", dependencies=[Depends(_check_key)])
    async def model_info() -> dict[str, Any]:
        """Labels, readable names, metrics and versions of the loaded model."""
        metadata = ner.metadata
        keys = ("base", "data", "metrics", "versions", "hyperparameters", "created", "nerkit_version")
        return {"labels": ner.labels, "label_names": ner.label_names, **{k: metadata.get(k) for k in keys}}

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz")
    async def readyz() -> dict[str, str]:
        return {"status": "ready"}

    @app.get("/metrics")
    async def prometheus() -> Response:
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    @app.get("/", include_in_schema=False)
    async def page() -> FileResponse:
        return FileResponse(STATIC / "index.html")

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app


def app_from_environment() -> FastAPI:
    """Factory for `uvicorn --factory` with several worker processes: `nerkit serve` passes the model
    directory and settings through the environment, since each worker loads its own copy."""
    from transformers import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    settings = json.loads(os.environ.get("NERKIT_SERVE_CONFIG", "{}"))
    settings["cors_origins"] = tuple(settings.get("cors_origins", ()))
    ner = NER.load(os.environ["NERKIT_SERVE_MODEL"], **json.loads(os.environ.get("NERKIT_SERVE_LOAD", "{}")))
    return create_app(ner, ServeConfig(**settings))


class _Unauthorized(Exception):
    pass


class _TooLarge(Exception):
    pass


class _Timeout(Exception):
    pass
