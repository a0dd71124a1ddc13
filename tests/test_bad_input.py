"""Bad input everywhere: every reader, command and endpoint answers garbage with one clear error (file and
line for files, a JSON error body for HTTP), never a traceback, a hang or a half-written output file."""

import json

import pytest
from conftest import make_sentences
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from nerkit.cli import app
from nerkit.corpus import read_file, write_file
from nerkit.errors import NerkitError
from nerkit.serve import ServeConfig, create_app

HEADER = b"Sentence #,Word,POS,Tag\n"
TEN_MB = "x" * 10_000_000

# (file name, content, error code, line the error must name or None for the whole file)
BAD_FILES = [
    ("empty.csv", b"", "E002", None),
    ("empty.conll", b"", "E002", None),
    ("empty.jsonl", b"", "E002", None),
    ("blank-lines.conll", b"\n\n  \n", "E002", None),
    ("header-only.csv", HEADER, "E002", None),
    ("binary.csv", bytes(range(256)) * 4, "E002", 1),
    ("binary.conll", bytes(range(256)) * 4, "E005", 1),
    ("binary.jsonl", bytes(range(256)) * 4, "E005", 1),
    ("utf16.conll", "Alice B-per\n".encode("utf-16"), "E005", 1),
    ("latin1.jsonl", '{"tokens": ["café"], "tags": ["O"]}\n'.encode("latin-1"), "E005", 1),
    ("nul.csv", HEADER + b"Sentence: 1,Al\x00ice,NNP,B-per\n", "E005", 2),
    ("nul.conll", b"Alice B-per\nA\x00 O\n", "E005", 2),
    ("nul.jsonl", b'{"tokens": ["a\x00"], "tags": ["O"]}\n', "E005", 1),
    ("truncated.csv", HEADER + b"Sentence: 1,Alice,NNP,B-per\n,went,VBD", "E001", 3),
    ("truncated.jsonl", b'{"tokens": ["a"], "tags": ["O"]}\n{"tokens": ["a"], "ta', "E006", 2),
    ("three-columns.csv", HEADER + b"Sentence: 1,Alice,NNP\n", "E001", 2),
    ("one-column.conll", b"Alice B-per\nwent\n", "E001", 2),
    ("no-sentence-id.csv", HEADER + b",Alice,NNP,B-per\n", "E001", 2),
    ("unknown-tag.csv", HEADER + b"Sentence: 1,Alice,NNP,X-per\n", "E003", 2),
    ("unknown-tag.conll", b"Alice B-per\nSmith Q-per\n", "E003", 2),
    ("unknown-tag.jsonl", b'{"tokens": ["a"], "tags": ["B-"]}\n', "E003", 1),
    ("tags-and-tokens-differ.jsonl", b'{"tokens": ["a", "b"], "tags": ["O"]}\n', "E006", 1),
    ("span-past-text.jsonl", b'{"text": "abc", "entities": [[0, 10, "per"]]}\n', "E007", 1),
    ("negative-span.jsonl", b'{"text": "abc", "entities": [[-1, 2, "per"]]}\n', "E007", 1),
    ("overlapping-spans.jsonl", b'{"text": "abcdef", "entities": [[0, 4, "a"], [2, 6, "b"]]}\n', "E007", 1),
    ("span-not-integers.jsonl", b'{"text": "abc", "entities": [["a", 2, "per"]]}\n', "E006", 1),
    ("infinite-offset.jsonl", b'{"text": "abc", "entities": [[0, 1e999, "per"]]}\n', "E006", 1),
    (
        "5000-digit-offset.jsonl",
        b'{"text": "abc", "entities": [[0, ' + b"9" * 5000 + b', "per"]]}\n',
        "E006",
        1,
    ),
    ("deeply-nested.jsonl", b"[" * 100_000 + b"]" * 100_000 + b"\n", "E006", 1),
    ("not-an-object.jsonl", b'{"tokens": ["a"], "tags": ["O"]}\n[1, 2]\n', "E006", 2),
    ("neither-tokens-nor-text.jsonl", b'{"words": ["a"]}\n', "E006", 1),
    ("ten-mb-field.csv", HEADER + f"Sentence: 1,{TEN_MB},NN,O\n".encode(), "E001", 2),
]


@pytest.mark.parametrize(("name", "content", "code", "line"), BAD_FILES, ids=[case[0] for case in BAD_FILES])
def test_bad_corpus_file_is_one_error_naming_file_and_line(tmp_path, name, content, code, line):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(NerkitError) as error:
        read_file(path)
    assert error.value.code == code
    assert error.value.path == str(path)
    assert error.value.line == line
    assert "\n" not in str(error.value)


@pytest.mark.parametrize("suffix", [".conll", ".jsonl"])
def test_a_ten_megabyte_line_is_read_not_refused(tmp_path, suffix):
    path = tmp_path / f"long{suffix}"
    line = f"{TEN_MB} O\n" if suffix == ".conll" else json.dumps({"tokens": [TEN_MB], "tags": ["O"]}) + "\n"
    path.write_text(line)
    assert read_file(path).sentences[0].words == (TEN_MB,)


CORPUS_LINES = st.lists(
    st.sampled_from(
        [
            "Alice B-per",
            "Smith I-per",
            "went O",
            "E-per",
            "Sentence: 1,Alice,NNP,B-per",
            ",went,VBD,O",
            "",
            "\t",
            '{"tokens": ["a"], "tags": ["O"]}',
            '{"text": "ab", "entities": [[0, 1, "x"]]}',
            "-DOCSTART- O",
            '"',
            ",",
        ]
    )
    | st.text(max_size=30),
    max_size=12,
)


@pytest.mark.parametrize("suffix", [".csv", ".conll", ".jsonl"])
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(content=st.binary(max_size=300) | CORPUS_LINES.map(lambda lines: "\n".join(lines).encode()))
def test_readers_answer_any_bytes_with_sentences_or_a_nerkit_error(tmp_path, suffix, content):
    path = tmp_path / f"fuzz{suffix}"
    if suffix == ".csv":
        content = HEADER + content
    path.write_bytes(content)
    try:
        result = read_file(path)
    except NerkitError as error:
        assert error.path == str(path) and "\n" not in str(error)
    else:
        assert all(len(s.words) == len(s.tags) > 0 for s in result.sentences)


runner = CliRunner()


def _one_line_error(result, code: str) -> None:
    assert result.exit_code == 1, result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and errors[0].startswith(f"error: [{code}]"), result.stderr
    assert result.stderr.endswith(errors[0] + "\n")  # progress bars may come before, nothing after
    assert "Traceback" not in result.output


@pytest.fixture
def bad_jsonl(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"text": "Alice went home."}\n{"text": "oops"\n')
    return path


def test_data_convert_bad_input_writes_no_output(tmp_path, bad_jsonl):
    target = tmp_path / "out.conll"
    _one_line_error(runner.invoke(app, ["data", "convert", str(bad_jsonl), str(target)]), "E006")
    assert list(tmp_path.iterdir()) == [bad_jsonl]


def test_data_stats_on_a_binary_file(tmp_path):
    path = tmp_path / "model.conll"
    path.write_bytes(bytes(range(256)))
    _one_line_error(runner.invoke(app, ["data", "stats", str(path)]), "E005")


def _train(train, out, base, *extra):
    arguments = [
        "train",
        "--train",
        str(train),
        "--validation",
        str(train),
        "--out",
        str(out),
        "--base",
        base,
    ]
    return runner.invoke(app, [*arguments, "--quiet", *extra])


def test_train_on_a_bad_file_stops_before_any_model_is_written(tmp_path, tiny_base):
    train = tmp_path / "train.conll"
    train.write_text("Alice B-per\nwent\n")
    _one_line_error(_train(train, tmp_path / "model", tiny_base), "E001")
    assert not (tmp_path / "model").exists()


def test_train_with_an_impossible_setting(tmp_path, tiny_base):
    train = tmp_path / "train.conll"
    write_file(make_sentences(), train)
    _one_line_error(_train(train, tmp_path / "m", tiny_base, "--epochs", "0"), "E030")


@pytest.fixture(scope="module")
def model_dir(toy_ner, tmp_path_factory):
    return toy_ner.tagger.save(tmp_path_factory.mktemp("model") / "toy", toy_ner.metadata)


def test_evaluate_on_a_bad_file(tmp_path, model_dir):
    path = tmp_path / "gold.conll"
    path.write_text("Alice B-per\nParis Q-geo\n")
    _one_line_error(runner.invoke(app, ["evaluate", str(path), "--model", str(model_dir)]), "E003")


def test_extract_bad_jsonl_leaves_no_half_written_output(tmp_path, model_dir, bad_jsonl):
    out = tmp_path / "entities.jsonl"
    result = runner.invoke(
        app, ["extract", "--model", str(model_dir), "--input", str(bad_jsonl), "--output", str(out)]
    )
    _one_line_error(result, "E006")
    assert not out.exists()


@pytest.mark.parametrize("command", ["evaluate gold.conll", "extract text", "serve"])
def test_commands_refuse_a_folder_that_is_not_a_model(tmp_path, command, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_file(make_sentences(), tmp_path / "gold.conll")
    arguments = [*command.split(), "--model", str(tmp_path)]
    _one_line_error(runner.invoke(app, arguments), "E021")


@pytest.fixture(scope="module")
def client(toy_ner):
    config = ServeConfig(max_body_bytes=200_000, max_texts=8, max_chars=5_000)
    return TestClient(create_app(toy_ner, config), raise_server_exceptions=False)


JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)
REQUESTS = st.fixed_dictionaries(
    {},
    optional={
        "text": JSON | st.text(max_size=50),
        "texts": JSON | st.lists(st.text(max_size=30), max_size=10),
        "labels": JSON,
        "patterns": JSON,
        "redact": JSON | st.sampled_from(["label", "mask", "hash", "none"]),
        "model": st.just("../../etc/passwd"),
        "path": st.just("/etc/passwd"),
    },
)


@settings(max_examples=200, deadline=None)
@given(body=REQUESTS | JSON)
def test_any_json_body_is_answered_200_or_4xx_with_a_json_error(client, body):
    response = client.post("/v1/extract", json=body)
    assert response.status_code in {200, 413, 422}, response.text
    if response.status_code != 200:
        assert set(response.json()["error"]) >= {"code", "message"}


@settings(max_examples=100, deadline=None)
@given(raw=st.binary(max_size=500))
def test_any_bytes_as_a_body_is_answered_4xx(client, raw):
    response = client.post("/v1/extract", content=raw, headers={"content-type": "application/json"})
    assert response.status_code in {200, 400, 422}
    assert response.status_code == 200 or "error" in response.json()


@pytest.mark.parametrize(
    ("method", "path", "status"), [("get", "/v1/nothing", 404), ("get", "/v1/extract", 405)]
)
def test_unknown_paths_and_methods_get_the_same_json_error_shape(client, method, path, status):
    response = client.request(method, path)
    assert response.status_code == status
    assert response.json()["error"]["code"] in {"not_found", "method_not_allowed"}


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"[" * 100_000 + b"]" * 100_000, 400),
        (b'{"text": "' + b"a" * 300_000 + b'"}', 413),
        (json.dumps({"texts": ["a"] * 9}).encode(), 413),
        (json.dumps({"text": "a" * 5_001}).encode(), 413),
        (json.dumps({"text": "a", "model": "/etc/passwd"}).encode(), 422),
    ],
    ids=["deeply-nested", "huge-body", "too-many-texts", "too-long-text", "unknown-field"],
)
def test_hostile_bodies_are_refused_before_any_model_work(client, body, status):
    response = client.post("/v1/extract", content=body, headers={"content-type": "application/json"})
    assert response.status_code == status
    assert "error" in response.json()
