import json
import threading
from itertools import pairwise
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from nerkit.encode import FEWEST_RUNS, RUN_OVERHEAD
from nerkit.errors import NerkitError
from nerkit.model import Tagger
from nerkit.modeldir import METADATA_FILE
from nerkit.network import WordShapes

LABELS = ["O", "B-per", "I-per"]


@pytest.fixture
def tagger(tiny_base):
    return Tagger.from_base(tiny_base, LABELS, max_length=32)


def test_from_base_sets_labels_in_the_config(tagger):
    assert tagger.labels == LABELS
    assert tagger.model.config.id2label == {0: "O", 1: "B-per", 2: "I-per"}


def test_casing_is_on_by_default_for_an_uncased_bert(tagger):
    assert tagger.casing
    assert isinstance(tagger.model, WordShapes)
    assert tagger.model.config.type_vocab_size == 2  # the encoder itself is unchanged


def test_casing_can_be_turned_off(tiny_base):
    tagger = Tagger.from_base(tiny_base, LABELS, max_length=32, casing=False)
    assert not tagger.casing
    assert not isinstance(tagger.model, WordShapes)


def test_new_word_shapes_start_at_zero_so_the_encoder_behaves_as_pretrained(tiny_base):
    shaped = Tagger.from_base(tiny_base, LABELS, max_length=32)
    plain = Tagger.from_base(tiny_base, LABELS, max_length=32, casing=False)
    with torch.no_grad():
        plain.model.classifier.load_state_dict(shaped.model.model.classifier.state_dict())
    words = [["Alice", "visited", "PARIS"]]
    assert shaped.word_probabilities(words)[0] == pytest.approx(plain.word_probabilities(words)[0], abs=1e-6)


def test_a_saved_model_as_base_keeps_its_word_shapes_and_head(tagger, tmp_path):
    with torch.no_grad():
        tagger.model.shape_embeddings.weight.normal_()
    tagger.save(tmp_path / "m", {"labels": LABELS})
    again = Tagger.from_base(str(tmp_path / "m"), LABELS, max_length=32)
    for name, value in tagger.model.state_dict().items():
        assert torch.equal(again.model.state_dict()[name], value), name


def test_an_older_model_with_shapes_as_token_types_keeps_its_predictions_as_a_base(tiny_base, tmp_path):
    from transformers import AutoModelForTokenClassification

    legacy = AutoModelForTokenClassification.from_pretrained(
        tiny_base, num_labels=3, type_vocab_size=5, ignore_mismatched_sizes=True
    )
    with torch.no_grad():
        legacy.bert.embeddings.token_type_embeddings.weight.normal_()
    ids = torch.tensor([[2, 7, 9, 3]])
    shapes = torch.tensor([[0, 3, 2, 0]])
    expected = legacy(input_ids=ids, token_type_ids=shapes).logits
    converted = WordShapes.around(legacy)(input_ids=ids, token_type_ids=shapes).logits
    assert torch.allclose(converted, expected, atol=1e-5)


def test_an_encoder_without_token_types_gets_word_shapes(tiny_base, tmp_path):
    from transformers import BertTokenizer, MPNetConfig, MPNetForTokenClassification

    folder = tmp_path / "tiny-mpnet"
    tokenizer = BertTokenizer.from_pretrained(tiny_base)
    tokenizer.save_pretrained(folder)
    config = MPNetConfig(
        vocab_size=len(tokenizer),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=130,
    )
    MPNetForTokenClassification(config).save_pretrained(folder)
    tagger = Tagger.from_base(str(folder), LABELS, max_length=32)
    assert tagger.casing and isinstance(tagger.model, WordShapes)
    words = [["Alice", "visited", "PARIS"]]
    with torch.no_grad():
        tagger.model.shape_embeddings.weight.normal_()
    tagger.save(tmp_path / "m", {})
    before = tagger.predict(words)
    assert Tagger.load(tmp_path / "m").predict(words) == before


def test_word_shapes_pass_labels_through_so_the_encoder_gives_its_loss(tagger):
    ids = torch.tensor([[2, 7, 9, 3]])
    output = tagger.model(
        input_ids=ids, token_type_ids=torch.tensor([[0, 3, 2, 0]]), labels=torch.zeros_like(ids)
    )
    assert output.loss is not None and output.loss.item() > 0


def test_plain_transformers_loads_a_saved_model_without_its_shapes(tagger, tmp_path):
    from transformers import AutoModelForTokenClassification

    tagger.save(tmp_path / "m", {})
    model = AutoModelForTokenClassification.from_pretrained(tmp_path / "m")
    assert model.config.num_labels == 3
    assert (tmp_path / "m" / WordShapes.FILE).is_file()


def test_a_corrupt_word_shapes_file_is_refused(tagger, tmp_path):
    tagger.save(tmp_path / "m", {})
    (tmp_path / "m" / WordShapes.FILE).write_bytes(b"broken")
    with pytest.raises(NerkitError, match="E026"):
        Tagger.load(tmp_path / "m")


def test_save_writes_safetensors_config_tokenizer_and_metadata(tagger, tmp_path):
    tagger.save(tmp_path / "m", {"labels": LABELS})
    names = {path.name for path in (tmp_path / "m").iterdir()}
    assert {"model.safetensors", "config.json", "tokenizer.json", METADATA_FILE} <= names
    assert not any(name.endswith((".bin", ".pt", ".pkl")) for name in names)
    assert json.loads((tmp_path / "m" / METADATA_FILE).read_text())["casing"] is True


def test_saved_model_is_readable_by_others(tagger, tmp_path):
    tagger.save(tmp_path / "m", {})
    assert (tmp_path / "m").stat().st_mode & 0o777 == 0o755
    assert (tmp_path / "m" / "model.safetensors").stat().st_mode & 0o777 == 0o644


def test_load_restores_identical_predictions(tagger, tmp_path):
    words = [["Alice", "visited", "Paris"], ["bob"]]
    before = tagger.predict(words)
    tagger.save(tmp_path / "m", {})
    after = Tagger.load(tmp_path / "m").predict(words)
    assert after == before


def test_load_restores_identical_weights(tagger, tmp_path):
    tagger.save(tmp_path / "m", {})
    loaded = Tagger.load(tmp_path / "m").model.state_dict()
    for name, tensor in tagger.model.state_dict().items():
        assert torch.equal(tensor, loaded[name]), name


def test_save_replaces_an_existing_directory_and_leaves_no_temporaries(tagger, tmp_path):
    tagger.save(tmp_path / "m", {"round": 1})
    tagger.save(tmp_path / "m", {"round": 2})
    assert [path.name for path in tmp_path.iterdir()] == ["m"]
    assert json.loads((tmp_path / "m" / METADATA_FILE).read_text())["round"] == 2


def test_a_failed_save_leaves_the_previous_model_intact(tagger, tmp_path, monkeypatch):
    tagger.save(tmp_path / "m", {"round": 1})

    def explode(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(tagger.tokenizer, "save_pretrained", explode)
    with pytest.raises(RuntimeError):
        tagger.save(tmp_path / "m", {"round": 2})
    assert [path.name for path in tmp_path.iterdir()] == ["m"]
    assert json.loads((tmp_path / "m" / METADATA_FILE).read_text())["round"] == 1


def test_load_refuses_a_directory_without_metadata(tmp_path):
    with pytest.raises(NerkitError, match="not a nerkit model directory"):
        Tagger.load(tmp_path)


def test_load_refuses_pickle_weights(tagger, tmp_path):
    tagger.save(tmp_path / "m", {})
    (tmp_path / "m" / "model.safetensors").rename(tmp_path / "m" / "pytorch_model.bin")
    with pytest.raises(NerkitError, match="only from safetensors"):
        Tagger.load(tmp_path / "m")


def test_unknown_base_model_is_a_clear_error(tmp_path):
    with pytest.raises(NerkitError, match="cannot load base encoder"):
        Tagger.from_base(str(tmp_path / "nowhere"), LABELS, max_length=32)


def test_predict_returns_one_valid_tag_and_score_per_word(tagger):
    (prediction,) = tagger.predict([["Alice", "met", "Bob", "."]])
    assert len(prediction.tags) == len(prediction.scores) == 4
    assert all(0.0 <= value <= 1.0 for value in prediction.scores)
    assert all(tag in LABELS for tag in prediction.tags)
    assert all(not (tag == "I-per" and prev == "O") for prev, tag in pairwise(["O", *prediction.tags]))


def test_predict_handles_empty_sentences_and_long_ones(tagger):
    long = ["alice"] * 100
    empty, tagged = tagger.predict([[], long])
    assert empty.tags == []
    assert len(tagged.tags) == 100


def test_viterbi_never_starts_an_entity_with_inside():
    from nerkit.decode import viterbi
    from nerkit.labels import allowed_transitions

    start, follows = allowed_transitions(LABELS)
    probs = torch.tensor([[0.1, 0.3, 0.6], [0.2, 0.1, 0.7]])  # argmax would say I-per, I-per
    assert viterbi(probs.log(), torch.tensor(start), torch.tensor(follows)) == [1, 2]


def test_viterbi_picks_the_best_valid_path_not_the_best_word():
    from nerkit.decode import viterbi
    from nerkit.labels import allowed_transitions

    start, follows = allowed_transitions(LABELS)
    probs = torch.tensor([[0.9, 0.05, 0.05], [0.3, 0.1, 0.6]])  # O then I-per is invalid
    assert viterbi(probs.log(), torch.tensor(start), torch.tensor(follows)) == [0, 0]


def test_unconstrained_decoding_reads_a_stray_inside_as_a_start(tagger):
    prediction = tagger.decoder(torch.tensor([[0.9, 0.05, 0.05], [0.3, 0.1, 0.6]]), constrained=False)
    assert prediction.tags == ["O", "B-per"]
    assert prediction.scores == [0.9, 0.6]


@pytest.mark.parametrize("seed", range(60))
def test_viterbi_equals_the_best_allowed_sequence_found_by_brute_force(seed):
    import itertools

    import numpy as np

    from nerkit.decode import viterbi
    from nerkit.labels import allowed_transitions

    labels = ["O", "B-a", "I-a", "B-b", "I-b"]
    start, follows = (np.array(value, dtype=bool) for value in allowed_transitions(labels))
    rng = np.random.default_rng(seed)
    length = int(rng.integers(1, 5))
    log_probs = np.log(rng.dirichlet(np.full(len(labels), 0.3), size=length))

    def total(path):
        allowed = start[path[0]] and all(follows[a, b] for a, b in itertools.pairwise(path))
        return sum(log_probs[i, label] for i, label in enumerate(path)) if allowed else -np.inf

    best = max(itertools.product(range(len(labels)), repeat=length), key=total)
    assert viterbi(log_probs, start, follows) == list(best)


class _Chosen(Exception):
    pass


@pytest.mark.parametrize(("device", "expected"), [("cpu", RUN_OVERHEAD), ("cuda", FEWEST_RUNS)])
def test_batches_are_cut_at_the_cpu_s_measured_run_cost_and_kept_few_on_accelerators(
    toy_ner, monkeypatch, device, expected
):
    from nerkit import model

    chosen = []

    def record(lengths, batch_size, overhead):
        chosen.append(overhead)
        raise _Chosen

    monkeypatch.setattr(model, "inference_batches", record)
    monkeypatch.setattr(toy_ner.tagger, "device", torch.device(device))
    with pytest.raises(_Chosen):
        toy_ner.tagger.word_probabilities([["Alice", "visited", "Paris"]])
    assert chosen == [expected]


class _TwoAtOnce:
    """A model that runs batches side by side on its `side_by_side` form, which answers a batch only
    while a second one is running (run one at a time, it times out)."""

    concurrency = 2

    def __init__(self) -> None:
        self.both_running = threading.Barrier(2, timeout=10)
        self.side_by_side = self._paired

    def _paired(self, input_ids: np.ndarray, **rest: np.ndarray) -> SimpleNamespace:
        self.both_running.wait()
        return SimpleNamespace(logits=input_ids.astype(np.float32))

    def __call__(self, input_ids: np.ndarray, **rest: np.ndarray) -> SimpleNamespace:
        return SimpleNamespace(logits=-input_ids.astype(np.float32))


def _answers(tagger, count):
    tagger.model, tagger.backend = _TwoAtOnce(), "onnx"
    batches = [{"input_ids": np.full((1, 1), index + 1)} for index in range(count)]
    return [int(logits[0, 0]) for logits in tagger.logits(batches)]


def test_a_model_that_runs_batches_at_once_is_given_them_at_once_and_answers_in_order(tagger):
    assert _answers(tagger, 4) == [1, 2, 3, 4]


def test_a_lone_batch_runs_on_the_model_itself_with_all_its_threads(tagger):
    assert _answers(tagger, 1) == [-1]
