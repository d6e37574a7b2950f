"""Split long lists into pages of `per_page` items at `<base>`, `<base>page/2/`, ..."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, Sequence, TypeVar

T = TypeVar("T")


def page_of(base: str, number: int) -> str:
    """The site path of page `number` of the list whose first page is at `base`."""
    return base if number == 1 else f"{base}page/{number}/"


@dataclass(frozen=True, slots=True)
class Pager(Generic[T]):
    items: Sequence[T]
    number: int
    count: int
    total: int
    base: str  # the site path of page 1
    per_page: int

    def path(self, number: int) -> str:
        return page_of(self.base, number)

    @property
    def here(self) -> str:
        return self.path(self.number)

    @property
    def prev(self) -> str | None:
        return self.path(self.number - 1) if self.number > 1 else None

    @property
    def next(self) -> str | None:
        return self.path(self.number + 1) if self.number < self.count else None

    @property
    def start(self) -> int:
        """1-based position of the page's first item in the whole list (for `<ol start>`)."""
        return (self.number - 1) * self.per_page + 1


def pager(items: Sequence[T], per_page: int, base: str, number: int) -> Pager[T]:
    """Page `number` of the list (only its slice of `items` is read)."""
    count = max(1, -(-len(items) // per_page))
    return Pager(items[(number - 1) * per_page:number * per_page], number, count, len(items), base, per_page)
