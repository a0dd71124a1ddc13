"""Words to model inputs: subword alignment, windows for long sentences, and batches.

Only the first subword of each word carries a label; the other subwords and the special tokens get
-100 so the loss and the metrics both count words, not subwords. A sentence longer than the model can
read is cut into overlapping windows at word boundaries, and each word is labelled (and later
predicted) in the one window where it has the most context on both sides, so nothing is truncated.
With document context on, a sentence that fits in one window is flanked by the end of the sentence
before it and the start of the one after (whole words, unlabelled), as the best CoNLL systems do.
"""

from __future__ import annotations

import functools
import json
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from nerkit.errors import NerkitError

if TYPE_CHECKING:
    from tokenizers import Tokenizer
    from transformers import PreTrainedTokenizerBase

IGNORE = -100
Context = tuple[Sequence[str], Sequence[str]]
"""The words before and after a sentence in its document."""
_Piece = tuple[str, list[int]]
INFERENCE_BATCH = 32
"""Windows per forward pass at inference. On 2 CPU threads (CoNLL test, length-sorted) 32 beat 64 by
3% with PyTorch, 13% with ONNX fp32 and 10% with ONNX int8; 128 was slower still (docs/benchmarks.md)."""
SHAPES = 5
"""Word shapes fed as token types with casing on: 0 special/none, 1 no letters, 2 lower, 3 Title, 4 UPPER."""


@functools.lru_cache(maxsize=65536)
def word_shape(word: str) -> int:
    """The capitalisation class of a word, which uncased encoders cannot see in their input ids."""
    letters = [char for char in word if char.isalpha()]
    if not letters:
        return 1
    if all(char.isupper() for char in letters) and len(letters) > 1:
        return 4
    return 3 if letters[0].isupper() else 2


@dataclass(frozen=True)
class WindowPlan:
    """Words `[start, end)` go into one window; words `[core_start, core_end)` are labelled there."""

    start: int
    end: int
    core_start: int
    core_end: int


def plan_windows(counts: Sequence[int], budget: int, overlap: int | None = None) -> list[WindowPlan]:
    """Cover a sentence whose words have `counts` subwords with windows of at most `budget` subwords.

    Consecutive windows share about `overlap` subwords (a quarter of the budget by default). Each word is
    assigned to the window in which it is farthest from a cut edge. A single word longer than the budget
    is clipped to it (only its first subword matters for its label).
    """
    counts = [min(max(count, 1), budget) for count in counts]
    if sum(counts) <= budget:
        return [WindowPlan(0, len(counts), 0, len(counts))]
    overlap = budget // 4 if overlap is None else overlap
    spans: list[tuple[int, int]] = []
    start = 0
    while True:
        end, used = start, 0
        while end < len(counts) and used + counts[end] <= budget:
            used += counts[end]
            end += 1
        spans.append((start, end))
        if end == len(counts):
            break
        back, shared = end, 0
        while back > start + 1 and shared + counts[back - 1] <= overlap:
            back -= 1
            shared += counts[back]
        start = back
    owner = []
    for word in range(len(counts)):
        best, best_room = 0, -1
        for index, (first, last) in enumerate(spans):
            if first <= word < last:
                left = len(counts) if first == 0 else word - first
                right = len(counts) if last == len(counts) else last - 1 - word
                if min(left, right) > best_room:
                    best, best_room = index, min(left, right)
        owner.append(best)
    plans = []
    for index, (first, last) in enumerate(spans):
        mine = [word for word in range(first, last) if owner[word] == index]
        core = (mine[0], mine[-1] + 1) if mine else (first, first)
        plans.append(WindowPlan(first, last, *core))
    return plans


@dataclass(frozen=True)
class Window:
    """One model input: subword ids plus, for each labelled word, the position of its first subword."""

    sentence: int
    input_ids: list[int]
    first_subwords: list[int]
    words: range
    labels: list[int]
    token_types: list[int] | None = None

    def __len__(self) -> int:
        return len(self.input_ids)


@dataclass(frozen=True)
class Subwords:
    """What the encoder needs of a tokenizer: the Rust tokenizer, neither truncating nor padding
    (windows are cut by `plan_windows`, as transformers' own call switches both off), and the ids of
    padding and of a word the tokenizer drops. Made from a transformers tokenizer when training, or
    from a model directory's tokenizer files alone, so that extraction runs without transformers."""

    backend: Tokenizer
    pad_id: int
    unknown_id: int

    @classmethod
    def of(cls, tokenizer: PreTrainedTokenizerBase | Subwords) -> Subwords:
        if isinstance(tokenizer, Subwords):
            return tokenizer
        if not getattr(tokenizer, "is_fast", False):
            raise ValueError("nerkit needs a fast (Rust) tokenizer for word alignment")
        pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
        return cls(_untruncated(tokenizer.backend_tokenizer.to_str()), pad, tokenizer.unk_token_id or pad)

    @classmethod
    def from_folder(cls, folder: str | Path, prefix_space: bool = False) -> Subwords:
        """The tokenizer a model directory saved (`tokenizer.json`, and the names of its padding and
        unknown tokens in `tokenizer_config.json`). `prefix_space` is what transformers' tokenizer is
        given for byte-level BPE models (RoBERTa), whose words read as if after a space."""
        folder = Path(folder)
        try:
            saved = (folder / "tokenizer.json").read_text(encoding="utf-8")
            names = json.loads((folder / "tokenizer_config.json").read_text(encoding="utf-8"))
            backend = _untruncated(_with_prefix_space(saved) if prefix_space else saved)
        except Exception as error:  # a missing file, bad JSON, or the tokenizers library's own parse errors
            raise NerkitError("E023", f"cannot read the model's tokenizer: {error}", path=folder) from None

        def token_id(name: str) -> int | None:
            token = names.get(name)
            token = token.get("content") if isinstance(token, dict) else token
            return backend.token_to_id(token) if isinstance(token, str) else None

        pad = token_id("pad_token")
        pad = pad if pad is not None else 0
        return cls(backend, pad, token_id("unk_token") or pad)


def _with_prefix_space(text: str) -> str:
    """A tokenizer.json with `add_prefix_space` set on its byte-level and metaspace parts, where
    transformers' `add_prefix_space=True` sets it."""
    saved = json.loads(text)
    for part in ("pre_tokenizer", "decoder", "post_processor"):
        found = saved.get(part) or {}
        for step in [found, *found.get("pretokenizers", []), *found.get("processors", [])]:
            if (
                step.get("type") in ("ByteLevel", "Metaspace", "RobertaProcessing")
                and "add_prefix_space" in step
            ):
                step["add_prefix_space"] = True
    return json.dumps(saved)


class Encoder:
    """Turns pre-tokenised sentences into `Window`s for one tokenizer (a transformers tokenizer, or
    `Subwords` read from a model directory).

    Special tokens are found by tokenising a probe word, because tokenizers differ in what they add
    (`[CLS] … [SEP]`, `<s> … </s>`, nothing) and transformers v5 has no public helper that adds them to
    ids already produced.
    """

    def __init__(
        self,
        tokenizer: PreTrainedTokenizerBase | Subwords,
        max_length: int,
        casing: bool = False,
        context: int = 0,
    ) -> None:
        self.tokenizer = tokenizer
        subwords = Subwords.of(tokenizer)
        self._backend = subwords.backend
        probe = self._backend.encode(["probe"], is_pretokenized=True, add_special_tokens=True)
        inner = [index for index, word in enumerate(probe.word_ids) if word is not None]
        self.prefix = probe.ids[: inner[0]]
        self.suffix = probe.ids[inner[-1] + 1 :]
        self.budget = max_length - len(self.prefix) - len(self.suffix)
        if self.budget < 1:
            raise ValueError(f"max_length {max_length} leaves no room for words")
        self.pad_id = subwords.pad_id
        self.unknown = [subwords.unknown_id]
        """The subwords of a word the tokenizer drops (a lone control character)."""
        self.casing = casing
        self.context = context
        """Subwords of document context allowed on each side (0: sentences alone)."""

    def encode(
        self,
        sentences: Sequence[Sequence[str]],
        labels: Sequence[Sequence[int]] | None = None,
        contexts: Sequence[Context] | None = None,
    ) -> list[Window]:
        words_batch = [list(words) for words in sentences]
        pieces_batch = self._pieces(words_batch)
        flanks: list[tuple[list[_Piece], list[_Piece]]] = [([], []) for _ in words_batch]
        if contexts is not None and self.context > 0:
            befores = self._pieces([list(before) for before, _ in contexts])
            afters = self._pieces([list(after) for _, after in contexts])
            flanks = [
                (list(zip(before_words, before, strict=True)), list(zip(after_words, after, strict=True)))
                for (before_words, after_words), before, after in zip(contexts, befores, afters, strict=True)
            ]
        windows: list[Window] = []
        for index, (words, pieces) in enumerate(zip(words_batch, pieces_batch, strict=True)):
            plans = plan_windows([len(piece) for piece in pieces], self.budget)
            left, right = self._flanks(*flanks[index], pieces) if len(plans) == 1 else ([], [])
            sentence_labels = labels[index] if labels is not None else None
            for plan in plans:
                windows.append(self._window(index, words, pieces, plan, sentence_labels, left, right))
        return windows

    def _pieces(self, words_batch: list[list[str]]) -> list[list[list[int]]]:
        """Each word's subword ids; a word the tokenizer drops (a lone control character) gets `[UNK]`.
        The Rust tokenizer is called directly: transformers' wrapper around the same call spent three
        times as long turning its results into Python lists."""
        encodings = self._backend.encode_batch(words_batch, is_pretokenized=True, add_special_tokens=False)
        batch = []
        for words, encoding in zip(words_batch, encodings, strict=True):
            pieces: list[list[int]] = [[] for _ in words]
            for token_id, word in zip(encoding.ids, encoding.word_ids, strict=True):
                if word is not None:
                    pieces[word].append(token_id)
            batch.append([piece or self.unknown for piece in pieces])
        return batch

    def _flanks(
        self, before: list[_Piece], after: list[_Piece], pieces: list[list[int]]
    ) -> tuple[list[_Piece], list[_Piece]]:
        """Whole words from the end of `before` and the start of `after`, within the context budget and
        the room the sentence leaves in its window."""
        room = self.budget - sum(len(piece) for piece in pieces)
        left = _fit(reversed(before), min(self.context, room // 2 if after else room))[::-1]
        used = sum(len(piece) for _, piece in left)
        return left, _fit(after, min(self.context, room - used))

    def _window(
        self,
        index: int,
        words: list[str],
        pieces: list[list[int]],
        plan: WindowPlan,
        labels: Sequence[int] | None,
        left: list[_Piece],
        right: list[_Piece],
    ) -> Window:
        items = [(word, piece, IGNORE, False) for word, piece in left]
        for word in range(plan.start, plan.end):
            core = plan.core_start <= word < plan.core_end
            label = labels[word] if labels is not None and core else IGNORE
            items.append((words[word], pieces[word][: self.budget], label, core))
        items += [(word, piece, IGNORE, False) for word, piece in right]
        input_ids = list(self.prefix)
        first_subwords = []
        window_labels = [IGNORE] * len(self.prefix)
        token_types = [0] * len(self.prefix)
        for word, piece, label, core in items:
            if core:
                first_subwords.append(len(input_ids))
            window_labels += [label] + [IGNORE] * (len(piece) - 1)
            token_types += [word_shape(word)] * len(piece)
            input_ids += piece
        input_ids += self.suffix
        window_labels += [IGNORE] * len(self.suffix)
        token_types += [0] * len(self.suffix)
        return Window(
            index,
            input_ids,
            first_subwords,
            range(plan.core_start, plan.core_end),
            window_labels,
            token_types if self.casing else None,
        )

    def collate(self, windows: Sequence[Window]) -> dict[str, np.ndarray]:
        """Pad to the longest window in the batch only (dynamic padding). NumPy arrays: ONNX Runtime
        reads them as they are, and training wraps them without a copy (`torch.from_numpy`)."""
        width = max(len(window) for window in windows)
        ids = np.full((len(windows), width), self.pad_id, dtype=np.int64)
        mask = np.zeros((len(windows), width), dtype=np.int64)
        labels = np.full((len(windows), width), IGNORE, dtype=np.int64)
        types = np.zeros((len(windows), width), dtype=np.int64)
        for row, window in enumerate(windows):
            ids[row, : len(window)] = window.input_ids
            mask[row, : len(window)] = 1
            labels[row, : len(window)] = window.labels
            if window.token_types is not None:
                types[row, : len(window)] = window.token_types
        batch = {"input_ids": ids, "attention_mask": mask, "labels": labels}
        return batch | ({"token_type_ids": types} if self.casing else {})


def _untruncated(saved: str) -> Tokenizer:
    """The Rust tokenizer a tokenizer.json describes, neither truncating nor padding whatever it asks."""
    from tokenizers import Tokenizer

    backend = Tokenizer.from_str(saved)
    backend.no_truncation()
    backend.no_padding()
    return backend


def _fit(words: Sequence[_Piece] | Iterator[_Piece], budget: int) -> list[_Piece]:
    """Leading words whose subwords fit in `budget`."""
    chosen, used = [], 0
    for word, piece in words:
        if used + len(piece) > budget:
            break
        chosen.append((word, piece))
        used += len(piece)
    return chosen


def length_grouped_batches(
    lengths: Sequence[int], batch_size: int, rng: random.Random, group: int = 50
) -> list[list[int]]:
    """Training batches of similar length, so padding stays small: indices shuffled, cut into groups of
    `group` batches, sorted by length inside each group, and the batches shuffled (as in Hugging Face's
    length-grouped sampler)."""
    order = list(range(len(lengths)))
    rng.shuffle(order)
    size = batch_size * group
    batches = []
    for start in range(0, len(order), size):
        chunk = sorted(order[start : start + size], key=lambda index: -lengths[index])
        batches += [chunk[offset : offset + batch_size] for offset in range(0, len(chunk), batch_size)]
    rng.shuffle(batches)
    return batches


RUN_OVERHEAD = 16
"""What a forward pass costs before its first token, in tokens: about 1 ms for the int8 MiniLM in ONNX
Runtime on 2 cores, where a token of a small batch costs about 60 us (docs/benchmarks.md, "Batches cut
where they cost least")."""
FEWEST_RUNS = 1 << 30
"""A run cost no padding outweighs: as few batches as `batch_size` allows. For accelerators, where a run
costs kernel launches and a token next to nothing; not measured there (no GPU was lent), so they keep
the batching they had before the cost was measured on CPUs."""


def inference_batches(
    lengths: Sequence[int], batch_size: int, overhead: int = RUN_OVERHEAD
) -> list[list[int]]:
    """Inference batches, longest first, cut where they cost least: every window of a batch is padded
    to its longest, and each batch costs `overhead` tokens more. A document's few long paragraphs and
    many short header and signature lines in one batch of 32 were more than half padding; in two
    batches they cost less although the model runs twice. Over the windows sorted by length this is
    the least-cost cut into runs of at most `batch_size` (dynamic programming)."""
    order = sorted(range(len(lengths)), key=lambda index: -lengths[index])
    longest = [lengths[index] for index in order]
    cost = [0] * (len(order) + 1)
    cut = [0] * (len(order) + 1)
    for end in range(1, len(order) + 1):
        cost[end], cut[end] = min(
            (cost[start] + overhead + (end - start) * longest[start], start)
            for start in range(max(0, end - batch_size), end)
        )
    batches, end = [], len(order)
    while end:
        batches.append(order[cut[end] : end])
        end = cut[end]
    return batches[::-1]
