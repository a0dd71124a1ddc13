"""Batch extraction on Ray Data, for document collections larger than one machine.

nerkit brings no scheduler of its own: Ray Data reads JSONL or Parquet, runs `map_batches` over a pool
of actors that each load the model once and run the same pipeline as everywhere else (`NER.results`
with the same `ExtractOptions`), and writes JSONL or Parquet. The same call runs on a laptop (a local
Ray instance is started) or on a cluster (`address="ray://head:10001"` or `"auto"`), where the model
directory and the inputs must be readable from every node (shared disk or object store).

Ray is an optional extra: `pip install 'nerkit[ray]'`.
"""

from __future__ import annotations

import glob
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nerkit.errors import NerkitError

if TYPE_CHECKING:
    from nerkit.ner import ExtractOptions, LoadOptions

RAY_FORMATS = ("jsonl", "parquet")


@dataclass(frozen=True)
class RayOptions:
    """How the work is spread: `actors` model copies, each using `threads` CPU threads."""

    address: str | None = None
    actors: int = 2
    threads: int = 1
    batch_size: int = 64
    text_field: str = "text"
    output_format: str = "jsonl"


class _Extractor:
    """One actor: loads the model once, then runs the pipeline on every batch of rows it is handed."""

    def __init__(
        self, model: str, loading: LoadOptions, options: ExtractOptions, text_field: str, threads: int
    ) -> None:
        self.ner = loading.load(model, threads)  # built inside the actor, so nothing large is shipped
        self.options = options
        self.text_field = text_field

    def __call__(self, batch: Any) -> Any:
        texts = [text if isinstance(text, str) else "" for text in batch[self.text_field]]
        results = list(self.ner.results(texts, self.options))
        batch["entities"] = [
            [_columnar(entity.to_dict()) for entity in result.entities] for result in results
        ]
        if self.options.redact is not None:
            batch["redacted"] = [str(result.redacted) for result in results]
        return batch


def _columnar(entity: dict[str, Any]) -> dict[str, Any]:
    """Arrow gives a column one type, so a `value` (whose keys depend on the label) and an
    `explanation` travel as JSON text, always present (null when the entity has none)."""
    for key in ("value", "explanation"):
        entity[key] = json.dumps(entity[key], ensure_ascii=False) if key in entity else None
    return entity


def expand_inputs(inputs: Sequence[str | Path]) -> list[str]:
    """Files, directories and glob patterns (quoted, so the shell leaves them to nerkit); URIs such as
    `s3://bucket/docs/` go to Ray as they are."""
    paths: list[str] = []
    for pattern in map(str, inputs):
        if "://" in pattern:
            paths.append(pattern)
            continue
        matches = sorted(glob.glob(pattern)) if glob.has_magic(pattern) else [pattern]
        if not matches or not all(os.path.exists(path) for path in matches):
            raise NerkitError("E010", f"no input matches {pattern!r}", hint="Check the path or the glob.")
        paths += matches
    return paths


def extract_with_ray(
    model: str | Path,
    inputs: Sequence[str | Path],
    output: str | Path,
    options: RayOptions | None = None,
    loading: LoadOptions | None = None,
    extract: ExtractOptions | None = None,
) -> int:
    """Tag every record of `inputs` (JSONL or Parquet) and write them, with an `entities` column (and
    `redacted` when `extract.redact` is set), as files under the `output` directory. Returns the number
    of records written."""
    from nerkit.ner import ExtractOptions, LoadOptions

    try:
        import ray
        import ray.data
    except ImportError:
        raise NerkitError("E047", "the Ray engine needs Ray Data", hint="pip install 'nerkit[ray]'") from None
    options, loading, extract = options or RayOptions(), loading or LoadOptions(), extract or ExtractOptions()
    if options.output_format not in RAY_FORMATS:
        raise NerkitError("E049", f"Ray writes {' or '.join(RAY_FORMATS)}, not {options.output_format!r}")
    paths = expand_inputs(inputs)
    model = str(Path(model).resolve())
    if not ray.is_initialized():
        # Locally, one CPU more than the actors hold, or the read tasks wait for a free CPU forever.
        cpus = None if options.address else max(os.cpu_count() or 1, options.actors * options.threads + 1)
        ray.init(address=options.address, num_cpus=cpus, include_dashboard=False, log_to_driver=False)
    parquet = all(path.endswith(".parquet") or (os.path.isdir(path) and _has_parquet(path)) for path in paths)
    dataset = ray.data.read_parquet(paths) if parquet else ray.data.read_json(paths, lines=True)
    if options.text_field not in dataset.columns():
        raise NerkitError(
            "E043",
            f"records have no field {options.text_field!r} (fields: {', '.join(dataset.columns())})",
            hint="Name the field with --text-field.",
        )
    tagged = dataset.map_batches(
        _Extractor,
        fn_constructor_args=(model, loading, extract, options.text_field, options.threads),
        compute=ray.data.ActorPoolStrategy(size=options.actors),
        batch_size=options.batch_size,
        batch_format="pandas",
        num_cpus=options.threads,
    )
    if options.output_format == "parquet":
        tagged.write_parquet(str(output))
    else:
        tagged.write_json(str(output), lines=True, force_ascii=False)
    return dataset.count()  # the inputs again, not the model work


def _has_parquet(directory: str) -> bool:
    return any(name.endswith(".parquet") for name in os.listdir(directory))
