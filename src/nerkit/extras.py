"""Which optional extra a feature needs, checked before its imports run, so that a base install
(`pip install nerkit`: extraction on ONNX Runtime) answers a training command with the pip line that
adds what it lacks, not with a `ModuleNotFoundError` from deep inside."""

from __future__ import annotations

import os
import sys
from importlib.util import find_spec

from nerkit.errors import NerkitError

EXTRAS = {
    "train": ("torch", "transformers"),
    "spacy": ("spacy",),
    "recipe": ("faker", "faker_commerce", "faker_edu", "mimesis", "pycountry", "pygments"),
}
"""The modules of each extra that nerkit's code imports, by the extra's name in `pip install nerkit[...]`;
the recipe's are the lists its documents are drawn from, all checked before the first is written."""
_CPU_TORCH = " (CPU-only torch: pip install torch --index-url https://download.pytorch.org/whl/cpu first)"


def installed(extra: str) -> bool:
    return all(find_spec(module) is not None for module in EXTRAS[extra])


def require(extra: str, what: str, modules: tuple[str, ...] | None = None) -> None:
    """Stop with E065 unless `modules` (by default all of `extra`'s) are installed."""
    error = missing(extra, what, modules)
    if error is not None:
        raise error


def missing(extra: str, what: str, modules: tuple[str, ...] | None = None) -> NerkitError | None:
    """E065 naming which of `modules` (by default all of `extra`'s) `what` lacks, with the pip line;
    None when all are installed."""
    absent = tuple(module for module in modules or EXTRAS[extra] if find_spec(module) is None)
    if not absent:
        return None
    return NerkitError(
        "E065",
        f"{what} needs {' and '.join(absent)}, which the base install leaves out",
        hint=f"pip install 'nerkit[{extra}]'" + (_CPU_TORCH if "torch" in absent else "") + ".",
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
    if sys.modules.get("transformers") is not None:
        from huggingface_hub.utils import logging as hub_logging
        from transformers import logging as hf_logging

        hf_logging.set_verbosity_error()
        hub_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()
