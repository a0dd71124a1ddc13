"""Training: hyperparameters (`config`), the loop (`loop`), checkpoints to resume from (`checkpoint`)
and data parallelism under torchrun or accelerate (`distributed`).

The loop's names load on first use (PEP 562): reading a `TrainConfig` needs no torch.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from nerkit.train.config import BUNDLED_LEARNING_RATE, OTHER_LEARNING_RATE, TrainConfig, replace_config

if TYPE_CHECKING:
    from nerkit.train.loop import Progress, TrainResult, evaluate_tagger, train

_LOOP = ("Progress", "TrainResult", "evaluate_tagger", "train")


def __getattr__(name: str) -> Any:
    if name in _LOOP:
        return getattr(import_module("nerkit.train.loop"), name)
    raise AttributeError(f"module 'nerkit.train' has no attribute {name!r}")


__all__ = [
    "BUNDLED_LEARNING_RATE",
    "OTHER_LEARNING_RATE",
    "Progress",
    "TrainConfig",
    "TrainResult",
    "evaluate_tagger",
    "replace_config",
    "train",
]
