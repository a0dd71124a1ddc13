import random
from itertools import pairwise

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from transformers import AutoTokenizer

from nerkit.encode import (
    FEWEST_RUNS,
    IGNORE,
    RUN_OVERHEAD,
    Encoder,
    inference_batches,
    length_grouped_batches,
    plan_windows,
    word_shape,
)


@pytest.fixture
def encoder(tiny_base):
    return Encoder(AutoTokenizer.from_pretrained(tiny_base), max_length=32)


def test_only_the_first_subword_of_each_word_is_labelled(encoder):
    (window,) = encoder.encode([["alice", "visited", "parisx"]], [[3, 0, 5]])
    tokens = encoder.tokenizer.convert_ids_to_tokens(window.input_ids)
    assert tokens[0] == "[CLS]" and tokens[-1] == "[SEP]"
    labelled = [(token, label) for token, label in zip(tokens, window.labels, strict=True) if label != IGNORE]
    assert labelled == [("alice", 3), ("visited", 0), ("paris", 5)]
    assert window.labels[0] == IGNORE and window.labels[-1] == IGNORE
    assert [tokens[position] for position in window.first_subwords] == ["alice", "visited", "paris"]


def test_special_tokens_and_continuation_subwords_get_minus_100(encoder):
    (window,) = encoder.encode([["xyz"]], [[1]])
    assert window.labels == [IGNORE, 1, IGNORE, IGNORE, IGNORE]


def test_long_sentences_become_windows_that_label_every_word_once(encoder):
    words = ["alice"] * 70
    windows = encoder.encode([words], [list(range(70))])
    assert len(windows) > 2
    assert all(len(window) <= 32 for window in windows)
    labelled = [label for window in windows for label in window.labels if label != IGNORE]
    assert labelled == list(range(70))


def test_plan_windows_keeps_a_short_sentence_whole():
    assert [(p.start, p.end, p.core_start, p.core_end) for p in plan_windows([1, 2, 1], 10)] == [(0, 3, 0, 3)]


def test_plan_windows_overlap_and_give_each_word_one_core():
    plans = plan_windows([1] * 20, budget=8, overlap=2)
    cores = [word for plan in plans for word in range(plan.core_start, plan.core_end)]
    assert cores == list(range(20))
    assert all(plan.end - plan.start <= 8 for plan in plans)
    assert all(later.start < earlier.end for earlier, later in pairwise(plans))


def test_plan_windows_clips_a_word_longer_than_the_budget():
    plans = plan_windows([1, 50, 1], budget=4, overlap=0)
    assert [(plan.core_start, plan.core_end) for plan in plans] == [(0, 1), (1, 2), (2, 3)]


def test_collate_pads_to_the_longest_window_only(encoder):
    windows = encoder.encode([["alice"], ["alice", "visited", "paris"]])
    batch = encoder.collate(windows)
    assert batch["input_ids"].shape == (2, 5)
    assert batch["attention_mask"].tolist() == [[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]]
    assert batch["labels"][0].tolist() == [IGNORE] * 5


def test_casing_feeds_word_shapes_as_token_types(tiny_base):
    encoder = Encoder(AutoTokenizer.from_pretrained(tiny_base), max_length=32, casing=True)
    batch = encoder.collate(encoder.encode([["Alice", "visited", "ACME", "."]]))
    assert batch["token_type_ids"].tolist() == [[0, 3, 2, 4, 1, 0]]


@pytest.mark.parametrize(
    ("word", "shape"),
    [("", 1), ("42", 1), (".", 1), ("paris", 2), ("Paris", 3), ("iPhone", 2), ("NATO", 4), ("A", 3)],
)
def test_word_shape(word, shape):
    assert word_shape(word) == shape


def test_length_grouped_batches_cover_every_index_once():
    lengths = [random.Random(1).randint(1, 50) for _ in range(1000)]
    batches = length_grouped_batches(lengths, 32, random.Random(0))
    assert sorted(index for batch in batches for index in batch) == list(range(1000))


def test_length_grouped_batches_hold_similar_lengths():
    rng = random.Random(1)
    lengths = [rng.randint(1, 100) for _ in range(3200)]
    batches = length_grouped_batches(lengths, 32, random.Random(0))
    spread = sum(max(lengths[i] for i in b) - min(lengths[i] for i in b) for b in batches) / len(batches)
    assert spread < 10


def test_inference_batches_are_sorted_longest_first():
    assert inference_batches([1, 5, 3, 4], 2) == [[1, 3], [2, 0]]


def _padded_cost(lengths, batches):
    return sum(RUN_OVERHEAD + len(batch) * max(lengths[index] for index in batch) for batch in batches)


@settings(max_examples=200, deadline=None)
@given(lengths=st.lists(st.integers(1, 256), max_size=300), batch_size=st.integers(1, 40))
def test_inference_batches_cover_every_window_once_and_cost_no_more_than_plain_slices(lengths, batch_size):
    batches = inference_batches(lengths, batch_size)
    assert sorted(index for batch in batches for index in batch) == list(range(len(lengths)))
    assert all(0 < len(batch) <= batch_size for batch in batches)
    longest_first = sorted(range(len(lengths)), key=lambda index: -lengths[index])
    plain = [longest_first[start : start + batch_size] for start in range(0, len(lengths), batch_size)]
    assert _padded_cost(lengths, batches) <= _padded_cost(lengths, plain)


def test_a_document_s_paragraphs_and_short_lines_go_in_separate_batches():
    lengths = [60, 55, 6, 5, 5, 4, 7, 6, 5, 3]
    assert inference_batches(lengths, 32) == [[0, 1], [6, 2, 7, 3, 4, 8, 5, 9]]


def test_windows_of_one_length_fill_as_few_batches_as_the_batch_size_allows():
    assert len(inference_batches([12] * 70, 32)) == 3


@settings(max_examples=100, deadline=None)
@given(lengths=st.lists(st.integers(1, 512), min_size=1, max_size=200), batch_size=st.integers(1, 40))
def test_with_the_accelerators_run_cost_batches_are_as_few_as_the_batch_size_allows(lengths, batch_size):
    batches = inference_batches(lengths, batch_size, FEWEST_RUNS)
    assert len(batches) == -(-len(lengths) // batch_size)


@pytest.fixture
def context_encoder(tiny_base):
    return Encoder(AutoTokenizer.from_pretrained(tiny_base), max_length=32, context=3)


def tokens_and_labels(encoder, window):
    tokens = encoder.tokenizer.convert_ids_to_tokens(window.input_ids)
    return list(zip(tokens, window.labels, strict=True))


def test_document_context_flanks_a_sentence_without_labels(context_encoder):
    (window,) = context_encoder.encode([["alice"]], [[7]], [(["bob", "met"], ["in", "paris"])])
    assert tokens_and_labels(context_encoder, window) == [
        ("[CLS]", IGNORE),
        ("bob", IGNORE),
        ("met", IGNORE),
        ("alice", 7),
        ("in", IGNORE),
        ("paris", IGNORE),
        ("[SEP]", IGNORE),
    ]
    assert window.first_subwords == [3]


def test_document_context_takes_whole_words_nearest_the_sentence(context_encoder):
    (window,) = context_encoder.encode([["alice"]], None, [(["the", "bob", "met", "xy"], [])])
    tokens = context_encoder.tokenizer.convert_ids_to_tokens(window.input_ids)
    assert tokens == ["[CLS]", "met", "x", "##y", "alice", "[SEP]"]


def test_document_context_is_unused_without_a_context_budget(encoder):
    alone = encoder.encode([["alice", "met", "bob"]])
    flanked = encoder.encode([["alice", "met", "bob"]], None, [(["paris"], ["london"])])
    assert flanked == alone


def test_document_context_only_fills_the_room_the_sentence_leaves(tiny_base):
    encoder = Encoder(AutoTokenizer.from_pretrained(tiny_base), max_length=8, context=10)
    (window,) = encoder.encode([["alice", "met", "bob"]], None, [(["paris", "in"], ["on", "monday"])])
    tokens = encoder.tokenizer.convert_ids_to_tokens(window.input_ids)
    assert len(window) <= 8
    assert tokens == ["[CLS]", "in", "alice", "met", "bob", "on", "monday", "[SEP]"]


def test_sentences_cut_into_windows_get_no_document_context(context_encoder):
    windows = context_encoder.encode([["alice"] * 70], None, [(["bob"], ["carol"])])
    tokenizer = context_encoder.tokenizer
    tokens = {token for window in windows for token in tokenizer.convert_ids_to_tokens(window.input_ids)}
    assert "bob" not in tokens and "carol" not in tokens


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(st.text(min_size=1, max_size=8), min_size=1, max_size=6), min_size=1, max_size=4))
def test_subwords_are_what_the_transformers_tokenizer_gives(encoder, sentences):
    expected = encoder.tokenizer(sentences, is_split_into_words=True, add_special_tokens=False)
    for index, pieces in enumerate(encoder._pieces(sentences)):
        by_word: list[list[int]] = [[] for _ in sentences[index]]
        for token, word in zip(expected["input_ids"][index], expected.word_ids(index), strict=True):
            by_word[word].append(token)
        unknown = [encoder.tokenizer.unk_token_id]
        assert pieces == [piece or unknown for piece in by_word]


def test_a_tokenizer_that_asks_for_truncation_and_padding_gets_neither(tiny_base):
    from transformers import AutoTokenizer

    words = [["alice", "visited", "paris", "today", "again"]]
    plain = Encoder(AutoTokenizer.from_pretrained(tiny_base), max_length=64)._pieces(words)
    tokenizer = AutoTokenizer.from_pretrained(tiny_base)
    tokenizer.backend_tokenizer.enable_truncation(max_length=3)
    tokenizer.backend_tokenizer.enable_padding(length=40)
    assert Encoder(tokenizer, max_length=64)._pieces(words) == plain


def test_a_model_folder_s_own_tokenizer_files_encode_as_transformers_does(tiny_base):
    from nerkit.encode import Subwords

    sentences = [["Alice", "visited", "Parisx", "\x07", "."], ["bob"] * 40]
    expected = Encoder(AutoTokenizer.from_pretrained(tiny_base), max_length=32, casing=True)
    read = Encoder(Subwords.from_folder(tiny_base), max_length=32, casing=True)
    assert read.encode(sentences) == expected.encode(sentences)
    assert (read.pad_id, read.unknown, read.prefix, read.suffix) == (
        expected.pad_id,
        expected.unknown,
        expected.prefix,
        expected.suffix,
    )


def _byte_level_folder(folder):
    import json

    from tokenizers import Tokenizer, models, pre_tokenizers, trainers

    tokenizer = Tokenizer(models.BPE(unk_token="<unk>"))
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    trainer = trainers.BpeTrainer(special_tokens=["<pad>", "<unk>"], vocab_size=300)
    tokenizer.train_from_iterator(["hello world", "say hello"], trainer)
    tokenizer.save(str(folder / "tokenizer.json"))
    (folder / "tokenizer_config.json").write_text(json.dumps({"pad_token": "<pad>", "unk_token": "<unk>"}))
    return folder


def test_byte_level_words_read_as_after_a_space_where_the_model_type_asks(tmp_path):
    from nerkit.encode import Subwords

    folder = _byte_level_folder(tmp_path)
    spaced = Subwords.from_folder(folder, prefix_space=True).backend
    plain = Subwords.from_folder(folder).backend
    assert spaced.encode(["hello"], is_pretokenized=True).tokens[0].startswith("Ġ")
    assert not plain.encode(["hello"], is_pretokenized=True).tokens[0].startswith("Ġ")


def test_a_folder_s_padding_and_unknown_tokens_come_from_its_config(tmp_path):
    from nerkit.encode import Subwords

    subwords = Subwords.from_folder(_byte_level_folder(tmp_path))
    assert (subwords.pad_id, subwords.unknown_id) == (0, 1)


def test_a_folder_without_tokenizer_files_is_refused_with_its_path(tmp_path):
    from nerkit.encode import Subwords
    from nerkit.errors import NerkitError

    with pytest.raises(NerkitError, match=r"E023.*tokenizer"):
        Subwords.from_folder(tmp_path)
