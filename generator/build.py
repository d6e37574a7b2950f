"""build: the one orchestrator. load -> parse -> resolve -> render -> write, all problems reported at once."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from .config import CONFIG_FILE, Config, load_config
from .diagnostics import BuildFailed, Diagnostic, Loc, has_errors, promote_warnings
from .load import load
from .model import Archive, Document
from .parse import parse_file
from .render.site import render_site
from .resolve import resolve
from .search import BUNDLE, SearchFailed, index_site
from .write import Staging, UnsafeOutput, check_output


@dataclass
class BuildResult:
    diagnostics: list[Diagnostic]
    archive: Archive | None = None
    pages: int = 0
    out: Path | None = None
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not has_errors(self.diagnostics)


class Clock:
    """Seconds spent in each stage, for `--verbose` and the benchmarks."""

    def __init__(self) -> None:
        self.times: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.times[stage] = self.times.get(stage, 0.0) + now - self._last
        self._last = now


class NotAnArchive(Exception):
    """Usage error: the folder has no archive.toml."""


def check(root: Path, *, strict: bool = False, clock: Clock | None = None
          ) -> tuple[Config, Archive | None, list[Diagnostic]]:
    """Everything `build` validates, writing nothing."""
    clock = clock or Clock()
    if not (root / CONFIG_FILE).is_file():
        raise NotAnArchive(f"no {CONFIG_FILE} in {root}: run inside an archive, or give its folder with -C DIR")
    config, diagnostics = load_config(root)
    files, problems = load(root)
    diagnostics += problems
    clock.lap("load")
    docs: list[Document] = []
    for file in files:
        doc, problems = parse_file(file)
        diagnostics += problems
        if doc is not None:
            docs.append(doc)
    clock.lap("parse")
    archive, problems = resolve(docs, config)
    diagnostics += problems
    clock.lap("resolve")
    if strict:
        diagnostics = promote_warnings(diagnostics)
    diagnostics.sort()
    return config, (None if has_errors(diagnostics) else archive), diagnostics


def build(root: Path, *, out: Path | None = None, strict: bool = False, search: bool = True,
          keep_search: bool = False) -> BuildResult:
    """Build the site; with `keep_search` (and no `search`), the previous site's search index is kept."""
    out = (out or root / "site").absolute()
    check_output(out, root)
    clock = Clock()
    config, archive, diagnostics = check(root, strict=strict, clock=clock)
    if archive is None:
        return BuildResult(diagnostics, timings=clock.times)
    try:
        staging = Staging(out)
    except OSError as exc:  # a read-only or impossible --out is the user's to fix, not a crash
        raise UnsafeOutput(f"cannot write the site to {out}: {exc.strerror or exc}: {exc.filename}") from exc
    try:
        pages = render_site(root, archive, config, staging)
    except BuildFailed as failed:
        staging.discard()
        return BuildResult(sorted(diagnostics + failed.diagnostics))
    except BaseException:
        staging.discard()
        raise
    clock.lap("render and write")
    if search:
        try:
            index_site(staging.dir, config.language)
        except SearchFailed as failed:
            staging.discard()
            return BuildResult(sorted(diagnostics + [Loc(CONFIG_FILE).error(str(failed))]), timings=clock.times)
        clock.lap("search index")
    elif keep_search:
        staging.adopt(BUNDLE)
    staging.commit()
    clock.lap("swap")
    return BuildResult(diagnostics, archive, pages, out, clock.times)
