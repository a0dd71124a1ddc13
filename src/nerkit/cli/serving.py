"""`nerkit serve`."""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path
from typing import Annotated, Any

import typer

from nerkit.cli.common import (
    AllowPickle,
    Backend,
    ModelDir,
    Threads,
    app,
    friendly,
    options_from,
)
from nerkit.errors import NerkitError
from nerkit.serve.config import ServeConfig


@app.command("serve")
@friendly
@options_from(ServeConfig, renamed={"cors_origins": "--cors-origin", "timeout_s": "--timeout"})
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
    allow_pickle: AllowPickle = False,
    backend: Backend = "auto",
    threads: Threads = None,
    label_studio: Annotated[
        bool,
        typer.Option(
            "--label-studio",
            help="Also speak Label Studio's ML backend protocol (/health, /setup, /predict, /webhook, "
            "/train): pre-annotations, and training on its annotations.",
        ),
    ] = False,
    label_studio_dir: Annotated[
        Path,
        typer.Option(help="Where --label-studio keeps the annotations it receives and the models it trains."),
    ] = Path("label-studio"),
    *,
    overrides: dict[str, Any],
) -> None:
    """HTTP API (/v1/extract, /v1/model, /healthz, /readyz, /metrics, /docs) and a web page at /.
    Every limit option is a field of `nerkit.serve.ServeConfig`, with the same default."""
    import uvicorn

    import nerkit
    from nerkit.modeldir import model_path
    from nerkit.ner import freeze_loaded_objects
    from nerkit.serve import create_app

    if "cors_origins" in overrides:
        overrides["cors_origins"] = tuple(overrides["cors_origins"])
    settings = ServeConfig(api_key=api_key, **overrides)
    if label_studio and workers > 1:
        raise NerkitError("E094", "the Label Studio backend trains in one process: use --workers 1")
    if workers == 1:
        ner = nerkit.load(model, allow_pickle=allow_pickle, backend=backend, threads=threads)
        ner.warm_up()
        freeze_loaded_objects()
        routers = []
        if label_studio:
            from nerkit.extras import installed
            from nerkit.serve.label_studio import label_studio as label_studio_routes

            folder = label_studio_dir if installed("train") else None
            routers.append(label_studio_routes(ner, folder, model_path(model), threads))
        uvicorn.run(create_app(ner, settings, routers), host=host, port=port, log_level="warning")
        return
    loading = {"allow_pickle": allow_pickle, "backend": backend, "threads": threads}
    nerkit.load(model, **loading)  # fail here, once, rather than in every worker
    os.environ["NERKIT_SERVE_MODEL"] = str(model_path(model))
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


@app.command("annotate")
@friendly
def annotate_command(
    texts: Annotated[
        Path,
        typer.Argument(help="Texts to label: .jsonl (one per line, text in --text-field), .csv or .txt."),
    ],
    out: Annotated[
        Path, typer.Option(help="Where each decision is appended (nerkit's span JSONL); reread on restart.")
    ],
    label: Annotated[
        list[str] | None, typer.Option(help="A label to annotate (repeat); default: the model's own labels.")
    ] = None,
    model: ModelDir = None,
    order: Annotated[
        str, typer.Option(help="uncertainty (the text the model is least sure of next) or file.")
    ] = "uncertainty",
    text_field: Annotated[str, typer.Option(help="JSONL field holding the text.")] = "text",
    host: Annotated[
        str, typer.Option(help="Interface to bind; loopback unless you mean otherwise.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8001,
    backend: Backend = "auto",
    threads: Threads = None,
) -> None:
    """A local page to label texts with the model's suggestions: accept, reject, relabel or draw spans by
    mouse and keys, every decision saved at once, and a train button that continues the model on them
    (the new labels added, the others kept) and suggests with the new model when done."""
    import uvicorn

    import nerkit
    from nerkit.documents import read_documents
    from nerkit.extras import installed
    from nerkit.modeldir import model_path
    from nerkit.serve.annotate import Round, annotate_app
    from nerkit.teaching import Annotations, Teacher

    if order not in ("uncertainty", "file"):
        raise NerkitError("E095", f"unknown order {order!r}", hint="Use uncertainty or file.")
    documents = list(read_documents(texts, text_field))
    ner = nerkit.load(model, backend=backend, threads=threads)
    labels = list(dict.fromkeys(label or sorted(set(ner.label_names.values()))))
    labelling = Round(documents, Annotations(out), ner, labels, order)  # type: ignore[arg-type]
    teacher = None
    if installed("train"):
        teacher = Teacher(
            model_path(model),
            labelling.annotations,
            out.parent / f"{out.stem}-models",
            lambda path: labelling.replace_model(nerkit.load(path, threads=threads)),  # its torch weights
            labels=labels,
        )
    typer.echo(
        f"annotating {len(documents)} texts ({len(labelling.annotations)} done) at http://{host}:{port}/",
        err=True,
    )
    uvicorn.run(annotate_app(labelling, teacher), host=host, port=port, log_level="warning")
