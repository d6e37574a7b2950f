"""load: find the content files of an archive and read their bytes."""
from __future__ import annotations

from pathlib import Path

from .diagnostics import Diagnostic, Loc
from .model import Kind, SourceFile

FOLDERS: dict[str, Kind] = {"articles": "article", "entities": "entity", "claims": "claim", "sources": "source"}


def _ignored(path: Path) -> bool:
    """Hidden files and editors' temporary files."""
    return any(part.startswith((".", "~", "#")) for part in path.parts) or path.name.endswith(("~", ".swp", ".tmp"))


def load(root: Path) -> tuple[list[SourceFile], list[Diagnostic]]:
    content = root / "content"
    files: list[SourceFile] = []
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
        files.append(SourceFile(rel, kind, path.read_bytes()))
    return files, problems
