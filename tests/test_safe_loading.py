"""Loading never runs code from a model directory and never accepts a directory that changed after it was
written: weights come from safetensors and are checked against the checksums saved beside them."""

import contextlib
import json
import multiprocessing
import os
import shutil
import signal
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from nerkit.errors import NerkitError
from nerkit.files import atomic_directory, previous_path
from nerkit.model import Tagger
from nerkit.ner import NER


@pytest.fixture
def model_dir(toy_ner, tmp_path) -> Path:
    return toy_ner.tagger.save(tmp_path / "model", toy_ner.metadata)


def _pickle_only(model_dir: Path) -> Path:
    torch.save(load_file(model_dir / "model.safetensors"), model_dir / "pytorch_model.bin")
    (model_dir / "model.safetensors").unlink()
    metadata = json.loads((model_dir / "nerkit.json").read_text())
    del metadata["checksums"]
    (model_dir / "nerkit.json").write_text(json.dumps(metadata))
    return model_dir


def test_saved_model_records_the_weights_checksum(model_dir):
    metadata = json.loads((model_dir / "nerkit.json").read_text())
    assert set(metadata["checksums"]) == {"model.safetensors", "word_shapes.safetensors"}
    assert len(metadata["checksums"]["model.safetensors"]) == 64


def test_truncated_weights_are_refused_naming_the_file(model_dir):
    weights = model_dir / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[: weights.stat().st_size // 2])
    with pytest.raises(NerkitError, match=r"E026.*model.safetensors does not match"):
        Tagger.load(model_dir)


def test_pickle_only_directory_is_refused_by_default(model_dir):
    with pytest.raises(NerkitError, match=r"E022.*--allow-pickle"):
        NER.load(_pickle_only(model_dir))


def test_pickle_weights_load_when_explicitly_allowed(model_dir, toy_ner):
    ner = NER.load(_pickle_only(model_dir), allow_pickle=True)
    text = "Alice visited Paris on Monday."
    assert ner.extract(text) == toy_ner.extract(text)


def test_remote_code_in_a_model_directory_is_never_imported(model_dir, tmp_path):
    marker = tmp_path / "code-ran"
    (model_dir / "evil.py").write_text(f"open({str(marker)!r}, 'w').write('x')\n")
    config = json.loads((model_dir / "config.json").read_text())
    config["auto_map"] = {"AutoModelForTokenClassification": "evil.EvilModel"}
    (model_dir / "config.json").write_text(json.dumps(config))
    with contextlib.suppress(NerkitError):
        Tagger.load(model_dir)
    assert not marker.exists()


def _die_inside_a_save(path: str) -> None:
    with atomic_directory(Path(path)) as temporary:
        (temporary / "model.safetensors").write_bytes(b"half a file")
        os.kill(os.getpid(), signal.SIGKILL)


def test_a_kill_during_a_save_leaves_the_previous_model_intact(model_dir, toy_ner):
    child = multiprocessing.get_context("spawn").Process(target=_die_inside_a_save, args=(str(model_dir),))
    child.start()
    child.join(60)
    assert child.exitcode == -signal.SIGKILL
    text = "Bob works at Acme in London."
    assert NER.load(model_dir).extract(text) == toy_ner.extract(text)


def test_a_save_cut_between_its_renames_says_where_the_previous_model_is(model_dir):
    shutil.move(model_dir, previous_path(model_dir))
    with pytest.raises(NerkitError, match=r"E025.*interrupted") as error:
        Tagger.load(model_dir)
    assert str(previous_path(model_dir)) in str(error.value)
