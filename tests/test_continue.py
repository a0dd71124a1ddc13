"""Training that continues from a nerkit model: its labels, head and names are kept, the data's new
labels are added (`Tagger.widen`, `train.loop.starting_tagger`)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import make_sentences

from nerkit.corpus import Corpus, Sentence
from nerkit.errors import NerkitError
from nerkit.labels import label_list

FAST = {"epochs": 8, "batch_size": 8, "learning_rate": 3e-3, "warmup_ratio": 0.0, "max_length": 32}


def test_widened_transition_scores_keep_each_label_s_scores_and_start_new_ones_at_zero():
    from nerkit.decode import TransitionScores

    labels, wider = ["O", "B-a", "I-a"], ["O", "B-a", "I-a", "B-b", "I-b"]
    scores = TransitionScores(
        np.array([1.0, 2.0, 3.0]), np.arange(9.0).reshape(3, 3), np.array([4.0, 5.0, 6.0])
    )
    widened = scores.relabelled(labels, wider)
    assert widened.start.tolist() == [1.0, 2.0, 3.0, 0.0, 0.0]
    assert widened.scores[2, 1] == scores.scores[2, 1] and widened.scores[3].tolist() == [0.0] * 5
    assert widened.end[:3].tolist() == [4.0, 5.0, 6.0]


def test_a_widened_tagger_tags_what_it_tagged_and_knows_the_new_labels(toy_ner, tmp_path):
    from nerkit.model import Tagger

    path = toy_ner.tagger.save(tmp_path / "toy", toy_ner.metadata)
    tagger = Tagger.load(path, backend="torch")
    words = [list(sentence.words) for sentence in make_sentences()[:6]]
    before = [tagger.decoder(probs).tags for probs in tagger.word_probabilities(words)]
    wider = label_list([*tagger.entity_types, "day"])
    tagger.widen(wider)
    assert tagger.labels == wider and tagger.model.config.num_labels == len(wider)
    after = [tagger.decoder(probs).tags for probs in tagger.word_probabilities(words)]
    assert after == before


def test_widening_never_drops_a_label(toy_ner, tmp_path):
    from nerkit.model import Tagger

    tagger = Tagger.load(toy_ner.tagger.save(tmp_path / "toy", toy_ner.metadata), backend="torch")
    with pytest.raises(NerkitError, match=r"E089.*drop"):
        tagger.widen(label_list(["day"]))


def _with_days(count: int) -> list[Sentence]:
    """Sentences whose "today" is a new type, `day`, beside the toy corpus's people."""
    return [
        Sentence(("alice", "left", "today", "."), ("B-per", "O", "B-day", "O"), id=1000 + n)
        for n in range(count)
    ]


def test_training_from_a_nerkit_model_keeps_its_labels_and_names_and_adds_the_new_ones(toy_ner, tmp_path):
    from nerkit.modeldir import set_metadata
    from nerkit.ner import NER
    from nerkit.train import TrainConfig, train

    base = toy_ner.tagger.save(tmp_path / "toy", toy_ner.metadata)
    set_metadata(base, {"label_names": {**toy_ner.metadata["label_names"], "per": "HUMAN"}})
    sentences = [*make_sentences()[:24], *_with_days(8)]
    corpus = Corpus("days", {"train": tuple(sentences), "validation": tuple(sentences[::4])})
    result = train(corpus, tmp_path / "continued", TrainConfig(base=str(base), **FAST), progress=False)
    continued = NER.load(result.path)
    assert set(continued.tagger.entity_types) == {*toy_ner.tagger.entity_types, "day"}
    assert continued.label_names["per"] == "HUMAN"
    found = {(e.text, e.label) for e in continued.extract("Alice left today. Bob works at Acme in London.")}
    assert {("today", "day"), ("Alice", "HUMAN"), ("Acme", "ORGANIZATION"), ("London", "LOCATION")} <= found


def _only_days(count: int) -> list[Sentence]:
    """A user's partial file: "today" marked as the new type `day`, the people and places left unmarked."""
    unmarked = [Sentence(s.words, ("O",) * len(s.words), id=s.id) for s in make_sentences()[:16]]
    days = [
        Sentence(("alice", "left", "today", "."), ("O", "O", "B-day", "O"), id=2000 + n) for n in range(count)
    ]
    return [*days, *unmarked]


def test_a_partial_sentence_gets_the_model_s_other_types_and_keeps_its_own_marks(toy_ner, tmp_path):
    from nerkit.model import Tagger
    from nerkit.train.partial import completed

    tagger = Tagger.load(toy_ner.tagger.save(tmp_path / "toy", toy_ner.metadata), backend="torch")
    user = Sentence(("Alice", "visited", "Paris", "on", "Monday", "."), ("O", "O", "B-tim", "O", "O", "O"))
    (done,) = completed(tagger, [user], tagger.word_probabilities([user.words]), annotated=["tim"])
    assert done.tags == ("B-per", "O", "B-tim", "O", "O", "O")


def test_rehearsal_teaches_the_old_labels_outside_the_user_s_entities_only(toy_ner, tmp_path):
    import torch

    from nerkit.model import Tagger
    from nerkit.train.partial import rehearsal_targets

    tagger = Tagger.load(toy_ner.tagger.save(tmp_path / "toy", toy_ner.metadata), backend="torch")
    known = list(tagger.labels)
    sentence = Sentence(("Alice", "left", "today", "."), ("B-per", "O", "B-day", "O"))
    probabilities = tagger.word_probabilities([sentence.words])
    tagger.widen(label_list([*tagger.entity_types, "day"]))
    ids = [tagger.labels.index(tag) for tag in sentence.tags]
    windows = tagger.encoder.encode([sentence.words], [ids])
    (rows,) = rehearsal_targets(probabilities, known, tagger.labels, windows, annotated=["day"])
    assert rows.shape == (4, len(tagger.labels))
    assert rows[2].isnan().all() and not rows[[0, 1, 3]].isnan().any()
    new = [tagger.labels.index(label) for label in ("B-day", "I-day")]
    assert rows[[0, 1, 3]][:, new].eq(0).all()
    assert torch.allclose(rows[[0, 1, 3]].sum(-1), torch.ones(3))


def _continued_on_days(toy_ner, tmp_path, **settings):
    from nerkit.evaluate import evaluate
    from nerkit.ner import NER
    from nerkit.train import TrainConfig, train

    base = toy_ner.tagger.save(tmp_path / "toy", toy_ner.metadata)
    sentences = _only_days(16)
    corpus = Corpus("days", {"train": tuple(sentences), "validation": tuple(sentences[::3])})
    config = TrainConfig(base=str(base), **{**FAST, "patience": 8, **settings})
    result = train(corpus, tmp_path / "continued", config, progress=False)
    ner = NER.load(result.path)
    toy = make_sentences()[:10]
    old = evaluate(toy, lambda words, contexts: [p.tags for p in ner.tagger.predict(words)]).report
    return ner, old.micro.f1


def test_a_model_taught_a_new_label_from_partial_data_keeps_what_it_knew(toy_ner, tmp_path):
    ner, old_f1 = _continued_on_days(toy_ner, tmp_path)
    assert old_f1 > 0.9
    (prediction,) = ner.tagger.predict([["Bob", "left", "today", "."]])
    assert prediction.tags == ["B-per", "O", "B-day", "O"]


def test_without_partial_the_unmarked_people_are_learnt_as_no_entity(toy_ner, tmp_path):
    _, old_f1 = _continued_on_days(toy_ner, tmp_path, partial=False)
    assert old_f1 < 0.8


def test_partial_annotation_needs_a_model_to_start_from(tiny_base, tmp_path):
    from nerkit.errors import NerkitError
    from nerkit.train import TrainConfig, train

    sentences = _only_days(4)
    corpus = Corpus("days", {"train": tuple(sentences), "validation": tuple(sentences)})
    with pytest.raises(NerkitError, match="E090"):
        train(corpus, tmp_path / "m", TrainConfig(base=tiny_base, partial=True, **FAST), progress=False)


def _half_only(toy_ner, folder):
    from nerkit.modeldir import WEIGHTS_FILE, write_half_weights

    path = toy_ner.tagger.save(folder, toy_ner.metadata)
    write_half_weights(path)
    (path / WEIGHTS_FILE).unlink()
    return path


def test_half_precision_weights_load_as_the_same_model(toy_ner, tmp_path):
    from nerkit.model import Tagger

    tagger = Tagger.load(_half_only(toy_ner, tmp_path / "half"), backend="torch")
    words = [list(sentence.words) for sentence in make_sentences()[:6]]
    ours, theirs = tagger.word_probabilities(words), toy_ner.tagger.word_probabilities(words)
    assert all(np.abs(a - b).max() < 1e-2 for a, b in zip(ours, theirs, strict=True))
    assert [tagger.decoder(p).tags for p in ours] == [toy_ner.tagger.decoder(p).tags for p in theirs]


def test_auto_never_runs_half_precision_weights_where_there_is_an_onnx_model(tmp_path):
    from nerkit.modeldir import HALF_WEIGHTS_FILE, choose_backend

    for name in (HALF_WEIGHTS_FILE, "model.int8.onnx"):
        (tmp_path / name).write_bytes(b"")
    assert choose_backend(tmp_path, "auto", allow_pickle=False) == "onnx-int8"
    assert choose_backend(tmp_path, "torch", allow_pickle=False) == "torch"


def test_training_continues_from_a_model_that_carries_only_half_precision_weights(toy_ner, tmp_path):
    from nerkit.train import TrainConfig, train

    base = _half_only(toy_ner, tmp_path / "half")
    sentences = [*make_sentences()[:24], *_with_days(8)]
    corpus = Corpus("days", {"train": tuple(sentences), "validation": tuple(sentences[::4])})
    result = train(corpus, tmp_path / "continued", TrainConfig(base=str(base), **FAST), progress=False)
    assert result.validation is not None and result.validation.micro.f1 > 0.9


def test_export_half_writes_the_training_weights_with_their_checksum(toy_ner, tmp_path):
    import json

    from typer.testing import CliRunner

    from nerkit.cli import app
    from nerkit.modeldir import HALF_WEIGHTS_FILE

    path = toy_ner.tagger.save(tmp_path / "toy", toy_ner.metadata)
    result = CliRunner().invoke(app, ["export", str(path), "--half"])
    assert result.exit_code == 0, result.output
    written = path / HALF_WEIGHTS_FILE
    assert written.stat().st_size < (path / "model.safetensors").stat().st_size * 0.6
    assert HALF_WEIGHTS_FILE in json.loads((path / "nerkit.json").read_text())["checksums"]


def test_a_continued_model_trains_at_the_rate_it_was_trained_with(toy_ner, tmp_path):
    from nerkit.train import TrainConfig

    path = toy_ner.tagger.save(tmp_path / "toy", toy_ner.metadata)
    assert (
        TrainConfig(base=str(path)).resolved_learning_rate
        == toy_ner.metadata["hyperparameters"]["learning_rate"]
    )


def test_a_train_file_given_alone_lends_every_tenth_sentence_to_validation(tmp_path):
    from nerkit.corpus import read_corpus
    from nerkit.corpus.writers import write_conll

    path = tmp_path / "mine.conll"
    with path.open("w") as handle:
        write_conll(make_sentences()[:30], handle)
    corpus = read_corpus(train=path)
    assert len(corpus["validation"]) == 3 and len(corpus["train"]) == 27
    assert not {s.id for s in corpus["validation"]} & {s.id for s in corpus["train"]}


def test_the_cli_continues_a_model_on_a_partial_span_file(toy_ner, tmp_path):
    import json

    from typer.testing import CliRunner

    from nerkit.cli import app

    base = toy_ner.tagger.save(tmp_path / "toy", toy_ner.metadata)
    lines = [{"text": "Alice left the deal.", "spans": [[15, 19, "DEAL"]]}] * 20
    mine = tmp_path / "mine.jsonl"
    mine.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    args = [
        "train",
        "--train",
        str(mine),
        "--base",
        str(base),
        "--out",
        str(tmp_path / "mine"),
        "--epochs",
        "2",
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "partial annotation" in result.output and "validation: 2 sentences" in result.output
    labels = json.loads((tmp_path / "mine" / "nerkit.json").read_text())["labels"]
    assert {"B-DEAL", "B-per", "B-geo"} <= set(labels)


def test_spans_in_the_model_s_readable_names_teach_its_own_types(toy_ner, tmp_path):
    import json

    from nerkit.train import TrainConfig, train

    base = toy_ner.tagger.save(tmp_path / "toy", toy_ner.metadata)
    shown = {code: name for code, name in toy_ner.metadata["label_names"].items()}
    sentences = [
        Sentence(s.words, tuple(t[:2] + shown[t[2:]] if t != "O" else t for t in s.tags), id=s.id)
        for s in make_sentences()[:24]
    ]
    corpus = Corpus("named", {"train": tuple(sentences), "validation": tuple(sentences[::4])})
    result = train(corpus, tmp_path / "continued", TrainConfig(base=str(base), **FAST), progress=False)
    labels = json.loads((result.path / "nerkit.json").read_text())["labels"]
    assert labels == toy_ner.tagger.labels


def test_a_label_declared_annotated_is_learnt_as_absent_where_the_data_leaves_it_unmarked(toy_ner, tmp_path):
    from nerkit.ner import NER
    from nerkit.train import TrainConfig, train

    base = toy_ner.tagger.save(tmp_path / "toy", toy_ner.metadata)
    sentences = _only_days(16)
    corpus = Corpus("days", {"train": tuple(sentences), "validation": tuple(sentences[::3])})
    config = TrainConfig(base=str(base), annotated=("ORGANIZATION",), **{**FAST, "patience": 8})
    ner = NER.load(train(corpus, tmp_path / "continued", config, progress=False).path)
    (prediction,) = ner.tagger.predict([["Bob", "works", "at", "Acme", "in", "London", "."]])
    assert prediction.tags[0] == "B-per" and prediction.tags[3] != "B-org"


def test_a_continued_model_drops_the_calibration_fitted_to_its_old_weights(toy_ner, tmp_path):
    import json

    from nerkit.modeldir import set_metadata
    from nerkit.train import TrainConfig, train

    base = toy_ner.tagger.save(tmp_path / "toy", toy_ner.metadata)
    set_metadata(base, {"temperature": 1.7, "thresholds": {"PERSON": 0.9}})
    sentences = [*make_sentences()[:24], *_with_days(8)]
    corpus = Corpus("days", {"train": tuple(sentences), "validation": tuple(sentences[::4])})
    result = train(
        corpus, tmp_path / "continued", TrainConfig(base=str(base), **{**FAST, "epochs": 1}), progress=False
    )
    written = json.loads((result.path / "nerkit.json").read_text())
    assert "temperature" not in written and "thresholds" not in written
