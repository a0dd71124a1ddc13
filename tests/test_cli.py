import json

import pytest
from conftest import make_sentences, write
from typer.testing import CliRunner

from nerkit.cli import app
from nerkit.cli.common import resolve_device
from nerkit.corpus import write_file
from nerkit.errors import NerkitError

runner = CliRunner()


@pytest.fixture
def data_dir(tmp_path):
    """A data dir laid out like ../shared/datasets, with a toy GMB file (every 10th sentence is test)."""
    (tmp_path / "gmb").mkdir()
    write_file(make_sentences(), tmp_path / "gmb" / "ner_dataset.csv")
    return tmp_path


def invoke(*args):
    return runner.invoke(app, [str(arg) for arg in args])


def test_data_stats_json_counts_the_corpus(data_dir):
    result = invoke("data", "stats", "gmb", "--json", "--data-dir", data_dir)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["sentences"] == 40
    assert summary["entities"]["per"] == 40
    assert summary["splits"] == {"train": 32, "validation": 4, "test": 4}


def test_data_stats_reads_the_data_dir_from_the_environment(data_dir, monkeypatch):
    monkeypatch.setenv("NERKIT_DATA_DIR", str(data_dir))
    result = invoke("data", "stats", "gmb")
    assert result.exit_code == 0
    assert "40 sentences" in result.stdout


def test_missing_corpus_is_one_line_on_stderr_and_exit_1(tmp_path):
    result = invoke("data", "stats", "gmb", "--data-dir", tmp_path)
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("error: [E012] corpus 'gmb' not found")
    assert "Traceback" not in result.output


def test_bad_row_is_reported_with_file_and_line(tmp_path):
    path = write(tmp_path / "bad.csv", "Sentence #,Word,POS,Tag\nSentence: 1,a,DT,O\n,b,NN,O,extra\n")
    result = invoke("data", "stats", path)
    assert result.exit_code == 1
    assert f"{path}:3: row has 5 columns, expected 4" in result.stderr


def test_strict_flag_turns_repairs_into_errors(tmp_path):
    path = write(tmp_path / "d.txt", "a O\nBob I-per\n\nRome B-geo\n")
    assert invoke("data", "stats", path).exit_code == 0
    result = invoke("data", "stats", path, "--strict")
    assert result.exit_code == 1
    assert f"{path}:2: invalid IOB2 sequence" in result.stderr


def test_data_convert_between_formats(tmp_path, data_dir):
    target = tmp_path / "out.jsonl"
    result = invoke("data", "convert", data_dir / "gmb" / "ner_dataset.csv", target)
    assert result.exit_code == 0, result.output
    first = json.loads(target.read_text().splitlines()[0])
    assert first == {
        "tokens": ["Alice", "visited", "Paris", "on", "Monday", "."],
        "tags": ["B-per", "O", "B-geo", "O", "B-tim", "O"],
    }


def test_data_convert_to_spans_format(tmp_path, data_dir):
    target = tmp_path / "out.jsonl"
    assert (
        invoke(
            "data", "convert", data_dir / "gmb" / "ner_dataset.csv", target, "--to", "jsonl-spans"
        ).exit_code
        == 0
    )
    first = json.loads(target.read_text().splitlines()[0])
    assert first["entities"][0] == [0, 5, "per"]


@pytest.fixture(scope="module")
def trained(tiny_base, tmp_path_factory):
    """A tiny model trained through the CLI once, with the data dir it was trained on."""
    data = tmp_path_factory.mktemp("data")
    (data / "gmb").mkdir()
    write_file(make_sentences(), data / "gmb" / "ner_dataset.csv")
    out = tmp_path_factory.mktemp("models") / "model"
    tiny = ["--base", tiny_base, "--max-length", 32, "--batch-size", 8, "--lr", 3e-3, "--quiet"]
    result = invoke("train", "gmb", "--out", out, "--epochs", 2, "--data-dir", data, *tiny)
    assert result.exit_code == 0, result.output
    return out, data


def test_train_writes_a_model_directory_and_prints_scores(trained):
    out, _ = trained
    assert (out / "model.safetensors").is_file()
    assert json.loads((out / "nerkit.json").read_text())["data"]["corpus"] == "gmb"


def test_evaluate_json_has_the_documented_shape(trained):
    out, data = trained
    result = invoke("evaluate", "gmb", "--model", out, "--data-dir", data, "--json", "--split", "validation")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert set(report) >= {"micro", "macro_f1", "per_type"}
    assert set(report["micro"]) == {"precision", "recall", "f1"}
    assert report["sentences"] == 4


def test_train_from_explicit_files_with_a_config_file(tiny_base, tmp_path):
    sentences = make_sentences()
    write_file(sentences[:30], tmp_path / "train.jsonl")
    write_file(sentences[30:], tmp_path / "dev.conll")
    write(tmp_path / "hp.yaml", f"base: {tiny_base}\nepochs: 1\nbatch_size: 8\nmax_length: 32\n")
    result = invoke(
        "train",
        "--train",
        tmp_path / "train.jsonl",
        "--validation",
        tmp_path / "dev.conll",
        "--config",
        tmp_path / "hp.yaml",
        "--out",
        tmp_path / "m",
        "--quiet",
    )
    assert result.exit_code == 0, result.output
    metadata = json.loads((tmp_path / "m" / "nerkit.json").read_text())
    assert metadata["hyperparameters"]["epochs"] == 1
    assert "test" not in metadata["metrics"]


def test_evaluate_on_data_with_none_of_the_model_types_is_refused(trained, tmp_path):
    out, _ = trained
    other = write(tmp_path / "other.txt", "Paris B-LOC\n\nBob B-PER\n")
    result = invoke("evaluate", other, "--model", out, "--split", "all")
    assert result.exit_code == 1
    assert "entity types (LOC, PER) are none of the model's (geo, org, per, tim)" in result.stderr


def test_evaluate_writes_errors_file(trained, tmp_path):
    out, data = trained
    errors = tmp_path / "errors.jsonl"
    result = invoke(
        "evaluate", "gmb", "--model", out, "--data-dir", data, "--split", "all", "--errors", errors
    )
    assert result.exit_code == 0, result.output
    assert "micro" in result.stdout
    rows = [json.loads(line) for line in errors.read_text().splitlines()]
    assert rows
    assert all(row["gold"] != row["predicted"] for row in rows)


def test_evaluate_with_a_missing_model_fails_cleanly(data_dir, tmp_path):
    result = invoke("evaluate", "gmb", "--model", tmp_path / "none", "--data-dir", data_dir)
    assert result.exit_code == 1
    assert "not a nerkit model directory" in result.stderr


def test_extract_text_as_json(trained):
    out, _ = trained
    result = invoke(
        "extract", "Alice visited Paris. Mail alice@acme.com", "--model", out, "--format", "jsonl"
    )
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout)
    text = "Alice visited Paris. Mail alice@acme.com"
    assert {
        "text": "alice@acme.com",
        "label": "EMAIL",
        "start": 26,
        "end": 40,
        "score": 1.0,
        "source": "pattern",
        "value": {"email": "alice@acme.com"},
    } in (record["entities"])
    assert all(text[e["start"] : e["end"]] == e["text"] for e in record["entities"])


@pytest.mark.parametrize(
    ("name", "first_line"),
    [
        ("csv", "id,start,end,label,text,score,source,value"),
        ("conll", "# id = text"),
        ("jsonl", '{"id": "text"'),
    ],
)
def test_extract_writes_the_chosen_format_to_standard_output(
    trained, tmp_path, monkeypatch, name, first_line
):
    out, _ = trained
    monkeypatch.chdir(tmp_path)
    result = invoke("extract", "Mail bob@acme.com", "--model", out, "--format", name)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(first_line)
    assert list(tmp_path.iterdir()) == []


def test_extract_says_that_a_file_name_given_as_text_is_read_as_text(trained, tmp_path):
    out, _ = trained
    letter = tmp_path / "letter.txt"
    letter.write_text("Write to bob@acme.com", encoding="utf-8")
    result = invoke("extract", str(letter), "--model", out, "--format", "jsonl")
    assert result.exit_code == 0, result.output
    assert f"use --input {letter}" in result.stderr
    assert json.loads(result.stdout)["entities"] == []


def test_extract_reads_standard_input(trained):
    out, _ = trained
    args = ["extract", "--model", str(out), "--format", "jsonl", "--labels", "EMAIL"]
    result = runner.invoke(app, args, input="Write to bob@acme.com\n")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["entities"][0]["text"] == "bob@acme.com"


def test_extract_prints_a_table_by_default(trained):
    out, _ = trained
    result = invoke("extract", "Mail bob@acme.com", "--model", out)
    assert result.exit_code == 0
    assert "bob@acme.com" in result.stdout and "EMAIL" in result.stdout


def test_extract_jsonl_file_to_csv_with_a_text_field(trained, tmp_path):
    out, _ = trained
    source = write(
        tmp_path / "in.jsonl", '{"id": "a", "body": "Mail bob@acme.com"}\n{"id": "b", "body": "none"}\n'
    )
    target = tmp_path / "out.csv"
    result = invoke("extract", "--model", out, "--input", source, "--text-field", "body", "--output", target)
    assert result.exit_code == 0, result.output
    lines = target.read_text().splitlines()
    assert lines[0] == "id,start,end,label,text,score,source,value"
    assert 'a,5,17,EMAIL,bob@acme.com,1.0,pattern,"{""email"": ""bob@acme.com""}"' in lines


def test_extract_csv_file_to_conll_with_a_text_column(trained, tmp_path):
    out, _ = trained
    source = write(tmp_path / "in.csv", 'id,message\n1,"Mail bob@acme.com now"\n')
    target = tmp_path / "out.conll"
    result = invoke(
        "extract", "--model", out, "--input", source, "--text-column", "message", "--output", target
    )
    assert result.exit_code == 0, result.output
    assert "bob@acme.com\tB-EMAIL" in target.read_text().splitlines()


def test_extract_txt_file_to_jsonl(trained, tmp_path):
    out, _ = trained
    source = write(tmp_path / "memo.txt", "Call +1 415-555-2671.\n")
    target = tmp_path / "out.jsonl"
    assert invoke("extract", "--model", out, "--input", source, "--output", target).exit_code == 0
    record = json.loads(target.read_text())
    assert record["id"] == "memo"
    assert record["entities"][0]["label"] == "PHONE_NUMBER"


def test_extract_labels_filter(trained):
    out, _ = trained
    text = "Mail bob@acme.com or call +1 415-555-2671"
    result = invoke("extract", text, "--model", out, "--format", "jsonl", "--labels", "PHONE_NUMBER")
    assert [e["label"] for e in json.loads(result.stdout)["entities"]] == ["PHONE_NUMBER"]


def test_extract_with_user_patterns(trained, tmp_path):
    out, _ = trained
    rules = write(tmp_path / "rules.yaml", "- label: TICKET\n  pattern: 'JIRA-\\d+'\n")
    result = invoke("extract", "See JIRA-42", "--model", out, "--format", "jsonl", "--patterns", rules)
    assert {
        "text": "JIRA-42",
        "label": "TICKET",
        "start": 4,
        "end": 11,
        "score": 1.0,
        "source": "pattern",
    } in (json.loads(result.stdout)["entities"])


def test_extract_redact_prints_the_redacted_text(trained):
    out, _ = trained
    result = invoke("extract", "Mail bob@acme.com today", "--model", out, "--redact", "--labels", "EMAIL")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "Mail [EMAIL] today"


def test_extract_malformed_jsonl_fails_cleanly_and_leaves_no_output(trained, tmp_path):
    out, _ = trained
    source = write(tmp_path / "in.jsonl", '{"text": "a"}\n{"text": "b"}\n{"text": \n')
    target = tmp_path / "out.jsonl"
    result = invoke("extract", "--model", out, "--input", source, "--output", target)
    assert result.exit_code == 1
    assert f"{source}:3: not valid JSON" in result.stderr
    assert not target.exists()
    assert list(tmp_path.iterdir()) == [source]


def test_extract_csv_without_the_text_column_names_the_columns(trained, tmp_path):
    out, _ = trained
    source = write(tmp_path / "in.csv", "id,body\n1,hello\n")
    result = invoke("extract", "--model", out, "--input", source)
    assert result.exit_code == 1
    assert "no column 'text' (columns: id, body)" in result.stderr


def test_evaluate_reports_repaired_tags_on_stderr(trained, tmp_path):
    out, _ = trained
    data = write(tmp_path / "d.txt", "Alice O\nParis I-geo\n\nBob B-per\n")
    result = invoke("evaluate", data, "--model", out, "--split", "all", "--json")
    assert result.exit_code == 0, result.output
    assert "repaired: I- that follows nothing x1" in result.stderr
    assert json.loads(result.stdout)["sentences"] == 2


def test_device_auto_falls_back_to_the_cpu_without_a_gpu(monkeypatch):
    monkeypatch.setattr("torch.cuda.is_available", lambda: False)
    assert resolve_device("auto").type == "cpu"


def test_device_auto_picks_the_gpu_when_torch_sees_one(monkeypatch):
    monkeypatch.setattr("torch.cuda.is_available", lambda: True)
    assert str(resolve_device("auto")) == "cuda"


@pytest.mark.parametrize("name", ["cuda", "cuda:1"])
def test_asking_for_a_gpu_torch_cannot_see_is_refused(name, monkeypatch):
    monkeypatch.setattr("torch.cuda.is_available", lambda: False)
    with pytest.raises(NerkitError, match=r"E066.*torch sees none"):
        resolve_device(name)


def test_train_with_an_unknown_device_fails_before_reading_data(tmp_path):
    result = invoke("train", "gmb", "--device", "gpu0", "--data-dir", tmp_path, "--out", tmp_path / "m")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: [E066] unknown device 'gpu0'")


def test_train_repeats_teacher_for_an_ensemble_of_teachers(trained, tiny_base, tmp_path):
    out, data = trained
    tiny = ["--base", tiny_base, "--max-length", 32, "--batch-size", 8, "--quiet", "--epochs", 1]
    result = invoke(
        "train", "gmb", "--out", tmp_path / "s", "--data-dir", data, "--teacher", out, "--teacher", out, *tiny
    )
    assert result.exit_code == 0, result.output
    hyperparameters = json.loads((tmp_path / "s" / "nerkit.json").read_text())["hyperparameters"]
    assert hyperparameters["teachers"] == [str(out), str(out)]


@pytest.mark.parametrize(("flags", "learned"), [((), True), (("--crf",), True), (("--no-crf",), False)])
def test_train_learns_transition_scores_unless_told_not_to(trained, tiny_base, tmp_path, flags, learned):
    _, data = trained
    tiny = ["--base", tiny_base, "--max-length", 32, "--batch-size", 8, "--quiet", "--epochs", 1]
    result = invoke("train", "gmb", "--out", tmp_path / "c", "--data-dir", data, *flags, *tiny)
    assert result.exit_code == 0, result.output
    assert ("transitions" in json.loads((tmp_path / "c" / "nerkit.json").read_text())) is learned


@pytest.mark.parametrize(
    ("command", "shown"),
    [(("train",), "(default: 3)"), (("evaluate",), "(default: ./data)"), (("extract",), "(default: auto")],
)
def test_help_shows_the_defaults_written_in_option_help(command, shown):
    result = runner.invoke(app, [*command, "--help"], env={"COLUMNS": "240"})
    assert result.exit_code == 0
    assert shown in result.stdout


def test_train_with_validation_prints_no_validation_table(tiny_base, data_dir, tmp_path):
    out = tmp_path / "final"
    result = invoke(
        "train",
        "gmb",
        "--data-dir",
        data_dir,
        "--base",
        tiny_base,
        "--out",
        out,
        "--epochs",
        1,
        "--max-length",
        32,
        "--train-with-validation",
        "--quiet",
    )
    assert result.exit_code == 0, result.output
    assert "best epoch" not in result.stdout
    assert "test" in result.stdout
    assert json.loads((out / "nerkit.json").read_text())["data"]["sizes"]["train"] == 36


def test_train_offers_every_train_config_field_as_an_option_with_its_default():
    from dataclasses import fields

    from nerkit.train import TrainConfig

    result = runner.invoke(app, ["train", "--help"], env={"COLUMNS": "400"})
    renamed = {"learning_rate": "--lr", "teachers": "--teacher"}
    for field in fields(TrainConfig):
        assert renamed.get(field.name, "--" + field.name.replace("_", "-")) in result.stdout, field.name
    assert "(default: 0.06)" in result.stdout  # warmup_ratio, written only in TrainConfig


def test_train_options_override_a_config_file_field_by_field(monkeypatch, tmp_path):
    import nerkit

    seen = {}

    def fake_train(corpus, out, settings, **kwargs):
        seen["settings"] = settings
        raise SystemExit(0)

    monkeypatch.setattr(nerkit, "train", fake_train)
    monkeypatch.setattr(nerkit, "read_corpus", lambda *args, **kwargs: type("C", (), {"repairs": {}})())
    config = tmp_path / "config.yaml"
    config.write_text("epochs: 7\nseed: 5\n")
    teachers = ("--teacher", "a", "--teacher", "b", "--teach", "gmb", "--teach", "documents")
    invoke("train", "x", "--config", config, "--seed", 9, *teachers, "--no-crf")
    settings = seen["settings"]
    assert (settings.epochs, settings.seed, settings.teachers, settings.crf) == (7, 9, ("a", "b"), False)
    assert settings.teach == ("gmb", "documents")


@pytest.mark.parametrize(
    "flags", [("TEXT",), ("--input", "x.jsonl", "--text-column", "body")], ids=["text", "text-column"]
)
def test_the_ray_engine_refuses_options_it_cannot_honour(flags, tmp_path):
    result = invoke("extract", *flags, "--engine", "ray", "--output", tmp_path / "out")
    assert result.exit_code == 1
    assert "[E045]" in result.stderr and "cannot be used with --engine ray" in result.stderr


def test_version_prints_the_package_s_semantic_version():
    import re

    from nerkit import __version__

    result = invoke("--version")
    assert result.exit_code == 0
    assert result.stdout == f"nerkit {__version__}\n"
    assert re.fullmatch(r"\d+\.\d+\.\d+", __version__)


def test_nerkit_help_imports_no_torch_transformers_or_spacy():
    import subprocess
    import sys

    code = "import sys, nerkit.cli; print(sorted({'torch', 'transformers', 'spacy'} & set(sys.modules)))"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip() == "[]"


def test_evaluate_raw_scores_text_records_by_character_spans(trained, tmp_path):
    out, _ = trained
    source = tmp_path / "texts.jsonl"
    source.write_text(json.dumps({"text": "Mail bob@acme.com today", "entities": [[5, 17, "EMAIL"]]}) + "\n")
    result = invoke("evaluate", source, "--raw", "--model", out, "--json")
    assert result.exit_code == 0, result.output
    scores = json.loads(result.stdout)
    assert scores["exact"]["per_type"]["EMAIL"]["f1"] == 1.0 and scores["partial"]["micro"]["recall"] == 1.0


def test_evaluate_raw_refuses_a_span_outside_its_text_with_file_and_line(trained, tmp_path):
    out, _ = trained
    source = tmp_path / "texts.jsonl"
    source.write_text(json.dumps({"text": "short", "entities": [[0, 50, "PERSON"]]}) + "\n")
    result = invoke("evaluate", source, "--raw", "--model", out)
    assert result.exit_code == 1 and "[E007]" in result.stderr and "texts.jsonl:1" in result.stderr


@pytest.mark.parametrize(
    ("arguments", "code"), [(("--recipe", "nope"), "[E070]"), (("gmb", "--recipe", "default"), "[E013]")]
)
def test_a_recipe_is_named_and_brings_its_own_data(arguments, code, data_dir):
    result = invoke("train", *arguments, "--data-dir", data_dir, "--quiet")
    assert result.exit_code == 1 and code in result.stderr


def test_extract_with_an_operators_file_replaces_each_label_its_own_way(trained, tmp_path):
    out, _ = trained
    operators = write(tmp_path / "operators.yaml", "EMAIL: {type: mask, chars: 4, from_end: true}\n")
    result = invoke("extract", "Mail bob@acme.com", "--model", out, "--operators", operators)
    assert result.exit_code == 0, result.output
    assert result.stdout == "Mail bob@acme****\n"


def test_encrypted_output_is_restored_exactly_by_deanonymize(trained, tmp_path):
    out, _ = trained
    key = write(tmp_path / "key", "a secret\n")
    text = "Alice wrote to bob@acme.com on Monday."
    encrypted = invoke(
        "extract", text, "--model", out, "--redact", "--redact-style", "encrypt", "--key-file", key
    )
    assert encrypted.exit_code == 0, encrypted.output
    assert "bob@acme.com" not in encrypted.stdout
    source = write(tmp_path / "redacted.txt", encrypted.stdout)
    restored = invoke("deanonymize", source, "--key-file", key)
    assert restored.exit_code == 0, restored.output
    assert restored.stdout == text + "\n"


def test_deanonymize_with_a_wrong_key_writes_nothing(trained, tmp_path):
    out, _ = trained
    key, wrong = write(tmp_path / "key", "a secret"), write(tmp_path / "wrong", "not it")
    encrypted = invoke(
        "extract",
        "Mail bob@acme.com",
        "--model",
        out,
        "--redact",
        "--redact-style",
        "encrypt",
        "--key-file",
        key,
    )
    source = write(tmp_path / "redacted.txt", encrypted.stdout)
    target = tmp_path / "restored.txt"
    result = invoke("deanonymize", source, "--key-file", wrong, "--output", target)
    assert result.exit_code == 1
    assert "E075" in result.stderr
    assert not target.exists()


def test_an_operators_file_naming_an_unknown_label_fails_before_writing(trained, tmp_path):
    out, _ = trained
    operators = write(tmp_path / "operators.yaml", "EMAIIL: {type: replace}\n")
    target = tmp_path / "out.jsonl"
    result = invoke(
        "extract", "Mail bob@acme.com", "--model", out, "--operators", operators, "--output", target
    )
    assert result.exit_code == 1
    assert "E073" in result.stderr and "EMAIIL" in result.stderr
    assert not target.exists()


def test_encrypt_without_a_key_fails_with_the_flag_that_fixes_it(trained, monkeypatch):
    out, _ = trained
    monkeypatch.delenv("NERKIT_KEY", raising=False)
    result = invoke("extract", "Mail bob@acme.com", "--model", out, "--redact", "--redact-style", "encrypt")
    assert result.exit_code == 1
    assert "--key-file" in result.stderr


def test_a_reference_time_that_is_not_iso_is_refused(trained):
    out, _ = trained
    result = invoke("extract", "Monday", "--model", out, "--reference-time", "next week")
    assert result.exit_code == 1
    assert "E076" in result.stderr


def test_extract_to_a_json_file_writes_label_studio_tasks_with_predictions(trained, tmp_path):
    out, _ = trained
    source = write(tmp_path / "in.jsonl", '{"id": "a", "text": "Mail bob@acme.com"}\n')
    target = tmp_path / "tasks.json"
    result = invoke("extract", "--model", out, "--input", source, "--output", target)
    assert result.exit_code == 0, result.output
    (task,) = json.loads(target.read_text())
    (region,) = [r for r in task["predictions"][0]["result"] if r["value"]["labels"] == ["EMAIL"]]
    assert task["data"] == {"text": "Mail bob@acme.com", "id": "a"}
    assert region["value"]["start"] == 5 and region["value"]["text"] == "bob@acme.com"


def test_data_convert_says_what_it_skipped(tmp_path):
    (tmp_path / "a.txt").write_text("Alice and Bob Smith met.")
    (tmp_path / "a.ann").write_text("T1\tPER 0 5\tAlice\nT2\tPER 0 5;14 19\tAlice Smith\n")
    result = invoke("data", "convert", tmp_path / "a.ann", tmp_path / "out.conll")
    assert result.exit_code == 0, result.output
    assert "discontinuous spans skipped x1" in result.stdout
