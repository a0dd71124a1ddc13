"""Averaging fine-tuned models (a "model soup", Wortsman et al. 2022): one model whose weights are the
weighted mean of several trained from the same base encoder.

Two taggers fine-tuned from one base, on different data or with different seeds, stay in one basin of
the loss, so their mean is a model too, and it usually keeps what each learned best: it reads like an
ensemble at the cost of one model (the default model is such a mean; MODEL_CARD.md). Averaging is only
meaningful between models of the same shape, labels and tokenizer, so everything else is refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nerkit import modeldir
from nerkit.errors import NerkitError

_SAME_SETTINGS = ("labels", "scheme", "casing", "context", "word_shapes", "max_length")
"""Metadata every ingredient must share: what the tokens mean going in and the tags coming out."""
_SAME_CONFIG = ("model_type", "hidden_size", "num_hidden_layers", "num_attention_heads", "vocab_size")
_PROVENANCE = ("base", "data", "hyperparameters", "created", "metrics")


@dataclass(frozen=True)
class Ingredient:
    """A model directory and its share of the mean (weights need not sum to one)."""

    path: Path
    weight: float = 1.0

    @classmethod
    def parse(cls, text: str) -> Ingredient:
        """`PATH` or `PATH=WEIGHT`, as the command line takes them (a directory named with "=" is a path)."""
        path, _, weight = text.rpartition("=") if "=" in text and not Path(text).is_dir() else (text, "", "1")
        try:
            value = float(weight)
        except ValueError:
            value = float("nan")
        if not value > 0:
            raise NerkitError("E084", f"{text!r}: a weight must be a positive number", hint="Write PATH=2.")
        return cls(Path(path), value)


def average(ingredients: Sequence[Ingredient], out: str | Path) -> Path:
    """Write the weighted mean of the ingredients' weights (encoder, head, word shapes and CRF
    transitions) to `out`, with each ingredient's provenance in `nerkit.json` under `averaged`."""
    from nerkit.model import Tagger

    if len(ingredients) < 2:
        raise NerkitError("E084", "averaging needs two models or more", hint="Pass two model directories.")
    paths = [modeldir.own_model(ingredient.path, "averaging") for ingredient in ingredients]
    taggers = [Tagger.load(path, backend="torch") for path in paths]
    first = taggers[0]
    for ingredient, tagger in zip(ingredients[1:], taggers[1:], strict=True):
        _check_same(ingredients[0].path, first, ingredient.path, tagger)
    total = sum(ingredient.weight for ingredient in ingredients)
    states = [tagger.network().state_dict() for tagger in taggers]
    mean = {
        name: sum(
            state[name].float() * ingredient.weight
            for state, ingredient in zip(states, ingredients, strict=True)
        )
        / total
        for name in states[0]
    }
    first.network().load_state_dict({name: value.to(states[0][name].dtype) for name, value in mean.items()})
    return first.save(out, _metadata(ingredients, taggers))


def _check_same(path: Path, tagger: Any, other_path: Path, other: Any) -> None:
    differ = [key for key in _SAME_SETTINGS if tagger.metadata.get(key) != other.metadata.get(key)]
    differ += [
        key
        for key in _SAME_CONFIG
        if getattr(tagger.model.config, key, None) != getattr(other.model.config, key, None)
    ]
    if tagger.tokenizer.get_vocab() != other.tokenizer.get_vocab():
        differ.append("tokenizer vocabulary")
    if (tagger.decoder.transitions is None) != (other.decoder.transitions is None):
        differ.append("CRF")
    if differ:
        raise NerkitError(
            "E084",
            f"cannot be averaged with {path}: they differ in {', '.join(differ)}",
            path=other_path,
            hint="Average only models fine-tuned from the same base encoder with the same labels.",
        )


def _metadata(ingredients: Sequence[Ingredient], taggers: Sequence[Any]) -> dict[str, Any]:
    """The first ingredient's settings; no metrics, since the mean was never scored; and where each
    ingredient came from."""
    first = taggers[0].metadata
    sources = sorted(
        {source for tagger in taggers for source in tagger.metadata.get("data", {}).get("sources", [])}
    )
    return {
        **{key: first[key] for key in ("format", "label_names", *_SAME_SETTINGS) if key in first},
        "base": first.get("base"),
        "data": {"corpus": f"average of {len(ingredients)} models", "sources": sources},
        "averaged": [
            {
                "model": str(ingredient.path),
                "weight": ingredient.weight,
                **{key: tagger.metadata[key] for key in _PROVENANCE if key in tagger.metadata},
            }
            for ingredient, tagger in zip(ingredients, taggers, strict=True)
        ],
        **modeldir.provenance(),
    }
