"""The model directory format: what is on disk, how it is written, checked and read back.

A nerkit model directory is a plain Hugging Face token-classification directory (`model.safetensors`,
`config.json` with `id2label`, tokenizer files) plus `nerkit.json` with what is needed to trust and
reproduce it: labels, data fingerprint and split, hyperparameters, metrics, versions and checksums.
Directories are written to a temporary sibling and renamed into place, so a crash never leaves half a
model. Inference lives elsewhere (`nerkit.model`): this module only moves files and weights.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from nerkit.encode import Subwords
from nerkit.errors import NerkitError
from nerkit.extras import installed, require
from nerkit.files import (
    atomic_directory,
    atomic_text,
    check_not_interrupted,
    read_json,
    sha256,
    verify_checksums,
)
from nerkit.onnx_model import ONNX_FILES, onnx_file

METADATA_FILE = "nerkit.json"
DEFAULT_MODEL = Path(__file__).parent / "default_model"
"""The English model nerkit ships in the package (int8 ONNX), so it works with no training or download."""
DEFAULT_NAME = "default"
"""The shipped model's name, wherever a model is asked for."""
WEIGHTS_FILE = "model.safetensors"
HALF_WEIGHTS_FILE = "model.fp16.safetensors"
"""The PyTorch weights in half precision, which the shipped model carries so that training can continue
from it (`nerkit train --base default`) at half the size; read as fp32, and never chosen by `auto`, so
extraction keeps to the ONNX file."""
SHAPES_FILE = "word_shapes.safetensors"
"""Word-shape embeddings of a model whose encoder has no token types to carry them (`network.WordShapes`)."""
FORMAT_VERSION = 1
BACKENDS = ("auto", "torch", "torch-bf16", "onnx", "onnx-int8")
TORCH_BACKENDS = ("torch", "torch-bf16")
"""The backends that run the PyTorch weights: `torch-bf16` computes in bfloat16 where torch's autocast
deems it safe, which CPUs with AMX (Intel Sapphire Rapids and later) run at about twice fp32's speed."""
_PREFIX_SPACE_MODELS = {
    "roberta",
    "longformer",
    "bart",
    "gpt2",
    "deberta",
    "camembert",
    "xlm-roberta",
    "mpnet",
}


def model_path(model: str | Path | None = None) -> Path:
    """The directory of the model asked for: the shipped English model for `DEFAULT_NAME` or none, else
    the directory given. Every way in (`load`, each command's model, the spaCy component, `--workers`,
    Ray) comes through here, so "default" means the same everywhere. A directory of that name needs an
    absolute path: `Path("./default")` is `Path("default")`, and the command line hands models over as
    paths."""
    return DEFAULT_MODEL if model is None or str(model) == DEFAULT_NAME else Path(model)


def is_model(model: str | Path) -> bool:
    """Whether `model` names a nerkit model directory (or the shipped one), not a base encoder."""
    return (model_path(model) / METADATA_FILE).is_file()


def own_model(model: str | Path, what: str) -> Path:
    """The directory of a model that `what` writes into or needs the PyTorch weights of: any model but
    the shipped one, which is installed with the package (changing it would change every user's
    answers) and carries only its int8 ONNX file."""
    path = model_path(model)
    if path.resolve() == DEFAULT_MODEL.resolve():
        raise NerkitError("E085", f"{what} needs a model of your own, not the shipped default model")
    return path


@dataclass(frozen=True)
class ModelConfig:
    """What inference reads of a model's `config.json`: an ONNX model needs no transformers config."""

    id2label: dict[int, str]
    model_type: str | None = None
    max_position_embeddings: int | None = None

    @property
    def num_labels(self) -> int:
        return len(self.id2label)

    @classmethod
    def read(cls, path: Path) -> ModelConfig:
        config = read_json(path / "config.json", "E023")
        try:
            labels = {int(index): str(label) for index, label in config["id2label"].items()}
        except (KeyError, AttributeError, ValueError) as error:
            raise NerkitError("E023", f"config.json has no readable id2label ({error})", path=path) from None
        return cls(labels, config.get("model_type"), config.get("max_position_embeddings"))


@dataclass(frozen=True)
class Loaded:
    """What `read` found: the network for the chosen backend, its tokenizer and the metadata."""

    model: Any
    tokenizer: Any
    metadata: dict[str, Any]
    backend: str


def load_tokenizer(name_or_path: str, model_type: str | None) -> Any:
    from transformers import AutoTokenizer

    extra = {"add_prefix_space": True} if model_type in _PREFIX_SPACE_MODELS else {}
    return AutoTokenizer.from_pretrained(name_or_path, use_fast=True, trust_remote_code=False, **extra)


def read(
    path: str | Path, allow_pickle: bool = False, backend: str = "auto", threads: int | None = None
) -> Loaded:
    """Read a directory written by `write` (and maybe `add_onnx`), after checking the files the chosen
    backend needs against their recorded checksums.

    `backend` is `torch`, `torch-bf16`, `onnx` (fp32), `onnx-int8`, or `auto`: PyTorch when its weights
    are there and torch is installed, else the int8 ONNX model, else the fp32 one. The ONNX backends
    read the tokenizer and config files directly (`Subwords`, `ModelConfig`) and never import torch
    or transformers. Weights come only from safetensors or ONNX: pickle files can run code when
    unpickled, so `pytorch_model.bin` alone is refused unless the caller trusts it (`allow_pickle`).
    """
    path = Path(path)
    check_not_interrupted(path)
    if not (path / METADATA_FILE).is_file() or not (path / "config.json").is_file():
        raise NerkitError(
            "E021",
            f"{path} is not a nerkit model directory (no {METADATA_FILE} and config.json)",
            hint="Pass the --out directory of `nerkit train`.",
        )
    metadata = read_json(path / METADATA_FILE, "E023")
    backend = choose_backend(path, backend, allow_pickle)
    half = (
        backend in TORCH_BACKENDS
        and not (path / WEIGHTS_FILE).is_file()
        and (path / HALF_WEIGHTS_FILE).is_file()
    )
    needed = (
        [HALF_WEIGHTS_FILE if half else WEIGHTS_FILE, SHAPES_FILE]
        if backend in TORCH_BACKENDS
        else [onnx_file("int8" if backend == "onnx-int8" else None)]
    )
    checksums = dict(metadata.get("checksums", {}))
    verify_checksums(path, {name: checksums[name] for name in needed if name in checksums})
    try:
        if backend in TORCH_BACKENDS:
            require("train", f"the {backend} backend")
            from transformers import AutoModelForTokenClassification

            model: Any = (
                _from_half_weights(path)
                if half
                else AutoModelForTokenClassification.from_pretrained(
                    path, use_safetensors=(path / WEIGHTS_FILE).is_file(), trust_remote_code=False
                )
            )
            tokenizer = load_tokenizer(str(path), model.config.model_type)
        else:
            from nerkit.onnx_model import OnnxModel

            config = ModelConfig.read(path)
            model = OnnxModel(path / needed[0], config, threads)
            tokenizer = Subwords.from_folder(path, config.model_type in _PREFIX_SPACE_MODELS)
    except NerkitError:
        raise
    except Exception as error:  # transformers and onnxruntime raise many types for a broken directory
        raise NerkitError("E023", f"cannot load model: {str(error).splitlines()[0]}", path=path) from None
    return Loaded(model, tokenizer, metadata, backend)


def _from_half_weights(path: Path) -> Any:
    from safetensors.torch import load_file
    from transformers import AutoConfig, AutoModelForTokenClassification

    model = AutoModelForTokenClassification.from_config(
        AutoConfig.from_pretrained(path, trust_remote_code=False)
    )
    weights = {name: tensor.float() for name, tensor in load_file(path / HALF_WEIGHTS_FILE).items()}
    model.load_state_dict(weights, strict=True)
    return model


def write_half_weights(path: str | Path) -> Path:
    """Add `HALF_WEIGHTS_FILE` beside a written model's fp32 weights, with its checksum."""
    from safetensors.torch import load_file, save_file

    path = Path(path)
    weights = load_file(path / WEIGHTS_FILE)
    save_file(
        {name: tensor.half().contiguous() for name, tensor in weights.items()}, path / HALF_WEIGHTS_FILE
    )
    (path / HALF_WEIGHTS_FILE).chmod(0o644)  # readable by all, as an installed package's files are
    record_checksums(path, [HALF_WEIGHTS_FILE])
    return path / HALF_WEIGHTS_FILE


def provenance() -> dict[str, Any]:
    """What a new model's metadata records about the software that made it, and when."""
    import platform

    require("train", "recording a model's provenance")
    import torch
    import transformers

    from nerkit._version import __version__

    return {
        "nerkit_version": __version__,
        "versions": {
            "python": platform.python_version(),
            "torch": torch.__version__,
            "transformers": transformers.__version__,
        },
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def write(path: str | Path, model: Any, tokenizer: Any, metadata: Mapping[str, Any]) -> dict[str, Any]:
    """Write the directory atomically; returns the metadata as written, with the checksums that
    `read` verifies."""
    path = Path(path)
    with atomic_directory(path) as temporary:
        model.save_pretrained(temporary)
        tokenizer.save_pretrained(temporary)
        written = {
            "format": FORMAT_VERSION,
            **metadata,
            "checksums": {
                name: sha256(temporary / name)
                for name in (WEIGHTS_FILE, SHAPES_FILE)
                if (temporary / name).is_file()
            },
        }
        (temporary / METADATA_FILE).write_text(json.dumps(written, indent=2) + "\n", encoding="utf-8")
    return written


def add_onnx(
    path: str | Path,
    model: Any,
    inputs: list[str],
    quantize: str | None = None,
    calibration: Iterable[dict[str, Any]] = (),
) -> Path:
    """Add `model.onnx` (and `model.int8.onnx`, calibrated on `calibration` batches) to a written
    directory, recording their checksums."""
    from nerkit.onnx_model import export

    path = Path(path)
    written = export(model, inputs, path, quantize, calibration)
    record_checksums(path, {ONNX_FILES[None], written.name})
    return written


def record_checksums(path: Path, names: Iterable[str]) -> None:
    """Record the checksums of files added to (or rewritten in) a written directory beside the others."""
    checksums = read_json(path / METADATA_FILE, "E023").get("checksums", {})
    set_metadata(path, {"checksums": {**checksums, **{name: sha256(path / name) for name in names}}})


def set_metadata(path: str | Path, values: Mapping[str, Any]) -> None:
    """Update fields of a written directory's `nerkit.json` (atomically)."""
    path = Path(path)
    metadata = read_json(path / METADATA_FILE, "E023")
    with atomic_text(path / METADATA_FILE) as handle:
        handle.write(json.dumps({**metadata, **values}, indent=2) + "\n")


def choose_backend(path: Path, backend: str, allow_pickle: bool) -> str:
    present = {
        "torch": (path / WEIGHTS_FILE).is_file() or (allow_pickle and (path / "pytorch_model.bin").is_file()),
        "onnx-int8": (path / ONNX_FILES["int8"]).is_file(),
        "onnx": (path / ONNX_FILES[None]).is_file(),
    }
    if backend == "auto":
        usable = present | {"torch": present["torch"] and installed("train")}
        backend = next((name for name, there in usable.items() if there), "torch")
    if backend not in BACKENDS:
        raise NerkitError("E064", f"unknown backend {backend!r}", hint=f"Use {', '.join(BACKENDS)}.")
    if present["torch" if backend in TORCH_BACKENDS else backend]:
        return backend
    if backend in TORCH_BACKENDS and (path / HALF_WEIGHTS_FILE).is_file():
        return backend
    if backend in TORCH_BACKENDS:
        raise NerkitError(
            "E022",
            f"{path} has no {WEIGHTS_FILE}",
            hint="nerkit loads weights only from safetensors or ONNX; pickle files can run code when loaded. "
            "If you trust this directory, pass --allow-pickle (allow_pickle=True).",
        )
    quantize = "--quantize int8 --calibrate CORPUS " if backend == "onnx-int8" else ""
    raise NerkitError(
        "E067",
        f"{path} has no {onnx_file('int8' if quantize else None)}",
        hint=f"Run `nerkit export {path} --onnx {quantize}`.",
    )
