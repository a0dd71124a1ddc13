import asyncio

import httpx
import pytest
from fastapi.testclient import TestClient

from nerkit.serve import ServeConfig, create_app

TEXT = "Alice visited Paris on Monday. Mail alice@acme.com"


@pytest.fixture
def client(toy_ner, monkeypatch):
    monkeypatch.setenv("NERKIT_KEY", "the server's secret")
    return TestClient(create_app(toy_ner), raise_server_exceptions=False)


def extract(client, **body):
    return client.post("/v1/extract", json=body)


def test_extract_one_text_returns_entities_with_offsets(client):
    response = extract(client, text=TEXT)
    assert response.status_code == 200
    (result,) = response.json()["results"]
    assert {
        "text": "alice@acme.com",
        "label": "EMAIL",
        "start": 36,
        "end": 50,
        "score": 1.0,
        "source": "pattern",
        "value": {"email": "alice@acme.com"},
    } in (result["entities"])
    assert all(TEXT[e["start"] : e["end"]] == e["text"] for e in result["entities"])


def test_extract_a_batch_answers_in_order(client):
    response = extract(
        client, texts=["Mail a@b.com", "", "Call +1 415-555-2671"], labels=["EMAIL", "PHONE_NUMBER"]
    )
    labels = [[e["label"] for e in result["entities"]] for result in response.json()["results"]]
    assert labels == [["EMAIL"], [], ["PHONE_NUMBER"]]


def test_label_filter_patterns_switch_and_redaction(client):
    result = extract(client, text=TEXT, labels=["EMAIL"], redact="label").json()["results"][0]
    assert [e["label"] for e in result["entities"]] == ["EMAIL"]
    assert result["redacted"] == "Alice visited Paris on Monday. Mail [EMAIL]"
    result = extract(client, text=TEXT, patterns=False).json()["results"][0]
    assert all(e["source"] == "model" for e in result["entities"])


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({"text": 5}, "body.text"),
        ({"text": "a", "texts": ["b"]}, "body"),
        ({"texts": "abc"}, "body.texts"),
        ({"text": "a", "redact": "shred"}, "body.redact"),
    ],
)
def test_wrong_types_are_422_with_a_json_error_saying_what(client, body, where):
    response = client.post("/v1/extract", json=body)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_request"
    assert where in [detail["where"] for detail in error["details"]]


def test_malformed_json_is_422(client):
    response = client.post("/v1/extract", content=b'{"text": ', headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_request"


def test_oversize_body_is_413_before_parsing(toy_ner):
    client = TestClient(create_app(toy_ner, ServeConfig(max_body_bytes=100)))
    response = extract(client, text="x" * 200)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"


def test_too_many_texts_and_too_long_texts_are_413(toy_ner):
    client = TestClient(create_app(toy_ner, ServeConfig(max_texts=2, max_chars=10)))
    assert extract(client, texts=["a", "b", "c"]).status_code == 413
    response = extract(client, text="x" * 11)
    assert response.status_code == 413
    assert "limit is 10" in response.json()["error"]["message"]


def test_api_key_guards_v1_but_not_health(toy_ner):
    client = TestClient(create_app(toy_ner, ServeConfig(api_key="s3cret")))
    assert extract(client, text="a").status_code == 401
    assert client.post("/v1/extract", json={"text": "a"}, headers={"x-api-key": "wrong"}).status_code == 401
    assert client.post("/v1/extract", json={"text": "a"}, headers={"x-api-key": "s3cret"}).status_code == 200
    assert client.get("/v1/model", headers={"authorization": "Bearer s3cret"}).status_code == 200
    assert client.get("/healthz").status_code == 200
    assert "s3cret" not in extract(client, text="a").text


def test_model_endpoint_describes_the_model(client):
    info = client.get("/v1/model").json()
    assert info["labels"][0] == "O"
    assert info["label_names"]["per"] == "PERSON"
    assert "torch" in info["versions"]


def test_health_readiness_and_metrics(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"status": "ready"}
    extract(client, text="Mail a@b.com")
    metrics = client.get("/metrics").text
    assert 'nerkit_requests_total{path="/v1/extract",status="200"} 1.0' in metrics
    assert 'nerkit_entities_total{label="EMAIL"} 1.0' in metrics
    assert "nerkit_request_seconds_bucket" in metrics


def test_internal_errors_are_500_json_without_a_trace(toy_ner, monkeypatch):
    app = create_app(toy_ner)

    def explode(texts):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(app.state.batcher, "run", explode)
    response = TestClient(app, raise_server_exceptions=False).post("/v1/extract", json={"text": "a"})
    assert response.status_code == 500
    assert response.json() == {"error": {"code": "internal", "message": "internal error"}}


def test_concurrent_requests_share_forward_passes(toy_ner):
    app = create_app(toy_ner, ServeConfig(max_wait_ms=50))

    async def burst():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return await asyncio.gather(
                *(
                    client.post("/v1/extract", json={"text": f"Mail a{i}@b.com", "labels": ["EMAIL"]})
                    for i in range(16)
                )
            )

    responses = asyncio.run(burst())
    assert all(response.status_code == 200 for response in responses)
    assert [r.json()["results"][0]["entities"][0]["text"] for r in responses] == [
        f"a{i}@b.com" for i in range(16)
    ]
    assert app.state.batcher.batches < 16


def test_the_page_is_served_with_its_assets(client):
    page = client.get("/")
    assert page.status_code == 200
    assert 'id="extract"' in page.text
    assert client.get("/static/app.js").status_code == 200
    assert "textContent" in client.get("/static/app.js").text


def test_worker_processes_build_the_app_from_the_environment(toy_ner, tmp_path, monkeypatch):
    from nerkit.serve.app import app_from_environment

    toy_ner.tagger.save(tmp_path / "model", toy_ner.metadata)
    monkeypatch.setenv("NERKIT_SERVE_MODEL", str(tmp_path / "model"))
    monkeypatch.setenv("NERKIT_SERVE_CONFIG", '{"max_texts": 1}')
    client = TestClient(app_from_environment())
    assert extract(client, texts=["a", "b"]).status_code == 413
    assert (
        extract(client, text="Mail a@b.com", labels=["EMAIL"]).json()["results"][0]["entities"][0]["text"]
        == "a@b.com"
    )


def test_a_request_past_its_timeout_is_503_and_the_server_keeps_serving(toy_ner, monkeypatch):
    import time

    from nerkit.ner import NER

    original = NER.tag

    def stuck(self, texts, *args, **kwargs):
        if "stuck" in texts[0]:
            time.sleep(1.0)
        return original(self, texts, *args, **kwargs)

    monkeypatch.setattr(NER, "tag", stuck)  # before the app binds it
    client = TestClient(create_app(toy_ner, ServeConfig(timeout_s=0.5)), raise_server_exceptions=False)
    response = extract(client, text="stuck here")
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "timeout"
    time.sleep(0.8)  # the stuck batch finishes in its thread; the next request must not wait on it
    assert extract(client, text=TEXT).status_code == 200


@pytest.mark.parametrize(
    "options",
    [{}, {"labels": ["EMAIL", "PERSON"]}, {"patterns": False}, {"redact": "mask"}, {"redact": "hash"}],
    ids=["defaults", "labels", "no-patterns", "mask", "hash"],
)
def test_the_server_answers_what_the_python_pipeline_gives_for_the_same_options(client, toy_ner, options):
    from nerkit.ner import ExtractOptions
    from nerkit.operators import Anonymizer

    labels = tuple(options["labels"]) if "labels" in options else None
    style = options.get("redact")
    redact = Anonymizer.from_style(style, b"the server's secret") if style else None
    expected = next(
        toy_ner.results([TEXT], ExtractOptions(**{**options, "labels": labels, "redact": redact}))
    )
    (result,) = extract(client, text=TEXT, **options).json()["results"]
    assert result["entities"] == [entity.to_dict() for entity in expected.entities]
    assert result.get("redacted") == (str(expected.redacted) if expected.redacted is not None else None)


def test_the_batcher_takes_what_is_queued_and_waits_for_nothing_more():
    from nerkit.serve.batcher import MicroBatcher

    seen: list[list[str]] = []

    def run(texts: list[str]) -> list[str]:
        seen.append(list(texts))
        return [text.upper() for text in texts]

    batcher = MicroBatcher(run)

    async def scenario() -> list[list[str]]:
        first = asyncio.gather(*(batcher.submit([name]) for name in ("a", "b", "c")))
        answered = await first
        late = await batcher.submit(["d"])
        return [*answered, late]

    assert asyncio.run(scenario()) == [["A"], ["B"], ["C"], ["D"]]
    assert seen == [["a", "b", "c"], ["d"]]


def test_the_default_server_still_shares_forward_passes_under_a_burst(toy_ner):
    app = create_app(toy_ner)

    async def burst():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return await asyncio.gather(
                *(client.post("/v1/extract", json={"text": f"n{i}"}) for i in range(16))
            )

    assert all(response.status_code == 200 for response in asyncio.run(burst()))
    assert app.state.batcher.batches < 16


def test_operators_per_label_replace_each_label_its_own_way(client):
    operators = {"EMAIL": {"type": "mask", "chars": 5, "from_end": True}, "PERSON": {"type": "pseudonym"}}
    result = extract(client, text=TEXT, operators=operators).json()["results"][0]
    assert result["redacted"].endswith(" alice@acm*****")
    assert result["redacted"].startswith("PERSON_1 visited")


def test_pseudonyms_hold_across_the_texts_of_one_request(client):
    results = extract(client, texts=[TEXT, TEXT], redact="pseudonym").json()["results"]
    assert results[0]["redacted"] == results[1]["redacted"]


def test_operators_naming_an_unknown_label_are_refused(client):
    response = extract(client, text=TEXT, operators={"NOPE": {"type": "replace"}})
    assert response.status_code == 422
    assert "E073" in response.json()["error"]["message"]


def test_encrypt_without_a_server_key_is_refused(toy_ner, monkeypatch):
    monkeypatch.delenv("NERKIT_KEY", raising=False)
    client = TestClient(create_app(toy_ner), raise_server_exceptions=False)
    response = extract(client, text=TEXT, redact="encrypt")
    assert response.status_code == 422
    assert "E072" in response.json()["error"]["message"]


def test_values_count_from_the_reference_time_given(client):
    result = extract(client, text=TEXT, labels=["DATE_TIME"], reference_time="2025-04-03T09:00:00+02:00")
    (monday,) = result.json()["results"][0]["entities"]
    assert monday["value"] == {"value": "2025-04-07T00:00:00+02:00", "grain": "day"}


def test_explain_says_which_recognizer_found_an_entity(client):
    result = extract(client, text=TEXT, labels=["EMAIL"], explain=True).json()["results"][0]
    assert result["entities"][0]["explanation"] == {
        "recognizer": "EMAIL",
        "check": "pattern",
        "context": "mail",
        "score": 1.0,
    }


def test_a_summary_groups_mentions_with_counts_and_offsets(client):
    text = "Alice met Bob. Alice left Paris."
    (result,) = extract(client, text=text, summary=True, labels=["PERSON"]).json()["results"]
    names = {group["name"]: (group["count"], group["offsets"]) for group in result["summary"]}
    assert names["Alice"] == (2, [[0, 5], [15, 20]])
