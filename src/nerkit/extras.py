"""Which optional extra a feature needs, checked before its imports run, so that a base install
(`pip install nerkit`: extraction on ONNX Runtime) answers a training command with the pip line that
adds it, not with a `ModuleNotFoundError` from deep inside."""

from __future__ import annotations

import os
import sys
from importlib.util import find_spec

from nerkit.errors import NerkitError

TRAIN = ("torch", "transformers")
"""What `nerkit[train]` adds that the PyTorch side of nerkit imports."""


def installed(modules: tuple[str, ...] = TRAIN) -> bool:
    return all(find_spec(module) is not None for module in modules)


def require_training(what: str, modules: tuple[str, ...] = TRAIN) -> None:
    """Stop with E065 unless `modules` (torch and transformers, or another part of the train extra
    such as seqeval) are installed."""
    missing = [module for module in modules if find_spec(module) is None]
    if missing:
        raise NerkitError(
            "E065",
            f"{what} needs {' and '.join(missing)}, which the base install leaves out",
            hint="pip install 'nerkit[train]' (CPU-only torch: pip install torch --index-url "
            "https://download.pytorch.org/whl/cpu first).",
        )


def quiet_hugging_face() -> None:
    """Hugging Face's warnings and progress bars are not a user's business on the command line or in
    the server. Set through the environment, which those libraries read when (and only if) something
    imports them; where transformers is already imported (the CLI called from Python), told directly."""
    for name, value in (
        ("TRANSFORMERS_VERBOSITY", "error"),
        ("HF_HUB_VERBOSITY", "error"),
        ("HF_HUB_DISABLE_PROGRESS_BARS", "1"),
    ):
        os.environ.setdefault(name, value)
    if "transformers" in sys.modules:
        from huggingface_hub.utils import logging as hub_logging
        from transformers import logging as hf_logging

        hf_logging.set_verbosity_error()
        hub_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()
