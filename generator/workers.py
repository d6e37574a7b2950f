"""The build's heavy stages (parsing, rendering) across CPU cores.

Workers are forked: they inherit everything the parent holds (the archive, the compiled templates), so nothing
large is pickled to them; they get chunks of indexes and send back what they made of them.
Not for a process with threads of its own (`serve`): forking one can copy a lock that another thread holds.
"""
from __future__ import annotations

import contextlib
import multiprocessing
import os
import threading
from multiprocessing.sharedctypes import Synchronized
from typing import Callable, Iterator, TypeVar

R = TypeVar("R")
LOWER_BY = 10  # the niceness added to the work left when a `ready` call (Pagefind) is made

_task: Callable[[list[int]], object] | None = None  # what a forked worker inherited
# chunks; the index of the next one to take; how many of the `leading` first chunks are done; `leading`; whether
# the `ready` call was made
_shared: tuple[list[list[int]], Synchronized, Synchronized, int, Synchronized] | None = None


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
                  first: Callable[[], None] = lambda: None,
                  ready: tuple[int, Callable[[], None]] | None = None) -> list[R]:
    """`task` of each chunk of range(count), in order, taken as each is free by this process and `workers` - 1
    forked ones: one fork fewer than `in_chunks` (a worker ends up with its own copy of most of the parent's
    memory, as reference counting writes to it), for tasks whose results are small: they come at the end.
    `first`: work of this process's own, done before it takes chunks (while the workers take them).
    `ready`: (n, call): this process calls `call` once the first n items are done. The others are made after it
    at a lower priority: what `call` started (Pagefind) goes first, and they take the CPU time it leaves."""
    if workers <= 1 or count <= chunk:
        first()
        if ready is None:
            return [task(list(range(count)))]
        leading, call = ready
        done = [task(list(range(leading)))]
        call()
        return done + [_behind(lambda: task(list(range(leading, count))))]
    global _shared
    leading, call = ready or (0, None)
    context = multiprocessing.get_context("fork")
    # no chunk holds both leading items and others
    chunks = _chunks(leading, chunk) + [[leading + i for i in part] for part in _chunks(count - leading, chunk)]
    _shared = (chunks, context.Value("i", 0), context.Value("i", 0), -(-leading // chunk), context.Value("b", 0))
    try:
        with context.Pool(workers - 1, initializer=_adopt, initargs=(task,)) as pool:
            theirs = pool.map_async(_drain, range(workers - 1), chunksize=1)
            first()
            done = dict(_take(task, call))
            if call is not None:
                done.update(_behind(lambda: _take(task, lowered=True)))  # the chunks left when it was called, if any
            while not theirs.ready():  # or the leading chunks are the workers' still
                theirs.wait(0.02)
                _call_if_ready(call)
            for part in theirs.get():
                done.update(part)
    finally:
        _shared = None
    return [done[i] for i in range(len(chunks))]


def _take(task: Callable[[list[int]], R], call: Callable[[], None] | None = None,
          lowered: bool = False) -> list[tuple[int, R]]:
    """Chunks as they are free, until none is left. With `call` (this process), until the leading chunks are
    done: it calls `call` and stops. Without (the workers), at a lower priority once `call` was called, unless
    `lowered` already."""
    assert _shared is not None
    chunks, next_index, finished, leading, called = _shared
    done = []
    while True:
        if _call_if_ready(call):
            return done
        if call is None and called.value and not lowered:
            _lower_priority()
            lowered = True
        with next_index.get_lock():
            i = next_index.value
            next_index.value += 1
        if i >= len(chunks):
            return done
        done.append((i, task(chunks[i])))
        if i < leading:
            with finished.get_lock():
                finished.value += 1


def _call_if_ready(call: Callable[[], None] | None) -> bool:
    """Call `call` if the leading chunks are done and it was not called yet; whether it was, now."""
    assert _shared is not None
    _, _, finished, leading, called = _shared
    if call is None or called.value or finished.value < leading:
        return False
    called.value = 1
    call()
    return True


def _behind(work: Callable[[], R]) -> R:
    """`work` in a thread of its own at a lower priority (on Linux a thread's own): this process keeps its
    priority for what it does after."""
    result: list[tuple[bool, object]] = []

    def run() -> None:
        _lower_priority()
        try:
            result.append((True, work()))
        except BaseException as exc:  # noqa: BLE001 - raised again in the caller's thread
            result.append((False, exc))

    thread = threading.Thread(target=run, name="behind-search", daemon=True)
    thread.start()
    thread.join()
    ok, value = result[0]
    if not ok:
        raise value  # type: ignore[misc]
    return value  # type: ignore[return-value]


def _lower_priority() -> None:
    """Lower this thread's priority: in a forked worker, the process's."""
    thread = threading.get_native_id()
    with contextlib.suppress(OSError, AttributeError):
        os.setpriority(os.PRIO_PROCESS, thread, min(19, os.getpriority(os.PRIO_PROCESS, thread) + LOWER_BY))


def _drain(_: int) -> list[tuple[int, object]]:
    assert _task is not None
    return _take(_task)
