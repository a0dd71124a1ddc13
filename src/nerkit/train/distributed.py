"""Data-parallel training on torch.distributed, set up from the environment torchrun and accelerate
create (RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT).

nerkit adds no launcher of its own: `torchrun --nproc-per-node 2 -m nerkit train ...` or
`accelerate launch --num_processes 2 -m nerkit train ...` start the processes, and `Distributed` lets the
loop shard batches, reduce metrics and keep writes on rank 0. A single process is a world of one, where
every method is a no-op.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import torch
import torch.distributed as dist

T = TypeVar("T")


@dataclass(frozen=True)
class Distributed:
    rank: int = 0
    world_size: int = 1
    local_rank: int = 0
    owned: bool = False
    """Whether this object joined the process group (and so leaves it in `close`)."""

    @classmethod
    def from_environment(cls) -> Distributed:
        """Join the process group the launcher described: gloo on CPU, nccl when there are GPUs."""
        world_size = int(os.environ.get("WORLD_SIZE", "1"))
        if world_size <= 1:
            return cls()
        owned = not dist.is_initialized()
        if owned:
            dist.init_process_group("nccl" if torch.cuda.is_available() else "gloo")
        return cls(dist.get_rank(), dist.get_world_size(), int(os.environ.get("LOCAL_RANK", "0")), owned)

    def close(self) -> None:
        """Leave the process group this object joined, main rank last. Gloo's barrier returns on rank 0
        while its last message to the others may still be in flight; a rank 0 that tears its
        connections down then can abort a peer mid-teardown ("terminate called without an active
        exception", seen on rank 1 in clean-clone test runs). So the other ranks leave first and say so
        through the launcher's key-value store, which does not go through gloo, and rank 0 waits."""
        if not (self.owned and dist.is_initialized()):
            return
        store = dist.distributed_c10d._get_default_store()
        if self.is_main:
            store.wait([f"nerkit/left/{rank}" for rank in range(1, self.world_size)])
            dist.destroy_process_group()
        else:
            dist.destroy_process_group()
            store.set(f"nerkit/left/{self.rank}", "1")

    @property
    def enabled(self) -> bool:
        return self.world_size > 1

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    def device(self, requested: torch.device | str) -> torch.device:
        """Each process drives its own GPU; on CPU, all share the requested device."""
        if self.enabled and torch.cuda.is_available():
            return torch.device("cuda", self.local_rank)
        return torch.device(requested)

    def shard(self, items: Sequence[T]) -> list[T]:
        """This rank's share, with the list wrapped around so every rank takes the same number of steps
        (as DistributedSampler does); every rank must pass the same list."""
        if not self.enabled:
            return list(items)
        padded = list(items)
        while len(padded) % self.world_size:
            padded.append(items[len(padded) % len(items)])
        return padded[self.rank :: self.world_size]

    def gather(self, shard: list[T], total: int) -> list[T]:
        """Undo `shard`: every rank gets all `total` items back in their original order."""
        if not self.enabled:
            return shard
        shards: list[Any] = [None] * self.world_size
        dist.all_gather_object(shards, shard)
        return [shards[index % self.world_size][index // self.world_size] for index in range(total)]

    def gather_objects(self, value: T) -> list[T]:
        if not self.enabled:
            return [value]
        values: list[Any] = [None] * self.world_size
        dist.all_gather_object(values, value)
        return values

    def mean(self, value: float) -> float:
        if not self.enabled:
            return value
        tensor = torch.tensor([value], dtype=torch.float64, device=self.device("cpu"))
        dist.all_reduce(tensor)
        return float(tensor.item()) / self.world_size

    def barrier(self) -> None:
        if self.enabled:
            dist.barrier()
