"""`nerkit report`: the page, its figures and the records behind them, for one model and for two."""

from __future__ import annotations

import json
import re
from dataclasses import replace

import pytest
from conftest import make_sentences, write, wrong_gold_corpus
from typer.testing import CliRunner

from nerkit.calibration import reliability
from nerkit.cli import app
from nerkit.corpus import Corpus
from nerkit.corpus.writers import write_conll
from nerkit.errors import NerkitError
from nerkit.report import ReportConfig, write_report
from nerkit.report.analysis import analyse, disagreements
from nerkit.train.checkpoint import Position
from nerkit.train.loop import LOSS_POINTS, _curves

runner = CliRunner()


@pytest.fixture(scope="module")
def view(toy_ner):
    corpus = wrong_gold_corpus()
    return analyse("toy", toy_ner, corpus["test"], corpus["validation"], "toy validation")


def test_each_error_record_says_its_kinds_and_the_types_involved(view):
    kinds = {row["index"]: row["kinds"] for row in view.errors()}
    assert kinds == {0: ["type"], 1: ["boundary"], 2: ["missed", "spurious"]}


def test_error_records_are_the_ones_evaluate_writes_plus_confidence_and_entity_scores(view):
    records = view.errors()
    plain = list(view.evaluation.errors())
    assert [r["id"] for r in records] == [r["id"] for r in plain]
    assert all(0.0 <= r["confidence"] <= 1.0 for r in records)
    assert all("score" in span for r in records for span in r["predicted"])


def test_the_confusion_counts_types_on_gold_edges_boundaries_misses_and_spurious(view):
    counts = view.confusion
    assert counts[("org", "geo")] == 1
    assert counts[("per", "boundary")] == 1
    assert counts[("eve", "missed")] == 1
    assert counts[("spurious", "tim")] == 1
    assert counts[("per", "per")] >= 4


def test_calibration_is_fitted_on_the_fit_sentences_and_measured_on_the_report_ones(view):
    calibration = view.calibration
    assert calibration is not None
    assert calibration.fitted_on == "toy validation"
    assert sum(b.count for b in calibration.before) == calibration.entities
    assert calibration.ece_after <= calibration.ece_before + 0.2


def test_the_threshold_trade_off_at_zero_is_the_report_s_own_precision_and_recall(view, toy_ner):
    for kind, score in view.report.per_type.items():
        (keep_all, *_) = view.tradeoff[toy_ner.label_names.get(kind, kind)]
        assert keep_all.threshold == 0.0
        assert keep_all.precision == pytest.approx(score.precision, abs=1e-3)
        assert keep_all.recall == pytest.approx(score.recall, abs=1e-3)


def test_a_higher_threshold_never_keeps_more_entities(view):
    for points in view.tradeoff.values():
        kept = [point.kept for point in points]
        assert kept == sorted(kept, reverse=True)


def test_reliability_bins_hold_the_mean_score_and_share_right_of_their_entities():
    bins = reliability([0.05, 0.95, 0.97, 0.9], [False, True, False, True], bins=10)
    assert [(b.low, b.count) for b in bins] == [(0.0, 1), (0.9, 3)]
    assert bins[1].mean_score == pytest.approx(0.94)
    assert bins[1].accuracy == pytest.approx(2 / 3)


def test_the_step_loss_curve_is_averaged_down_to_a_bounded_number_of_points():
    position = Position(losses=[float(step) for step in range(1, 1001)])
    curve = _curves(position)["step_loss"]
    assert len(curve) <= LOSS_POINTS
    assert curve[0] == [3, 2.0]
    assert curve[-1][0] == 1000


def test_a_trained_model_records_its_step_losses(toy_ner):
    curve = toy_ner.metadata["step_loss"]
    epochs = len(toy_ner.metadata["history"])
    assert [step for step, _ in curve] == list(range(1, epochs * 5 + 1))  # 40 sentences, batches of 8
    assert all(loss > 0 for _, loss in curve)


def test_the_report_writes_a_page_that_opens_from_disk_with_its_figures(toy_ner, tmp_path):
    page = write_report([("toy", toy_ner)], wrong_gold_corpus(), tmp_path / "report")
    html = page.read_text()
    for image in re.findall(r'<img src="([^"]+)"', html):
        assert (page.parent / image).stat().st_size > 1000
    assert {"curves.png", "per_type.png", "confusion-1.png", "reliability-1.png"} <= {
        path.name for path in page.parent.iterdir()
    }
    assert "http://" not in html and "https://" not in html
    data = json.loads(re.search(r'id="report-data">(.*?)</script>', html, re.S)[1])
    assert len(data["models"][0]["errors"]) == 3


def test_the_page_shows_each_type_s_trade_off_and_the_stored_threshold(toy_ner, tmp_path):
    from nerkit.modeldir import set_metadata
    from nerkit.ner import NER

    model = toy_ner.tagger.save(tmp_path / "toy", toy_ner.metadata)
    label = toy_ner.label_names["per"]
    set_metadata(model, {"thresholds": {label: 0.5}})
    page = write_report([("toy", NER.load(model))], wrong_gold_corpus(), tmp_path / "report")
    section = page.read_text().split("<h2>Score thresholds</h2>")[1].split("<h2>")[0]
    row = re.search(rf"<tr><td>{label}</td>(.*?)</tr>", section)[1]
    assert row.count("<td>") == 6 and "<td>0.50: " in row


def test_the_report_writes_its_numbers_for_scripts(toy_ner, tmp_path):
    page = write_report([("toy", toy_ner)], wrong_gold_corpus(), tmp_path / "report")
    summary = json.loads((page.parent / "summary.json").read_text())
    (model,) = summary["models"]
    assert model["sentences_with_errors"] == 3
    assert model["calibration"]["fitted_on"].startswith("toy validation")
    assert 0.0 <= model["scores"]["micro"]["f1"] < 1.0


def test_an_averaged_model_is_said_to_have_no_training_of_its_own(toy_ner, tmp_path):
    import copy

    averaged = copy.copy(toy_ner)
    averaged.tagger = copy.copy(toy_ner.tagger)
    kept = {k: v for k, v in toy_ner.tagger.metadata.items() if k not in ("history", "step_loss")}
    averaged.tagger.metadata = {**kept, "averaged": [{"model": "a"}, {"model": "b"}]}
    page = write_report([("soup", averaged)], wrong_gold_corpus(), tmp_path / "report")
    assert "the average of 2 models" in page.read_text()


def test_a_model_name_reaches_the_page_as_text_not_markup(toy_ner, tmp_path):
    page = write_report([("<script>x</script>", toy_ner)], wrong_gold_corpus(), tmp_path / "r")
    assert "<script>x</script>" not in page.read_text()


def test_two_models_get_deltas_and_their_disagreements(toy_ner, tmp_path):
    corpus = wrong_gold_corpus()
    page = write_report(
        [("a", toy_ner), ("b", toy_ner)], corpus, tmp_path / "r", ReportConfig(fit_split="none")
    )
    html = page.read_text()
    assert "Where the two models disagree" in html and "F1 Δ" in html
    data = json.loads(re.search(r'id="report-data">(.*?)</script>', html, re.S)[1])
    assert data["disagreements"] == []


def test_disagreements_say_which_model_has_the_gold_spans(toy_ner):
    corpus = wrong_gold_corpus()
    first = analyse("a", toy_ner, corpus["test"])
    wrong = tuple(("O",) * len(tags) for tags in first.evaluation.predicted)
    second = replace(first, evaluation=replace(first.evaluation, predicted=wrong))
    found = disagreements(first, second)
    assert len(found) == len(corpus["test"])
    assert [row["right"] for row in found][3:] == ["first"] * 3
    assert found[0]["right"] == "neither"


def test_a_folder_that_is_not_a_report_is_never_overwritten(toy_ner, tmp_path):
    write(tmp_path / "notes.txt", "mine")
    with pytest.raises(NerkitError, match="E082"):
        write_report([("toy", toy_ner)], wrong_gold_corpus(), tmp_path)
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_an_earlier_report_is_replaced_whole(toy_ner, tmp_path):
    out = tmp_path / "r"
    write_report([("toy", toy_ner)], wrong_gold_corpus(), out)
    write(out / "stale.png", "x")
    write_report([("toy", toy_ner)], wrong_gold_corpus(), out)
    assert not (out / "stale.png").exists()


def test_three_models_are_refused(toy_ner, tmp_path):
    with pytest.raises(NerkitError, match="E081"):
        write_report([("a", toy_ner)] * 3, wrong_gold_corpus(), tmp_path / "r")


def test_a_temperature_fitted_on_trained_on_validation_sentences_gets_a_caution(toy_ner, tmp_path):
    from nerkit.report import _notes

    metadata = {
        "hyperparameters": {"train_with_validation": True},
        "data": {"sources": ["data/gmb/ner_dataset.csv"]},
    }
    gmb = Corpus("gmb", {}, sources=("elsewhere/gmb/ner_dataset.csv",))
    conll = Corpus("conll2003", {}, sources=("c/conll2003/train.txt", "c/conll2003/dev.txt", "c/t.txt"))
    assert _notes("m", metadata, gmb, ReportConfig()) != []
    assert _notes("m", metadata, conll, ReportConfig()) == []


@pytest.fixture
def model_and_data(toy_ner, tmp_path):
    model = toy_ner.tagger.save(tmp_path / "toy", toy_ner.metadata)
    data = tmp_path / "data"
    data.mkdir()
    corpus = wrong_gold_corpus()
    for name, split in (("train", "train"), ("dev", "validation"), ("test", "test")):
        with (data / f"{name}.txt").open("w") as handle:
            write_conll(corpus[split], handle)
    return model, data


def test_the_cli_writes_the_report(model_and_data, tmp_path):
    model, data = model_and_data
    result = runner.invoke(
        app, ["report", str(model), "--data", str(data), "--out", str(tmp_path / "r"), "--quiet"]
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "r" / "index.html").is_file()


def test_the_cli_compares_two_models(model_and_data, tmp_path):
    model, data = model_and_data
    args = ["report", str(model), str(model), "--data", str(data), "--out", str(tmp_path / "r"), "--quiet"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "Where the two models disagree" in (tmp_path / "r" / "index.html").read_text()


def test_a_model_whose_corpus_cannot_be_read_again_needs_data(model_and_data, tmp_path):
    model, _ = model_and_data
    result = runner.invoke(app, ["report", str(model), "--out", str(tmp_path / "r")])
    assert result.exit_code == 1
    assert "E083" in result.output


def test_train_with_report_writes_it_into_the_model_directory(tiny_base, tmp_path):
    from nerkit.corpus import write_file

    (tmp_path / "gmb").mkdir()
    write_file(make_sentences(), tmp_path / "gmb" / "ner_dataset.csv")
    out = tmp_path / "model"
    tiny = ["--base", tiny_base, "--max-length", "32", "--batch-size", "8", "--lr", "3e-3", "--quiet"]
    args = [
        "train",
        "gmb",
        "--out",
        str(out),
        "--epochs",
        "1",
        "--data-dir",
        str(tmp_path),
        "--report",
        *tiny,
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert (out / "report" / "index.html").is_file()
    assert (out / "report" / "curves.png").is_file()
