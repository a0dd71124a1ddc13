"""`nerkit annotate`: a local page to label texts with the model's help. One text at a time with the
model's suggestions, accepted, rejected, relabelled or drawn by hand; each decision appended to the
output file at once (`teaching.Annotations`: a restart resumes after the last one); the next text the
one the model is least sure of, or the next in the file; and a "train" action that continues the
model on the decisions so far in the background and suggests with the new model once it is done.

The same server stack as `nerkit serve` (FastAPI on uvicorn), bound to the loopback interface.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from fastapi import FastAPI
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, ConfigDict, Field

from nerkit.documents import Document
from nerkit.errors import NerkitError
from nerkit.ner import NER
from nerkit.serve.limits import error_body, untrainable
from nerkit.teaching import Annotations, Teacher

STATIC = Path(__file__).parent / "static"
POOL = 16
"""How many unlabelled texts the uncertainty order scores to choose the next one from."""
NOTHING_FOUND = 0.5
"""A text where the model suggests nothing: as uncertain as a coin (a new label's texts start here)."""


class Decision(BaseModel):
    """What the user kept for one text: every span of the labels being annotated."""

    model_config = ConfigDict(extra="forbid")

    id: str
    spans: list[tuple[int, int, str]] = Field(default_factory=list, description="[start, end, label] each")


@dataclass
class Round:
    """An annotation round: the texts, what is done, the model that suggests, and how the next text is
    chosen."""

    texts: list[Document]
    annotations: Annotations
    ner: NER
    labels: list[str]
    order: Literal["uncertainty", "file"] = "uncertainty"

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._by_id = {document.id: document for document in self.texts}

    def replace_model(self, ner: NER) -> None:
        with self._lock:
            self.ner = ner

    def suggestions(self, texts: Sequence[str]) -> list[list[dict[str, Any]]]:
        """The model's entities of the labels being annotated, for each text (read together, batched)."""
        with self._lock:
            ner = self.ner
        wanted = set(self.labels)
        return [
            [
                {"start": e.start, "end": e.end, "label": e.label, "score": round(e.score, 4), "text": e.text}
                for e in found
                if e.label in wanted
            ]
            for found in ner.extract_batch(texts)
        ]

    def remaining(self) -> list[Document]:
        return [document for document in self.texts if document.id not in self.annotations]

    def next(self) -> dict[str, Any]:
        left = self.remaining()
        if not left:
            return {"id": None, "remaining": 0, "done": len(self.annotations)}
        pool = left[:POOL] if self.order == "uncertainty" else left[:1]
        suggested, document = min(
            zip(self.suggestions([document.text for document in pool]), pool, strict=True),
            key=lambda found: self._confidence(found[0]),
        )
        return {
            "id": document.id,
            "text": document.text,
            "suggestions": suggested,
            "remaining": len(left),
            "done": len(self.annotations),
        }

    @staticmethod
    def _confidence(suggested: Sequence[dict[str, Any]]) -> float:
        return min((s["score"] for s in suggested), default=NOTHING_FOUND)

    def decide(self, decision: Decision) -> None:
        document = self._by_id.get(decision.id)
        if document is None:
            raise NerkitError("E091", f"no text with id {decision.id!r} among the texts being annotated")
        unknown = sorted({label for _, _, label in decision.spans} - set(self.labels))
        if unknown:
            raise NerkitError("E091", f"labels {', '.join(unknown)} are not being annotated")
        self.annotations.add(document.id, document.text, decision.spans)


def annotate_app(labelling: Round, teacher: Teacher | None) -> FastAPI:
    app = FastAPI(title="nerkit annotate", docs_url=None)

    @app.exception_handler(NerkitError)
    async def _refused(_: Any, error: NerkitError) -> JSONResponse:
        return JSONResponse(error_body("invalid_request", f"{error.code} {error.message}"), status_code=400)

    @app.get("/", include_in_schema=False)
    async def page() -> FileResponse:
        return FileResponse(STATIC / "annotate.html")

    @app.get("/api/state")
    def state() -> dict[str, Any]:
        return {
            "labels": labelling.labels,
            "order": labelling.order,
            "total": len(labelling.texts),
            "done": len(labelling.annotations),
            "training": teacher.status.to_dict() if teacher else None,
        }

    @app.get("/api/next")
    def next_text() -> dict[str, Any]:
        return labelling.next()

    @app.post("/api/decision")
    def decide(decision: Decision) -> dict[str, Any]:
        labelling.decide(decision)
        return {"saved": True, "done": len(labelling.annotations)}

    @app.post("/api/train")
    def train() -> Any:
        if teacher is None:
            return untrainable()
        return teacher.start().to_dict()

    @app.get("/api/train")
    def training() -> dict[str, Any]:
        return teacher.status.to_dict() if teacher else {"state": "unavailable"}

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app
