"""Label Studio's ML backend protocol (the one `label-studio-ml` serves): `GET /health`, `POST /setup`,
`POST /predict` with scores, `POST /webhook` (annotations created or updated are kept, `START_TRAINING`
trains) and `POST /train`. Label Studio users get nerkit's pre-annotations and retraining without
leaving their tool: `nerkit serve --label-studio`, then add the URL as the project's model.

What a project labels is read from its labeling config (`<Labels name=.. toName=..>` with `<Label
value=..>`s over a `<Text name=.. value="$field">`); predictions keep the model's entities whose label is
one of those. Training continues the model being served on every annotation received so far
(`nerkit.teaching`), and its predictions come from the new model once it is done.
"""

from __future__ import annotations

import threading
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Body

from nerkit.entities import Entity
from nerkit.errors import NerkitError
from nerkit.ner import NER
from nerkit.serve.limits import untrainable
from nerkit.teaching import TEACHING_EPOCHS

LABELS_TAGS = ("Labels",)


@dataclass(frozen=True)
class Interface:
    """What a project's labeling config says: which control holds the labels (`from_name`), over which
    text (`to_name`, read from the task's `field`), with which label values."""

    from_name: str = "label"
    to_name: str = "text"
    field: str = "text"
    labels: tuple[str, ...] = ()

    @classmethod
    def parse(cls, config: str | None) -> Interface:
        if not config:
            return cls()
        try:
            root = ElementTree.fromstring(config)
        except ElementTree.ParseError as error:
            raise NerkitError("E093", f"cannot read the labeling config: {error}") from None
        control = next((node for node in root.iter() if node.tag in LABELS_TAGS), None)
        if control is None:
            raise NerkitError("E093", "the labeling config has no <Labels> control")
        to_name = control.get("toName", "text")
        text = next((node for node in root.iter() if node.get("name") == to_name), None)
        field = (text.get("value", "$text") if text is not None else "$text").lstrip("$")
        labels = tuple(node.get("value", "") for node in control.iter("Label") if node.get("value"))
        return cls(control.get("name", "label"), to_name, field, labels)


class Backend:
    """The model Label Studio talks to, the projects it was set up for, and what trains it."""

    def __init__(self, ner: NER, name: str, teach: Callable[[], Any] | None = None) -> None:
        self.ner = ner
        self.version = name
        self.teach = teach
        self.projects: dict[str, Interface] = {}
        self._lock = threading.Lock()

    def replace(self, ner: NER, version: str) -> None:
        with self._lock:
            self.ner, self.version = ner, version

    def interface(self, project: Any, config: str | None) -> Interface:
        key = str(project).split(".")[0]
        if config:
            self.projects[key] = Interface.parse(config)
        return self.projects.get(key) or Interface()

    def predict(self, tasks: list[dict[str, Any]], interface: Interface) -> list[dict[str, Any]]:
        """One prediction per task, the tasks' texts read together (batched)."""
        texts = [(task.get("data") or {}).get(interface.field) for task in tasks]
        for task, text in zip(tasks, texts, strict=True):
            if not isinstance(text, str):
                raise NerkitError("E093", f"task {task.get('id')} has no data.{interface.field} text")
        with self._lock:
            ner, version = self.ner, self.version
        shown = _shown(ner, interface.labels)
        return [
            _prediction(
                task,
                [
                    replace(e, label=shown.get(e.label, e.label))
                    for e in found
                    if not shown or e.label in shown
                ],
                interface,
                version,
            )
            for task, found in zip(tasks, ner.extract_batch(texts), strict=True)
        ]


def _prediction(
    task: dict[str, Any], entities: list[Entity], interface: Interface, version: str
) -> dict[str, Any]:
    result = [
        {
            "id": f"{task.get('id', 'task')}-{index}",
            "from_name": interface.from_name,
            "to_name": interface.to_name,
            "type": "labels",
            "value": {"start": e.start, "end": e.end, "text": e.text, "labels": [e.label]},
            "score": e.score,
        }
        for index, e in enumerate(entities)
    ]
    score = sum(e.score for e in entities) / len(entities) if entities else 0.0
    return {"result": result, "score": round(score, 4), "model_version": version}


def _shown(ner: NER, labels: tuple[str, ...]) -> dict[str, str]:
    """The project's label for each of the model's readable names: the same name, or the model's type
    code in any case ("PER" for `per`, as Label Studio's NER template writes it)."""
    by_code = {code.upper(): name for code, name in ner.label_names.items()}
    return {by_code.get(label.upper(), label): label for label in labels}


def annotation_spans(result: list[dict[str, Any]], interface: Interface) -> list[tuple[int, int, str]]:
    """The labelled regions of an annotation's `result` (other kinds of region are not NER's)."""
    spans = []
    for region in result or []:
        value = region.get("value") or {}
        if (
            region.get("type") == "labels"
            and region.get("from_name", interface.from_name) == interface.from_name
        ):
            spans += [
                (int(value["start"]), int(value["end"]), str(label)) for label in value.get("labels", [])[:1]
            ]
    return spans


def router(
    backend: Backend,
    keep: Callable[[str, str, list[tuple[int, int, str]]], Any] | None,
    forget: Callable[[str], Any] | None = None,
) -> APIRouter:
    """The protocol's routes; `keep(task id, text, spans)` stores an annotation and `forget(task id)`
    drops a deleted one (None: training is off)."""
    routes = APIRouter(tags=["Label Studio"])

    @routes.get("/health")
    async def health() -> dict[str, Any]:
        return {"status": "UP", "model_class": "nerkit", "model_version": backend.version}

    @routes.post("/setup")
    async def setup(body: dict[str, Any] = Body(...)) -> dict[str, Any]:  # noqa: B008
        backend.interface(body.get("project", ""), body.get("schema") or body.get("label_config"))
        return {"model_version": backend.version}

    @routes.post("/predict")
    def predict(body: dict[str, Any] = Body(...)) -> dict[str, Any]:  # noqa: B008
        interface = backend.interface(body.get("project", ""), body.get("label_config"))
        tasks = body.get("tasks") or []
        return {
            "results": backend.predict(tasks, interface),
            "model_version": backend.version,
        }

    @routes.post("/webhook", status_code=201)
    def webhook(body: dict[str, Any] = Body(...)) -> Any:  # noqa: B008
        action = body.get("action", "")
        project = body.get("project") or {}
        interface = backend.interface(project.get("id", ""), project.get("label_config"))
        if action in ("ANNOTATION_CREATED", "ANNOTATION_UPDATED"):
            return {"kept": _keep(keep, body.get("task") or {}, body.get("annotation") or {}, interface)}
        if action == "ANNOTATION_DELETED" and forget is not None:
            forget(str((body.get("task") or {}).get("id")))
            return {"forgotten": True}
        if action == "START_TRAINING":
            return _train(backend)
        return {"ignored": action}

    @routes.post("/train", status_code=201)
    def train(body: dict[str, Any] = Body(...)) -> Any:  # noqa: B008
        interface = backend.interface(body.get("project", ""), body.get("label_config"))
        for annotation in body.get("annotations") or []:
            _keep(keep, annotation.get("task") or {}, annotation, interface)
        return _train(backend)

    return routes


def _keep(keep, task: dict[str, Any], annotation: dict[str, Any], interface: Interface) -> bool:
    text = (task.get("data") or {}).get(interface.field)
    if keep is None or annotation.get("was_cancelled") or not isinstance(text, str):
        return False
    keep(str(task.get("id")), text, annotation_spans(annotation.get("result") or [], interface))
    return True


def _train(backend: Backend) -> Any:
    if backend.teach is None:
        return untrainable()
    return {"job": backend.teach().to_dict()}


def label_studio(
    ner: NER,
    folder: str | Path | None,
    model: str | Path,
    threads: int | None = None,
    epochs: int = TEACHING_EPOCHS,
) -> APIRouter:
    """The routes for `ner` (loaded from `model`), keeping annotations and trained models in `folder` (no
    training without one), training for `epochs`; a trained model is served with `threads` cores, as
    the first was (its PyTorch weights: it has no ONNX file yet)."""
    backend = Backend(ner, Path(str(model)).name or "nerkit")
    if folder is None:
        return router(backend, None)
    from nerkit.teaching import Annotations, Teacher

    folder = Path(folder)
    annotations = Annotations(folder / "annotations.jsonl")

    def served(path: Path) -> None:
        from nerkit import load

        backend.replace(load(path, threads=threads), path.name)

    teacher = Teacher(model, annotations, folder / "models", served, epochs)

    def teach() -> Any:
        teacher.labels = tuple(dict.fromkeys(label for i in backend.projects.values() for label in i.labels))
        return teacher.start()  # the projects' labels are annotated wherever they occur

    backend.teach = teach
    return router(backend, annotations.add, annotations.remove)
