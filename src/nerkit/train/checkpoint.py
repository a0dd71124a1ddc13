"""Everything a killed training run needs to carry on as if nothing happened.

A checkpoint is a directory beside the model directory (`models/gmb` -> `models/gmb.checkpoint`):
`state.safetensors` holds the tensors (weights, optimiser moments, torch RNG states of every rank) and
`state.json` the rest (position in the epoch and its batch order, scheduler, Python RNG, history, best
epoch so far, the config and data fingerprint it belongs to). No pickle anywhere: a checkpoint is as safe
to load as a model. Written atomically, verified by checksum on load.
"""

from __future__ import annotations

import json
import os
import random
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch
from safetensors import safe_open
from safetensors.torch import load_file, save_file

from nerkit.errors import NerkitError
from nerkit.files import atomic_directory, check_not_interrupted, read_json, sha256, verify_checksums
from nerkit.train.config import TrainConfig

STATE_JSON = "state.json"
STATE_TENSORS = "state.safetensors"
FORMAT_VERSION = 1


def checkpoint_path(out: Path) -> Path:
    return out.parent / f"{out.name}.checkpoint"


def targets_path(out: Path) -> Path:
    """The teachers' targets beside the checkpoint (`models/gmb.targets.safetensors`): written once,
    where every checkpoint rewrites its whole directory."""
    return out.parent / f"{out.name}.targets.safetensors"


@dataclass
class Position:
    """Where training stands: `done` batches of `order` finished in `epoch` (1-based)."""

    epoch: int = 1
    done: int = 0
    order: list[list[int]] | None = None
    global_step: int = 0
    loss_sum: float = 0.0
    losses: list[float] = field(default_factory=list)
    """Every optimiser step's loss on this rank (the report's training curve)."""
    history: list[dict[str, float]] = field(default_factory=list)
    best_f1: float = -1.0
    best_epoch: int = 0
    best_report: dict[str, Any] | None = None
    finished: bool = False


@dataclass
class Checkpoint:
    position: Position
    model: dict[str, torch.Tensor]
    optimizer: dict[str, Any]
    scheduler: dict[str, Any]
    python_rng: Any
    torch_rng: list[torch.Tensor]
    """One per rank, so each process resumes its own dropout stream."""


def save(
    path: Path,
    checkpoint: Checkpoint,
    config: TrainConfig,
    fingerprint: str,
    world_size: int,
) -> None:
    tensors = {f"model.{name}": value.detach().cpu().contiguous() for name, value in checkpoint.model.items()}
    optimizer_scalars: dict[str, dict[str, Any]] = {}
    for index, state in checkpoint.optimizer["state"].items():
        for key, value in state.items():
            if isinstance(value, torch.Tensor):
                tensors[f"optimizer.{index}.{key}"] = value.detach().cpu().contiguous()
            else:
                optimizer_scalars.setdefault(str(index), {})[key] = value
    for rank, state in enumerate(checkpoint.torch_rng):
        tensors[f"rng.{rank}"] = state
    with atomic_directory(path) as temporary:
        save_file(tensors, temporary / STATE_TENSORS)
        version, internal, gauss = checkpoint.python_rng
        document = {
            "format": FORMAT_VERSION,
            "config": asdict(config),
            "fingerprint": fingerprint,
            "world_size": world_size,
            "position": asdict(checkpoint.position),
            "optimizer": {"param_groups": checkpoint.optimizer["param_groups"], "scalars": optimizer_scalars},
            "scheduler": checkpoint.scheduler,
            "python_rng": [version, list(internal), gauss],
            "checksums": {STATE_TENSORS: sha256(temporary / STATE_TENSORS)},
        }
        (temporary / STATE_JSON).write_text(json.dumps(document), encoding="utf-8")


HOW_TO_COMPUTE = {"checkpoint_steps", "eval_batch_size", "bf16"}
"""Settings a resumed run may change: how it computes (on another machine, say), not what it learns."""


def load(path: Path, config: TrainConfig, fingerprint: str, world_size: int) -> Checkpoint:
    """Read a checkpoint, refusing one made for other data, other settings or another process count.
    A setting the checkpoint does not record (one added since) counts as unchanged."""
    check_not_interrupted(path)
    if not (path / STATE_JSON).is_file():
        raise NerkitError(
            "E033",
            f"no checkpoint to resume from at {path}",
            hint="Checkpoints are written while `nerkit train` runs; start without --resume.",
        )
    document = read_json(path / STATE_JSON, "E034")
    verify_checksums(path, document.get("checksums", {}))
    settings = _learning_settings(config)
    changed = sorted(name for name, value in settings.items() if document["config"].get(name, value) != value)
    if changed:
        was = ", ".join(f"{name}={document['config'].get(name)!r}" for name in changed)
        raise NerkitError(
            "E035",
            f"the checkpoint was made with different settings ({was})",
            path=path,
            hint="Resume with the same options, or start afresh without --resume.",
        )
    if document["fingerprint"] != fingerprint:
        raise NerkitError(
            "E035",
            "the checkpoint was made on different training data (fingerprint differs)",
            path=path,
            hint="Resume on the same corpus and split, or start afresh without --resume.",
        )
    if document["world_size"] != world_size:
        raise NerkitError(
            "E035",
            f"the checkpoint was made by {document['world_size']} processes, this run has {world_size}",
            path=path,
            hint=f"Resume with --nproc {document['world_size']} (the schedule depends on it).",
        )
    tensors = load_file(path / STATE_TENSORS)
    model = {
        name.removeprefix("model."): value for name, value in tensors.items() if name.startswith("model.")
    }
    state: dict[int, dict[str, Any]] = {}
    for name, value in tensors.items():
        if name.startswith("optimizer."):
            _, index, key = name.split(".", 2)
            state.setdefault(int(index), {})[key] = value
    for index, scalars in document["optimizer"]["scalars"].items():
        state.setdefault(int(index), {}).update(scalars)
    version, internal, gauss = document["python_rng"]
    return Checkpoint(
        position=Position(**document["position"]),
        model=model,
        optimizer={"state": state, "param_groups": document["optimizer"]["param_groups"]},
        scheduler=document["scheduler"],
        python_rng=(version, tuple(internal), gauss),
        torch_rng=[tensors[f"rng.{rank}"] for rank in range(world_size)],
    )


def save_targets(path: Path, targets: list[torch.Tensor], config: TrainConfig, fingerprint: str) -> None:
    """The teachers' label probabilities per training window, so that a resumed run skips the
    teachers' pass (with a base-size teacher on a CPU, half an hour or more) and trains on the very
    targets the interrupted run had."""
    tensors = {
        "targets": torch.cat(targets),
        "lengths": torch.tensor([len(target) for target in targets], dtype=torch.int64),
    }
    metadata = {"config": json.dumps(_learning_settings(config)), "fingerprint": fingerprint}
    temporary = path.with_name(path.name + ".partial")
    save_file(tensors, temporary, metadata=metadata)
    os.replace(temporary, path)


def load_targets(path: Path, config: TrainConfig, fingerprint: str) -> list[torch.Tensor] | None:
    """`save_targets`' targets, or None when there are none for these settings and this data."""
    if not path.is_file():
        return None
    with safe_open(path, framework="pt") as opened:
        metadata = opened.metadata() or {}
        if metadata.get("fingerprint") != fingerprint or metadata.get("config") != json.dumps(
            _learning_settings(config)
        ):
            return None
        targets, lengths = opened.get_tensor("targets"), opened.get_tensor("lengths")
    return list(torch.split(targets, lengths.tolist()))


def _learning_settings(config: TrainConfig) -> dict[str, Any]:
    """The settings that decide what a run learns, as saved (tuples become lists)."""
    return {
        name: value
        for name, value in json.loads(json.dumps(asdict(config))).items()
        if name not in HOW_TO_COMPUTE
    }


def restore_rng(rng: random.Random, checkpoint: Checkpoint, rank: int) -> None:
    rng.setstate(checkpoint.python_rng)
    torch.set_rng_state(checkpoint.torch_rng[rank])
