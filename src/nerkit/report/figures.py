"""The report's pictures, drawn with matplotlib's object API (a `Figure` each, no pyplot state) and
written as PNG files beside the page."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from nerkit.errors import NerkitError
from nerkit.report.analysis import ModelView

COLOURS = ("#2563eb", "#ea580c", "#16a34a", "#9333ea")
DPI = 110


def _figure(width: float, height: float):
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise NerkitError(
            "E080", "the report draws its figures with matplotlib, which is not installed"
        ) from None
    return Figure(figsize=(width, height), dpi=DPI, layout="constrained")


def _save(figure, path: Path) -> str:
    figure.savefig(path)
    return path.name


def curves(views: Sequence[ModelView], path: Path) -> str:
    """Loss per step (left) and, per epoch, the mean loss and validation F1 with the kept epoch starred."""
    from matplotlib.ticker import MaxNLocator

    figure = _figure(9, 3.4)
    steps, epochs = figure.subplots(1, 2)
    f1 = None
    for colour, view in zip(COLOURS, views, strict=False):
        curve = view.metadata.get("step_loss") or []
        if curve:
            steps.plot([p[0] for p in curve], [p[1] for p in curve], color=colour, lw=1, label=view.name)
        history = view.metadata.get("history") or []
        if history:
            numbers = [row["epoch"] for row in history]
            epochs.plot(
                numbers, [row["loss"] for row in history], "o--", color=colour, label=f"{view.name} loss"
            )
        scored = [row for row in history if "validation_f1" in row]
        if scored:
            f1 = f1 or epochs.twinx()
            f1.plot(
                [r["epoch"] for r in scored],
                [r["validation_f1"] for r in scored],
                "s-",
                color=colour,
                alpha=0.6,
            )
            best = next((r for r in scored if r["epoch"] == view.metadata.get("best_epoch")), None)
            if best is not None:
                f1.plot(
                    [best["epoch"]], [best["validation_f1"]], "*", ms=16, color=colour, label="kept epoch"
                )
            f1.set_ylabel("validation F1 (squares)")
    steps.set(title="training loss per step", xlabel="step", ylabel="loss")
    averaged = all(view.metadata.get("averaged") for view in views)
    untrained = "an average of models\n(no training of its own)" if averaged else None
    if not any(view.metadata.get("step_loss") for view in views):
        _say(steps, untrained or "step losses not recorded\n(model trained before they were)")
    epochs.set(title="per epoch", xlabel="epoch", ylabel="mean loss (circles)")
    epochs.xaxis.set_major_locator(MaxNLocator(integer=True))
    if any(view.metadata.get("history") for view in views):
        epochs.legend(fontsize=7, loc="upper center")
    else:
        _say(epochs, untrained or "no training history")
    if len(views) > 1:
        steps.legend(fontsize=8)
    return _save(figure, path)


def _say(axes: Any, text: str) -> None:
    axes.text(0.5, 0.5, text, ha="center", va="center", transform=axes.transAxes, color="#666")


def per_type(views: Sequence[ModelView], path: Path) -> str:
    """Precision, recall and F1 per type (one model), or F1 per type side by side (two)."""
    kinds = sorted({kind for view in views for kind in view.report.per_type})
    figure = _figure(9, 0.45 * len(kinds) + 1.4)
    axes = figure.subplots()
    rows = range(len(kinds))
    support = {
        k: max((v.report.per_type[k].support for v in views if k in v.report.per_type), default=0)
        for k in kinds
    }
    if len(views) == 1:
        bars = (("precision", "#93c5fd"), ("recall", "#fdba74"), ("f1", "#2563eb"))
        for offset, (metric, colour) in enumerate(bars):
            values = [getattr(views[0].report.per_type.get(k), metric, 0.0) for k in kinds]
            axes.barh([r + (offset - 1) * 0.27 for r in rows], values, 0.27, color=colour, label=metric)
    else:
        for offset, (colour, view) in enumerate(zip(COLOURS, views, strict=False)):
            values = [getattr(view.report.per_type.get(k), "f1", 0.0) for k in kinds]
            axes.barh(
                [r + (offset - 0.5) * 0.4 for r in rows], values, 0.4, color=colour, label=f"{view.name} F1"
            )
    axes.set_yticks(list(rows), [f"{k} (n={support[k]:,})" for k in kinds])
    axes.invert_yaxis()
    axes.set(xlim=(0, 1), title="per type (n: gold entities)")
    axes.legend(fontsize=8, loc="lower right")
    return _save(figure, path)


def confusion_matrix(view: ModelView, path: Path) -> str:
    """Rows: gold types, then spurious predictions; columns: the predicted type on the gold edges,
    a boundary error, or missed. Shaded by share of the row, labelled with counts."""
    rows, columns = confusion_axes(view.confusion)
    figure = _figure(1.0 + 0.62 * len(columns), 0.9 + 0.42 * len(rows))
    axes = figure.subplots()
    grid = [[view.confusion.get((row, column), 0) for column in columns] for row in rows]
    shares = [[count / max(sum(line), 1) for count in line] for line in grid]
    axes.imshow(shares, cmap="Blues", vmin=0, vmax=1, aspect="auto")
    for r, line in enumerate(grid):
        for c, count in enumerate(line):
            if count:
                axes.text(
                    c,
                    r,
                    f"{count:,}",
                    ha="center",
                    va="center",
                    fontsize=7,
                    color="white" if shares[r][c] > 0.6 else "black",
                )
    axes.set_xticks(range(len(columns)), columns, rotation=45, ha="right", fontsize=8)
    axes.set_yticks(range(len(rows)), rows, fontsize=8)
    axes.set(xlabel="predicted type on the gold span / error", ylabel="gold type", title=view.name)
    return _save(figure, path)


def confusion_axes(counts: dict[tuple[str, str], int]) -> tuple[list[str], list[str]]:
    """The confusion table's rows and columns, in a stable order."""
    kinds = sorted(
        {key[0] for key in counts if key[0] != "spurious"}
        | {key[1] for key in counts} - {"boundary", "missed"}
    )
    rows = [*kinds, *(["spurious"] if any(key[0] == "spurious" for key in counts) else [])]
    return rows, [*kinds, "boundary", "missed"]


def reliability_diagram(view: ModelView, path: Path) -> str:
    """Share right against mean score per score bin, before and after temperature scaling."""
    assert view.calibration is not None
    calibration = view.calibration
    figure = _figure(4.6, 4.2)
    axes = figure.subplots()
    axes.plot([0, 1], [0, 1], ":", color="#888", label="perfect")
    for bins, colour, name in (
        (calibration.before, "#ea580c", f"temperature 1 (ECE {calibration.ece_before:.3f})"),
        (
            calibration.after,
            "#2563eb",
            f"temperature {calibration.temperature} (ECE {calibration.ece_after:.3f})",
        ),
    ):
        axes.plot(
            [b.mean_score for b in bins], [b.accuracy for b in bins], "o-", color=colour, label=name, ms=4
        )
    axes.set(
        xlim=(0, 1),
        ylim=(0, 1),
        xlabel="entity score",
        ylabel="share right",
        title=f"{view.name}: reliability",
    )
    axes.legend(fontsize=7, loc="upper left")
    return _save(figure, path)
