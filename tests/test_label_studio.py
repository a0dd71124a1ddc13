"""`nerkit serve --label-studio`: Label Studio's ML backend protocol, checked against the request and
response shapes Label Studio's documentation and its `label-studio-ml` package use."""

from __future__ import annotations

import json
import time

import pytest
from conftest import make_sentences
from fastapi.testclient import TestClient

CONFIG = """<View>
  <Labels name="ner" toName="doc">
    <Label value="PERSON" background="red"/>
    <Label value="LOCATION" background="blue"/>
    <Label value="DAY" background="green"/>
  </Labels>
  <Text name="doc" value="$body"/>
</View>"""


@pytest.fixture
def client(toy_ner, tmp_path):
    from nerkit.serve import create_app
    from nerkit.serve.label_studio import label_studio

    model = toy_ner.tagger.save(tmp_path / "toy", toy_ner.metadata)
    routes = label_studio(toy_ner, tmp_path / "ls", model, epochs=8)
    return TestClient(create_app(toy_ner, routers=[routes]))


def test_health_says_up(client):
    assert client.get("/health").json()["status"] == "UP"


def test_setup_reads_the_labeling_config_and_answers_the_model_version(client):
    answer = client.post(
        "/setup", json={"project": "7.1700000000", "schema": CONFIG, "hostname": "", "access_token": ""}
    )
    assert answer.status_code == 200 and answer.json()["model_version"] == "toy"


def test_predict_gives_one_scored_prediction_per_task_in_the_config_s_names(client):
    tasks = [
        {"id": 1, "data": {"body": "Alice visited Paris on Monday."}},
        {"id": 2, "data": {"body": "Bob left."}},
    ]
    answer = client.post(
        "/predict", json={"tasks": tasks, "project": "7.1", "label_config": CONFIG, "params": {}}
    )
    assert answer.status_code == 200
    results = answer.json()["results"]
    assert len(results) == 2 and all(set(r) >= {"result", "score", "model_version"} for r in results)
    regions = results[0]["result"]
    labels = {region["value"]["text"]: region["value"]["labels"] for region in regions}
    assert labels == {"Alice": ["PERSON"], "Paris": ["LOCATION"]}  # Monday's DATE_TIME is not in the config
    for region in regions:
        assert (region["from_name"], region["to_name"], region["type"]) == ("ner", "doc", "labels")
        value = region["value"]
        assert tasks[0]["data"]["body"][value["start"] : value["end"]] == value["text"]
        assert 0.0 < region["score"] <= 1.0


def test_a_config_without_a_labels_control_is_refused_with_its_reason(client):
    answer = client.post(
        "/predict",
        json={"tasks": [], "project": "8.1", "label_config": "<View><Text name='t' value='$t'/></View>"},
    )
    assert answer.status_code in (400, 422) and "E093" in answer.text


def _annotation(task_id: int, text: str, start: int, end: int, label: str) -> dict:
    region = {
        "from_name": "ner",
        "to_name": "doc",
        "type": "labels",
        "value": {"start": start, "end": end, "text": text[start:end], "labels": [label]},
    }
    return {
        "action": "ANNOTATION_CREATED",
        "task": {"id": task_id, "data": {"body": text}},
        "annotation": {"id": task_id, "result": [region]},
        "project": {"id": 7, "label_config": CONFIG},
    }


def test_annotations_from_the_webhook_are_kept_for_training(client, tmp_path):
    text = "Alice left today."
    answer = client.post("/webhook", json=_annotation(3, text, 11, 16, "DAY"))
    assert answer.status_code == 201 and answer.json() == {"kept": True}
    (line,) = (tmp_path / "ls" / "annotations.jsonl").read_text().splitlines()
    assert json.loads(line) == {"id": "3", "text": text, "spans": [[11, 16, "DAY"]]}


def _person_spans(sentence) -> list[tuple[int, int]]:
    from nerkit.labels import spans
    from nerkit.text import detokenize

    _, offsets = detokenize(sentence.words)
    return [(offsets[a][0], offsets[b - 1][1]) for a, b, kind in spans(sentence.tags) if kind == "per"]


def test_start_training_trains_on_the_kept_annotations_and_predicts_with_the_new_model(client, tmp_path):
    from nerkit.text import detokenize

    for number in range(48):  # annotators mark every label of the project where it occurs
        annotation = _annotation(number, "Alice left the deal.", 15, 19, "DAY")
        person = _annotation(number, "Alice left the deal.", 0, 5, "PERSON")["annotation"]["result"]
        annotation["annotation"]["result"] += person
        client.post("/webhook", json=annotation)
    for number, sentence in enumerate(make_sentences()[:8], start=100):
        text, spans = detokenize(sentence.words)[0], _person_spans(sentence)
        regions = [_annotation(number, text, s, e, "PERSON")["annotation"]["result"][0] for s, e in spans]
        client.post(
            "/webhook",
            json={**_annotation(number, text, 0, 1, "DAY"), "annotation": {"id": number, "result": regions}},
        )
    started = client.post("/webhook", json={"action": "START_TRAINING", "project": {"id": 7}})
    assert started.status_code == 201 and started.json()["job"]["state"] == "training"

    for _ in range(600):
        version = client.get("/health").json()["model_version"]
        if version != "toy":
            break
        time.sleep(0.5)
    assert version.startswith("model-")
    answer = client.post(
        "/predict",
        json={
            "tasks": [{"id": 1, "data": {"body": "Bob left the deal."}}],
            "project": "7.2",
            "label_config": CONFIG,
        },
    )
    labels = {r["value"]["text"]: r["value"]["labels"][0] for r in answer.json()["results"][0]["result"]}
    assert answer.json()["model_version"] == version
    assert labels == {"Bob": "PERSON", "deal": "DAY"}


def test_without_a_folder_training_is_refused_but_predictions_work(toy_ner, tmp_path):
    from nerkit.serve import create_app
    from nerkit.serve.label_studio import label_studio

    client = TestClient(create_app(toy_ner, routers=[label_studio(toy_ner, None, tmp_path / "toy")]))
    refused = client.post("/train", json={"annotations": [], "project": "1"})
    assert refused.status_code == 400 and refused.json()["error"]["message"].startswith("[E096]")
    assert (
        client.post("/predict", json={"tasks": [{"id": 1, "data": {"text": "Alice left."}}]}).status_code
        == 200
    )


def test_the_template_s_type_codes_name_the_model_s_labels(client):
    config = CONFIG.replace('"PERSON"', '"PER"')
    task = {"id": 1, "data": {"body": "Alice visited Paris on Monday."}}
    answer = client.post("/predict", json={"tasks": [task], "project": "9.1", "label_config": config})
    labels = {r["value"]["text"]: r["value"]["labels"] for r in answer.json()["results"][0]["result"]}
    assert labels["Alice"] == ["PER"]


def test_a_deleted_annotation_is_forgotten(client, tmp_path):
    client.post("/webhook", json=_annotation(3, "Alice left the deal.", 15, 19, "DAY"))
    answer = client.post(
        "/webhook", json={"action": "ANNOTATION_DELETED", "task": {"id": 3}, "project": {"id": 7}}
    )
    assert answer.json() == {"forgotten": True}
    from nerkit.teaching import Annotations

    assert len(Annotations(tmp_path / "ls" / "annotations.jsonl")) == 0
