"""The build's heavy stages (parsing, rendering) across CPU cores.

Workers are forked: they inherit everything the parent holds (the archive, the compiled templates), so nothing
large is pickled to them; they get chunks of indexes and send back what they made of them.
Not for a process with threads of its own (`serve`): forking one can copy a lock that another thread holds.
"""
from __future__ import annotations

import multiprocessing
from multiprocessing.sharedctypes import Synchronized
from typing import Callable, Iterator, TypeVar

R = TypeVar("R")

_task: Callable[[list[int]], object] | None = None  # what a forked worker inherited
_shared: tuple[list[list[int]], Synchronized] | None = None  # chunks, and the index of the next one to take


def in_chunks(task: Callable[[list[int]], R], count: int, workers: int, chunk: int) -> Iterator[R]:
    """`task` of each chunk of range(count), in order, as they are done, in `workers` forked processes (chunks go
    to whichever is free); with one worker, or one chunk's worth, `task` of all of it in this process."""
    if workers <= 1 or count <= chunk:
        yield task(list(range(count)))
        return
    with multiprocessing.get_context("fork").Pool(workers, initializer=_adopt, initargs=(task,)) as pool:
        yield from pool.imap(_run, _chunks(count, chunk))


def _chunks(count: int, chunk: int) -> list[list[int]]:
    return [list(range(start, min(start + chunk, count))) for start in range(0, count, chunk)]


def _adopt(task: Callable[[list[int]], object]) -> None:
    global _task
    _task = task


def _run(indexes: list[int]) -> object:
    assert _task is not None
    return _task(indexes)


def shared_chunks(task: Callable[[list[int]], R], count: int, workers: int, chunk: int,
                  first: Callable[[], None] = lambda: None) -> list[R]:
    """`task` of each chunk of range(count), in order, taken as each is free by this process and `workers` - 1
    forked ones: one fork fewer than `in_chunks` (a worker ends up with its own copy of most of the parent's
    memory, as reference counting writes to it), for tasks whose results are small: they come at the end.
    `first`: work of this process's own, done before it takes chunks (while the workers take them)."""
    if workers <= 1 or count <= chunk:
        first()
        return [task(list(range(count)))]
    global _shared
    context = multiprocessing.get_context("fork")
    chunks = _chunks(count, chunk)
    _shared = (chunks, context.Value("i", 0))
    try:
        with context.Pool(workers - 1, initializer=_adopt, initargs=(task,)) as pool:
            theirs = pool.map_async(_drain, range(workers - 1), chunksize=1)
            first()
            done = dict(_take(task))
            for part in theirs.get():
                done.update(part)
    finally:
        _shared = None
    return [done[i] for i in range(len(chunks))]


def _take(task: Callable[[list[int]], R]) -> list[tuple[int, R]]:
    assert _shared is not None
    chunks, next_index = _shared
    done = []
    while True:
        with next_index.get_lock():
            i = next_index.value
            next_index.value += 1
        if i >= len(chunks):
            return done
        done.append((i, task(chunks[i])))


def _drain(_: int) -> list[tuple[int, object]]:
    assert _task is not None
    return _take(_task)
