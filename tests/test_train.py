import json

import pytest
import torch
from conftest import FAST, make_toy_corpus

from nerkit.encode import IGNORE
from nerkit.errors import NerkitError
from nerkit.ner import NER
from nerkit.train import TrainConfig, train


@pytest.fixture(scope="module")
def trained(tiny_base, tmp_path_factory):
    corpus = make_toy_corpus()
    out = tmp_path_factory.mktemp("models") / "toy"
    return train(corpus, out, TrainConfig(base=tiny_base, **FAST), progress=False), corpus


def test_training_learns_the_toy_corpus(trained):
    result, _ = trained
    assert result.validation.micro.f1 > 0.9
    assert result.test is not None and result.test.micro.f1 > 0.9


def test_training_writes_metadata_with_metrics_history_and_data_fingerprint(trained):
    result, _ = trained
    metadata = json.loads((result.path / "nerkit.json").read_text())
    assert metadata["labels"] == ["O", "B-geo", "I-geo", "B-org", "I-org", "B-per", "I-per", "B-tim", "I-tim"]
    assert metadata["metrics"]["test"]["micro"]["f1"] == result.test.micro.f1
    assert metadata["best_epoch"] == result.best_epoch
    assert metadata["label_names"] == {
        "geo": "LOCATION",
        "org": "ORGANIZATION",
        "per": "PERSON",
        "tim": "DATE_TIME",
    }
    assert len(metadata["history"]) == len(result.history)
    assert metadata["hyperparameters"]["learning_rate"] == FAST["learning_rate"]
    assert {"torch", "transformers", "python"} <= set(metadata["versions"])
    assert metadata["data"]["sizes"] == {"train": 30, "validation": 10, "test": 10}


def test_loaded_model_reproduces_the_test_score(trained):
    result, corpus = trained
    report = NER.load(result.path).evaluate(corpus, "test").report
    assert report.micro.f1 == result.test.micro.f1


def test_the_kept_model_is_the_best_validation_epoch(trained):
    result, _ = trained
    best = max(row["validation_f1"] for row in result.history)
    assert result.validation.micro.f1 == best
    assert result.history[result.best_epoch - 1]["validation_f1"] == best


@pytest.fixture(scope="module")
def trained_with_validation(tiny_base, tmp_path_factory):
    out = tmp_path_factory.mktemp("models") / "final"
    config = TrainConfig(base=tiny_base, **{**FAST, "epochs": 3}, patience=1, train_with_validation=True)
    return train(make_toy_corpus(), out, config, progress=False)


def test_training_with_validation_trains_on_both_splits(trained_with_validation):
    metadata = json.loads((trained_with_validation.path / "nerkit.json").read_text())
    assert metadata["data"]["sizes"] == {"train": 40, "validation": 10, "test": 10}
    assert metadata["hyperparameters"]["train_with_validation"] is True


def test_training_with_validation_runs_every_epoch_and_keeps_the_last(trained_with_validation):
    assert [row["epoch"] for row in trained_with_validation.history] == [1, 2, 3]
    assert trained_with_validation.best_epoch == 3


def test_training_with_validation_reports_no_validation_score(trained_with_validation):
    metadata = json.loads((trained_with_validation.path / "nerkit.json").read_text())
    assert trained_with_validation.validation is None
    assert "validation" not in metadata["metrics"]
    assert all("validation_f1" not in row for row in trained_with_validation.history)
    assert metadata["metrics"]["test"]["micro"]["f1"] == trained_with_validation.test.micro.f1


def test_training_loss_goes_down(trained):
    result, _ = trained
    assert result.history[-1]["loss"] < result.history[0]["loss"] / 2


def test_early_stopping_ends_training_after_patience_epochs(tiny_base, toy_corpus, tmp_path):
    config = TrainConfig(base=tiny_base, **{**FAST, "learning_rate": 1e-9, "epochs": 6, "patience": 1})
    result = train(toy_corpus, tmp_path / "m", config, progress=False)
    assert len(result.history) < 6


def test_same_seed_gives_the_same_model(tiny_base, toy_corpus, tmp_path):
    config = TrainConfig(base=tiny_base, **{**FAST, "epochs": 1})
    first = train(toy_corpus, tmp_path / "a", config, progress=False)
    second = train(toy_corpus, tmp_path / "b", config, progress=False)
    assert [row["loss"] for row in first.history] == [row["loss"] for row in second.history]


def test_limit_train_uses_only_the_first_sentences(tiny_base, toy_corpus, tmp_path):
    result = train(
        toy_corpus,
        tmp_path / "m",
        TrainConfig(base=tiny_base, **{**FAST, "epochs": 1, "limit_train": 5}),
        progress=False,
    )
    assert json.loads((result.path / "nerkit.json").read_text())["data"]["sizes"]["train"] == 5


def test_training_without_validation_data_is_a_clear_error(tiny_base, toy_corpus, tmp_path):
    from nerkit.corpus import Corpus

    corpus = Corpus("toy", {"train": toy_corpus["train"]})
    with pytest.raises(NerkitError, match="need training and validation sentences"):
        train(corpus, tmp_path / "m", TrainConfig(base=tiny_base), progress=False)


def test_invalid_hyperparameters_are_rejected_before_work_starts(toy_corpus, tmp_path):
    with pytest.raises(NerkitError, match="invalid epochs=0"):
        train(toy_corpus, tmp_path / "m", TrainConfig(epochs=0), progress=False)


def test_default_learning_rate_depends_on_the_base():
    assert TrainConfig().resolved_learning_rate == 3e-4
    assert TrainConfig(base="bert-base-cased").resolved_learning_rate == 5e-5
    assert TrainConfig(base="bert-base-cased", learning_rate=1e-4).resolved_learning_rate == 1e-4


@pytest.mark.parametrize("base", ["sentence-transformers/all-MiniLM-L6-v2", "copy"])
def test_sentence_embedding_encoders_get_the_bundled_rate(base, tmp_path):
    if base == "copy":
        (tmp_path / "config_sentence_transformers.json").write_text("{}")
        base = str(tmp_path)
    assert TrainConfig(base=base).resolved_learning_rate == 3e-4


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("c.toml", "epochs = 5\nbatch_size = 4\n"),
        ("c.yaml", "epochs: 5\nbatch_size: 4\n"),
        ("c.json", '{"epochs": 5, "batch_size": 4}'),
    ],
)
def test_config_files_in_toml_yaml_and_json(tmp_path, name, text):
    (tmp_path / name).write_text(text)
    config = TrainConfig.from_file(tmp_path / name, batch_size=16)
    assert (config.epochs, config.batch_size) == (5, 16)


def test_config_file_with_an_unknown_option_names_it(tmp_path):
    (tmp_path / "c.toml").write_text("epochs = 5\nlearning_rat = 0.1\n")
    with pytest.raises(NerkitError, match="unknown option"):
        TrainConfig.from_file(tmp_path / "c.toml")


def test_yaml_scientific_notation_is_read_as_a_float(tmp_path):
    (tmp_path / "c.yaml").write_text("learning_rate: 3e-4\n")
    assert TrainConfig.from_file(tmp_path / "c.yaml").learning_rate == 3e-4


def test_config_file_value_of_the_wrong_type_names_the_option(tmp_path):
    (tmp_path / "c.json").write_text('{"epochs": "three"}')
    with pytest.raises(NerkitError, match="option epochs must be int, got 'three'"):
        TrainConfig.from_file(tmp_path / "c.json")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("teachers: [models/a, models/b]\n", ("models/a", "models/b")), ("teachers: models/a\n", ("models/a",))],
)
def test_config_file_teachers_are_a_list_or_one_path(tmp_path, text, expected):
    (tmp_path / "c.yaml").write_text(text)
    assert TrainConfig.from_file(tmp_path / "c.yaml").teachers == expected


def test_config_file_teachers_of_the_wrong_type_are_refused(tmp_path):
    (tmp_path / "c.json").write_text('{"teachers": [3]}')
    with pytest.raises(NerkitError, match="option teachers must be a list of strings"):
        TrainConfig.from_file(tmp_path / "c.json")


def test_a_model_trained_with_document_context_reads_it_after_loading(tiny_base, toy_corpus, tmp_path):
    config = TrainConfig(base=tiny_base, **{**FAST, "epochs": 1}, context=6)
    result = train(toy_corpus, tmp_path / "ctx", config, progress=False)
    assert json.loads((result.path / "nerkit.json").read_text())["context"] == 6
    assert NER.load(result.path).tagger.encoder.context == 6


def test_negative_document_context_is_rejected(toy_corpus, tmp_path):
    with pytest.raises(NerkitError, match="context"):
        train(toy_corpus, tmp_path / "m", TrainConfig(context=-1))


def test_layers_keeps_only_the_first_encoder_layers(tiny_base):
    from nerkit.model import Tagger

    full = Tagger.from_base(tiny_base, ["O", "B-per", "I-per"], max_length=32)
    student = Tagger.from_base(tiny_base, ["O", "B-per", "I-per"], max_length=32, layers=1)
    assert student.model.config.num_hidden_layers == 1
    first = "model.bert.encoder.layer.0.attention.self.query.weight"
    assert student.model.state_dict()[first].equal(full.model.state_dict()[first])
    assert not any(".layer.1." in name for name in student.model.state_dict())


def test_a_student_trained_only_on_its_teacher_learns_the_task(trained, tiny_base, tmp_path):
    result, corpus = trained
    config = TrainConfig(base=tiny_base, **FAST, layers=1, teachers=(str(result.path),), distill_weight=1.0)
    student = train(corpus, tmp_path / "student", config, progress=False)
    assert student.test is not None and student.test.micro.f1 > 0.7  # an untrained one scores about 0
    assert json.loads((student.path / "config.json").read_text())["num_hidden_layers"] == 1


def _teacher_and_windows(result, corpus):
    from nerkit.model import Tagger

    teacher = Tagger.load(result.path)
    teacher.model.eval()
    sentences = [s.words for s in corpus["train"][:6]]
    windows = teacher.encoder.encode(sentences, [[0] * len(words) for words in sentences])
    return teacher, sentences, windows


def _soft(teachers, sentences, windows):
    from nerkit.train.distill import soft_labels

    return soft_labels(teachers, sentences, [((), ())] * len(sentences), windows, 4, False)


def test_soft_labels_are_the_teachers_probabilities_at_each_labelled_word(trained):
    teacher, sentences, windows = _teacher_and_windows(*trained)
    soft = _soft([teacher], sentences, windows)
    inputs = {key: torch.from_numpy(value) for key, value in teacher.encoder.collate(windows).items()}
    labelled = inputs.pop("labels") != IGNORE
    logits = teacher.model(**inputs).logits
    for row, window in enumerate(windows):
        assert len(soft[row]) == len(window.first_subwords)
        assert torch.allclose(soft[row], logits[row][labelled[row]].softmax(-1), atol=1e-5)


def test_soft_labels_of_several_teachers_are_their_average(trained):
    from nerkit.model import Tagger

    result, corpus = trained
    first, sentences, windows = _teacher_and_windows(result, corpus)
    second = Tagger.load(result.path)
    second.model.eval()
    with torch.no_grad():
        second.model.model.classifier.bias.add_(torch.arange(len(second.labels), dtype=torch.float32))
    alone = [_soft([teacher], sentences, windows) for teacher in (first, second)]
    together = _soft([first, second], sentences, windows)
    assert not torch.allclose(alone[0][0], alone[1][0])
    for row in range(len(windows)):
        assert torch.allclose(together[row], (alone[0][row] + alone[1][row]) / 2, atol=1e-6)


def test_soft_labels_leave_the_words_of_untaught_sentences_nan(trained):
    from nerkit.train.distill import soft_labels

    teacher, sentences, windows = _teacher_and_windows(*trained)
    taught = [i % 2 == 0 for i in range(len(sentences))]
    some = soft_labels([teacher], sentences, [((), ())] * len(sentences), windows, 4, False, taught)
    every = _soft([teacher], sentences, windows)
    for row, window in enumerate(windows):
        if taught[window.sentence]:
            assert torch.allclose(some[row], every[row], atol=1e-5)  # other batches, other padding
        else:
            assert some[row].shape == every[row].shape and some[row].isnan().all()


def test_the_distillation_loss_reads_only_the_taught_rows():
    from nerkit.train.distill import distillation_loss

    logits = torch.tensor([[2.0, 0.0], [0.0, 2.0], [1.0, 1.0]])
    targets = torch.tensor([[0.9, 0.1], [float("nan"), float("nan")], [0.5, 0.5]])
    expected = distillation_loss(logits[[0, 2]], targets[[0, 2]])
    assert expected is not None and expected > 0
    assert torch.equal(distillation_loss(logits, targets), expected)
    assert distillation_loss(logits[[1]], targets[[1]]) is None


def test_a_teacher_teaches_only_the_sources_named_in_teach(trained, tiny_base, tmp_path):
    from dataclasses import replace as changed

    from nerkit.train.loop import _taught

    _, corpus = trained
    sentences = [changed(s, source="news" if i % 3 else "mail") for i, s in enumerate(corpus["train"])]
    assert _taught(sentences, ()) is None
    assert _taught(sentences, ("mail",)) == [s.source == "mail" for s in sentences]
    with pytest.raises(NerkitError, match=r"E037.*no training sentence comes from chat"):
        _taught(sentences, ("mail", "chat"))


def test_a_teacher_with_another_tokenizer_teaches_word_by_word(trained, tiny_base, tmp_path):
    from conftest import WORDS
    from transformers import BertConfig, BertForTokenClassification, BertTokenizer

    _, corpus = trained
    other = tmp_path / "other-base"
    other.mkdir()
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *"abcdefghijklmnopqrstuvwxyz", *WORDS[::-1]]
    vocab += [f"##{letter}" for letter in "zyxwvutsrqponmlkjihgfedcba"]
    (other / "vocab.txt").write_text("\n".join(dict.fromkeys(vocab)) + "\n", encoding="utf-8")
    tokenizer = BertTokenizer(vocab=str(other / "vocab.txt"), do_lower_case=True)
    tokenizer.save_pretrained(other)
    config = BertConfig(vocab_size=len(tokenizer), hidden_size=48, num_hidden_layers=1, num_attention_heads=2,
                        intermediate_size=64, max_position_embeddings=128)  # fmt: skip
    BertForTokenClassification(config).save_pretrained(other)
    teacher = train(corpus, tmp_path / "teacher", TrainConfig(base=str(other), **FAST), progress=False)
    assert teacher.test is not None and teacher.test.micro.f1 > 0.7
    config = TrainConfig(base=tiny_base, **FAST, layers=1, teachers=(str(teacher.path),), distill_weight=1.0)
    student = train(corpus, tmp_path / "student", config, progress=False)
    assert student.test is not None and student.test.micro.f1 > 0.7


def test_distillation_loss_is_zero_when_the_student_matches_its_teachers():
    from nerkit.train.distill import distillation_loss

    logits = torch.tensor([[2.0, 0.5, -1.0], [0.0, 3.0, 1.0]])
    assert distillation_loss(logits, logits.softmax(-1)).item() == pytest.approx(0.0, abs=1e-6)
    assert distillation_loss(logits.flip(-1), logits.softmax(-1)).item() > 0.01


def test_a_teacher_with_other_labels_is_refused(trained, tiny_base, tmp_path):
    from nerkit.corpus import Corpus, Sentence

    result, _ = trained
    other = (Sentence(("alice", "left"), ("B-x", "O")),) * 4
    corpus = Corpus("other", {"train": other, "validation": other})
    with pytest.raises(NerkitError, match=r"E036.*predicts other labels"):
        train(corpus, tmp_path / "s", TrainConfig(base=tiny_base, **FAST, teachers=(str(result.path),)))


def test_layer_wise_decay_gives_lower_layers_lower_rates_and_the_head_its_own(tiny_base):
    from nerkit.model import Tagger
    from nerkit.train.loop import _optimizer

    tagger = Tagger.from_base(tiny_base, ["O", "B-per", "I-per"], max_length=32)
    config = TrainConfig(learning_rate=1e-3, layer_decay=0.5, head_lr_scale=10.0)
    optimizer, _ = _optimizer(tagger.network(), config, steps=10)
    rate = {id(p): group["initial_lr"] for group in optimizer.param_groups for p in group["params"]}
    named = dict(tagger.model.named_parameters())
    assert rate[id(named["model.classifier.weight"])] == pytest.approx(1e-2)
    assert rate[id(named["model.bert.encoder.layer.1.output.dense.weight"])] == pytest.approx(1e-3)
    assert rate[id(named["model.bert.encoder.layer.0.output.dense.weight"])] == pytest.approx(5e-4)
    assert rate[id(named["model.bert.embeddings.word_embeddings.weight"])] == pytest.approx(2.5e-4)
    assert rate[id(named["shape_embeddings.weight"])] == pytest.approx(2.5e-4)
    assert len(rate) == len(named)


def test_without_layer_decay_every_parameter_shares_one_rate(tiny_base):
    from nerkit.model import Tagger
    from nerkit.train.loop import _optimizer

    tagger = Tagger.from_base(tiny_base, ["O", "B-per", "I-per"], max_length=32)
    optimizer, _ = _optimizer(tagger.network(), TrainConfig(learning_rate=1e-3), steps=10)
    assert {group["initial_lr"] for group in optimizer.param_groups} == {1e-3}
    decayed = {id(p) for group in optimizer.param_groups if group["weight_decay"] for p in group["params"]}
    head = tagger.model.model.classifier
    assert id(head.weight) in decayed and id(head.bias) not in decayed


def test_a_config_file_applies_over_given_defaults_and_named_fields_win(tmp_path):
    path = tmp_path / "settings.toml"
    path.write_text("epochs = 4\nseed = 3\n")
    config = TrainConfig.from_file(path, TrainConfig(epochs=2, batch_size=8), base="my-encoder", seed=9)
    assert (config.epochs, config.batch_size, config.base, config.seed) == (4, 8, "my-encoder", 9)


def test_training_in_bfloat16_learns_and_saves_fp32_weights(tiny_base, tmp_path):
    from safetensors.torch import load_file

    result = train(
        make_toy_corpus(), tmp_path / "m", TrainConfig(base=tiny_base, **FAST, bf16=True), progress=False
    )
    assert result.test is not None and result.test.micro.f1 > 0.7
    weights = load_file(tmp_path / "m" / "model.safetensors")
    assert {tensor.dtype for tensor in weights.values()} == {torch.float32}
