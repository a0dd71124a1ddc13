"""Base encoders by short name (nerkit.bases): resolution, and the checks on an installed download."""

import hashlib

import pytest

from nerkit import bases
from nerkit.errors import NerkitError


def test_a_short_name_not_installed_resolves_to_its_hub_name(tmp_path, monkeypatch):
    monkeypatch.setenv("NERKIT_CACHE", str(tmp_path))
    assert bases.resolve("mpnet-base") == "sentence-transformers/all-mpnet-base-v2"


def test_an_installed_short_name_resolves_to_its_directory(tmp_path, monkeypatch):
    monkeypatch.setenv("NERKIT_CACHE", str(tmp_path))
    where = tmp_path / "bases" / "mpnet-base"
    where.mkdir(parents=True)
    (where / "config.json").write_text("{}")
    assert bases.resolve("mpnet-base") == str(where)


def test_other_names_and_paths_pass_through():
    assert bases.resolve("bert-base-cased") == "bert-base-cased"


def test_installing_an_unknown_base_is_refused_with_the_names_there_are():
    with pytest.raises(NerkitError, match="mpnet-base") as refused:
        bases.install("gpt-9")
    assert refused.value.code == "E078"


def test_weights_with_another_checksum_are_refused(tmp_path):
    (tmp_path / "model.safetensors").write_bytes(b"not the weights")
    expected = bases.Base("hub/name", (), "folder", hashlib.sha256(b"the weights").hexdigest())
    with pytest.raises(NerkitError, match="SHA-256") as refused:
        bases.check(tmp_path, expected)
    assert refused.value.code == "E079"


def test_weights_with_the_recorded_checksum_pass(tmp_path):
    (tmp_path / "model.safetensors").write_bytes(b"the weights")
    bases.check(tmp_path, bases.Base("hub/name", (), "folder", hashlib.sha256(b"the weights").hexdigest()))
