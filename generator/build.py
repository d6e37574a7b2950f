"""build: the one orchestrator. load -> parse -> resolve -> render -> write, all problems reported at once.

A Builder remembers what its last build read and made (in memory for `serve`, in `.archive-cache/` between
runs of `archive build`), and does again only what a change requires: it parses the files whose bytes
changed (told by a watcher which ones, it looks at no other), brings the resolution up to date (in place when
`resolve.update` can, else whole), renders the pages that `changes.stale` names and the pages whose templates
changed, and writes only the files whose bytes differ. When nothing changed it writes nothing. A whole new
site is indexed for search by Pagefind, started as soon as the pages it reads are written (`search.searched`).
The result is byte-identical to a clean build; tests/test_incremental.py holds it to that.
"""
from __future__ import annotations

import contextlib
import os
import pickle
import secrets
import time
from dataclasses import dataclass, replace
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING, Collection, Iterator

from .cache import Cache, CacheUse, Parsed
from .changes import Snapshot, Stale, snapshot, stale
from .config import CONFIG_FILE, Config, load_config
from .diagnostics import BuildFailed, Diagnostic, Loc, UsageError, has_errors, promote_warnings
from .digest import content_digest, generator_digest
from .load import Found, find, path_order, read, refind
from .lock import build_lock
from .memory import long_lived
from .model import Archive, Document, SourceFile
from .render.paginate import page_of
from .render.theme import builtin_theme
from .render.urls import output_file, page_path
from .resolve import Resolution, resolve
from .resolve.update import update
from .result import BuildResult
from .spill import Spill
from .workers import in_chunks
from .write import SiteWriter, check_output, site_id

# Parsing, rendering and search (markdown-it, Jinja, Pygments, feedgen, Pagefind's client) are imported where a
# build first needs them: a build with nothing to do answers without them (they are 0.15 s of imports).
if TYPE_CHECKING:
    from jinja2 import Environment

    from .render.pages import Page
    from .render.site import Made, Todo
    from .search import MarkedPages

# a file modified this close to when it was read may change again within its timestamp's resolution
RACY_NS = 2_000_000_000
Stamp = tuple[tuple[int, int], str, int]
UNREADABLE = "unreadable"  # the digest of a file that could not be read
UNREAD = "unread"  # the digest of a file not read yet
PARSE_PARALLEL_FROM = 200  # files: below this, starting workers costs more than it saves
PARSE_CHUNK = 100  # files a worker parses before it sends their documents back
RESUME_UP_TO = 100  # files changed since the last build, up to which a new process resumes its resolution
# content files from which bodies are kept compressed: below, memory is plenty (10,000 articles peak at 0.4 GB
# of the 1 GB we allow) and compressing them and back was 3 % of a build's time
COMPRESS_FROM = 25_000
# content files from which a whole new site indexed for search is rendered in this process alone, Pagefind's parts
# indexed beside it on the other core: a forked render worker ends up with a copy of most of the heap it reads
# (reference counts). At 100,000 articles all processes then peak at 2,653 MiB instead of 3,721 (the limit we keep
# to is 4 GB), for 441 s instead of 387
RENDER_ALONE_FROM = 50_000
# planned again by every incremental build: the home page shows a little of everything, the indexes are cheap
EVERY_BUILD = {"home", "index:articles", "index:entities", "index:claims", "index:sources"}
PAGE_TEMPLATES = ("home.html", "articles.html", "article.html", "article_source.html", "entities.html",
                  "entity.html", "claims.html", "claim.html", "sources.html", "source.html", "search.html",
                  "404.html")


@dataclass
class State:
    """What the last good build read and made: enough to tell what the next one must do."""

    stamps: dict[str, Stamp]  # content file -> (size and mtime, digest, when that was read)
    settings: str  # digest of everything that changes every page: archive.toml, the generator, --strict
    theme: dict[str, tuple[int, int]]  # template and asset files -> size and mtime
    templates: dict[str, str]  # page template -> digest of it and what it includes
    snapshot: Snapshot
    outputs: dict[str, str]  # site file -> digest of its bytes
    build_id: str  # also in the site's marker file: a site changed by another build is not trusted
    diagnostics: list[Diagnostic]
    pages: int
    counts: dict[str, int]
    searched: bool  # whether site/pagefind/ indexes this site
    load_problems: list[Diagnostic]  # files found outside the content folders: a new one is a change
    made: Made | None = None  # the parts of the site-wide files, kept in memory only (serve)


class Clock:
    """Seconds spent in each stage, for `--verbose` and the benchmarks."""

    def __init__(self) -> None:
        self.times: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.times[stage] = self.times.get(stage, 0.0) + now - self._last
        self._last = now


class SourceChanged(BuildFailed):
    """A file read again while rendering (for the annotated source view) is no longer the one parsed."""


class NotAnArchive(UsageError):
    """Usage error: the folder has no archive.toml."""


def _theme_stamps(root: Path) -> dict[str, tuple[int, int]]:
    stamps = {}
    for folder in (builtin_theme(), root / "templates"):
        if folder.is_dir():
            for path in folder.rglob("*"):
                if path.is_file():
                    stat = path.stat()
                    stamps[str(path)] = (stat.st_size, stat.st_mtime_ns)
    return stamps


def _trusted(known: Stamp | None, f: Found) -> bool:
    """Whether the file is as it was when read (by size and time, as make does; not if it was modified so close
    to that reading that it may have changed again within its timestamp's resolution)."""
    return known is not None and known[0] == f.stamp and f.stamp[1] + RACY_NS < known[2]


def _discard(writer: SiteWriter, marked: MarkedPages | None) -> None:
    """A failed build's new folder goes, and the Pagefind run that reads it stops."""
    if marked is not None:
        marked.stop()
    writer.discard()


def _unchanged(state: State, found: list[Found], problems: list[Diagnostic]) -> bool:
    """Whether every content file is as the last build read it."""
    return problems == state.load_problems and len(found) == len(state.stamps) and all(
        _trusted(state.stamps.get(f.path), f) for f in found)


def _listing_pages(base: str, oldest_first: list[str] | tuple[str, ...], slugs: set[str], per_page: int) -> set[str]:
    """The pages of a newest-first list of articles that show these ones."""
    where: dict[str, int] = {}
    if len(slugs) < 16:  # a few (an edit): each searched for in C, not a pass over thousands in Python
        for slug in slugs:
            with contextlib.suppress(ValueError):
                where[slug] = oldest_first.index(slug)
    else:
        where = {slug: i for i, slug in enumerate(oldest_first) if slug in slugs}
    return {page_of(base, -(-(len(oldest_first) - i) // per_page)) for i in where.values()}


def _spilled(parsed: Parsed | None, spill: Spill | None) -> Parsed | None:
    if spill is not None and parsed is not None and parsed[0] is not None:
        parsed[0].body = spill.keep(parsed[0].body)
    return parsed


def _parse_files(root: Path, files: list[Found], workers: int, compress: bool
                 ) -> Iterator[list[tuple[str, bytes] | str]]:
    """Each file's digest and pickled parse (pickled once: to come back from a worker, and for the cache), or
    why it could not be read; by chunks as they are done, in forked workers when there are many. `compress`:
    whether bodies are kept compressed."""
    from .parse import parse_file

    def task(indexes: list[int]) -> list[tuple[str, bytes] | str]:
        done: list[tuple[str, bytes] | str] = []
        for i in indexes:
            try:
                file = read(root, files[i])
            except OSError as exc:
                done.append(exc.strerror or str(exc))
                continue
            done.append((file.digest, pickle.dumps(parse_file(file, compress), 5)))
        return done

    return in_chunks(task, len(files), workers if len(files) >= PARSE_PARALLEL_FROM else 1, PARSE_CHUNK)


class Builder:
    def __init__(self, root: Path, out: Path | None = None, *, strict: bool = False, cache: CacheUse = "on"):
        """`cache`: "on" to use and update .archive-cache/, "read" to only use it (a builder that only checks),
        "off" to build from nothing and leave no cache."""
        self.root, self.strict = root, strict
        self.out = (out or root / "site").absolute()
        if cache != "read":  # a builder that may write: before anything is written, refuse an output not ours
            check_output(self.out, root)
        self.cache = Cache(root, cache)
        self.persist = cache == "on"
        self.autosave = True  # save the cache after every build (serve saves once, when it stops)
        # a process that builds again and again (serve) collects each build's cyclic garbage (a single build:
        # there has been none to find, and looking costs 0.4 s after parsing 10,000 articles), and keeps the
        # parts of the site-wide files that the next build updates (a single build: they are memory it needs)
        self.lives_on = False
        # processes that parse and render (forked: not from a process with threads of its own, such as `serve`)
        self.workers = 1
        self.env: Environment | None = None  # while no template file changes
        self.env_key: tuple[str, dict] = ("", {})
        self.templates: dict[str, str] = {}  # page template -> digest of it and what it includes, for `env`
        state = self.cache.get("state")
        self.state: State | None = state if isinstance(state, State) else None
        self.parsed: dict[str, tuple[str, Parsed]] = {}  # path -> (digest, parse) of this process's builds
        self.parse_problems: dict[str, list[Diagnostic]] = {}  # of the files in `parsed` with any
        self.parsed_for: list[Found] | None = None  # the files (as found) that `parsed` is of
        self.unsaved: dict[tuple[str, str], bytes] = {}  # parses (pickled) not in the cache yet
        self.stamps: dict[str, Stamp] = dict(self.state.stamps) if self.state else {}
        self.load_problems: list[Diagnostic] = []
        self.found: list[Found] | None = None  # the content files as the last build found them
        # the last resolution, which an edit of articles alone updates (its archive changes in place: a
        # BuildResult's archive is valid until the next build)
        self.resolution: Resolution | None = None
        self.snapshot: Snapshot | None = None  # of the resolution, before the changes it counts as `touched`
        self.released = False  # whether the last build dropped part of its parses (`_release_parses`)

    # ---- load, parse, resolve: also all of `archive check` ------------------------------------

    def check(self, clock: Clock | None = None, files: tuple[list[Found], list[Diagnostic]] | None = None,
              edited: list[Found] | None = None) -> tuple[Config, Archive | None, list[Diagnostic], list[Found]]:
        """`edited`: when a watcher tells, the only files that may differ from this process's last build."""
        clock = clock or Clock()
        if not (self.root / CONFIG_FILE).is_file():
            raise NotAnArchive(f"no {CONFIG_FILE} in {self.root}: run inside an archive, or give its folder with -C DIR")
        config, diagnostics = load_config(self.root)
        found, problems = files or find(self.root)
        self.load_problems = problems
        diagnostics += problems
        clock.lap("load")
        with long_lived(cycles=self.lives_on):
            changes = self._parse(found, edited)
            diagnostics += chain.from_iterable(self.parse_problems.values())
            clock.lap("parse")
            resolution = self.resolution and update(self.resolution, changes, config)
            self.resolution = resolution or resolve(
                [doc for doc in (self.parsed[f.path][1][0] for f in found) if doc is not None], config)
        archive = self.resolution.archive
        diagnostics += self.resolution.problems
        clock.lap("resolve")
        if self.strict:
            diagnostics = promote_warnings(diagnostics)
        diagnostics.sort()
        return config, (None if has_errors(diagnostics) else archive), diagnostics, found

    def _resume(self, state: State, found: list[Found]) -> None:
        """In a new process, after a few files changed: the last build's resolution, made again from the parses
        that build made (the cache keeps them), so that the edit is applied to it as `serve` applies one
        (`resolve.update`) and the snapshot is taken again only of the records it touched (taking all of it
        and comparing was a fifth of an edit's build at 10,000 articles). Not when many files changed (such an
        edit is likely to need a whole resolution anyway), nor when a parse of the last build is not cached."""
        gone = state.stamps.keys() - {f.path for f in found}
        changed = len(gone) + sum(not _trusted(state.stamps.get(f.path), f) for f in found)
        if not 0 < changed <= RESUME_UP_TO:
            return
        keys = [(path, digest) for path, (_, digest, _) in state.stamps.items()]
        with long_lived(cycles=False):
            cached = self.cache.parsed(keys)
            if len(cached) != len(keys):
                return
            self.parsed = {path: (digest, cached[(path, digest)]) for path, digest in keys}
            docs = [doc for doc in (self.parsed[path][1][0] for path in sorted(self.parsed, key=path_order))
                    if doc is not None]
            self.resolution = resolve(docs, load_config(self.root)[0])
        self.parse_problems = {path: parse[1] for path, (_, parse) in self.parsed.items() if parse[1]}
        self.resolution.touched = set()  # (nothing since `state.snapshot`)
        self.snapshot = state.snapshot

    def _release_parses(self, archive: Archive) -> None:
        """Drop what rendering does not read of the articles' parses, before the render workers copy it: resolved,
        the mentions are in each article's `mentions` and `first_mentions` (100,000 articles hold 1.5 million),
        the claims in its `appearances` (each with three locations), the front matter in the article's own fields
        (with the locations of its values, a dozen objects an article) and the first paragraph in its summary.
        Only a later build of this process would read them: it parses again (from the cache, when there is one)."""
        none: list = []  # one for all (100,000 each would be 11 MB): nothing adds to a released parse
        for article in archive.articles:
            doc = article.doc
            doc.mentions, doc.claims, doc.fields, doc.first_paragraph = none, none, {}, ""
        self.released = True

    def _parse(self, found: list[Found], edited: list[Found] | None = None) -> dict[str, Document | None]:
        """Every file's parse, into `parsed` (and its problems into `parse_problems`): from this process's memory,
        else the cache, else parsing it. A file is read only when its size or modification time changed (or
        changed too recently to tell, as git does); with `edited` (the same files as this process's last parse,
        these changed), only those are looked at. Returns the documents that differ from this process's last
        parse (path -> document; None: none now)."""
        if self.released:  # the last build dropped part of its parses (`_release_parses`)
            self.parsed, self.parse_problems, self.resolution, self.released = {}, {}, None, False
        if not self.parsed:
            edited = None
        now = time.time_ns()
        changes: dict[str, Document | None] = {}
        digests: dict[str, str] = {}
        # with no parse to look up (a first build), a digest is wanted only with the parse: the worker that
        # parses the file reads it
        lookup = bool(self.parsed) or self.cache.holds_parses()
        looked_at = found if edited is None else edited
        for f in looked_at:
            known = self.stamps.get(f.path)
            if known is not None and _trusted(known, f):
                digests[f.path] = known[1]
            elif not lookup:
                digests[f.path] = UNREAD
            else:
                try:
                    # only its digest is kept: a file to parse is read again where it is parsed (a worker)
                    digest = read(self.root, f).digest
                except OSError:  # reported below, where a file read again for its parse fails too
                    digests[f.path] = UNREADABLE
                    continue
                digests[f.path] = digest
                self.stamps[f.path] = (f.stamp, digest, now)
        missing = [(path, digest) for path, digest in digests.items() if self.parsed.get(path, ("",))[0] != digest]
        cached = self.cache.parsed(missing) if lookup else {}
        by_path = {f.path: f for f in looked_at}
        unparsed = [path for path, digest in missing if (path, digest) not in cached]
        fresh: dict[str, tuple[str, Parsed] | str] = {}
        # a single build's render worker is forked: bodies move out of the heap it would copy (`spill`)
        spill = Spill() if not self.lives_on and self.workers > 1 else None
        paths = iter(unparsed)
        # (a parse from the cache keeps its body as it was packed: `unpack` reads either)
        compress = len(found) >= COMPRESS_FROM
        for chunk in _parse_files(self.root, [by_path[p] for p in unparsed], self.workers, compress):
            for outcome, path in zip(chunk, paths):
                if isinstance(outcome, str):
                    fresh[path] = outcome
                    continue
                digest, blob = outcome
                fresh[path] = (digest, _spilled(pickle.loads(blob), spill))
                if self.persist:
                    self.unsaved[(path, digest)] = blob
            if self.persist and self.autosave:  # into the cache as they come: all of them are gigabytes at 100k
                self.cache.add_parsed(self.unsaved)
                self.unsaved = {}
        for path, digest in missing:
            result = _spilled(cached.get((path, digest)), spill)
            if result is None:
                outcome = fresh[path]
                if isinstance(outcome, str):  # deleted since it was found, or not ours to read
                    self.stamps.pop(path, None)
                    result = (None, [Loc(path).error(f"cannot read this file: {outcome}")])
                    digest = UNREADABLE
                else:
                    digest, result = outcome
                    self.stamps[path] = (by_path[path].stamp, digest, now)
            self.parsed[path] = (digest, result)
            changes[path] = result[0]
            if result[1]:
                self.parse_problems[path] = result[1]
            else:
                self.parse_problems.pop(path, None)
        if edited is None and len(self.parsed) != len(digests):  # files went away
            changes.update((path, None) for path in self.parsed.keys() - digests.keys())
            self.parsed = {path: self.parsed[path] for path in digests}
            self.stamps = {path: self.stamps[path] for path in digests if path in self.stamps}
            self.parse_problems = {path: self.parse_problems[path] for path in digests if path in self.parse_problems}
        self.parsed_for = found
        return changes

    def warm(self) -> None:
        """After a start that took the no-change path (`serve` on a site the last build left up to date): build
        once more without it, so that the first edit finds in memory the resolution, snapshot and site-wide parts
        it updates. Nothing changed, so nothing is written but the site's marker."""
        if self.resolution is None:
            self.build(search=False, keep_search=True, recheck=True)

    def _read(self, doc: Document) -> str:
        """A document's text, read again from its file (the annotated source view shows it)."""
        from .parse import decode
        try:
            file = SourceFile(doc.path, doc.kind, (self.root / doc.path).read_bytes())
        except OSError:
            file = None
        text = decode(file)[0] if file is not None and file.digest == doc.digest else None
        if text is None:
            raise SourceChanged([Loc(doc.path).error("the file changed while the site was being built: build again")])
        return text

    # ---- the whole build --------------------------------------------------------------------

    def build(self, *, search: bool = True, keep_search: bool = False, changed: Collection[str] | None = None,
              recheck: bool = False) -> BuildResult:
        """Build the site; with `keep_search` (and no `search`), the previous site's search index is kept.
        `changed`: the paths (relative to the root) changed since the last build, when a watcher tells; the
        content folders are then not walked again. `recheck`: go through every stage even if nothing changed.
        Another build of the archive (another process's) first ends (`build_lock`)."""
        with build_lock(self.root, "archive serve" if self.lives_on else "archive build", make_folder=self.persist):
            try:
                return self._build(search, keep_search, changed, recheck)
            except SourceChanged:  # saved again while it was built: once more, reading what changed
                try:
                    return self._build(search, keep_search, None, recheck)
                except SourceChanged as failed:
                    return BuildResult(failed.diagnostics)

    def _build(self, search: bool, keep_search: bool, changed: Collection[str] | None, recheck: bool
               ) -> BuildResult:
        clock = Clock()
        if not (self.root / CONFIG_FILE).is_file():
            raise NotAnArchive(f"no {CONFIG_FILE} in {self.root}: run inside an archive, or give its folder with -C DIR")
        settings = content_digest(repr(((self.root / CONFIG_FILE).read_bytes(), generator_digest(), self.strict,
                                         str(self.out))).encode())
        theme = _theme_stamps(self.root)
        state = self.state if self.state and self.state.settings == settings else None
        if state and site_id(self.out) != state.build_id:
            state = None  # the site is not as our last build left it: rebuild all of it
        refound = refind(self.root, self.found, changed) if changed is not None and self.found is not None else None
        files = (refound[0], self.load_problems) if refound is not None else find(self.root)
        # only the files a watcher names need a look, if the last parse was of the files found before them
        edited = refound[1] if refound is not None and self.parsed_for is self.found else None
        self.found = files[0]
        if (not recheck and state and state.theme == theme and (state.searched or not search)
                and _unchanged(state, *files)):
            clock.lap("load")
            return BuildResult(state.diagnostics, None, state.pages, self.out, clock.times, state.counts)
        if state and not self._load_graph(state):
            state = None
        if state and not self.parsed:
            clock.lap("load")
            self._resume(state, files[0])
            clock.lap("resume")  # (the last build's parses and resolution, when taken up again)
        from .render.env import make_env, template_digests
        from .render.site import Ready, Todo, render_site
        from .render.views import Graph
        from .search import BUNDLE, MARKED_PAGES, TOGETHER, MarkedPages, SearchFailed, refresh_index, searched
        config, archive, diagnostics, _ = self.check(clock, files, edited)
        if archive is None:
            if self.autosave:
                self.save()
            return BuildResult(diagnostics, timings=clock.times)
        if self.env is None or (settings, theme) != self.env_key:  # compiled templates outlive a build (serve)
            self.env, self.env_key = make_env(self.root), (settings, theme)
            self.templates = template_digests(self.env, PAGE_TEMPLATES)
        env, templates = self.env, self.templates
        if not self.lives_on:
            self._release_parses(archive)
        graph = Graph(archive, self._read)
        resolution, last = self.resolution, self.snapshot
        # when the last build's snapshot is the one updated, only the records the update touched can differ
        candidates = resolution.touched if state and last is state.snapshot else None

        def take_snapshot() -> Snapshot:
            with long_lived(cycles=False):  # digests
                snap = snapshot(archive, last, resolution.touched)
            self.snapshot, resolution.touched = snap, set()
            return snap

        # with no last build to compare with, nothing needs the snapshot before rendering: it is taken meanwhile
        todo = self._todo(state, take_snapshot(), candidates, templates, archive, config.per_page) if state else Todo()
        clock.lap("plan")
        writer = SiteWriter(self.out, state.outputs if state else None)
        # a whole new site is indexed into itself: Pagefind starts once the pages it reads are written
        marked = MarkedPages(writer.dir, config.language, config.search_part_pages, writer.dir / MARKED_PAGES) \
            if search and writer.fresh else None
        ready = Ready(searched, marked.start, marked.add) if marked else None
        # a large archive indexed while it is rendered renders in this process alone: Pagefind has the other core
        workers = 1 if marked and len(self.parsed) >= RENDER_ALONE_FROM else self.workers
        try:
            pages, made = render_site(self.root, archive, config, writer, graph, env, todo, workers,
                                      state.made if state else None, None if state else take_snapshot,
                                      keep=self.lives_on, ready=ready)
        except BuildFailed as failed:
            _discard(writer, marked)
            if isinstance(failed, SourceChanged):
                raise
            return BuildResult(sorted(diagnostics + failed.diagnostics), timings=clock.times)
        except BaseException:
            _discard(writer, marked)
            raise
        clock.lap("render and write")
        changed = writer.fresh or bool(writer.changed) or writer.outputs.keys() != (state.outputs.keys() if state else set())
        indexed = bool(state and state.searched and not changed)
        wrote_index = False
        if marked:
            try:
                marked.wait(together=TOGETHER)
            except SearchFailed as failed:
                _discard(writer, marked)
                return BuildResult(sorted(diagnostics + [Loc(CONFIG_FILE).error(str(failed))]), timings=clock.times)
            except BaseException:
                _discard(writer, marked)
                raise
            indexed = wrote_index = True
            clock.lap("search index")
        elif keep_search:
            writer.adopt(BUNDLE)
        build_id = secrets.token_hex(8)
        written = writer.commit(build_id)
        clock.lap("commit")
        counts = {"articles": len(archive.articles), "entities": len(archive.entities),
                  "claims": len(archive.claims), "sources": len(archive.sources)}
        assert self.snapshot is not None  # taken before rendering, or while it ran
        self.state = State(dict(self.stamps), settings, theme, templates, self.snapshot, writer.outputs, build_id,
                           diagnostics, pages, counts, indexed, self.load_problems, made)
        if search and not indexed:
            try:
                refresh_index(self.out, config.language, config.search_part_pages)
                self.state.searched = wrote_index = True
            except SearchFailed as failed:
                diagnostics = sorted(diagnostics + [Loc(CONFIG_FILE).error(str(failed))])
            clock.lap("search index")
        if self.autosave:
            self.save()
        return BuildResult(diagnostics, archive, pages, self.out, clock.times, counts, written, wrote_index)

    def _todo(self, state: State, snap: Snapshot, candidates: set[str] | None, templates: dict[str, str],
              archive: Archive, per_page: int) -> Todo:
        """Which pages to render after the last build: those that `changes.stale` names, those whose template
        changed, new ones, and the home page (it shows a little of everything); and the records whose parts of
        the site-wide files (data export, suggestions) may have changed. (Without a last build: all of them.)"""
        from .render.site import Todo
        changes: Stale = stale(state.snapshot, snap, candidates)
        retemplated = {name for name, digest in templates.items() if state.templates.get(name) != digest}
        indexes = {"index:" + name for name in changes.indexes}
        listed = _listing_pages(page_path("articles"), snap.order, changes.retitled, per_page)
        for key in changes.rows.keys() | changes.counts:
            kind, rid = key[0], key[2:]
            rows = archive.entity_articles.get(rid) if kind == "e" else archive.source_citers.get(rid)
            if rows is not None:
                base = page_path("entity" if kind == "e" else "source", rid)
                listed |= _listing_pages(base, rows, changes.rows.get(key, set()), per_page)
                if key in changes.counts:
                    listed.add(base)
        outputs = state.outputs

        def is_stale(page: Page) -> bool:
            return (page.key in changes.records or page.key in indexes or page.template in retemplated
                    or page.key == "home" or page.path in listed or output_file(page.path) not in outputs)
        touched = changes.records | changes.rows.keys() | changes.counts
        return Todo(is_stale, touched, None if retemplated else touched | EVERY_BUILD)

    def save(self) -> None:
        if not self.persist:
            return
        self.cache.add_parsed(self.unsaved)
        self.unsaved = {}
        self.cache.keep_parsed({(path, digest) for path, (digest, _) in self.parsed.items()})
        if self.state is not None:
            # in two parts: a build with nothing to do reads only the first, which is small
            state = self.state
            self.cache.put("graph", (state.build_id, state.templates, state.snapshot, state.outputs))
            self.cache.put("state", replace(state, templates={}, snapshot=Snapshot(), outputs={}, made=None))

    def _load_graph(self, state: State) -> bool:
        """The large part of the last build's state, when it was saved apart; False when it is missing."""
        if state.outputs:  # this process made it
            return True
        graph = self.cache.get("graph")
        if not (isinstance(graph, tuple) and graph[0] == state.build_id):
            return False
        _, state.templates, state.snapshot, state.outputs = graph
        return True


def cores() -> int:
    """The processes a build may parse and render in: the cores this process may run on."""
    return len(os.sched_getaffinity(0))


def check(root: Path, *, strict: bool = False) -> tuple[Config, Archive | None, list[Diagnostic]]:
    """Everything `build` validates, writing nothing (the cache is only read)."""
    builder = Builder(root, strict=strict, cache="read")
    try:
        config, archive, diagnostics, _ = builder.check()
    finally:
        builder.cache.close()
    return config, archive, diagnostics


def build(root: Path, *, out: Path | None = None, strict: bool = False, search: bool = True,
          keep_search: bool = False, cache: CacheUse = "on") -> BuildResult:
    builder = Builder(root, out, strict=strict, cache=cache)
    builder.workers = cores()
    try:
        return builder.build(search=search, keep_search=keep_search)
    finally:
        builder.cache.close()  # a program that builds many times (tests, notebooks) keeps no file open
