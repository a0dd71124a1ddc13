"""The ONNX Runtime backend answers through the same API as PyTorch, with the same entities."""

import json
import shutil

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nerkit.errors import NerkitError
from nerkit.ner import NER

TEXTS = ["Alice visited Paris on Monday.", "Bob works at Acme in London.", "", "Carol met Bob in Berlin ."]


@pytest.fixture(scope="module")
def exported(toy_ner, tmp_path_factory):
    directory = toy_ner.tagger.save(tmp_path_factory.mktemp("onnx") / "toy", toy_ner.metadata)
    calibration = [text.split() for text in TEXTS if text] * 4
    toy_ner.tagger.__class__.load(directory).export_onnx(directory, quantize="int8", calibration=calibration)
    return directory


def test_export_writes_fp32_and_int8_models_with_checksums(exported):
    checksums = json.loads((exported / "nerkit.json").read_text())["checksums"]
    assert set(checksums) == {"model.safetensors", "word_shapes.safetensors", "model.onnx", "model.int8.onnx"}
    assert (exported / "model.int8.onnx").stat().st_size < (exported / "model.onnx").stat().st_size


def test_onnx_fp32_finds_what_pytorch_finds(exported):
    torch_ner = NER.load(exported, backend="torch", recognizers=[])
    onnx_ner = NER.load(exported, backend="onnx", recognizers=[])
    assert onnx_ner.tagger.backend == "onnx"
    expected = torch_ner.extract_batch(TEXTS)
    actual = onnx_ner.extract_batch(TEXTS)
    assert [[(e.start, e.end, e.label) for e in found] for found in actual] == [
        [(e.start, e.end, e.label) for e in found] for found in expected
    ]
    assert all(
        abs(a.score - b.score) < 1e-3
        for x, y in zip(actual, expected, strict=True)
        for a, b in zip(x, y, strict=True)
    )


def test_int8_model_loads_and_tags(exported):
    ner = NER.load(exported, backend="onnx-int8", recognizers=[])
    assert ner.tagger.backend == "onnx-int8"
    assert len(ner.extract_batch(TEXTS)) == len(TEXTS)


def test_auto_prefers_pytorch_then_int8_then_fp32(exported, tmp_path):
    assert NER.load(exported).tagger.backend == "torch"
    onnx_only = shutil.copytree(exported, tmp_path / "onnx-only")
    (onnx_only / "model.safetensors").unlink()
    assert NER.load(onnx_only).tagger.backend == "onnx-int8"
    (onnx_only / "model.int8.onnx").unlink()
    assert NER.load(onnx_only).tagger.backend == "onnx"


def test_asking_for_a_backend_that_was_not_exported_says_how_to_export(toy_ner, tmp_path):
    directory = toy_ner.tagger.save(tmp_path / "plain", toy_ner.metadata)
    with pytest.raises(NerkitError, match=r"E067.*nerkit export .* --onnx --quantize int8 --calibrate"):
        NER.load(directory, backend="onnx-int8")


def test_a_corrupt_onnx_file_is_refused_by_checksum(exported, tmp_path):
    copy = shutil.copytree(exported, tmp_path / "corrupt")
    (copy / "model.onnx").write_bytes(b"not a model")
    with pytest.raises(NerkitError, match=r"E026.*model.onnx"):
        NER.load(copy, backend="onnx")


def test_int8_export_without_calibration_sentences_is_refused(toy_ner, tmp_path):
    directory = toy_ner.tagger.save(tmp_path / "plain", toy_ner.metadata)
    with pytest.raises(NerkitError, match="E077"):
        toy_ner.tagger.__class__.load(directory).export_onnx(directory, quantize="int8")


SENTENCES = [text.split() for text in TEXTS if text] + [["Dana", "and", "Eve", "met", "in", "Rome", "."] * 3]


@settings(max_examples=25, deadline=None)
@given(order=st.permutations(range(len(SENTENCES))), batch_size=st.integers(1, 4))
def test_int8_probabilities_do_not_depend_on_batch_order_or_size(exported, order, batch_size):
    tagger = NER.load(exported, backend="onnx-int8", recognizers=[]).tagger
    alone = [tagger.word_probabilities([sentence], batch_size=1)[0] for sentence in SENTENCES]
    batched = tagger.word_probabilities([SENTENCES[i] for i in order], batch_size=batch_size)
    for position, index in enumerate(order):
        assert abs(batched[position] - alone[index]).max() <= 1e-6


def test_the_matmuls_kept_fp32_when_int8_disagrees_are_the_feed_forward_outputs(exported):
    from nerkit.onnx_model import _after_gelu

    names = _after_gelu(exported / "model.onnx")
    assert len(names) == 2 and all("layer." in name and "/output/dense/" in name for name in names)


def _dequantized_inputs(path, names):
    neighbours = _matmul_neighbours(path)
    return [neighbours[name][0][0] == "DequantizeLinear" for name in names]


def test_when_int8_disagrees_with_fp32_the_feed_forward_outputs_stay_fp32(exported, tmp_path, monkeypatch):
    import shutil

    from nerkit import onnx_model
    from nerkit.model import Tagger

    names = onnx_model._after_gelu(exported / "model.onnx")
    assert _dequantized_inputs(exported / "model.int8.onnx", names) == [True, True]
    directory = shutil.copytree(exported, tmp_path / "strict")
    monkeypatch.setattr(onnx_model, "AGREEMENT", 1.01)  # no int8 model agrees that well: fall back
    calibration = [text.split() for text in TEXTS if text] * 4
    Tagger.load(directory, backend="torch").export_onnx(directory, quantize="int8", calibration=calibration)
    assert _dequantized_inputs(directory / "model.int8.onnx", names) == [False, False]


def test_onnx_runtime_threads_sleep_between_operators_instead_of_spinning(exported):
    session = NER.load(exported, backend="onnx-int8", recognizers=[]).tagger.model.session
    options = session.get_session_options()
    assert options.get_session_config_entry("session.intra_op.allow_spinning") == "0"


def test_onnx_runtime_runs_a_lone_batch_on_its_threads_and_batches_side_by_side_on_one_each(exported):
    model = NER.load(exported, backend="onnx-int8", recognizers=[], threads=3).tagger.model
    side_by_side = model.side_by_side
    assert [model.concurrency, side_by_side.concurrency] == [3, 1]
    threads = [each.session.get_session_options().intra_op_num_threads for each in (model, side_by_side)]
    assert threads == [3, 1]


def test_batches_run_at_once_give_the_probabilities_of_batches_run_one_by_one(exported):
    words = [text.split() for text in TEXTS if text] * 5
    alone = NER.load(exported, backend="onnx-int8", recognizers=[], threads=1).tagger
    together = NER.load(exported, backend="onnx-int8", recognizers=[], threads=2).tagger
    expected = alone.word_probabilities(words, batch_size=2)
    found = together.word_probabilities(words, batch_size=2)
    assert all(np.array_equal(a, b) for a, b in zip(expected, found, strict=True))


def test_the_bf16_backend_tags_with_the_pytorch_weights_in_bfloat16(exported):
    fp32 = NER.load(exported, backend="torch", recognizers=[])
    bf16 = NER.load(exported, backend="torch-bf16", recognizers=[])
    assert bf16.tagger.backend == "torch-bf16"
    words = [text.split() for text in TEXTS if text]
    exact = fp32.tagger.word_probabilities(words)
    rounded = bf16.tagger.word_probabilities(words)
    differences = [abs(a - b).max() for a, b in zip(exact, rounded, strict=True)]
    assert 0 < max(differences) < 0.05


def test_the_bf16_backend_needs_the_pytorch_weights(exported, tmp_path):
    onnx_only = shutil.copytree(exported, tmp_path / "onnx-only")
    (onnx_only / "model.safetensors").unlink()
    with pytest.raises(NerkitError, match="E022"):
        NER.load(onnx_only, backend="torch-bf16")


def test_the_fp32_backend_leaves_a_caller_s_bf16_autocast_on(exported):
    """A training run with --bf16 evaluates and teaches inside its own autocast."""
    import torch

    fp32 = NER.load(exported, backend="torch", recognizers=[])
    words = [text.split() for text in TEXTS if text]
    exact = fp32.tagger.word_probabilities(words)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        rounded = fp32.tagger.word_probabilities(words)
    assert max(abs(a - b).max() for a, b in zip(exact, rounded, strict=True)) > 0


def _matmul_neighbours(path):
    """Each MatMul's name: the kinds of operator that make its inputs and that read its output."""
    import onnx

    graph = onnx.load(str(path)).graph
    producer = {output: node.op_type for node in graph.node for output in node.output}
    readers: dict[str, list[str]] = {}
    for node in graph.node:
        for name in node.input:
            readers.setdefault(name, []).append(node.op_type)
    return {
        node.name: ([producer.get(name) for name in node.input], readers.get(node.output[0], []))
        for node in graph.node
        if node.op_type == "MatMul"
    }


def test_int8_quantises_each_matmul_s_inputs_and_leaves_its_output_in_fp32(exported):
    neighbours = _matmul_neighbours(exported / "model.int8.onnx").values()
    assert neighbours and all(inputs == ["DequantizeLinear", "DequantizeLinear"] for inputs, _ in neighbours)
    assert not any("QuantizeLinear" in readers for _, readers in neighbours)


def test_the_script_for_older_int8_files_gives_what_export_writes_now(exported, tmp_path, monkeypatch):
    import importlib.util
    from pathlib import Path

    import numpy as np
    import onnxruntime

    from nerkit import onnx_model
    from nerkit.model import Tagger

    script = Path(__file__).parents[1] / "scripts" / "float_matmul_outputs.py"
    spec = importlib.util.spec_from_file_location("float_matmul_outputs", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    older = shutil.copytree(exported, tmp_path / "older")
    monkeypatch.setattr(onnx_model, "FLOAT_OUTPUTS", [])
    calibration = [text.split() for text in TEXTS if text] * 4
    Tagger.load(older, backend="torch").export_onnx(older, quantize="int8", calibration=calibration)
    assert any(
        "QuantizeLinear" in readers for _, readers in _matmul_neighbours(older / "model.int8.onnx").values()
    )
    monkeypatch.setattr("sys.argv", ["float_matmul_outputs.py", str(older)])
    module.main()
    feed = {
        "input_ids": np.array([[2, 10, 11, 12, 3]]),
        "attention_mask": np.ones((1, 5), dtype=np.int64),
        "token_type_ids": np.array([[0, 1, 2, 1, 0]]),
    }
    logits = [
        onnxruntime.InferenceSession(str(d / "model.int8.onnx")).run(["logits"], feed)[0]
        for d in (older, exported)
    ]
    assert np.array_equal(*logits)
    assert NER.load(older, backend="onnx-int8", recognizers=[]).tagger.backend == "onnx-int8"
