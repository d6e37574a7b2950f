"""What a build reports: its problems, what it built and how long each stage took; also as JSON, for a build that
`archive serve` ran for another process (`handoff`)."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .diagnostics import Diagnostic, has_errors

if TYPE_CHECKING:
    from .model import Archive


@dataclass
class BuildResult:
    diagnostics: list[Diagnostic]
    # resolved; a builder that does not live on (`Builder.lives_on`) has dropped its articles' parsed mentions and
    # front matter (`Builder._release_parses`)
    archive: Archive | None = None
    pages: int = 0
    out: Path | None = None
    timings: dict[str, float] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)  # articles, entities, claims, sources
    written: int = 0  # files written or deleted: 0 when nothing changed
    indexed: bool = False  # whether it wrote the search index (Pagefind's files, not counted in `written`)

    @property
    def ok(self) -> bool:
        return not has_errors(self.diagnostics)

    def to_json(self) -> dict[str, Any]:
        """All of it but the archive, which stays in the process that built it."""
        return {"diagnostics": [asdict(d) for d in self.diagnostics], "pages": self.pages,
                "out": None if self.out is None else str(self.out), "timings": self.timings, "counts": self.counts,
                "written": self.written, "indexed": self.indexed}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> BuildResult:
        return cls([Diagnostic(**d) for d in data["diagnostics"]], None, data["pages"],
                   None if data["out"] is None else Path(data["out"]), data["timings"], data["counts"],
                   data["written"], data["indexed"])
