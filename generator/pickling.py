"""Fast pickling for the dataclasses kept in the build cache.

A slotted dataclass pickles by default through `dataclasses.fields()` for every object, which made loading
the parse cache of 10,000 articles take seconds; as a constructor call with its fields in order it is a tuple.
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from operator import attrgetter
from sys import intern
from typing import Any, Callable, TypeVar

T = TypeVar("T", bound=type)


def by_fields(cls: T | None = None, *, interned: tuple[str, ...] = ()) -> Any:
    """The decorator; `interned`: fields whose strings are interned when unpickled, for references (names,
    ids, stances) that thousands of parses repeat: each parse pickles its own copy, and one process holds them
    all."""
    def decorate(cls: T) -> T:
        names = [f.name for f in fields(cls)]
        # attrgetter of two or more names makes the tuple in C: half the time of a generator
        values = attrgetter(*names) if len(names) > 1 else lambda obj: tuple(getattr(obj, name) for name in names)
        which = [names.index(name) for name in interned]

        def __reduce__(self: Any) -> tuple[Callable[..., Any], tuple[Any, ...]]:  # noqa: N807 - the protocol's name
            return (_interning, (cls, which, values(self))) if which else (cls, values(self))

        cls.__reduce__ = __reduce__  # type: ignore[method-assign]
        return cls

    return decorate if cls is None else decorate(cls)


def _interning(cls: type, which: list[int], values: tuple[Any, ...]) -> Any:
    made = list(values)
    for i in which:
        if type(made[i]) is str:
            made[i] = intern(made[i])
    return cls(*made)


# For the values a parse makes by the million (positions, excerpts, mentions): compared and hashed by value, as
# frozen dataclasses are, but not frozen, which sets each field through object.__setattr__ (three times the
# time of making one). Nothing changes them once made.
parsed_value = dataclass(slots=True, unsafe_hash=True)
