"""Learned transition scores (CRF): the loss is the exact sequence likelihood, decoding finds the best
path under them, and a model trained with them keeps them through save, load and ONNX."""

import itertools
import json

import numpy as np
import pytest
import torch
from conftest import FAST, make_toy_corpus
from safetensors import safe_open

from nerkit.decode import TransitionScores, marginals, marginals_batch, viterbi, viterbi_batch
from nerkit.encode import IGNORE
from nerkit.errors import NerkitError
from nerkit.labels import allowed_transitions
from nerkit.model import Tagger
from nerkit.network import Transitions, word_rows
from nerkit.train import TrainConfig, train

LABELS = ["O", "B-a", "I-a", "B-b", "I-b"]


def random_transitions(seed: int) -> Transitions:
    transitions = Transitions(LABELS)
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for parameter in transitions.parameters():
            parameter.copy_(torch.randn(parameter.shape, generator=generator))
    return transitions


def path_score(transitions: Transitions, emissions: torch.Tensor, path) -> torch.Tensor:
    start, scores, end = transitions.constrained()
    total = start[path[0]] + end[path[-1]] + sum(emissions[i, label] for i, label in enumerate(path))
    return total + sum(scores[a, b] for a, b in itertools.pairwise(path))


@pytest.mark.parametrize("seed", range(8))
def test_nll_is_the_log_partition_minus_the_gold_path_score(seed):
    transitions = random_transitions(seed)
    length = 1 + seed % 4
    emissions = torch.randn(length, len(LABELS), generator=torch.Generator().manual_seed(100 + seed))
    gold = [1, 2, 0, 3][:length]
    everything = [
        path_score(transitions, emissions, path) for path in itertools.product(range(5), repeat=length)
    ]
    expected = torch.logsumexp(torch.stack(everything), 0) - path_score(transitions, emissions, gold)
    loss = transitions.nll(emissions[None], torch.tensor([gold]), torch.ones(1, length, dtype=torch.bool))
    assert loss.item() == pytest.approx(expected.item(), abs=1e-4)


def test_nll_ignores_padding_after_the_last_word():
    transitions = random_transitions(1)
    emissions = torch.randn(1, 5, len(LABELS))
    tags = torch.tensor([[1, 2, 0, 0, 0]])
    short = transitions.nll(emissions[:, :3], tags[:, :3], torch.ones(1, 3, dtype=torch.bool))
    padded = transitions.nll(emissions, tags, torch.tensor([[True, True, True, False, False]]))
    assert padded.item() == pytest.approx(short.item(), abs=1e-5)


def test_nll_puts_no_weight_on_a_forbidden_gold_path():
    transitions = Transitions(LABELS)
    emissions = torch.zeros(1, 2, len(LABELS))
    allowed = transitions.nll(emissions, torch.tensor([[1, 2]]), torch.ones(1, 2, dtype=torch.bool))
    forbidden = transitions.nll(emissions, torch.tensor([[0, 2]]), torch.ones(1, 2, dtype=torch.bool))
    assert forbidden.item() > allowed.item() + 1000


def test_word_rows_pack_each_window_s_labelled_positions_to_the_left():
    logits = torch.arange(2 * 5 * 2, dtype=torch.float32).reshape(2, 5, 2)
    labels = torch.tensor([[IGNORE, 1, IGNORE, 2, IGNORE], [IGNORE, 3, 4, 0, IGNORE]])
    emissions, tags, mask = word_rows(logits, labels)
    assert tags[mask].tolist() == [1, 2, 3, 4, 0]
    assert mask.tolist() == [[True, True, False], [True, True, True]]
    assert emissions[0, 1].tolist() == logits[0, 3].tolist()
    assert emissions[1, 2].tolist() == logits[1, 3].tolist()


class Lattice:
    """A random sentence of 1-4 words over LABELS with random learned scores, and every label path's
    total score (minus infinity where IOB2 forbids it): the brute force both decoders must match."""

    def __init__(self, seed: int):
        rng = np.random.default_rng(seed)
        self.start, self.follows = (np.array(value, dtype=bool) for value in allowed_transitions(LABELS))
        self.emissions = rng.normal(size=(int(rng.integers(1, 5)), len(LABELS)))
        size = len(LABELS)
        self.learned = (rng.normal(size=size), rng.normal(size=(size, size)) * 3, rng.normal(size=size))

    def paths(self):
        return itertools.product(range(len(LABELS)), repeat=len(self.emissions))

    def total(self, path) -> float:
        pairs = list(itertools.pairwise(path))
        if not self.start[path[0]] or not all(self.follows[a, b] for a, b in pairs):
            return -np.inf
        begin, between, end = self.learned
        moves = sum(between[a, b] for a, b in pairs)
        return begin[path[0]] + end[path[-1]] + moves + sum(self.emissions[i, t] for i, t in enumerate(path))


@pytest.mark.parametrize("seed", range(30))
def test_viterbi_with_learned_scores_equals_brute_force(seed):
    lattice = Lattice(seed)
    best = max(lattice.paths(), key=lattice.total)
    assert viterbi(lattice.emissions, lattice.start, lattice.follows, lattice.learned) == list(best)


@pytest.mark.parametrize("seed", range(20))
def test_marginals_equal_brute_force_path_probabilities(seed):
    lattice = Lattice(seed)
    expected = np.zeros(lattice.emissions.shape)
    for path in lattice.paths():
        expected[np.arange(len(path)), path] += np.exp(lattice.total(path))
    found = marginals(lattice.emissions, lattice.start, lattice.follows, lattice.learned)
    assert np.allclose(found, expected / expected[0].sum())


@pytest.mark.parametrize("learned", [True, False])
def test_a_batch_of_sentences_of_different_lengths_decodes_each_as_the_brute_force_does(learned):
    lattices = [Lattice(seed) for seed in range(12)]
    assert len({len(lattice.emissions) for lattice in lattices}) > 1
    scores = lattices[0].learned if learned else tuple(np.zeros_like(a) for a in lattices[0].learned)
    for lattice in lattices:
        lattice.learned = scores
    emissions = [lattice.emissions for lattice in lattices]
    found = viterbi_batch(emissions, lattices[0].start, lattices[0].follows, scores if learned else None)
    for lattice, path in zip(lattices, found, strict=True):
        assert lattice.total(path) == max(lattice.total(other) for other in lattice.paths())


def test_a_sentence_s_marginals_do_not_depend_on_the_rest_of_its_batch():
    lattices = [Lattice(seed) for seed in range(12)]
    start, follows, learned = lattices[0].start, lattices[0].follows, lattices[0].learned
    alone = [marginals_batch([lattice.emissions], start, follows, learned)[0] for lattice in lattices]
    together = marginals_batch([lattice.emissions for lattice in lattices], start, follows, learned)
    assert all((a == b).all() for a, b in zip(alone, together, strict=True))


def test_an_empty_sentence_in_a_batch_decodes_to_nothing():
    lattice = Lattice(0)
    empty = np.zeros((0, len(LABELS)))
    paths = viterbi_batch([empty, lattice.emissions], lattice.start, lattice.follows, lattice.learned)
    assert paths[0] == [] and len(paths[1]) == len(lattice.emissions)


def test_learned_scores_can_overrule_each_word_s_best_label():
    start, follows = (np.array(value, dtype=bool) for value in allowed_transitions(LABELS))
    emissions = np.log(np.array([[0.08, 0.8, 0.02, 0.08, 0.02], [0.12, 0.04, 0.02, 0.8, 0.02]]))
    scores = np.zeros((5, 5))
    scores[1, 3] = -10.0  # B-a is never followed by B-b
    assert viterbi(emissions, start, follows) == [1, 3]
    assert viterbi(emissions, start, follows, (np.zeros(5), scores, np.zeros(5))) == [1, 0]


@pytest.fixture(scope="module")
def crf_model(tiny_base, tmp_path_factory):
    out = tmp_path_factory.mktemp("crf") / "model"
    return train(make_toy_corpus(), out, TrainConfig(base=tiny_base, **FAST, crf=True), progress=False)


def test_a_crf_model_learns_the_task(crf_model):
    assert crf_model.test is not None and crf_model.test.micro.f1 > 0.7


def test_a_crf_model_scores_words_by_their_marginal_probability(crf_model):
    tagger = Tagger.load(crf_model.path)
    probabilities = tagger.word_probabilities([["Anna", "visited", "Paris", "today"]])[0]
    constraints = (np.array(value, dtype=bool) for value in allowed_transitions(tagger.labels))
    expected = marginals(
        np.log(probabilities.astype(np.float64)), *constraints, tagger.decoder.transitions.arrays()
    )
    prediction = tagger.decoder(probabilities)
    chosen = [tagger.labels.index(tag) for tag in prediction.tags]
    assert prediction.scores == pytest.approx(expected[np.arange(4), chosen].tolist(), abs=1e-6)
    assert prediction.scores != pytest.approx(probabilities[np.arange(4), chosen].tolist(), abs=1e-3)


def test_transition_scores_live_in_the_metadata_not_the_weights(crf_model):
    metadata = json.loads((crf_model.path / "nerkit.json").read_text())
    assert metadata["hyperparameters"]["crf"] is True
    size = len(metadata["labels"])
    assert len(metadata["transitions"]["scores"]) == size
    assert any(value != 0 for row in metadata["transitions"]["scores"] for value in row)
    with safe_open(crf_model.path / "model.safetensors", "pt") as weights:
        names = list(weights.keys())
    assert names and not [name for name in names if name.startswith("crf.")]


def test_a_loaded_crf_model_decodes_with_its_scores(crf_model):
    tagger = Tagger.load(crf_model.path)
    saved = json.loads((crf_model.path / "nerkit.json").read_text())["transitions"]
    assert tagger.decoder.transitions is not None
    assert np.allclose(tagger.decoder.transitions.arrays()[1], np.array(saved["scores"]), atol=1e-6)


def test_the_onnx_backend_keeps_the_transition_scores(crf_model, tmp_path):
    import shutil

    copy = shutil.copytree(crf_model.path, tmp_path / "model")
    Tagger.load(copy, backend="torch").export_onnx(copy)
    torch_tags = Tagger.load(copy, backend="torch").predict([["Alice", "visited", "Paris"]])[0].tags
    onnx = Tagger.load(copy, backend="onnx")
    assert onnx.decoder.transitions is not None
    assert onnx.predict([["Alice", "visited", "Paris"]])[0].tags == torch_tags


def test_transition_scores_of_the_wrong_size_are_refused():
    with pytest.raises(NerkitError, match=r"E027.*do not fit its 5 labels"):
        TransitionScores.from_json(LABELS, {"start": [0.0] * 3, "scores": [[0.0] * 3] * 3, "end": [0.0] * 3})
