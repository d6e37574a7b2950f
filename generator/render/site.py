"""render: every page, feed and data file of the site into the staging folder."""
from __future__ import annotations

import os
import traceback
from dataclasses import dataclass, field
from itertools import chain, filterfalse
from operator import attrgetter
from pathlib import Path
from typing import Callable, Collection, Literal, NamedTuple

from jinja2 import Environment, TemplateError, TemplateNotFound, TemplatesNotFound, TemplateSyntaxError

from ..config import Config
from ..diagnostics import BuildFailed, Diagnostic, Loc
from ..digest import content_digest
from ..memory import long_lived
from ..model import Archive, Article
from ..workers import shared_chunks
from ..write import SiteWriter
from .data import ARCHIVE_JSON, AtomFeeds, Lines, archive_json, newest_first, sitemap
from .env import page_vars
from .highlight import stylesheet
from .pages import Page, Planner, RecordIds, keys, record_ids
from .suggest import Suggestions, suggestions
from .theme import builtin_theme
from .urls import output_file, page_path
from .views import Graph


def _template_error(exc: Exception, root: Path) -> Diagnostic | None:
    """A template problem as a diagnostic at the template's file and line; None when no template was
    running (then it is a bug of ours, and the traceback is what a developer needs)."""
    filename, line = None, 1
    if isinstance(exc, TemplateSyntaxError):
        filename, line = exc.filename, exc.lineno or 1
    else:
        for frame, lineno in traceback.walk_tb(exc.__traceback__):
            name = frame.f_code.co_filename
            if name.endswith((".html", ".xml", ".txt")):
                filename, line = name, lineno
    if filename is None and not isinstance(exc, TemplateError):
        return None
    path = os.path.relpath(filename, root) if filename else "templates"
    message = getattr(exc, "message", None) or str(exc)
    if isinstance(exc, TemplateNotFound) and not isinstance(exc, TemplatesNotFound):
        message = f"'{exc.name}' not found in templates/ or the built-in theme"  # Jinja's message is the bare name
    return Loc(Path(path).as_posix(), line, 1).error(f"template error: {message}")


@dataclass
class Made:
    """The site-wide files as the last build made them, by part: the next build makes again only the parts
    that its changes reach (an edit in `serve` changes a few records of a large archive)."""

    lines: Lines = field(default_factory=Lines)  # archive.json's, by record and in order
    plan: dict[str, tuple[str, ...]] = field(default_factory=dict)  # key -> its pages' paths
    ids: RecordIds | None = None  # of the records planned
    files: dict[str, str] | None = None  # the pages' files -> digests of their bytes (only when kept: `keep`)
    sitemap: list[str] = field(default_factory=list)  # its page paths
    pages: int = 0  # HTML pages
    feeds: dict[str, str] = field(default_factory=dict)  # feed file -> digest of what it shows
    suggestions: Suggestions | None = None


@dataclass
class Todo:
    """What a build must make again: the pages `stale` says, of the records and indexes it plans again (`replan`;
    the others' pages are as the last build made them), and the site-wide files' parts of `dirty` records (keys
    such as "e:<id>"). None: all of them."""

    stale: Callable[[Page], bool] = lambda page: True
    dirty: Collection[str] | None = None
    replan: Collection[str] | None = None


def render_site(root: Path, archive: Archive, config: Config, writer: SiteWriter, graph: Graph, env: Environment,
                todo: Todo = Todo(), workers: int = 1, last: Made | None = None,
                meanwhile: Callable[[], object] | None = None, keep: bool = True,
                ready: Ready | None = None) -> tuple[int, Made]:
    """Render the pages `todo` names and the feeds and data files into `writer`; the other pages keep the last
    build's files (which `last` describes, when this process made them). Returns the number of HTML pages and
    what this build made. Template errors raise BuildFailed.

    With `workers` > 1 and many pages and feeds to make, this process and forked workers make them in chunks
    (`workers.shared_chunks`): the workers inherit the archive, the graph and the compiled templates, and send
    back only the digests of the files they wrote. This process first makes the site-wide files and does the
    caller's `meanwhile` work. Without `keep` (no later build of this process will update what this one made),
    the parts of archive.json are not kept, nor what each feed shows. `ready`: the pages it picks are made first
    (and handed to its `written`), and its `call` is called once they are written; the others are made after
    it, at a lower priority, while the search index reads the first.
    """
    site = {"title": config.title, "description": config.description, "language": config.language,
            "base_url": config.base_url}
    last = last if last is not None and todo.dirty is not None else Made()
    made = Made()
    planner = Planner(archive, graph, config)
    pages, carried = _plan(planner, todo, last, made, writer, keep)
    stale = []
    for page in pages:
        if todo.stale(page):
            stale.append(page)
        else:
            writer.keep(output_file(page.path))
    leading: list[Page] = []
    if ready is not None:
        leading = list(filter(ready.which, stale))
        stale = leading + list(filterfalse(ready.which, stale))
    # every entity has its feed, even before anything mentions it: a reader can subscribe to be told when it is
    stale_entities = {page.key[2:] for page in stale if page.key.startswith("e:")}
    feeds = [Feed("feed.xml", None, config.title)] + [
        Feed(page_path("entity", eid) + "feed.xml", eid, f"{config.title}: {archive.entities[eid].name}")
        for eid in stale_entities]
    if carried and len(last.feeds) == len(archive.entities) + 1:  # (+ the site-wide feed)
        # the same entities as the last build, whose feeds it made: theirs are kept but for the stale ones
        made.feeds = dict(last.feeds)
        writer.keep(*filterfalse({feed.path for feed in feeds}.__contains__, last.feeds))
    else:
        unplanned = [page_path("entity", eid) + "feed.xml" for eid in archive.entities if eid not in stale_entities]
        writer.keep(*unplanned)  # with what they show, when this process made them
        made.feeds.update((path, last.feeds[path]) for path in unplanned if path in last.feeds)
    job = _Job(root, stale, planner, feeds, last.feeds, keep, archive, config, env, site, writer,
               (len(leading), ready.written) if ready else None)
    count = len(stale) + len(feeds)

    def site_wide() -> None:  # this process's own work, done while the workers start on the pages
        if meanwhile is not None:
            meanwhile()
        _write_assets(root, env, writer)
        # a build of a process that does not hold the last one's lines takes them up from the file it wrote
        last_digest = (writer.previous or {}).get(ARCHIVE_JSON) if todo.dirty is not None else None
        data, made.lines = archive_json(archive, last.lines, todo.dirty or (), keep,
                                        (writer.out / ARCHIVE_JSON, last_digest) if last_digest else None)
        if data is None:
            writer.keep(ARCHIVE_JSON)
        else:
            writer.write(ARCHIVE_JSON, data)
        made.sitemap = last.sitemap if carried == "same paths" else [
            path for paths in made.plan.values() for path in paths if path.endswith("/") or path == ""]
        if made.sitemap == last.sitemap:
            writer.keep("sitemap.xml")
        else:
            writer.write("sitemap.xml", sitemap(made.sitemap, config))
        made.suggestions, files, kept = suggestions(archive, last.suggestions, todo.dirty)
        for path, text in files.items():
            writer.write(path, text)
        writer.keep(*kept)

    workers = workers if count >= PARALLEL_FROM else 1
    if workers > 1:
        graph.index()
    for written, shown, problem in shared_chunks(job.render, count, workers, CHUNK, first=site_wide,
                                                  ready=(len(leading), ready.call) if ready else None):
        if problem is not None:
            raise BuildFailed([problem])
        for relative, digest, changed in written:
            writer.record(relative, digest, changed)
        for path, digest, same in shown:
            made.feeds[path] = digest
            if same:
                writer.keep(path)
    if made.files is not None:
        outputs = writer.outputs
        made.files.update((file, outputs[file]) for file in map(output_file, map(attrgetter("path"), pages)))
    return made.pages, made


def _plan(planner: Planner, todo: Todo, last: Made, made: Made, writer: SiteWriter, keep: bool
          ) -> tuple[list[Page], Literal["", "same records", "same paths"]]:
    """The pages of the records and indexes to plan again; the others' files are kept as they are. Also whether
    the plan is the last one's updated: for the same records, and with the same pages. With `keep`, `made.files`
    holds the kept pages' files (the caller adds those of the pages returned)."""
    pages: list[Page] = []
    made.ids = record_ids(planner.archive)
    with long_lived(cycles=False):  # pages and their paths
        if todo.replan is not None and made.ids == last.ids and last.files is not None and keep:
            # the same records: the last plan, updated
            replan = [key for key in todo.replan if key in last.plan]
            made.files = dict(last.files)  # in C: an edit in a large archive keeps tens of thousands of files
            for file in map(output_file, chain.from_iterable(last.plan[key] for key in replan)):
                del made.files[file]
            writer.carry(made.files)
            made.plan, made.pages = dict(last.plan), last.pages
            same = True
            for key in replan:
                planned = planner.pages(key)
                pages += planned
                made.plan[key] = _paths(planned)
                made.pages += len(planned) - len(last.plan[key])
                same = same and made.plan[key] == last.plan[key]
            return pages, "same paths" if same else "same records"
        kept: list[str] = []
        for key in keys(made.ids):
            known = last.plan.get(key) if todo.replan is not None and key not in todo.replan else None
            if known is None:
                planned = planner.pages(key)
                pages += planned
                known = _paths(planned)
            else:
                kept += map(output_file, known)
            made.plan[key] = known
            made.pages += len(known)
    writer.keep(*kept)
    if keep:
        made.files = {file: writer.outputs[file] for file in kept}
    return pages, ""


def _paths(pages: list[Page]) -> tuple[str, ...]:
    return tuple(p.path for p in pages)


class Ready(NamedTuple):
    """Pages to make first, and what to do with them: a whole new site's search index starts on them."""
    which: Callable[[Page], bool]
    call: Callable[[], None]  # once they are written
    written: Callable[[str, str], None]  # each one's file and text, as it is written (in the process that wrote it)


class Feed(NamedTuple):
    path: str
    entity: str | None  # whose mentions it shows; None: every article
    title: str


def _newest(archive: Archive, feed: Feed) -> list[Article]:
    """The articles a feed shows, newest first."""
    return newest_first(archive.articles if feed.entity is None else [
        archive.by_slug[slug] for slug in archive.entity_articles[feed.entity]])


def _shown(archive: Archive, feed: Feed, newest: list[Article]) -> str:
    """A digest of what a feed shows of its articles (ten times the time of choosing them)."""
    return content_digest(repr((feed.title, [(a.slug, a.title, a.date, a.summary, a.authors) for a in newest],
                                [archive.entities[e].name for a in newest for e in a.authors])).encode())


PARALLEL_FROM = 2_000  # pages and feeds: below this, starting workers costs more than it saves
CHUNK = 250  # pages or feeds a worker makes before it reports the files it wrote


@dataclass
class _Job:
    root: Path
    pages: list[Page]
    planner: Planner  # their contexts
    feeds: list[Feed]  # made after the pages, in the same chunks
    last_feeds: dict[str, str]  # feed file -> digest of what it showed, as the last build made it
    keep: bool  # whether a later build of this process will compare with what this one made
    archive: Archive
    config: Config
    env: Environment
    site: dict[str, str]
    writer: SiteWriter
    leading: tuple[int, Callable[[str, str], None]] | None  # (n, written): the first n pages also go to `written`
    atom: AtomFeeds = field(init=False)

    def __post_init__(self) -> None:
        self.atom = AtomFeeds(self.archive, self.config)

    def render(self, indexes: list[int]) -> tuple[list[tuple[str, str, bool]], list[tuple[str, str, bool]],
                                                   Diagnostic | None]:
        """Render and write these pages and feeds. Returns the files written; each feed's digest of what it
        shows, and whether it shows what it did (then its file is kept); or the template problem that stopped it."""
        written, shown = [], []
        pages = self.pages
        try:
            for i in indexes:
                data: str | bytes
                if i < len(pages):
                    page = pages[i]
                    relative = output_file(page.path)
                    context = self.planner.context(page)
                    data = self.env.get_template(page.template).render(
                        context, site=self.site, **page_vars(page.path, context.get("absolute_root")))
                else:
                    feed = self.feeds[i - len(pages)]
                    relative = feed.path
                    newest = _newest(self.archive, feed)
                    if self.keep:  # what it shows, for the next build to compare with
                        digest = _shown(self.archive, feed, newest)
                        same = self.last_feeds.get(relative) == digest
                        shown.append((relative, digest, same))
                        if same:
                            continue
                    data = self.atom.feed(newest, relative, feed.title)
                written.append((relative, *self.writer.store(relative, data)))
                if self.leading is not None and i < self.leading[0]:
                    self.leading[1](relative, data)  # type: ignore[arg-type]  # (a page: text)
        except Exception as exc:  # an archive's own template can fail in any way; report it at its line
            problem = _template_error(exc, self.root)
            if problem is None:
                raise
            return written, shown, problem
        return written, shown, None


def _write_assets(root: Path, env: Environment, writer: SiteWriter) -> None:
    """The theme's assets/, overridden file by file by the archive's own templates/assets/."""
    files: dict[str, Path] = {}
    for folder in (builtin_theme() / "assets", root / "templates" / "assets"):
        if folder.is_dir():
            files.update({p.relative_to(folder).as_posix(): p for p in folder.rglob("*") if p.is_file()})
    for name, path in sorted(files.items()):
        writer.write(f"assets/{name}", path.read_bytes())
    if "pygments.css" not in files:
        writer.write("assets/pygments.css", stylesheet())
