"""Training: hyperparameters (`config`), the loop (`loop`), checkpoints to resume from (`checkpoint`)
and data parallelism under torchrun or accelerate (`distributed`)."""

from nerkit.train.config import BUNDLED_LEARNING_RATE, OTHER_LEARNING_RATE, TrainConfig, replace_config
from nerkit.train.loop import Progress, TrainResult, evaluate_tagger, train

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
