"""The build's heavy stages (parsing, rendering) across CPU cores.

Workers are forked: they inherit everything the parent holds (the files read, the archive, the compiled
templates), so nothing large is pickled to them; they get chunks of indexes and send back small results.
Not for a process with threads of its own (`serve`): forking one can copy a lock that another thread holds.
"""
from __future__ import annotations

import multiprocessing
from typing import Callable, Iterator, TypeVar

R = TypeVar("R")

_task: Callable[[list[int]], object] | None = None  # what a forked worker inherited


def in_chunks(task: Callable[[list[int]], R], count: int, workers: int, chunk: int) -> Iterator[R]:
    """`task` of each chunk of range(count), in order, as they are done, in `workers` forked processes (chunks go
    to whichever is free); with one worker, or one chunk's worth, `task` of all of it in this process."""
    if workers <= 1 or count <= chunk:
        yield task(list(range(count)))
        return
    chunks = [list(range(start, min(start + chunk, count))) for start in range(0, count, chunk)]
    with multiprocessing.get_context("fork").Pool(workers, initializer=_adopt, initargs=(task,)) as pool:
        yield from pool.imap(_run, chunks)


def _adopt(task: Callable[[list[int]], object]) -> None:
    global _task
    _task = task


def _run(indexes: list[int]) -> object:
    assert _task is not None
    return _task(indexes)
