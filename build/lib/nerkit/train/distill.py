"""Distillation: a model learns from gold labels and from trained teachers' label probabilities.

Several teachers make an ensemble whose knowledge ends up in one model of the usual size and speed.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from tqdm.auto import tqdm

from nerkit.encode import IGNORE, Window, length_grouped_batches
from nerkit.errors import NerkitError
from nerkit.model import Tagger


def distillation_loss(logits: torch.Tensor, soft_labels: torch.Tensor) -> torch.Tensor:
    """KL divergence from the teachers' label distribution to the student's, one row per labelled word."""
    return torch.nn.functional.kl_div(logits.float().log_softmax(-1), soft_labels, reduction="batchmean")


def load_teachers(paths: Sequence[str], tagger: Tagger, device: torch.device) -> list[Tagger]:
    """A teacher must read exactly what the student reads and predict the same labels."""
    teachers = []
    for path in paths:
        teacher = Tagger.load(path, device, backend="torch")
        differences = {
            "labels": teacher.labels != tagger.labels,
            "word shapes": teacher.casing != tagger.casing,
            "document context": teacher.encoder.context != tagger.encoder.context,
            "tokenizer": teacher.tokenizer.get_vocab() != tagger.tokenizer.get_vocab(),
        }
        if any(differences.values()):
            names = ", ".join(name for name, differs in differences.items() if differs)
            raise NerkitError(
                "E036",
                f"teacher {path} differs from the student in: {names}",
                hint="Distil from models trained on the same labels, base tokenizer and settings.",
            )
        teacher.model.eval()
        teachers.append(teacher)
    return teachers


def soft_labels(
    teachers: Sequence[Tagger], windows: Sequence[Window], batch_size: int, progress: bool
) -> list[torch.Tensor]:
    """The teachers' averaged label probabilities at each labelled position of every training window.
    Teachers are fixed and run without dropout, so one pass before training gives the same targets as
    a pass at every step, at a fraction of the cost (several teachers would outweigh the student)."""
    soft: list[torch.Tensor] = [torch.empty(0)] * len(windows)
    batches = length_grouped_batches([len(window) for window in windows], batch_size)
    for batch in tqdm(batches, desc="teachers", unit="batch", disable=not progress, leave=False):
        inputs = teachers[0].encoder.collate([windows[index] for index in batch])
        labelled = inputs.pop("labels") != IGNORE
        with torch.inference_mode():
            probabilities = sum(
                teacher.model(**{k: v.to(teacher.device) for k, v in inputs.items()})
                .logits.float()
                .softmax(-1)
                for teacher in teachers
            )
        probabilities = (probabilities / len(teachers)).cpu()
        for row, index in enumerate(batch):
            soft[index] = probabilities[row][labelled[row]].clone()
    return soft
