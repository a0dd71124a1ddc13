"""Micro-batching: texts from concurrent requests share one forward pass.

Requests drop their texts in a queue; one worker takes whatever has arrived (up to `max_batch` texts),
runs the model in a thread so the event loop keeps accepting requests, and hands each request its own
results. Greedy by default: it waits for nothing that has not arrived, so a lone request is answered
at once, and under load the queue fills while the previous batch runs. `max_wait` > 0 waits that long
for more after the first text.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

Result = TypeVar("Result")


@dataclass
class _Job(Generic[Result]):
    texts: Sequence[str]
    future: asyncio.Future[list[Result]]


@dataclass
class MicroBatcher(Generic[Result]):
    run: Callable[[list[str]], list[Result]]
    max_batch: int = 32
    max_wait: float = 0.0
    batches: int = field(default=0, init=False)
    _queue: asyncio.Queue[_Job[Result]] | None = field(default=None, init=False)
    _worker: asyncio.Task[None] | None = field(default=None, init=False)
    _loop: asyncio.AbstractEventLoop | None = field(default=None, init=False)

    async def submit(self, texts: Sequence[str]) -> list[Result]:
        loop = asyncio.get_running_loop()
        if self._loop is not loop:  # first call, or a new event loop (as test clients make)
            self._loop, self._queue = loop, asyncio.Queue()
            self._worker = loop.create_task(self._work())
        assert self._queue is not None
        future: asyncio.Future[list[Result]] = loop.create_future()
        await self._queue.put(_Job(texts, future))
        return await future

    async def _work(self) -> None:
        assert self._queue is not None
        while True:
            jobs = [await self._queue.get()]
            size = len(jobs[0].texts)
            deadline = time.monotonic() + self.max_wait
            while size < self.max_batch:
                remaining = deadline - time.monotonic()
                try:
                    if remaining > 0:
                        job = await asyncio.wait_for(self._queue.get(), remaining)
                    else:
                        job = self._queue.get_nowait()
                except (TimeoutError, asyncio.QueueEmpty):
                    break
                jobs.append(job)
                size += len(job.texts)
            jobs = [job for job in jobs if not job.future.done()]  # their requests timed out meanwhile
            if not jobs:
                continue
            texts = [text for job in jobs for text in job.texts]
            self.batches += 1
            try:
                results = await asyncio.to_thread(self.run, texts)
            except Exception as error:  # the requests report it; the worker keeps serving
                for job in jobs:
                    if not job.future.done():
                        job.future.set_exception(error)
                continue
            position = 0
            for job in jobs:
                if not job.future.done():
                    job.future.set_result(results[position : position + len(job.texts)])
                position += len(job.texts)
