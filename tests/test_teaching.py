"""Teaching a served model in the background from annotations as they come in (`nerkit.teaching`)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import make_sentences

from nerkit.errors import NerkitError


def _text_and_spans(sentence):
    """A toy sentence as text with character spans, "today" marked as the new type `day`."""
    from nerkit.labels import spans
    from nerkit.text import detokenize

    text, offsets = detokenize(sentence.words)
    found = [(offsets[start][0], offsets[end - 1][1], kind) for start, end, kind in spans(sentence.tags)]
    return text, found


def test_annotations_are_appended_at_once_and_read_back_the_last_one_of_an_id_winning(tmp_path):
    from nerkit.teaching import Annotations

    store = Annotations(tmp_path / "labelled.jsonl")
    store.add("a", "Alice left.", [(0, 5, "PERSON")])
    store.add("b", "Bob left.", [])
    store.add("a", "Alice left.", [])
    assert len((tmp_path / "labelled.jsonl").read_text().splitlines()) == 3
    again = Annotations(tmp_path / "labelled.jsonl")
    assert {r.id: r.spans for r in again.records()} == {"a": (), "b": ()}


def test_a_span_outside_its_text_is_refused(tmp_path):
    from nerkit.teaching import Annotations

    with pytest.raises(NerkitError, match="E007"):
        Annotations(tmp_path / "labelled.jsonl").add("a", "Alice", [(0, 9, "PERSON")])


def test_a_broken_annotation_line_is_reported_with_its_file_and_line(tmp_path):
    from nerkit.teaching import Annotations

    path = tmp_path / "labelled.jsonl"
    path.write_text('{"id": "a", "text": "x", "spans": []}\nnot json\n', encoding="utf-8")
    with pytest.raises(NerkitError, match=r"E006.*labelled.jsonl:2"):
        Annotations(path)


def test_training_with_nothing_annotated_says_so(toy_ner, tmp_path):
    from nerkit.teaching import Annotations, Teacher

    path = toy_ner.tagger.save(tmp_path / "toy", toy_ner.metadata)
    teacher = Teacher(path, Annotations(tmp_path / "labelled.jsonl"), tmp_path / "models", lambda _: None)
    with pytest.raises(NerkitError, match="E092"):
        teacher.start()


def test_a_teacher_trains_in_the_background_and_hands_over_a_model_that_knows_the_new_label(
    toy_ner, tmp_path
):
    from nerkit.corpus import Sentence
    from nerkit.model import Tagger
    from nerkit.teaching import Annotations, Teacher

    base = toy_ner.tagger.save(tmp_path / "toy", toy_ner.metadata)
    store = Annotations(tmp_path / "labelled.jsonl")
    days = [Sentence(("Alice", "left", "today", "."), ("O", "O", "B-day", "O"))] * 16
    for number, sentence in enumerate([*days, *make_sentences()[:8]]):
        text, spans = _text_and_spans(sentence)
        store.add(str(number), text, [span for span in spans if span[2] == "day"])
    handed = []
    teacher = Teacher(base, store, tmp_path / "models", handed.append, epochs=8)
    assert teacher.start().state == "training"
    status = teacher.wait(300)
    assert status.state == "done", status.error
    assert status.examples == 24 and status.step > 0
    assert status.model is not None and handed == [Path(status.model)]
    tagger = Tagger.load(handed[0], backend="torch")
    assert "B-day" in tagger.labels and "B-per" in tagger.labels


def test_a_last_line_cut_off_by_a_crash_is_dropped_and_the_next_decision_starts_its_own_line(tmp_path):
    from nerkit.teaching import Annotations

    path = tmp_path / "labelled.jsonl"
    path.write_text(
        '{"id": "a", "text": "Alice", "spans": [[0, 5, "PERSON"]]}\n{"id": "b", "te', encoding="utf-8"
    )
    store = Annotations(path)
    assert [r.id for r in store.records()] == ["a"]
    store.add("b", "Bob", [])
    assert [r.id for r in Annotations(path).records()] == ["a", "b"]


def test_overlapping_spans_are_refused(tmp_path):
    from nerkit.teaching import Annotations

    with pytest.raises(NerkitError, match="E007"):
        Annotations(tmp_path / "labelled.jsonl").add(
            "a", "Alice Smith", [(0, 5, "PERSON"), (0, 11, "PERSON")]
        )


def test_a_forgotten_annotation_stays_forgotten_after_a_restart(tmp_path):
    from nerkit.teaching import Annotations

    store = Annotations(tmp_path / "labelled.jsonl")
    store.add("a", "Alice", [(0, 5, "PERSON")])
    store.remove("a")
    assert len(store) == 0 and len(Annotations(tmp_path / "labelled.jsonl")) == 0


def test_a_teaching_run_trains_on_every_sentence_once_and_keeps_its_last_epoch():
    from nerkit.teaching import teaching_run

    sentences = make_sentences()[:25]
    corpus, config = teaching_run(sentences, "default")
    trained = [*corpus["train"], *corpus["validation"]]
    assert config.train_with_validation
    assert sorted(map(id, trained)) == sorted(map(id, sentences))


def test_a_teaching_run_continues_at_a_third_of_the_model_s_rate_with_a_faster_head():
    from nerkit.teaching import teaching_run
    from nerkit.train.config import default_learning_rate

    _, config = teaching_run(make_sentences()[:3], "default")
    assert config.learning_rate == pytest.approx(default_learning_rate("default") / 3)
    assert config.head_lr_scale == 10
