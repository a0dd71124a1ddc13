"""nerkit: fine-tune transformer encoders for named-entity recognition and use them on text.

The public API lives here and nowhere else::

    corpus = nerkit.read_corpus("gmb")
    result = nerkit.train(corpus, "models/gmb")
    ner = nerkit.load("models/gmb")
    report = ner.evaluate(corpus, split="test").report
    entities = ner.extract("Mail Jane Doe at jane@example.com before 5 May 2024.")

Names are imported on first use (PEP 562), so `import nerkit` and `nerkit --help` do not pay for torch,
transformers and spaCy until something needs them.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

import nerkit.train as _training  # bound first, so that `train` below is the function, not the package
from nerkit._version import __version__
from nerkit.errors import NerkitError

if TYPE_CHECKING:
    from nerkit.corpus import Corpus, Sentence, read_corpus
    from nerkit.entities import Entity, Redaction
    from nerkit.evaluate import Evaluation, Report, Score
    from nerkit.modeldir import model_path
    from nerkit.ner import NER, ExtractOptions, LoadOptions, Result
    from nerkit.patterns import Recognizer, builtin_recognizers, load_recognizers
    from nerkit.train import TrainResult

_HOMES = {
    "Corpus": "nerkit.corpus",
    "Sentence": "nerkit.corpus",
    "read_corpus": "nerkit.corpus",
    "Entity": "nerkit.entities",
    "Redaction": "nerkit.entities",
    "Evaluation": "nerkit.evaluate",
    "Report": "nerkit.evaluate",
    "Score": "nerkit.evaluate",
    "NER": "nerkit.ner",
    "ExtractOptions": "nerkit.ner",
    "LoadOptions": "nerkit.ner",
    "Result": "nerkit.ner",
    "Recognizer": "nerkit.patterns",
    "builtin_recognizers": "nerkit.patterns",
    "load_recognizers": "nerkit.patterns",
    "model_path": "nerkit.modeldir",
    "TrainResult": "nerkit.train",
}
TrainConfig = _training.TrainConfig


def train(*args: Any, **kwargs: Any) -> TrainResult:
    """Fine-tune an encoder on a corpus: see `nerkit.train.loop.train`."""
    from nerkit.train.loop import train as run

    return run(*args, **kwargs)


def load(*args: Any, **kwargs: Any) -> NER:
    """Load a model directory, or the default model without one or by its name: see `NER.load`."""
    from nerkit.ner import NER

    return NER.load(*args, **kwargs)


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        return getattr(import_module(_HOMES[name]), name)
    raise AttributeError(f"module 'nerkit' has no attribute {name!r}")


__all__ = [
    "NER",
    "Corpus",
    "Entity",
    "Evaluation",
    "ExtractOptions",
    "LoadOptions",
    "NerkitError",
    "Recognizer",
    "Redaction",
    "Report",
    "Result",
    "Score",
    "Sentence",
    "TrainConfig",
    "TrainResult",
    "__version__",
    "builtin_recognizers",
    "load",
    "load_recognizers",
    "model_path",
    "read_corpus",
    "train",
]
