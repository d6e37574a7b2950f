"""load: find the content files of an archive; read a file's bytes only when its parse is not cached."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .diagnostics import Diagnostic, Loc
from .model import Kind, SourceFile

FOLDERS: dict[str, Kind] = {"articles": "article", "entities": "entity", "claims": "claim", "sources": "source"}


@dataclass(frozen=True, slots=True)
class Found:
    """A content file as seen on disk: what tells whether it changed since the last build, without reading it."""

    path: str  # relative to the project root, with forward slashes
    kind: Kind
    stamp: tuple[int, int]  # size and modification time in nanoseconds


def _ignored(path: Path) -> bool:
    """Hidden files and editors' temporary files."""
    return any(part.startswith((".", "~", "#")) for part in path.parts) or path.name.endswith(("~", ".swp", ".tmp"))


def find(root: Path) -> tuple[list[Found], list[Diagnostic]]:
    content = root / "content"
    files: list[Found] = []
    problems: list[Diagnostic] = []
    if not content.is_dir():
        return files, [Loc("content").error("no content/ folder: put articles in content/articles/")]
    for path in sorted(content.rglob("*.md")):
        relative = path.relative_to(content)
        if _ignored(relative) or not path.is_file():
            continue
        rel = path.relative_to(root).as_posix()
        kind = FOLDERS.get(relative.parts[0]) if len(relative.parts) > 1 else None
        if kind is None:
            problems.append(Loc(rel).warning(
                "not in content/articles/, entities/, claims/ or sources/: ignored"))
            continue
        stat = path.stat()
        files.append(Found(rel, kind, (stat.st_size, stat.st_mtime_ns)))
    return files, problems


def read(root: Path, found: Found) -> SourceFile:
    return SourceFile(found.path, found.kind, (root / found.path).read_bytes())
