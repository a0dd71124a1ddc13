"""`nerkit annotate`: the labelling behind the annotation page (the page itself: tests/integration/
test_browser.py)."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

import nerkit
from nerkit.documents import Document

TEXTS = [
    Document("1", "Alice visited Paris on Monday."),
    Document("2", "Bob works at Acme in London."),
    Document("3", "Globex said the Acme deal left."),
]


def _client(
    toy_ner, tmp_path, order="file", labels=("PERSON", "LOCATION", "DEAL"), teacher=False, texts=TEXTS
):
    from nerkit.serve.annotate import Round, annotate_app
    from nerkit.teaching import Annotations, Teacher

    labelling = Round(list(texts), Annotations(tmp_path / "labelled.jsonl"), toy_ner, list(labels), order)
    trainer = None
    if teacher:
        model = toy_ner.tagger.save(tmp_path / "toy", toy_ner.metadata)
        trainer = Teacher(
            model,
            labelling.annotations,
            tmp_path / "models",
            lambda path: labelling.replace_model(nerkit.load(path)),
            epochs=8,
        )
    return TestClient(annotate_app(labelling, trainer)), labelling


def test_the_next_text_in_file_order_comes_with_the_model_s_suggestions_of_the_chosen_labels(
    toy_ner, tmp_path
):
    client, _ = _client(toy_ner, tmp_path)
    item = client.get("/api/next").json()
    assert item["id"] == "1" and item["remaining"] == 3
    assert {(s["text"], s["label"]) for s in item["suggestions"]} == {
        ("Alice", "PERSON"),
        ("Paris", "LOCATION"),
    }


def test_uncertainty_order_gives_the_text_the_model_is_least_sure_of(toy_ner, tmp_path):
    client, labelling = _client(toy_ner, tmp_path, order="uncertainty")
    scores = {d.id: min((s["score"] for s in labelling.suggestions([d.text])[0]), default=0.5) for d in TEXTS}
    assert client.get("/api/next").json()["id"] == min(scores, key=scores.get)


def test_training_without_the_train_extra_answers_with_the_pip_line_for_what_is_missing(
    toy_ner, tmp_path, monkeypatch
):
    from nerkit import extras

    real = extras.find_spec
    monkeypatch.setattr(extras, "find_spec", lambda name: None if name == "torch" else real(name))
    client, _ = _client(toy_ner, tmp_path)
    message = client.post("/api/train").json()["error"]["message"]
    assert (
        message.startswith("[E065] training needs torch, which") and "pip install 'nerkit[train]'" in message
    )


def test_a_page_started_without_a_teacher_says_so_when_asked_to_train(toy_ner, tmp_path):
    client, _ = _client(toy_ner, tmp_path)
    answer = client.post("/api/train")
    assert answer.status_code == 400 and answer.json()["error"]["message"].startswith("[E096]")


def test_a_decision_is_appended_at_once_and_a_restart_resumes_after_it(toy_ner, tmp_path):
    client, _ = _client(toy_ner, tmp_path)
    answer = client.post("/api/decision", json={"id": "1", "spans": [[0, 5, "PERSON"]]})
    assert answer.json() == {"saved": True, "done": 1}
    (line,) = (tmp_path / "labelled.jsonl").read_text().splitlines()
    assert json.loads(line) == {"id": "1", "text": TEXTS[0].text, "spans": [[0, 5, "PERSON"]]}
    restarted, _ = _client(toy_ner, tmp_path)
    assert restarted.get("/api/next").json()["id"] == "2"
    assert restarted.get("/api/state").json()["done"] == 1


@pytest.mark.parametrize(
    ("decision", "problem"),
    [
        ({"id": "9", "spans": []}, "no text"),
        ({"id": "1", "spans": [[0, 5, "ORGANIZATION"]]}, "not being annotated"),
    ],
)
def test_a_decision_on_an_unknown_text_or_label_is_refused(toy_ner, tmp_path, decision, problem):
    client, _ = _client(toy_ner, tmp_path)
    answer = client.post("/api/decision", json=decision)
    assert answer.status_code == 400 and problem in answer.json()["error"]["message"]


def test_when_every_text_is_done_there_is_no_next(toy_ner, tmp_path):
    client, _ = _client(toy_ner, tmp_path)
    for document in TEXTS:
        client.post("/api/decision", json={"id": document.id, "spans": []})
    assert client.get("/api/next").json() == {"id": None, "remaining": 0, "done": 3}


def test_train_continues_the_model_on_the_decisions_and_suggests_with_the_new_one(toy_ner, tmp_path):
    import time

    deals = [Document(f"d{n}", "Alice left the deal.") for n in range(48)]
    client, labelling = _client(toy_ner, tmp_path, teacher=True, texts=[*TEXTS, *deals])
    for document in deals:
        client.post("/api/decision", json={"id": document.id, "spans": [[0, 5, "PERSON"], [15, 19, "DEAL"]]})
    assert client.post("/api/train").json()["state"] == "training"
    for _ in range(600):
        status = client.get("/api/train").json()
        if status["state"] != "training":
            break
        time.sleep(0.5)
    assert status["state"] == "done", status
    found = {(s["text"], s["label"]) for s in labelling.suggestions(["Bob left the deal."])[0]}
    assert found == {("Bob", "PERSON"), ("deal", "DEAL")}


def test_the_command_refuses_an_unknown_order(tmp_path):
    from typer.testing import CliRunner

    from nerkit.cli import app

    texts = tmp_path / "texts.jsonl"
    texts.write_text('{"text": "Alice left."}\n', encoding="utf-8")
    result = CliRunner().invoke(
        app, ["annotate", str(texts), "--out", str(tmp_path / "o.jsonl"), "--order", "random"]
    )
    assert result.exit_code == 1 and "E095" in result.output
