"""Crash-safe training: a run killed with SIGKILL and resumed ends exactly where an uninterrupted run
ends; checkpoints and model directories refuse to load when they are not what was written."""

import json
import os
import signal
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import make_sentences
from safetensors.torch import load_file

from nerkit.corpus import write_file
from nerkit.errors import NerkitError
from nerkit.train import TrainConfig
from nerkit.train.checkpoint import checkpoint_path, targets_path

SETTINGS = """
epochs = 3
batch_size = 4
learning_rate = 3e-3
warmup_ratio = 0.1
max_length = 32
checkpoint_steps = 2
"""

KILLED_RUN = """
import os, signal, sys
import nerkit
from nerkit.train import TrainConfig

folder, base, kill_at = sys.argv[1], sys.argv[2], int(sys.argv[3])
corpus = nerkit.read_corpus(train=f"{folder}/train.conll", validation=f"{folder}/dev.conll")
config = TrainConfig.from_file(f"{folder}/settings.toml", base=base)

def kill(progress):
    if progress.global_step == kill_at:
        os.kill(os.getpid(), signal.SIGKILL)

nerkit.train(corpus, f"{folder}/killed", config, progress=False, on_step=kill)
"""


def _environment() -> dict[str, str]:
    return {**os.environ, "OMP_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false"}


def _cli_train(folder: Path, base: str, out: str, *extra: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "nerkit", "train", "--train", str(folder / "train.conll")]
    command += ["--validation", str(folder / "dev.conll"), "--config", str(folder / "settings.toml")]
    command += ["--base", base, "--out", str(folder / out), "--quiet", "--threads", "1", *extra]
    return subprocess.run(command, capture_output=True, text=True, env=_environment(), timeout=300)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory, tiny_base: str) -> Path:
    folder = tmp_path_factory.mktemp("resume")
    sentences = make_sentences()
    write_file(sentences[:40], folder / "train.conll")
    write_file(sentences[30:], folder / "dev.conll")
    (folder / "settings.toml").write_text(SETTINGS)
    (folder / "killed.py").write_text(KILLED_RUN)
    finished = _cli_train(folder, tiny_base, "uninterrupted")
    assert finished.returncode == 0, finished.stderr
    return folder


def _history_without_times(model: Path) -> list[dict[str, float]]:
    metadata = json.loads((model / "nerkit.json").read_text())
    return [{k: v for k, v in epoch.items() if k != "seconds"} for epoch in metadata["history"]]


def test_sigkilled_run_resumes_to_the_same_weights_and_scores(workdir, tiny_base):
    kill_at = 13  # epoch 2 of 3, step 3 of 10; the last checkpoint was at step 12
    killed = subprocess.run(
        [sys.executable, str(workdir / "killed.py"), str(workdir), tiny_base, str(kill_at)],
        capture_output=True,
        text=True,
        env=_environment(),
        timeout=300,
    )
    assert killed.returncode == -signal.SIGKILL
    checkpoint = json.loads((checkpoint_path(workdir / "killed") / "state.json").read_text())
    assert checkpoint["position"]["global_step"] == 12

    resumed = _cli_train(workdir, tiny_base, "killed", "--resume")

    assert resumed.returncode == 0, resumed.stderr
    expected, actual = (
        load_file(workdir / "uninterrupted/model.safetensors"),
        load_file(workdir / "killed/model.safetensors"),
    )
    assert expected.keys() == actual.keys()
    assert all((expected[name] == actual[name]).all() for name in expected)
    assert _history_without_times(workdir / "killed") == _history_without_times(workdir / "uninterrupted")
    assert not checkpoint_path(workdir / "killed").exists()


def test_finished_run_leaves_no_checkpoint_behind(workdir):
    assert (workdir / "uninterrupted/model.safetensors").is_file()
    assert not checkpoint_path(workdir / "uninterrupted").exists()


def test_resume_without_a_checkpoint_is_a_one_line_error(workdir, tiny_base):
    from typer.testing import CliRunner

    from nerkit.cli import app

    arguments = ["train", "--train", str(workdir / "train.conll"), "--validation", str(workdir / "dev.conll")]
    arguments += ["--base", tiny_base, "--out", str(workdir / "never-started"), "--resume", "--quiet"]
    result = CliRunner().invoke(app, arguments)
    assert result.exit_code == 1
    assert result.stderr.strip().count("\n") == 0
    assert "[E033]" in result.stderr and "start without --resume" in result.stderr


def _interrupted(corpus, out, config: TrainConfig, at_step: int) -> None:
    """Start a run and stop it with Ctrl-C after step `at_step`, leaving its checkpoint behind."""
    from nerkit.train import train

    def stop(progress):
        if progress.global_step == at_step:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train(corpus, out, config, on_step=stop, progress=False)


def test_resume_with_other_settings_is_refused(toy_corpus, tiny_base, tmp_path):
    from nerkit.train import train

    config = TrainConfig(
        base=tiny_base, epochs=2, batch_size=4, max_length=32, learning_rate=3e-3, checkpoint_steps=1
    )

    _interrupted(toy_corpus, tmp_path / "m", config, at_step=3)
    with pytest.raises(NerkitError, match=r"E035.*learning_rate=0.003"):
        train(toy_corpus, tmp_path / "m", replace(config, learning_rate=1e-3), resume=True, progress=False)


def test_corrupt_checkpoint_is_refused_with_its_checksum(toy_corpus, tiny_base, tmp_path):
    from nerkit.train import train

    config = TrainConfig(base=tiny_base, epochs=2, batch_size=4, max_length=32, checkpoint_steps=1)

    _interrupted(toy_corpus, tmp_path / "m", config, at_step=2)
    tensors = checkpoint_path(tmp_path / "m") / "state.safetensors"
    tensors.write_bytes(tensors.read_bytes()[:-100])
    with pytest.raises(NerkitError, match=r"E026.*state.safetensors does not match"):
        train(toy_corpus, tmp_path / "m", config, resume=True, progress=False)


def test_a_distillation_run_resumes_with_the_same_teachers(toy_corpus, tiny_base, tmp_path):
    from nerkit.train import train

    tiny = {"base": tiny_base, "batch_size": 4, "max_length": 32, "learning_rate": 3e-3}
    teacher = train(toy_corpus, tmp_path / "t", TrainConfig(**tiny, epochs=1), progress=False).path
    config = TrainConfig(**tiny, epochs=2, checkpoint_steps=1, teachers=(str(teacher),))

    _interrupted(toy_corpus, tmp_path / "s", config, at_step=2)
    resumed = train(toy_corpus, tmp_path / "s", config, resume=True, progress=False)
    assert [entry["epoch"] for entry in resumed.history] == [1, 2]


def test_a_resumed_distillation_run_reads_the_teachers_targets_instead_of_running_them(
    toy_corpus, tiny_base, tmp_path
):
    import shutil

    from nerkit.train import train

    tiny = {"base": tiny_base, "batch_size": 4, "max_length": 32, "learning_rate": 3e-3}
    teacher = train(toy_corpus, tmp_path / "t", TrainConfig(**tiny, epochs=1), progress=False).path
    config = TrainConfig(**tiny, epochs=2, checkpoint_steps=1, teachers=(str(teacher),))
    uninterrupted = train(toy_corpus, tmp_path / "u", config, progress=False)

    _interrupted(toy_corpus, tmp_path / "s", config, at_step=2)
    assert targets_path(tmp_path / "s").is_file()
    shutil.rmtree(teacher)
    resumed = train(toy_corpus, tmp_path / "s", config, resume=True, progress=False)
    expected = load_file(uninterrupted.path / "model.safetensors")
    got = load_file(resumed.path / "model.safetensors")
    assert all(got[name].equal(value) for name, value in expected.items())
    assert not targets_path(tmp_path / "s").exists()


def test_targets_made_with_other_settings_are_not_reused(toy_corpus, tiny_base, tmp_path):
    from nerkit.train.checkpoint import load_targets, save_targets

    config = TrainConfig(base=tiny_base, teachers=("teacher",))
    path = tmp_path / "m.targets.safetensors"
    import torch

    save_targets(path, [torch.ones(2, 3), torch.zeros(1, 3)], config, "data")
    assert [t.shape[0] for t in load_targets(path, config, "data")] == [2, 1]
    assert load_targets(path, replace(config, distill_weight=0.9), "data") is None
    assert load_targets(path, config, "other data") is None
    assert load_targets(path, replace(config, bf16=True), "data") is not None


def test_a_run_may_resume_computing_in_bfloat16(toy_corpus, tiny_base, tmp_path):
    from nerkit.train import train

    config = TrainConfig(
        base=tiny_base, epochs=2, batch_size=4, max_length=32, learning_rate=3e-3, checkpoint_steps=1
    )

    _interrupted(toy_corpus, tmp_path / "m", config, at_step=3)
    result = train(toy_corpus, tmp_path / "m", replace(config, bf16=True), resume=True, progress=False)
    assert result.validation is not None and len(result.history) == 2
