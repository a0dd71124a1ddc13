"""`nerkit serve`."""

from __future__ import annotations

import dataclasses
import json
import os
from typing import Annotated

import typer

from nerkit.cli.common import (
    AllowPickle,
    Backend,
    ModelDir,
    Threads,
    app,
    friendly,
    set_threads,
)


@app.command("serve")
@friendly
def serve_command(
    model: ModelDir = None,
    host: Annotated[
        str, typer.Option(help="Interface to bind; loopback unless you mean otherwise.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes, each with its own model.")] = 1,
    api_key: Annotated[
        str | None,
        typer.Option(envvar="NERKIT_API_KEY", help="Require this key on /v1/* (X-API-Key header)."),
    ] = None,
    max_texts: Annotated[int, typer.Option(min=1, help="Texts per request.")] = 64,
    max_chars: Annotated[int, typer.Option(min=1, help="Characters per text.")] = 100_000,
    max_body_bytes: Annotated[int, typer.Option(min=1, help="Request body size.")] = 2_000_000,
    cors_origin: Annotated[
        list[str] | None, typer.Option(help="Allow browser calls from this origin.")
    ] = None,
    batching: Annotated[
        bool, typer.Option("--batching/--no-batching", help="Micro-batch concurrent requests.")
    ] = True,
    timeout: Annotated[
        float, typer.Option(min=0.1, help="Seconds a request may take before it is answered 503.")
    ] = 30.0,
    allow_pickle: AllowPickle = False,
    backend: Backend = "auto",
    threads: Threads = None,
) -> None:
    """HTTP API (/v1/extract, /v1/model, /healthz, /readyz, /metrics, /docs) and a web page at /."""
    import uvicorn

    import nerkit
    from nerkit.modeldir import DEFAULT_MODEL
    from nerkit.serve import ServeConfig, create_app

    set_threads(threads)
    settings = ServeConfig(
        max_body_bytes=max_body_bytes,
        max_texts=max_texts,
        max_chars=max_chars,
        api_key=api_key,
        cors_origins=tuple(cor for cor in cors_origin or ()),
        batching=batching,
        timeout_s=timeout,
    )
    if workers == 1:
        ner = nerkit.load(model, allow_pickle=allow_pickle, backend=backend, threads=threads)
        uvicorn.run(create_app(ner, settings), host=host, port=port, log_level="warning")
        return
    loading = {"allow_pickle": allow_pickle, "backend": backend, "threads": threads}
    nerkit.load(model, **loading)  # fail here, once, rather than in every worker
    os.environ["NERKIT_SERVE_MODEL"] = str(model or DEFAULT_MODEL)
    os.environ["NERKIT_SERVE_LOAD"] = json.dumps(loading)
    os.environ["NERKIT_SERVE_CONFIG"] = json.dumps(dataclasses.asdict(settings))
    uvicorn.run(
        "nerkit.serve.app:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
    )
