"""Fine-tuning: the loop, its schedule, validation after each epoch, best model, early stopping,
checkpoints to resume from, and data parallelism when launched by torchrun or accelerate."""

from __future__ import annotations

import math
import random
import re
import shutil
import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import torch
import transformers
from torch.nn.functional import cross_entropy
from torch.nn.parallel import DistributedDataParallel
from tqdm.auto import tqdm
from transformers import get_linear_schedule_with_warmup

from nerkit import modeldir
from nerkit.corpus import Corpus, Sentence
from nerkit.encode import IGNORE, Context, Window, length_grouped_batches
from nerkit.errors import NerkitError
from nerkit.evaluate import Report, evaluate
from nerkit.labels import UNKNOWN, entity_types, label_list, parse_tag, readable_names
from nerkit.model import Tagger
from nerkit.network import Network, bfloat16, word_rows
from nerkit.train import checkpoint as checkpoints
from nerkit.train.checkpoint import Checkpoint, Position, checkpoint_path, targets_path
from nerkit.train.config import TrainConfig
from nerkit.train.distill import distillation_loss, load_teachers, soft_labels
from nerkit.train.distributed import Distributed
from nerkit.train.partial import completed, rehearsal_targets


@dataclass(frozen=True)
class TrainResult:
    path: Path
    best_epoch: int
    validation: Report | None
    """None when the validation split was trained on (`train_with_validation`)."""
    test: Report | None
    history: list[dict[str, float]]


@dataclass(frozen=True)
class Progress:
    """What `on_step` sees after each optimiser step (and after that step's checkpoint, if any)."""

    epoch: int
    step: int
    global_step: int
    loss: float
    tagger: Tagger
    rank: int


def _label_ids(sentences: Sequence[Sentence], labels: Sequence[str]) -> list[list[int]]:
    index = {label: position for position, label in enumerate(labels)} | {UNKNOWN: IGNORE}
    return [[index[tag] for tag in sentence.tags] for sentence in sentences]


def evaluate_tagger(
    tagger: Tagger,
    sentences: Sequence[Sentence],
    batch_size: int = 64,
    distributed: Distributed | None = None,
) -> Report:
    """`evaluate` with each rank tagging its share; every rank scores all of them, so decisions such
    as early stopping agree across ranks."""
    distributed = distributed or Distributed()

    def predict(words: list[Sequence[str]], contexts: list[Context]) -> list[Sequence[str]]:
        mine = distributed.shard(list(zip(words, contexts, strict=True)))
        found = tagger.predict([w for w, _ in mine], batch_size, contexts=[c for _, c in mine])
        return distributed.gather([prediction.tags for prediction in found], len(words))

    return evaluate(sentences, predict).report


def _seed_everything(seed: int) -> random.Random:
    transformers.set_seed(seed)
    return random.Random(seed)


def _optimizer(network: Network, config: TrainConfig, steps: int):
    layers = network.encoder.config.num_hidden_layers
    groups: dict[tuple[float, bool], list[torch.nn.Parameter]] = {}
    for name, parameter in network.named_parameters():
        decays = not (
            parameter.ndim < 2 or "LayerNorm" in name or "bias" in name or name.startswith("transitions.")
        )
        rate = _rate_scale(name, layers, config.layer_decay, config.head_lr_scale)
        groups.setdefault((rate, decays), []).append(parameter)
    optimizer = torch.optim.AdamW(
        [
            {
                "params": parameters,
                "lr": config.resolved_learning_rate * rate,
                "weight_decay": config.weight_decay if decays else 0.0,
            }
            for (rate, decays), parameters in sorted(groups.items())
        ]
    )
    scheduler = get_linear_schedule_with_warmup(optimizer, math.ceil(config.warmup_ratio * steps), steps)
    return optimizer, scheduler


def _rate_scale(name: str, layers: int, layer_decay: float, head_scale: float) -> float:
    """Where a parameter sits decides its learning rate: the head above the encoder, layer N below
    layer N+1, the embeddings below every layer."""
    if Network.is_head(name):
        return head_scale
    layer = re.search(r"\.layer\.(\d+)\.", name)
    if layer is not None:
        return layer_decay ** (layers - 1 - int(layer[1]))
    return layer_decay**layers if "embeddings" in name else 1.0


def precision(config: TrainConfig, device: torch.device) -> AbstractContextManager[object]:
    """bfloat16 autocast when `config.bf16` (the forward pass only; losses are taken in fp32)."""
    return bfloat16(device, config.bf16)


def _step(
    model: torch.nn.Module,
    tagger: Tagger,
    batch: Sequence[Window],
    optimizer: torch.optim.Optimizer,
    scheduler: torch.optim.lr_scheduler.LRScheduler,
    config: TrainConfig,
    targets: torch.Tensor | None = None,
) -> float:
    inputs = {
        key: torch.from_numpy(value).to(tagger.device) for key, value in tagger.encoder.collate(batch).items()
    }
    labels = inputs.pop("labels")
    with precision(config, tagger.device):
        logits = model(**inputs)
    logits = logits.float()
    transitions = tagger.decoder.transitions
    if transitions is None:
        loss = cross_entropy(logits.flatten(0, 1), labels.flatten(), ignore_index=IGNORE)
    else:
        loss = transitions.nll(*word_rows(logits, labels))
    distilled = (
        distillation_loss(logits[labels != IGNORE], targets.to(tagger.device))
        if targets is not None
        else None
    )
    if distilled is not None:
        loss = (1 - config.distill_weight) * loss + config.distill_weight * distilled
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), config.max_grad_norm)
    optimizer.step()
    scheduler.step()
    optimizer.zero_grad(set_to_none=True)
    return float(loss.item())


def _metadata(
    corpus: Corpus,
    config: TrainConfig,
    labels: list[str],
    label_names: Mapping[str, str],
    sizes: Mapping[str, int],
    processes: int,
) -> dict[str, Any]:
    return {
        "labels": labels,
        "label_names": dict(label_names),
        "scheme": "IOB2",
        "base": config.base or "all-MiniLM-L6-v2 (bundled)",
        "data": {
            "corpus": corpus.name,
            "sources": list(corpus.sources),
            "fingerprint": corpus.fingerprint,
            "split": "reference (test N%10==0, validation N%10==9)"
            if len(corpus.sources) == 1
            else "files as given",
            "sizes": dict(sizes),
            "repairs": dict(corpus.repairs),
        },
        "hyperparameters": {**asdict(config), "learning_rate": config.resolved_learning_rate},
        "processes": processes,
        **modeldir.provenance(),
    }


def continuing(config: TrainConfig) -> bool:
    """Whether training continues a nerkit model (see `starting_tagger`)."""
    return config.base is not None and config.layers is None and modeldir.is_model(config.base)


def starting_tagger(config: TrainConfig, types: Sequence[str], device: torch.device | str) -> Tagger:
    """What training starts from. A nerkit model as `config.base` (`default` too) continues: its head,
    transitions, word shapes and readable names are kept, to be widened by the data's new types
    (`Tagger.widen`), so it still tags what it knew; with `config.layers` it gives a student its first
    layers and a fresh head instead. Any other base is an encoder that gets a fresh head for `types`."""
    if continuing(config):
        tagger = Tagger.load(modeldir.model_path(config.base), device, config.allow_pickle, backend="torch")
        tagger.decoder.temperature = 1.0  # fitted to the old weights; `nerkit calibrate` fits a new one
        return tagger
    return Tagger.from_base(
        config.base,
        label_list(types),
        config.max_length,
        device,
        config.casing,
        allow_pickle=config.allow_pickle,
        context=config.context,
        layers=config.layers,
    )


def _in_types(sentences: Sequence[Sentence], codes: Mapping[str, str]) -> list[Sentence]:
    """Sentences whose tags use a continued model's readable names ("PERSON", as a page shows them) or
    its types in capitals ("PER", as Label Studio's template writes them) in its own types (`per`), so
    that they teach the type behind the name, not a new one."""

    def coded(tag: str) -> str:
        prefix, kind = parse_tag(tag)
        return f"{prefix}-{codes[kind]}" if kind in codes else tag

    return [replace(s, tags=tuple(coded(tag) for tag in s.tags)) for s in sentences]


def _read_by(tagger: Tagger, sentences: Sequence[Sentence], batch_size: int) -> list[Any]:
    """The starting model's word-label probabilities, read once for completing and rehearsing."""
    return tagger.word_probabilities(
        [s.words for s in sentences], batch_size, contexts=[s.context for s in sentences]
    )


def _partial(config: TrainConfig, known: Sequence[str], annotated: Sequence[str]) -> list[str]:
    """The starting model's types the data leaves unmarked, when they are to be taken from the model
    (`train.partial`): by default whenever a model continues on data that lacks some of its types."""
    others = sorted(set(known) - set(annotated)) if continuing(config) else []
    if config.partial and not continuing(config):
        raise NerkitError("E090", "partial annotation needs a model to start from", hint="Pass --base MODEL.")
    if config.partial is False or not others:
        return []
    if config.teachers:
        raise NerkitError(
            "E090",
            "partial annotation rehearses the starting model, which leaves no room for --teacher",
            hint="Drop --teacher, or pass --no-partial.",
        )
    return others


def train(
    corpus: Corpus,
    out: str | Path,
    config: TrainConfig | None = None,
    *,
    device: torch.device | str = "cpu",
    progress: bool = True,
    resume: bool = False,
    on_step: Callable[[Progress], None] | None = None,
) -> TrainResult:
    """Fine-tune `config.base` on `corpus["train"]`, keep the epoch with the best validation F1 in `out`,
    stop after `patience` epochs without improvement, and score the kept model on the test split.
    With `train_with_validation` the validation sentences are trained on too, and the last epoch is kept.

    The state needed to carry on is checkpointed to `<out>.checkpoint` after every epoch and every
    `config.checkpoint_steps` steps; `resume=True` continues from there and ends with the same weights
    and scores as a run that was never interrupted. Under torchrun/accelerate each process trains on
    its shard of every epoch's batches; rank 0 alone writes files and progress.
    """
    config = (config or TrainConfig()).validated()
    out = Path(out)
    train_sentences = corpus["train"][: config.limit_train] if config.limit_train else corpus["train"]
    validation = corpus["validation"]
    if not train_sentences or not validation:
        raise NerkitError(
            "E032",
            f"need training and validation sentences, got {len(train_sentences)} and {len(validation)}",
            hint="Give a corpus name or single file (split automatically), or pass --train and --validation.",
        )
    if config.train_with_validation:
        train_sentences = [*train_sentences, *validation]
    distributed = Distributed.from_environment()
    device = distributed.device(device)
    rng = _seed_everything(config.seed)
    tagger = starting_tagger(config, corpus.entity_types, device)
    known = list(tagger.labels)
    names = tagger.metadata.get("label_names", {})
    codes = {code.upper(): code for code in names} | {name: code for code, name in names.items()}
    if continuing(config) and set(corpus.entity_types) & set(codes):
        train_sentences, validation = (_in_types(split, codes) for split in (train_sentences, validation))
    found = entity_types(s.tags for s in (*train_sentences, *validation))
    annotated = sorted({*found, *(codes.get(label, label) for label in config.annotated)})
    partial = _partial(config, entity_types([known]), annotated)
    if partial:
        if progress and distributed.is_main:
            tqdm.write(
                f"partial annotation: the data marks {', '.join(annotated)}; the starting model's "
                f"{', '.join(partial)} are taken from its predictions and rehearsed (--no-partial: not)"
            )
        starting = [
            _read_by(tagger, split, config.eval_batch_size) for split in (train_sentences, validation)
        ]
        train_sentences = completed(tagger, train_sentences, starting[0], annotated)
        validation = completed(tagger, validation, starting[1], annotated)
    tagger.widen(label_list({*tagger.entity_types, *annotated}))
    labels = tagger.labels
    network = tagger.network(crf=config.crf)
    windows = tagger.encoder.encode(
        [s.words for s in train_sentences],
        _label_ids(train_sentences, labels),
        [s.context for s in train_sentences],
    )
    soft = (
        rehearsal_targets(starting[0], known, labels, windows, annotated)
        if partial
        else _teachers_targets(
            config,
            tagger,
            train_sentences,
            windows,
            out,
            corpus.fingerprint,
            resume=resume,
            progress=progress,
            distributed=distributed,
        )
    )
    torch.manual_seed(config.seed + distributed.rank)  # the same weights everywhere, dropout per rank
    lengths = [len(window) for window in windows]
    batches_per_epoch = math.ceil(len(windows) / config.batch_size)
    steps_per_epoch = math.ceil(batches_per_epoch / distributed.world_size)
    optimizer, scheduler = _optimizer(network, config, steps_per_epoch * config.epochs)
    sizes = {"train": len(train_sentences), "validation": len(validation), "test": len(corpus["test"])}
    names = readable_names(tagger.entity_types, tagger.metadata.get("label_names"))
    metadata = _metadata(corpus, config, labels, names, sizes, distributed.world_size)
    saved_at = checkpoint_path(out)

    position = Position()
    if resume:
        state = checkpoints.load(saved_at, config, corpus.fingerprint, distributed.world_size)
        network.load_state_dict(state.model)
        optimizer.load_state_dict(state.optimizer)
        scheduler.load_state_dict(state.scheduler)
        checkpoints.restore_rng(rng, state, distributed.rank)
        position = state.position
    model = DistributedDataParallel(network) if distributed.enabled else network

    def save_checkpoint() -> None:
        rng_states = distributed.gather_objects(torch.get_rng_state())
        if distributed.is_main:
            state = Checkpoint(
                position,
                network.state_dict(),
                optimizer.state_dict(),
                scheduler.state_dict(),
                rng.getstate(),
                rng_states,
            )
            checkpoints.save(saved_at, state, config, corpus.fingerprint, distributed.world_size)
        distributed.barrier()

    quiet = not progress or not distributed.is_main
    bar = tqdm(
        total=steps_per_epoch * config.epochs, initial=position.global_step, unit="step", disable=quiet
    )
    say = bar.write if not quiet else lambda _: None
    while position.epoch <= config.epochs and not position.finished:
        epoch, started = position.epoch, time.perf_counter()
        bar.set_description(f"epoch {epoch}/{config.epochs}")
        if position.order is None:
            position.order = length_grouped_batches(lengths, config.batch_size, rng)
        mine = distributed.shard(position.order)
        model.train()
        for batch in mine[position.done :]:
            targets = torch.cat([soft[i] for i in batch]) if soft is not None else None
            loss = _step(model, tagger, [windows[i] for i in batch], optimizer, scheduler, config, targets)
            position.done += 1
            position.global_step += 1
            position.loss_sum += loss
            position.losses.append(round(loss, 5))
            bar.set_postfix(loss=f"{position.loss_sum / position.done:.4f}", refresh=False)
            bar.update()
            if config.checkpoint_steps and position.global_step % config.checkpoint_steps == 0:
                save_checkpoint()
            if on_step is not None:
                on_step(Progress(epoch, position.done, position.global_step, loss, tagger, distributed.rank))
        seen = config.train_with_validation
        report = None
        if not seen:
            with precision(config, device):
                report = evaluate_tagger(tagger, validation, config.eval_batch_size, distributed)
        epoch_loss = distributed.mean(position.loss_sum / max(len(mine), 1))
        scores = {"validation_f1": report.micro.f1} if report else {}
        position.history.append(
            {
                "epoch": epoch,
                "loss": round(epoch_loss, 5),
                **scores,
                "seconds": round(time.perf_counter() - started, 1),
            }
        )
        scored = f"  validation F1 {report.micro.f1:.4f}" if report else ""
        say(f"epoch {epoch}: loss {epoch_loss:.4f}{scored}")
        if report is None or report.micro.f1 > position.best_f1:
            position.best_epoch = epoch
            if report is not None:
                position.best_f1, position.best_report = report.micro.f1, report.to_dict()
            if distributed.is_main:
                kept = {**_curves(position), "best_epoch": epoch, "metrics": _metrics(position)}
                tagger.save(out, {**metadata, **kept})
        elif epoch - position.best_epoch >= config.patience:
            say(f"early stop: no validation gain for {config.patience} epochs")
            position.finished = True
        position.epoch, position.done, position.order, position.loss_sum = epoch + 1, 0, None, 0.0
        save_checkpoint()
    bar.close()
    return _finish(tagger, corpus, out, config, metadata, position, distributed)


def _finish(
    tagger: Tagger,
    corpus: Corpus,
    out: Path,
    config: TrainConfig,
    metadata: dict[str, Any],
    position: Position,
    distributed: Distributed,
) -> TrainResult:
    """Score the kept epoch on the test split, record it, and drop the checkpoint it no longer needs."""
    best = Tagger.load(out, tagger.device) if position.best_epoch != len(position.history) else tagger
    test_sentences = corpus["test"]
    with precision(config, tagger.device):
        test = (
            evaluate_tagger(best, test_sentences, config.eval_batch_size, distributed)
            if test_sentences
            else None
        )
    metrics = {**_metrics(position), **({"test": test.to_dict()} if test else {})}
    if distributed.is_main:
        best.save(
            out,
            {**metadata, **_curves(position), "best_epoch": position.best_epoch, "metrics": metrics},
        )
        shutil.rmtree(checkpoint_path(out), ignore_errors=True)
        targets_path(out).unlink(missing_ok=True)
    distributed.barrier()
    distributed.close()
    validation = Report.from_dict(position.best_report) if position.best_report else None
    return TrainResult(out, position.best_epoch, validation, test, position.history)


LOSS_POINTS = 400
"""At most this many points of the step-loss curve are kept in nerkit.json."""


def _curves(position: Position) -> dict[str, Any]:
    """The epoch history and the step losses, averaged over equal runs of steps so a long training
    stays a small curve: `step_loss` is `[[last step of the run, mean loss], ...]`."""
    losses = position.losses
    every = max(1, math.ceil(len(losses) / LOSS_POINTS))
    curve = [
        [
            min(start + every, len(losses)),
            round(sum(losses[start : start + every]) / len(losses[start : start + every]), 5),
        ]
        for start in range(0, len(losses), every)
    ]
    return {"history": position.history, "step_loss": curve}


def _metrics(position: Position) -> dict[str, Any]:
    return {"validation": position.best_report} if position.best_report else {}


def _taught(sentences: Sequence[Sentence], sources: Sequence[str]) -> list[bool] | None:
    """Which sentences the teachers teach: those of `sources`, or all when none are named."""
    if not sources:
        return None
    known = {sentence.source for sentence in sentences} - {""}
    unknown = sorted(set(sources) - known)
    if unknown:
        raise NerkitError(
            "E037",
            f"no training sentence comes from {', '.join(unknown)}",
            hint=f"Name sources the training data has: {', '.join(sorted(known)) or 'it names none'}.",
        )
    return [sentence.source in sources for sentence in sentences]


def _teachers_targets(
    config: TrainConfig,
    tagger: Tagger,
    sentences: Sequence[Sentence],
    windows: Sequence[Window],
    out: Path,
    fingerprint: str,
    *,
    resume: bool,
    progress: bool,
    distributed: Distributed,
) -> list[torch.Tensor] | None:
    """The teachers' soft labels for every training window: read back when resuming (the teachers'
    pass ran before the interruption), else computed and kept beside the checkpoint."""
    if not config.teachers:
        return None
    saved_at = targets_path(out)
    found = checkpoints.load_targets(saved_at, config, fingerprint) if resume else None
    if found is not None:
        return found
    teachers = load_teachers(config.teachers, tagger, tagger.device)
    with precision(config, tagger.device):
        targets = soft_labels(
            teachers,
            [s.words for s in sentences],
            [s.context for s in sentences],
            windows,
            config.eval_batch_size,
            progress and distributed.is_main,
            taught=_taught(sentences, config.teach),
        )
    if distributed.is_main:
        checkpoints.save_targets(saved_at, targets, config, fingerprint)
    return targets
