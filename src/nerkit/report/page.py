"""The report's HTML: one file that opens from disk (no CDN, no server), its figures beside it as PNGs,
and its error records inline as JSON for the browser's filters. Everything user-provided (words, ids,
model names) reaches the page as escaped HTML or through `textContent`, never as markup."""

from __future__ import annotations

import json
from html import escape
from importlib.resources import files
from string import Template
from typing import Any

from nerkit.evaluate import ERROR_KINDS, Report
from nerkit.report.analysis import ModelView

PAGE = Template("""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>$title</title>
<meta name="viewport" content="width=device-width,initial-scale=1"><style>$style</style></head>
<body>
<h1>$title</h1>
<p class="muted">$subtitle</p>
$body
<script type="application/json" id="report-data">$data</script>
<script>$script</script>
</body></html>
""")


def render(
    views: list[ModelView],
    figures: dict[str, Any],
    title: str,
    subtitle: str,
    disagreements: list[dict[str, Any]] | None,
) -> str:
    """The page for one model, or two side by side with their per-type deltas and disagreements."""
    sections = [
        _summary(views),
        _section("Training curves", _image(figures["curves"], "training curves") + _history_note(views)),
        _section("Scores per type", _image(figures["per_type"], "per-type scores") + _per_type_table(views)),
        _section(
            "Confusion", _confusion_text() + _columns(_image(f, "confusion") for f in figures["confusion"])
        ),
        _section("Calibration", _calibration(views, figures["reliability"])),
        _section("Score thresholds", _columns(_thresholds(view) for view in views)),
    ]
    for position, view in enumerate(views):
        sections.append(_section(f"Errors: {escape(view.name)}", _error_browser(position, view)))
    if disagreements is not None:
        sections.append(
            _section("Where the two models disagree", _disagreement_browser(views, disagreements))
        )
    data = {
        "names": [view.name for view in views],
        "models": [{"errors": view.errors()} for view in views],
        "disagreements": disagreements,
    }
    return PAGE.substitute(
        title=escape(title),
        subtitle=escape(subtitle),
        style=_asset("report.css"),
        body="\n".join(sections),
        data=json.dumps(data, ensure_ascii=False).replace("</", "<\\/"),
        script=_asset("report.js"),
    )


def _asset(name: str) -> str:
    return files("nerkit.report").joinpath(name).read_text(encoding="utf-8")


def _section(heading: str, content: str) -> str:
    return f"<h2>{heading}</h2>\n{content}"


def _image(name: str, alt: str) -> str:
    return f'<img src="{escape(name)}" alt="{escape(alt)}">'


def _columns(parts) -> str:
    return '<div class="cols">' + "".join(f"<div>{part}</div>" for part in parts) + "</div>"


def _summary(views: list[ModelView]) -> str:
    head = "<tr><th>model</th><th>precision</th><th>recall</th><th>micro F1</th><th>macro F1</th>"
    head += "<th>sentences with errors</th><th>ECE before → after</th><th>seconds</th></tr>"
    rows = []
    for view in views:
        micro = view.report.micro
        wrong = sum(1 for _ in view.evaluation.errors())
        ece = (
            f"{view.calibration.ece_before:.4f} → {view.calibration.ece_after:.4f}"
            if view.calibration
            else "—"
        )
        rows.append(
            f"<tr><td>{escape(view.name)}</td><td>{micro.precision:.4f}</td><td>{micro.recall:.4f}</td>"
            f"<td><b>{micro.f1:.4f}</b></td><td>{view.report.macro_f1:.4f}</td>"
            f"<td>{wrong:,} of {view.report.sentences:,}</td><td>{ece}</td><td>{view.seconds:.1f}</td></tr>"
        )
    notes = "".join(f'<p class="muted">{escape(note)}</p>' for view in views for note in view.notes)
    return f"<table>{head}{''.join(rows)}</table>{notes}"


def _history_note(views: list[ModelView]) -> str:
    parts = []
    for view in views:
        history = view.metadata.get("history") or []
        best = view.metadata.get("best_epoch")
        averaged = view.metadata.get("averaged")
        if not history and averaged:
            parts.append(
                f"{view.name}: the average of {len(averaged)} models (`nerkit average`), with no training "
                "of its own; its nerkit.json lists them under `averaged`."
            )
        elif not history:
            parts.append(f"{view.name}: no training history in its nerkit.json.")
        elif not any("validation_f1" in row for row in history):
            parts.append(
                f"{view.name}: trained on its validation split too, so there is no validation F1; "
                f"the last epoch ({best}) was kept."
            )
    return "".join(f'<p class="muted">{escape(part)}</p>' for part in parts)


def _per_type_table(views: list[ModelView]) -> str:
    kinds = sorted({kind for view in views for kind in view.report.per_type})
    head = "<tr><th>type</th><th>support</th>" + "".join(
        f"<th>{escape(v.name)} P</th><th>R</th><th>F1</th>" for v in views
    )
    head += "<th>F1 Δ</th></tr>" if len(views) == 2 else "</tr>"
    rows = []
    for kind in kinds:
        cells = [f"<td>{escape(kind)}</td><td>{_support(views, kind):,}</td>"]
        for view in views:
            score = view.report.per_type.get(kind)
            cells.append(
                f"<td>{score.precision:.4f}</td><td>{score.recall:.4f}</td><td>{score.f1:.4f}</td>"
                if score
                else "<td>—</td><td>—</td><td>—</td>"
            )
        if len(views) == 2:
            cells.append(_delta(_f1(views[1].report, kind) - _f1(views[0].report, kind)))
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table>{head}{''.join(rows)}</table>"


def _support(views: list[ModelView], kind: str) -> int:
    return max((v.report.per_type[kind].support for v in views if kind in v.report.per_type), default=0)


def _f1(report: Report, kind: str) -> float:
    return report.per_type[kind].f1 if kind in report.per_type else 0.0


def _delta(value: float) -> str:
    tone = "good" if value > 0 else "bad" if value < 0 else "muted"
    return f'<td class="{tone}">{value:+.4f}</td>'


def _confusion_text() -> str:
    return (
        '<p class="muted">Each gold entity is counted once: the predicted type on exactly its words '
        "(the diagonal is right), a boundary error (a prediction overlapping it with other edges), or "
        "missed (no prediction touches it). The last row counts predictions that touch no gold entity.</p>"
    )


def _calibration(views: list[ModelView], figures: list[str | None]) -> str:
    parts = []
    for view, figure in zip(views, figures, strict=True):
        calibration = view.calibration
        if calibration is None or figure is None:
            parts.append(f'<p class="muted">{escape(view.name)}: no sentences to fit a temperature on.</p>')
            continue
        parts.append(
            _image(figure, "reliability diagram")
            + f"<p>{escape(view.name)}: expected calibration error {calibration.ece_before:.4f} at "
            f"temperature 1, {calibration.ece_after:.4f} at temperature <b>{calibration.temperature}</b> "
            f"fitted on {escape(calibration.fitted_on)} ({calibration.entities:,} predicted entities "
            f"scored). The model stores temperature {calibration.stored_temperature}; "
            "<code>nerkit calibrate</code> stores a fitted one so that <code>Entity.score</code> and "
            "<code>--min-score</code> follow it.</p>"
        )
    return _columns(parts)


SHOWN_THRESHOLDS = (0.0, 0.5, 0.7, 0.8, 0.9)


def _thresholds(view: ModelView) -> str:
    """Per label, what dropping the entities scored below a threshold gives: precision / recall / F1."""
    if not view.tradeoff:
        return f'<p class="muted">{escape(view.name)}: no entities to threshold.</p>'
    head = "".join(f"<th>&ge; {t:.2f}</th>" for t in SHOWN_THRESHOLDS)
    rows = []
    for label, points in view.tradeoff.items():
        stored = view.thresholds.get(label)
        at = {point.threshold: point for point in points}
        cells = "".join(f"<td>{at[t].summary()}</td>" for t in SHOWN_THRESHOLDS)
        extra = f"<td>{stored:.2f}: {at[stored].summary()}</td>" if stored is not None else "<td>none</td>"
        rows.append(f"<tr><td>{escape(label)}</td>{cells}{extra}</tr>")
    return (
        f"<p>{escape(view.name)}: precision / recall / F1 of each type's entities scored at or above a "
        "threshold (recall counts every gold entity). <code>nerkit calibrate</code> stores per type the "
        "threshold with the best F1 on its dev data, and extraction drops the model's entities below it.</p>"
        f"<table><tr><th>type</th>{head}<th>stored</th></tr>{''.join(rows)}</table>"
    )


def _options(name: str, values: list[tuple[str, str]]) -> str:
    inner = "".join(f'<option value="{escape(v)}">{escape(text)}</option>' for v, text in values)
    return f'<label>{name} <select name="{name}">{inner}</select></label>'


def _error_browser(position: int, view: ModelView) -> str:
    types = sorted(view.report.per_type)
    controls = (
        _options("kind", [("all", "all"), *((kind, kind) for kind in ERROR_KINDS)])
        + _options("type", [("all", "all"), *((kind, kind) for kind in types)])
        + _options("order", [("high", "most confident first"), ("low", "least confident first")])
    )
    return _browser_box(f"errors-{position}", controls)


def _disagreement_browser(views: list[ModelView], records: list[dict[str, Any]]) -> str:
    types = sorted({kind for record in records for kind in record["types"]})
    controls = _options(
        "right",
        [
            ("all", "all"),
            ("first", f"{views[0].name} right"),
            ("second", f"{views[1].name} right"),
            ("neither", "neither right"),
        ],
    ) + _options("type", [("all", "all"), *((kind, kind) for kind in types)])
    return _browser_box("disagreements", controls)


def _browser_box(identifier: str, controls: str) -> str:
    return (
        f'<div id="{identifier}"><div class="controls">{controls}<span class="count"></span></div>'
        '<p class="muted">Green: a predicted span that gold has; red: one it does not. '
        "Numbers after a type are entity scores.</p>"
        '<div class="list"></div><button class="more" hidden>show more</button></div>'
    )
