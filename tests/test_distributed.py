"""Data-parallel training under torchrun: two CPU processes (gloo) keep identical weights after every
step, the loss goes down, rank 0 alone writes the model, and a run killed on one rank resumes to the
weights of an uninterrupted run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import make_sentences
from safetensors.torch import load_file

from nerkit.corpus import write_file
from nerkit.ner import NER
from nerkit.train.distributed import Distributed

pytestmark = pytest.mark.slow

WORKER = """
import hashlib, json, os, signal, sys
import nerkit
from nerkit.train import TrainConfig

folder, base, out, kill_at = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
resume, crf = "--resume" in sys.argv, "--crf" in sys.argv
rank = int(os.environ["RANK"])
corpus = nerkit.read_corpus(train=f"{folder}/train.conll", validation=f"{folder}/dev.conll")
log = open(f"{folder}/{out}.steps.{rank}.jsonl", "a")

def record(progress):
    weights = b"".join(t.detach().numpy().tobytes() for t in progress.tagger.network().state_dict().values())
    digest = hashlib.sha256(weights).hexdigest()
    entry = {"step": progress.global_step, "loss": progress.loss, "weights": digest}
    log.write(json.dumps(entry) + "\\n")
    log.flush()
    if progress.global_step == kill_at and rank == 0:
        os.kill(os.getpid(), signal.SIGKILL)

config = TrainConfig(base=base, epochs=3, batch_size=4, learning_rate=3e-3, warmup_ratio=0.0, max_length=32,
                     checkpoint_steps=2, crf=crf)
nerkit.train(corpus, f"{folder}/{out}", config, progress=False, on_step=record, resume=resume)
"""


def _torchrun(
    folder: Path, base: str, out: str, kill_at: int = 0, *extra: str
) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node=2"]
    command += [str(folder / "worker.py"), str(folder), base, out, str(kill_at), *extra]
    environment = {**os.environ, "OMP_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false"}
    return subprocess.run(command, capture_output=True, text=True, env=environment, timeout=600)


def _steps(folder: Path, out: str, rank: int) -> list[dict]:
    lines = (folder / f"{out}.steps.{rank}.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines]


@pytest.fixture(scope="module")
def folder(tmp_path_factory, tiny_base) -> Path:
    folder = tmp_path_factory.mktemp("ddp")
    sentences = make_sentences()
    write_file(sentences[:40], folder / "train.conll")
    write_file(sentences[30:], folder / "dev.conll")
    (folder / "worker.py").write_text(WORKER)
    finished = _torchrun(folder, tiny_base, "whole")
    assert finished.returncode == 0, finished.stderr[-3000:]
    return folder


def test_both_ranks_hold_identical_weights_after_every_step(folder):
    ranks = [_steps(folder, "whole", rank) for rank in (0, 1)]
    assert len(ranks[0]) == len(ranks[1]) == 15  # 10 batches of 4, 5 per rank per epoch, 3 epochs
    assert [step["weights"] for step in ranks[0]] == [step["weights"] for step in ranks[1]]
    assert ranks[0][0]["loss"] != ranks[1][0]["loss"]  # each rank trained on its own batches


def test_learned_transition_scores_stay_identical_across_ranks(folder, tiny_base):
    finished = _torchrun(folder, tiny_base, "crf", 0, "--crf")
    assert finished.returncode == 0, finished.stderr[-3000:]
    ranks = [_steps(folder, "crf", rank) for rank in (0, 1)]
    assert [step["weights"] for step in ranks[0]] == [step["weights"] for step in ranks[1]]
    assert [step["weights"] for step in ranks[0]] != [step["weights"] for step in _steps(folder, "whole", 0)]
    assert json.loads((folder / "crf" / "nerkit.json").read_text())["transitions"]["scores"]


def test_the_loss_goes_down(folder):
    losses = [step["loss"] for step in _steps(folder, "whole", 0)]
    assert sum(losses[-5:]) < 0.8 * sum(losses[:5])


def test_rank_zero_writes_a_model_that_loads_and_predicts(folder):
    ner = NER.load(folder / "whole", recognizers=[])
    metadata = ner.metadata
    assert metadata["processes"] == 2
    assert metadata["metrics"]["validation"]["micro"]["f1"] > 0.5
    assert [e.label for e in ner.extract("Alice visited Paris on Monday.")][:1] == ["PERSON"]


def test_a_run_killed_on_one_rank_resumes_to_the_uninterrupted_weights(folder, tiny_base):
    killed = _torchrun(folder, tiny_base, "killed", 7)
    assert killed.returncode != 0
    resumed = _torchrun(folder, tiny_base, "killed", 0, "--resume")
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    expected = load_file(folder / "whole/model.safetensors")
    actual = load_file(folder / "killed/model.safetensors")
    assert all((expected[name] == actual[name]).all() for name in expected)


@pytest.mark.parametrize(("rank", "expected"), [(0, [0, 2, 4]), (1, [1, 3, 0])])
def test_shards_are_padded_so_every_rank_takes_the_same_number_of_steps(rank, expected):
    assert Distributed(rank=rank, world_size=2).shard([0, 1, 2, 3, 4]) == expected


@pytest.mark.parametrize(
    "launcher",
    [
        ["-m", "nerkit", "train", "--nproc", "2"],
        [
            "-m",
            "accelerate.commands.launch",
            "--multi_gpu",
            "--num_processes",
            "2",
            "--num_machines",
            "1",
            "--mixed_precision",
            "no",
            "--dynamo_backend",
            "no",
            "-m",
            "nerkit",
            "train",
        ],
    ],
    ids=["nerkit-train-nproc", "accelerate-launch"],
)
def test_standard_launchers_train_in_two_processes(folder, tiny_base, launcher):
    out = folder / f"launched-{launcher[1]}"
    command = [sys.executable, *launcher, "--train", str(folder / "train.conll")]
    command += ["--validation", str(folder / "dev.conll"), "--base", tiny_base, "--out", str(out)]
    command += ["--epochs", "1", "--batch-size", "4", "--max-length", "32", "--quiet"]
    environment = {**os.environ, "OMP_NUM_THREADS": "1"}
    result = subprocess.run(command, capture_output=True, text=True, env=environment, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    assert json.loads((out / "nerkit.json").read_text())["processes"] == 2
    assert result.stdout.count("model saved to") == 1  # rank 0 alone reports
