"""`nerkit serve --label-studio` against a real Label Studio server, driven through Label Studio's own API
as its page drives it: connect the model, retrieve predictions, annotate, start training. Label Studio
lives in its own environment (its pins are not nerkit's): `make label-studio` installs it, and
`NERKIT_LABEL_STUDIO` names its `label-studio` command (CI sets both)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
COMMAND = os.environ.get("NERKIT_LABEL_STUDIO")
if not COMMAND:
    pytest.skip("NERKIT_LABEL_STUDIO names no Label Studio (make label-studio)", allow_module_level=True)
TOKEN = "nerkit-test-token"
CONFIG = (
    '<View><Labels name="label" toName="text"><Label value="PERSON"/><Label value="ORGANIZATION"/>'
    '<Label value="PRODUCT"/></Labels><Text name="text" value="$text"/></View>'
)


def _port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _call(url: str, body: object = None, token: str | None = TOKEN) -> object:
    headers = {"Content-Type": "application/json"} | ({"Authorization": f"Token {token}"} if token else {})
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        url, data=data, headers=headers, method="GET" if body is None else "POST"
    )
    with urllib.request.urlopen(request, timeout=120) as response:
        text = response.read()
    return json.loads(text) if text else None


def _wait(url: str, seconds: float, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, f"{url} exited with {process.returncode}: {_tail(log)}"
        try:
            _call(url, token=None)
            return
        except OSError:
            time.sleep(1)
    raise AssertionError(f"{url} did not answer within {seconds} s: {_tail(log)}")


def _tail(log: Path) -> str:
    return log.read_text(errors="replace")[-2000:] if log.is_file() else ""


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    """Label Studio with a user whose token is known, allowed to reach a model on this machine, and
    nerkit's backend with the shipped model."""
    folder = tmp_path_factory.mktemp("label-studio")
    studio_port, nerkit_port = _port(), _port()
    environment = os.environ | {
        "LABEL_STUDIO_BASE_DATA_DIR": str(folder / "data"),
        "LABEL_STUDIO_USERNAME": "tester@example.com",
        "LABEL_STUDIO_PASSWORD": "nerkit-test-password",
        "LABEL_STUDIO_USER_TOKEN": TOKEN,
        "LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN": "true",
        "ML_BLOCK_LOCAL_IP": "false",  # the model runs on this machine
        "SSRF_PROTECTION_ENABLED": "false",
    }
    studio_log, backend_log = folder / "label-studio.log", folder / "nerkit.log"
    studio = subprocess.Popen(
        [COMMAND, "start", "--no-browser", "--port", str(studio_port), "--data-dir", str(folder / "data")],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=studio_log.open("w"),
    )
    backend_folder = folder / "nerkit"
    command = [sys.executable, "-m", "nerkit", "serve", "--label-studio", "--port", str(nerkit_port)]
    backend = subprocess.Popen(
        [*command, "--label-studio-dir", str(backend_folder)], stderr=backend_log.open("w")
    )
    try:
        _wait(f"http://127.0.0.1:{nerkit_port}/health", 120, backend, backend_log)
        # the first start migrates Label Studio's database
        _wait(f"http://127.0.0.1:{studio_port}/health", 600, studio, studio_log)
        yield (
            f"http://127.0.0.1:{studio_port}",
            f"http://127.0.0.1:{nerkit_port}",
            backend_folder,
            backend_log,
        )
    finally:
        for process in (studio, backend):
            process.terminate()
            process.wait(30)


@pytest.fixture(scope="module")
def project(servers):
    """A project with two texts and nerkit connected as its model."""
    studio, backend, _, _ = servers
    created = _call(f"{studio}/api/projects", {"title": "nerkit", "label_config": CONFIG})
    tasks = [{"text": "Angela Merkel met Tim Cook of Apple."}, {"text": "Order the ThinkPad X1 today."}]
    _call(f"{studio}/api/projects/{created['id']}/import", tasks)
    model = _call(f"{studio}/api/ml", {"url": backend, "project": created["id"], "title": "nerkit"})
    return created["id"], model


def _predictions(studio: str, project_id: int) -> dict[str, list[dict]]:
    """Each task's text, with the results of its newest prediction."""
    selected = {"selectedItems": {"all": True, "excluded": []}, "project": project_id}
    _call(f"{studio}/api/dm/actions?id=retrieve_tasks_predictions&project={project_id}", selected)
    found = {}
    for task in _call(f"{studio}/api/tasks?project={project_id}&fields=all")["tasks"]:
        predictions = _call(f"{studio}/api/predictions?task={task['id']}")
        newest = (
            max(predictions, key=lambda p: p["id"]) if predictions else {"result": [], "model_version": None}
        )
        found[task["data"]["text"]] = [newest["model_version"], newest["result"]]
    return found


def test_label_studio_connects_to_the_backend(project):
    _, model = project
    assert model["state"] == "CO" and model["model_version"] == "default_model"


def test_label_studio_gets_predictions_in_its_labels_with_scores(servers, project):
    studio, _, _, _ = servers
    version, results = _predictions(studio, project[0])["Angela Merkel met Tim Cook of Apple."]
    found = {(r["value"]["text"], r["value"]["labels"][0]) for r in results}
    assert version == "default_model"
    assert {("Angela Merkel", "PERSON"), ("Tim Cook", "PERSON"), ("Apple", "ORGANIZATION")} <= found
    assert all(0 < r["score"] <= 1 for r in results)


def test_an_annotation_made_in_label_studio_reaches_the_backend_and_training_serves_a_new_model(
    servers, project
):
    studio, backend, folder, log = servers
    project_id, model = project
    task = next(
        t
        for t in _call(f"{studio}/api/tasks?project={project_id}&fields=all")["tasks"]
        if t["data"]["text"].startswith("Order")
    )
    span = {"start": 10, "end": 21, "text": "ThinkPad X1", "labels": ["PRODUCT"]}
    result = [{"from_name": "label", "to_name": "text", "type": "labels", "value": span}]
    _call(f"{studio}/api/tasks/{task['id']}/annotations", {"result": result})
    saved = Path(folder) / "annotations.jsonl"
    deadline = time.monotonic() + 30
    while not (saved.is_file() and "ThinkPad" in saved.read_text()) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert json.loads(saved.read_text().splitlines()[-1])["spans"] == [[10, 21, "PRODUCT"]]
    _call(f"{studio}/api/ml/{model['id']}/train", {})
    deadline = time.monotonic() + 600
    while _call(f"{backend}/health", token=None)["model_version"] == "default_model":
        assert time.monotonic() < deadline, f"no new model within 600 s: {_tail(log)}"
        time.sleep(2)
    version, _ = _predictions(studio, project_id)["Order the ThinkPad X1 today."]
    assert version.startswith("model-")
