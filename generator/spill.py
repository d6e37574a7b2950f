"""Packed bodies kept outside Python's heap, in shared memory, for a build whose render worker is forked.

Reading an object in CPython writes its reference count, so a forked worker ends up with its own copy of every
page of the heap that it or its parent reads: bodies on the heap were held twice. The pages of a shared mapping
that nobody writes after the fork stay one copy. Each body moves there as its parse is unpickled, so that the
next parse reuses its memory on the heap instead of leaving a hole there.
"""
from __future__ import annotations

import mmap

SEGMENT = 64 << 20  # bytes: a mapping holds the bodies of some 30,000 articles


class Spill:
    def __init__(self) -> None:
        self.segment = memoryview(b"")
        self.used = 0

    def keep(self, data: bytes) -> memoryview:
        """The bytes, copied into shared memory (a view of them there)."""
        size = len(data)
        if self.used + size > len(self.segment):
            self.segment, self.used = memoryview(mmap.mmap(-1, max(SEGMENT, size))), 0
        view = self.segment[self.used : self.used + size]
        view[:] = data
        self.used += size
        return view
