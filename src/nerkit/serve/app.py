"""The HTTP service: FastAPI app with typed, versioned endpoints, limits, metrics and the web page."""

from __future__ import annotations

import asyncio
import hmac
import json
import os
import time
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from pydantic import BaseModel, ConfigDict, Field, model_validator
from starlette.exceptions import HTTPException as StarletteHTTPException

from nerkit.entities import Entity
from nerkit.errors import NerkitError
from nerkit.extras import quiet_hugging_face
from nerkit.ner import NER, ExtractOptions, freeze_loaded_objects
from nerkit.operators import Anonymizer, read_secret
from nerkit.serve.batcher import MicroBatcher
from nerkit.serve.config import ServeConfig
from nerkit.serve.limits import BodyLimit, error_body

STATIC = Path(__file__).parent / "static"


class OperatorIn(BaseModel):
    """One anonymisation operator (see `nerkit.operators.Operator`)."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["replace", "mask", "hash", "pseudonym", "encrypt", "keep"]
    text: str | None = None
    char: str | None = None
    chars: int | None = None
    from_end: bool | None = None


class ExtractRequest(BaseModel):
    """One `text` or a batch of `texts`. Unknown fields are refused, so nothing a client sends can name
    a file or a model on the server."""

    model_config = ConfigDict(extra="forbid")

    text: str | None = Field(default=None, description="A single text.")
    texts: list[str] | None = Field(default=None, description="Several texts, answered in order.")
    labels: list[str] | None = Field(default=None, description="Keep only these labels, e.g. PERSON, EMAIL.")
    patterns: bool = Field(default=True, description="Add pattern recognizers (email, phone, URL...).")
    redact: Literal["label", "mask", "hash", "pseudonym", "encrypt"] | None = Field(
        default=None, description="Also return redacted text, with one operator for every label."
    )
    operators: dict[str, OperatorIn] | None = Field(
        default=None, description='Operators per label (and "DEFAULT"); implies redaction.'
    )
    keep_titles: bool = Field(default=False, description='Keep "Dr.", "Hi", "President"... in PERSON spans.')
    values: bool = Field(default=True, description="Normalised values (ISO dates, amounts, E.164...).")
    reference_time: datetime | None = Field(
        default=None,
        description="What relative dates count from (ISO 8601; default: the text's Date: header, else now).",
    )
    explain: bool = Field(default=False, description="Say which recognizer, check and context word.")
    summary: bool = Field(default=False, description="Group mentions of the same entity, with counts.")
    min_score: float = Field(default=0.0, ge=0.0, le=1.0, description="Drop entities scored below this.")
    thresholds: bool = Field(
        default=True, description="Apply the per-label score thresholds `nerkit calibrate` stored."
    )

    @model_validator(mode="after")
    def _one_of_text_or_texts(self) -> ExtractRequest:
        if (self.text is None) == (self.texts is None):
            raise ValueError("give exactly one of 'text' or 'texts'")
        return self

    @property
    def all_texts(self) -> list[str]:
        return [self.text] if self.text is not None else list(self.texts or [])

    def options(self, secret: bytes | None, ephemeral: bytes, known_labels: Iterable[str]) -> ExtractOptions:
        """The request as `ExtractOptions`. Hashes and encryption use the server's secret (`NERKIT_KEY`);
        without one, hashes use a secret drawn at start-up and encryption is refused."""
        labels = tuple(self.labels) if self.labels is not None else None
        kinds = {self.redact} | {operator.type for operator in (self.operators or {}).values()}
        if secret is None and "encrypt" in kinds:
            raise NerkitError(
                "E072", "encrypt needs a key on the server", hint="Start it with NERKIT_KEY set."
            )
        secret = secret or ephemeral
        redact = None
        if self.operators is not None:
            operators = {label: o.model_dump(exclude_none=True) for label, o in self.operators.items()}
            redact = Anonymizer.from_mapping(operators, secret, known_labels)
        elif self.redact is not None:
            redact = Anonymizer.from_style(self.redact, secret)
        return ExtractOptions(
            labels=labels,
            patterns=self.patterns,
            redact=redact,
            keep_titles=self.keep_titles,
            values=self.values,
            reference_time=self.reference_time,
            explain=self.explain,
            summary=self.summary,
            min_score=self.min_score,
            thresholds=self.thresholds,
        )


class EntityOut(BaseModel):
    text: str
    label: str
    start: int
    end: int
    score: float
    source: Literal["model", "pattern"]
    value: dict[str, Any] | None = None
    explanation: dict[str, Any] | None = None


class GroupOut(BaseModel):
    name: str
    label: str
    count: int
    first: int
    offsets: list[list[int]]


class ResultOut(BaseModel):
    entities: list[EntityOut]
    redacted: str | None = None
    summary: list[GroupOut] | None = None


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


def create_app(ner: NER, config: ServeConfig | None = None, routers: Sequence[APIRouter] = ()) -> FastAPI:
    """The app for one loaded model, with `routers` beside its own (the Label Studio backend's). Model
    inference runs off the event loop, micro-batched."""
    config = config or ServeConfig()
    batcher: MicroBatcher[list[Entity]] = MicroBatcher(
        ner.tag, config.max_batch if config.batching else 1, config.max_wait_ms / 1000
    )
    metrics = _Metrics()
    secret, ephemeral = read_secret(None), os.urandom(32)
    known_labels = ner.known_labels
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

    @app.exception_handler(NerkitError)
    async def _refused(_: Request, error: NerkitError) -> JSONResponse:
        """Options that parse but cannot be honoured (an unknown label in operators, encrypt without
        a server key)."""
        return JSONResponse(error_body("invalid_request", f"{error.code} {error.message}"), status_code=422)

    @app.exception_handler(_TooLarge)
    async def _too_large(_: Request, error: _TooLarge) -> JSONResponse:
        return JSONResponse(error_body("too_large", str(error)), status_code=413)

    @app.exception_handler(_Timeout)
    async def _timeout(_: Request, error: _Timeout) -> JSONResponse:
        return JSONResponse(error_body("timeout", str(error)), status_code=503)

    @app.post(
        "/v1/extract",
        response_model=ExtractResponse,
        response_model_exclude_none=True,
        dependencies=[Depends(_check_key)],
    )
    async def extract(body: ExtractRequest) -> ExtractResponse:
        """Entities with exact character offsets and scores, for one text or a batch."""
        texts = body.all_texts
        options = body.options(secret, ephemeral, known_labels)
        if len(texts) > config.max_texts:
            raise _TooLarge(f"{len(texts)} texts in one request; the limit is {config.max_texts}")
        longest = max((len(text) for text in texts), default=0)
        if longest > config.max_chars:
            raise _TooLarge(f"a text has {longest} characters; the limit is {config.max_chars}")
        try:
            async with asyncio.timeout(config.timeout_s):
                found = await batcher.submit(texts) if texts else []
                return await asyncio.to_thread(_finish, options, texts, found)
        except TimeoutError:
            raise _Timeout(f"not answered within {config.timeout_s:g} s; retry later") from None

    def _finish(options: ExtractOptions, texts: list[str], found: list[list[Entity]]) -> ExtractResponse:
        """The per-text half of the pipeline (`NER.finish`), per request: CPU work, so it runs off the
        event loop while the model's half of the next requests is batched. Pseudonyms hold across the
        request's texts."""
        results = []
        pseudonyms: dict[tuple[str, str], str] = {}
        for text, entities in zip(texts, found, strict=True):
            result = ner.finish(text, entities, options, pseudonyms)
            metrics.texts.inc()
            for entity in result.entities:
                metrics.entities.labels(entity.label).inc()
            redacted = str(result.redacted) if result.redacted is not None else None
            summary = [GroupOut(**group.to_dict()) for group in result.summary] if result.summary else None
            entities = [EntityOut(**e.to_dict()) for e in result.entities]
            results.append(ResultOut(entities=entities, redacted=redacted, summary=summary))
        return ExtractResponse(results=results)

    @app.get("/v1/model", dependencies=[Depends(_check_key)])
    async def model_info() -> dict[str, Any]:
        """Labels, readable names, metrics and versions of the loaded model."""
        metadata = ner.metadata
        keys = ("base", "data", "metrics", "versions", "hyperparameters", "created", "nerkit_version")
        return {
            "labels": ner.labels,
            "label_names": ner.label_names,
            "thresholds": ner.thresholds,
            **{k: metadata.get(k) for k in keys},
        }

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

    for extra in routers:
        app.include_router(extra)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app


def app_from_environment() -> FastAPI:
    """Factory for `uvicorn --factory` with several worker processes: `nerkit serve` passes the model
    directory and settings through the environment, since each worker loads its own copy."""
    quiet_hugging_face()
    settings = json.loads(os.environ.get("NERKIT_SERVE_CONFIG", "{}"))
    settings["cors_origins"] = tuple(settings.get("cors_origins", ()))
    ner = NER.load(os.environ["NERKIT_SERVE_MODEL"], **json.loads(os.environ.get("NERKIT_SERVE_LOAD", "{}")))
    ner.warm_up()
    freeze_loaded_objects()
    return create_app(ner, ServeConfig(**settings))


class _Unauthorized(Exception):
    pass


class _TooLarge(Exception):
    pass


class _Timeout(Exception):
    pass
