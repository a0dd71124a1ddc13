"""nerkit: fine-tune transformer encoders for named-entity recognition and use them on text.

The public API lives here and nowhere else::

    corpus = nerkit.read_corpus("gmb")
    result = nerkit.train(corpus, "models/gmb")
    ner = nerkit.load("models/gmb")
    report = ner.evaluate(corpus, split="test")
    entities = ner.extract("Mail Jane Doe at jane@example.com before 5 May 2024.")
"""

from nerkit._version import __version__
from nerkit.corpus import Corpus, Sentence, read_corpus
from nerkit.errors import NerkitError
from nerkit.evaluate import Report, Score
from nerkit.extract import NER, Entity, Redaction
from nerkit.patterns import Recognizer, builtin_recognizers, load_recognizers
from nerkit.train import TrainConfig, TrainResult, train

load = NER.load

__all__ = [
    "NER",
    "Corpus",
    "Entity",
    "NerkitError",
    "Recognizer",
    "Redaction",
    "Report",
    "Score",
    "Sentence",
    "TrainConfig",
    "TrainResult",
    "__version__",
    "builtin_recognizers",
    "load",
    "load_recognizers",
    "read_corpus",
    "train",
]
