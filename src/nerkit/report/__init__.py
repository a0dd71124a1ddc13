"""`nerkit report`: one page that shows what a model learned and where it fails: training curves,
per-type scores, the entity-level confusion, an error browser sorted by the model's confidence, and
calibration before and after temperature scaling, and what a score threshold trades per type; for two
models, their deltas and disagreements.

The page (`index.html`) opens from disk: its figures are PNG files beside it and its error records are
inline. It reads the same error records as `nerkit evaluate --errors` (`Evaluation.errors`).
`summary.json` beside it holds the numbers (scores, calibration, seconds) for scripts.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nerkit._version import __version__
from nerkit.errors import NerkitError
from nerkit.files import atomic_directory
from nerkit.settings import setting

if TYPE_CHECKING:
    from nerkit.corpus import Corpus
    from nerkit.ner import NER
    from nerkit.report.analysis import ModelView

PAGE_NAME = "index.html"
SUMMARY_NAME = "summary.json"
"""The page's numbers for scripts: scores, calibration and timing per model."""
NO_FIT = "none"


@dataclass(frozen=True)
class ReportConfig:
    split: str = setting("test", "Split the report scores and browses")
    fit_split: str = setting(
        "validation", "Split the calibration temperature is fitted on ('none' leaves calibration out)"
    )
    limit: int | None = setting(None, "Only the first N sentences of each split")
    batch_size: int = setting(64, "Sentences per forward pass")


def write_report(
    models: Sequence[tuple[str, NER]],
    corpus: Corpus,
    out: str | Path,
    config: ReportConfig | None = None,
    progress: bool = False,
) -> Path:
    """Score each model on `corpus[config.split]` and write the page and its figures to `out` (a new
    directory, or one an earlier report wrote: it is replaced whole, or left as it was on failure).
    Returns the page's path."""
    from nerkit.report import figures
    from nerkit.report.analysis import analyse, disagreements
    from nerkit.report.page import render

    config = config or ReportConfig()
    out = Path(out)
    if not 1 <= len(models) <= 2:
        raise NerkitError("E081", f"a report shows one or two models, not {len(models)}")
    if out.exists() and any(out.iterdir()) and not (out / PAGE_NAME).is_file():
        raise NerkitError(
            "E082", f"{out} exists and is not a report nerkit wrote", hint="Choose another --out."
        )
    sentences = _split(corpus, config.split, config.limit)
    fitting = [] if config.fit_split == NO_FIT else _split(corpus, config.fit_split, config.limit)
    fitted_on = f"{corpus.name} {config.fit_split} ({len(fitting):,} sentences)"
    views = []
    for name, ner in models:
        started = time.perf_counter()
        view = analyse(name, ner, sentences, fitting, fitted_on, config.batch_size, progress)
        seconds = round(time.perf_counter() - started, 1)
        views.append(replace(view, seconds=seconds, notes=_notes(name, view.metadata, corpus, config)))
    with atomic_directory(out) as folder:
        drawn = {
            "curves": figures.curves(views, folder / "curves.png"),
            "per_type": figures.per_type(views, folder / "per_type.png"),
            "confusion": [
                figures.confusion_matrix(view, folder / f"confusion-{n}.png")
                for n, view in enumerate(views, 1)
            ],
            "reliability": [
                figures.reliability_diagram(view, folder / f"reliability-{n}.png")
                if view.calibration
                else None
                for n, view in enumerate(views, 1)
            ],
        }
        title = " vs ".join(view.name for view in views)
        subtitle = (
            f"{corpus.name} {config.split}: {len(sentences):,} sentences · nerkit {__version__} · "
            f"{time.strftime('%Y-%m-%d %H:%M')}"
        )
        compared = disagreements(views[0], views[1]) if len(views) == 2 else None
        (folder / PAGE_NAME).write_text(render(views, drawn, title, subtitle, compared), encoding="utf-8")
        summary = {"data": corpus.name, "split": config.split, "sentences": len(sentences)}
        summary["models"] = [_summary(view) for view in views]
        (folder / SUMMARY_NAME).write_text(json.dumps(summary, indent=1) + "\n", encoding="utf-8")
    return out / PAGE_NAME


def _summary(view: ModelView) -> dict[str, Any]:
    calibration = view.calibration
    return {
        "name": view.name,
        "scores": view.report.to_dict(),
        "sentences_with_errors": sum(1 for _ in view.evaluation.errors()),
        "calibration": None
        if calibration is None
        else {
            "temperature": calibration.temperature,
            "fitted_on": calibration.fitted_on,
            "ece_before": calibration.ece_before,
            "ece_after": calibration.ece_after,
            "entities": calibration.entities,
        },
        "thresholds": view.thresholds,
        "seconds": view.seconds,
        "notes": view.notes,
    }


def _split(corpus: Corpus, split: str, limit: int | None):
    sentences = list(corpus[split])[:limit]
    if not sentences:
        raise NerkitError("E040", f"no sentences in split {split!r} of {corpus.name}")
    return sentences


def _notes(name: str, metadata: dict, corpus: Corpus, config: ReportConfig) -> list[str]:
    """Cautions the numbers need: a temperature fitted on sentences the model was trained on (its
    validation split trained on, from a file of this corpus that holds the fit split)."""
    data = metadata.get("data", {})
    seen = metadata.get("hyperparameters", {}).get("train_with_validation")
    fit_files = corpus.sources if len(corpus.sources) == 1 else corpus.sources[1:2]
    trained = {Path(source).parts[-2:] for source in data.get("sources", [])}
    if seen and config.fit_split == "validation" and any(Path(f).parts[-2:] in trained for f in fit_files):
        return [
            f"{name} was trained on {config.fit_split} sentences too, so the temperature fitted there is "
            "likely too low (the model is surer of sentences it has seen); calibration is measured on "
            f"{config.split}, which it has not seen."
        ]
    return []
