"""Extraction in several processes on one machine: `nerkit extract --workers N`.

Each worker process loads the model once (the same `LoadOptions`) and runs the whole pipeline on chunks
of texts; results come back in input order. Redaction runs here, in the calling process, so pseudonyms
are numbered across every text as with one process. Outputs equal one process's exactly because the
shipped int8 model's results do not depend on batch composition (static quantisation, see
`nerkit.onnx_model`).
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterable, Iterator
from dataclasses import replace
from datetime import datetime
from itertools import islice
from pathlib import Path
from typing import Any

from nerkit.entities import redact
from nerkit.ner import NER, ExtractOptions, LoadOptions, Result, freeze_loaded_objects
from nerkit.operators import Anonymizer

CHUNK = 64
"""Texts a worker takes at a time: large enough to batch sentences, small enough to keep all busy."""

_worker: dict[str, Any] = {}
"""What each worker process loaded (a pool initializer's only way to hand it to the tasks)."""


def _start(loading: LoadOptions, model: str | None, options: ExtractOptions) -> None:
    _worker["ner"] = loading.load(model, threads=1)
    _worker["ner"].warm_up()
    _worker["options"] = options
    freeze_loaded_objects()


def _extract(texts: list[str]) -> list[Result]:
    ner: NER = _worker["ner"]
    return list(ner.results(texts, _worker["options"]))


def _chunks(texts: Iterable[str], size: int) -> Iterator[list[str]]:
    iterator = iter(texts)
    while chunk := list(islice(iterator, size)):
        yield chunk


def results(
    texts: Iterable[str],
    workers: int,
    loading: LoadOptions | None = None,
    model: str | Path | None = None,
    options: ExtractOptions | None = None,
) -> Iterator[Result]:
    """`NER.results` in `workers` processes (one thread each), in input order."""
    loading, options = loading or LoadOptions(), options or ExtractOptions()
    options = replace(options, reference_time=options.reference_time or datetime.now().astimezone())
    anonymizer = options.redact if isinstance(options.redact, Anonymizer) else None
    model_options = replace(options, redact=None)
    pseudonyms: dict[tuple[str, str], str] = {}
    context = multiprocessing.get_context("spawn")
    with context.Pool(workers, _start, (loading, str(model) if model else None, model_options)) as pool:
        for chunk in pool.imap(_extract, _chunks(texts, CHUNK)):
            for result in chunk:
                if anonymizer is not None:
                    result = replace(
                        result, redacted=redact(result.text, result.entities, anonymizer, pseudonyms)
                    )
                yield result
