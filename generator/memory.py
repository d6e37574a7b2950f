"""Python's cycle collector and the long-lived objects of a build.

A build makes millions of objects that live on (tokens, the archive, the plan of pages) and next to no cycles.
Left alone, the collector rescans all of them again and again while they are made (planning the pages of a
10,000-article archive took ten times as long), and a long-lived `serve` pays for every full collection.
"""
from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Iterator


@contextmanager
def long_lived(*, cycles: bool = True) -> Iterator[None]:
    """Make objects meant to live on without collecting; then exempt them from later collections (they are
    still freed when nothing refers to them any more). With `cycles` (the code inside may leave cyclic
    garbage), the young garbage is collected first, at a cost that grows with what was made."""
    if not gc.isenabled():  # inside another long_lived(): that one collects
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        if cycles:
            gc.collect(1)
        gc.freeze()
