"""search: index the rendered site with Pagefind, writing the bundle to `pagefind/` inside it.

Pagefind reads only what the templates mark with `data-pagefind-body` and their `data-pagefind-filter`/`-meta`/
`-sort` attributes, so navigation and backlink lists stay out of the index. Only meaningful text is marked:
article titles and bodies (not bylines, tags or provenance notes), the names, aliases, descriptions and bodies of
entities that have a description or a body (a bare name is found by the entity suggestions instead), claim
statements and the wordings of their appearances (not the sentences around them), source titles and bodies.
Every page's title is searchable as Pagefind metadata as well. Only those pages are given to Pagefind (`PAGES`):
the rest of the site, a third of its HTML (the annotated source views, the later pages of long lists, the
indexes), it would read only to drop.

What a reader downloads for a first query grows with the number of pages in the index (Pagefind's metadata
file holds a hash and a word count for each) and with the number of places the query's words occur (an index
chunk holds every position of a word): both are kept down here and in the templates.

The binary of Pagefind's PyPI package runs as a command rather than through the package's service API: the
command indexes the same pages into the same bundle about a tenth faster, with less memory (20.2 s and 3.04 GB
against 22.8 s and 3.24 GB at 10,000 articles), and it can be stopped like any process.

A build writes the pages Pagefind reads first (`searched`), gathers those that mark text for it (`MarkedPages`),
and starts it then; the rest of the site is made meanwhile at a lower priority, on the CPU time Pagefind leaves
(most of its index building runs on one core). That took a cold build of 10,000 articles from about 36 to 33 s
on two cores.

A site is indexed in parts (`shards`), a Pagefind each, so that its memory is bounded: it holds every page's
words until it writes the index, which for one index of 10,000 articles was 3 GB. The bundle holds Pagefind's
script and a folder for each part, which `INDEXES` lists; the search page opens the first and merges the others
into it (search-engine.js). A part is named by what it is made of (`_name`), and re-indexing takes a part whose
pages did not change from the bundle it replaces.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import IO, TYPE_CHECKING, Callable, Iterable, Iterator

from .render.urls import output_file, page_path
from .write import BUNDLE

if TYPE_CHECKING:
    from .render.pages import Page

# Markup that the renderer adds to an article's text and that is not text: the claimant and stance label of a
# claim annotation ("Ministry of Heritage · reports"). Templates mark their own such parts data-pagefind-ignore.
EXCLUDE = ".claim-tag"
# the pages that can hold marked text: each record's first page (a template that marks text on other pages
# would have to be indexed without this), of the records whose keys start with these
SEARCHED = {"a": "article", "e": "entity", "c": "claim", "s": "source"}
PAGES = "{" + ",".join(page_path(kind, "*") for kind in SEARCHED.values()) + "}" + output_file("")
MARKED = re.compile("data-pagefind-body", re.IGNORECASE)  # (attribute names are not case-sensitive)
MARKED_PAGES = ".pagefind-pages"  # in a new site's staging folder, while Pagefind reads it
GATHERED, UNDATED = "gathered", "undated"  # in it: the pages as they are written, under their dates
SORT_DATE = re.compile(r'data-pagefind-sort="date">([0-9-]+)<')  # (templates/macros.html: search_fields)
# Pagefind holds every page's words until it writes the index: about 0.23 MB a page of the demo's mix at 10,000
# articles (3 GB for the 12,088 pages in one index, 394 MB for each of seven parts, 17 s for all seven against
# 19.5 s for one). A part is at most archive.toml's `search_part_pages` (1,500 by default), so its Pagefind's
# memory is bounded whatever the archive's size: the search page merges the parts (Pagefind's mergeIndex), and
# each part costs a query a few requests. Parts indexed at a time once a build has nothing else to do: two
# Pagefinds of 1,500 pages and the build's process stay under 1 GB (896 MB at 10,000 articles), and the wait
# after rendering is a second shorter.
TOGETHER = 2
# A query loads, in every part, the chunk of the index that holds each of its words: Pagefind's chunks hold
# about 20,000 word positions by default, sized for one index; with a tenth, a rare word costs each part a few
# kB instead of some 25 (a common word has a chunk of its own, whatever the size).
SETTINGS = {"PAGEFIND_UNSTABLE_INDEX_CHUNK_SIZE": "2000"}
INDEXES = "indexes.json"  # in the bundle: its parts, which the search page opens and merges into the first
PART_FILES, PART_SUFFIXES = {"pagefind-entry.json", "index", "fragment", "filter"}, {".pf_meta", ".pagefind"}


def searched(page: Page) -> bool:
    """Whether Pagefind reads this page (`PAGES` matches its file): a build writes these first."""
    kind, _, rid = page.key.partition(":")
    return kind in SEARCHED and page.path == page_path(SEARCHED[kind], rid)


class SearchFailed(Exception):
    """Pagefind could not index the site (it is missing or it failed)."""


class SearchCancelled(Exception):
    """The caller asked to stop (`serve` does when a rebuild starts: the index would be out of date)."""


def _command(site: Path, language: str, output: Path) -> list[str]:
    from pagefind.service import get_executable  # (its module imports asyncio: 13 ms for a build that never indexes)

    executable = get_executable()
    if executable is None:
        raise SearchFailed("the search index could not be built: Pagefind is not installed "
                           "(pip install 'pagefind[bin]')")
    return [str(executable), "--site", str(site.resolve()), "--output-path", str(output.resolve()), "--glob", PAGES,
            "--force-language", language, "--exclude-selectors", EXCLUDE, "--quiet"]


class Indexing:
    """A Pagefind process over the pages in `site`, writing the index to `output`, started at once."""

    def __init__(self, site: Path, language: str, output: Path):
        self.output = output
        self.failure: SearchFailed | None = None
        self.process: subprocess.Popen | None = None
        self.cwd: str | None = None
        self.log: IO[bytes] | None = None
        # Pagefind also takes its settings from a pagefind.yml in its working directory and from PAGEFIND_
        # variables: neither is the archive's, so it runs in an empty directory with only ours
        env = {name: value for name, value in os.environ.items() if not name.startswith("PAGEFIND_")} | SETTINGS
        try:
            command = _command(site, language, self.output)
            self.cwd = tempfile.mkdtemp(prefix="archive-pagefind-")
            self.log = tempfile.TemporaryFile()
            self.process = subprocess.Popen(command, cwd=self.cwd, env=env, stdin=subprocess.DEVNULL,
                                            stdout=self.log, stderr=subprocess.STDOUT)
        except SearchFailed as failed:
            self.failure = failed
        except OSError as exc:
            self.failure = SearchFailed(f"the search index could not be built: {exc.strerror}: {exc.filename}")

    def wait(self, cancel: threading.Event | None = None) -> int:
        """The number of pages indexed, once Pagefind is done. Setting `cancel` stops it (SearchCancelled)."""
        try:
            if self.process is None or self.log is None:
                assert self.failure is not None
                raise self.failure
            while True:
                try:
                    code = self.process.wait(0.05)
                    break
                except subprocess.TimeoutExpired:
                    if cancel is not None and cancel.is_set():
                        raise SearchCancelled() from None
            self.log.seek(0)
            said = _last_words(self.log.read().decode("utf-8", "replace").strip().splitlines())
        finally:
            self.stop()
        count = _page_count(self.output)
        if code != 0 or count is None:
            said = f" (Pagefind: {said})" if said else ""
            raise SearchFailed(f"the search index could not be built: {_why(code)}{said}")
        return count

    def stop(self) -> None:
        """Stop Pagefind if it still runs (what it wrote is the caller's to remove)."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        if self.log is not None:
            self.log.close()
        if self.cwd is not None:
            shutil.rmtree(self.cwd, ignore_errors=True)


class MarkedPages:
    """What Pagefind reads: hard links to the pages that mark text for it (`add`), gathered in a folder of their
    own (`pages`), indexed by `start` in parts of at most `part_pages` pages (`shards`), each from a folder
    of its own, one after the other and, once the caller `wait`s, up to `together` at a time. The folders are
    complete when Pagefind starts and nothing writes to them while it reads; and they leave out the thousands of
    bare entity pages that the glob matches too, which Pagefind would parse only to drop them (4,984 of the 5,016
    entity pages at 10,000 articles). A part is named by what it is made of (`_name`): one that the `previous`
    bundle holds is taken from it as it is, which also keeps its files' bytes and times for a deploy."""

    def __init__(self, site: Path, language: str, part_pages: int, pages: Path, output: Path | None = None,
                 previous: Path | None = None):
        self.site, self.language, self.pages, self.output = site, language, pages, output or site / BUNDLE
        self.part_pages = part_pages
        self.previous = previous  # a bundle whose parts are taken as they are where they are the same (`_name`)
        self.listed: list[tuple[str, str | None]] | None = None  # the pages, when not `add`ed
        self.names: list[str] = []  # each part's folder in the bundle, in the order the search page merges them
        self.reused: list[int | None] = []  # for each part, its number of pages if the previous bundle has it
        self.indexed: list[str] = []  # the parts Pagefind indexed (the others were the previous bundle's)
        self.dealt = threading.Event()  # the parts are known, each in its folder
        self.taken = 0  # parts a runner has taken
        self.lock = threading.Lock()
        self.runs: list[Indexing] = []
        self.threads: list[threading.Thread] = []
        self.stopping = threading.Event()
        self.failure: BaseException | None = None  # what stopped the indexing, raised by `wait`
        self.count = 0

    def add(self, relative: str, html: str) -> None:
        """Gather a page that was just written, under its date (`gathered` reads it back): this may run in any
        of the build's processes."""
        date = marked_date(html)
        if date is None:
            return
        target = f"{self.pages}/{GATHERED}/{date or UNDATED}/{relative}"
        os.makedirs(target.rpartition("/")[0], exist_ok=True)
        _link(f"{self.site}/{relative}", target)

    def start(self, listed: list[tuple[str, str | None]] | None = None) -> None:
        """Deal the pages into parts and index them one after the other, in a thread of the caller's (Pagefind
        runs at the priority of the thread that starts it): `wait` for them. The pages are those `add`ed, or the
        (file, date) pages `listed`, which are linked for Pagefind only if their part is not the previous one."""
        self.listed = listed
        self._runner(self._deal)

    def wait(self, cancel: threading.Event | None = None, together: int = 1) -> int:
        """The number of pages indexed, once every part is; from now on, up to `together` parts at a time (each
        Pagefind holds its part's words). Setting `cancel` stops it (SearchCancelled)."""
        try:
            self._until(self.dealt.is_set, cancel)
            for _ in range(together - 1):
                self._runner(self._index)
            self._until(lambda: not any(thread.is_alive() for thread in self.threads), cancel)
            if cancel is not None and cancel.is_set():  # (what failed meanwhile may be the caller's doing)
                raise SearchCancelled()
            if self.failure is not None:
                raise self.failure
            self._bind()
            return self.count
        finally:
            self.stop()

    def stop(self) -> None:
        """Stop Pagefind if it runs, and remove the folders it read (the index it wrote is the caller's)."""
        self.stopping.set()
        with self.lock:
            runs = list(self.runs)
        for run in runs:
            run.stop()
        for thread in self.threads:
            if thread is not threading.current_thread():
                thread.join()
        shutil.rmtree(self.pages, ignore_errors=True)

    def _runner(self, work: Callable[[], None]) -> None:
        thread = threading.Thread(target=self._failing(work), name="pagefind", daemon=True)
        self.threads.append(thread)
        thread.start()

    @staticmethod
    def _until(done: Callable[[], bool], cancel: threading.Event | None) -> None:
        while not done():
            time.sleep(0.05)
            if cancel is not None and cancel.is_set():
                raise SearchCancelled()

    def _failing(self, work: Callable[[], None]) -> Callable[[], None]:
        """`work`, with what stops it kept for `wait` to raise."""
        def run() -> None:
            try:
                work()
            except SearchCancelled:
                pass
            except OSError as exc:
                self.failure = SearchFailed(f"the search index could not be built: {exc.strerror}: {exc.filename}")
            except BaseException as exc:  # noqa: BLE001 - raised again in the thread that waits
                self.failure = exc
            finally:
                self.dealt.set()  # (if dealing failed: nothing is left to wait for)
        return run

    def _deal(self) -> None:
        parts = shards(self._gathered() if self.listed is None else self.listed, self.part_pages)
        pagefind = _identity(self.language)
        for number, part in enumerate(parts):
            if self.stopping.is_set():  # (`stop` waits for this thread: serve's rebuild waits for `stop`)
                raise SearchCancelled()
            self.names.append(_name(pagefind, self.site, part))
            self.reused.append(_page_count(self.previous / self.names[-1]) if self.previous else None)
            if self.reused[-1] is None:
                self._place(part, self.pages / str(number))
        self.dealt.set()
        self._index()

    def _place(self, part: list[tuple[str, str | None]], folder: Path) -> None:
        """Put a part's pages in its folder, where Pagefind reads them: each page's folder is moved there from
        where it was gathered, or made there with a link to the page (a folder made costs more than a file
        renamed on some file systems: 0.2 ms each on this project's ext4)."""
        made = {folder}
        folder.mkdir(parents=True, exist_ok=True)  # (a site with nothing to index)
        for relative, date in part:
            if self.stopping.is_set():  # (a part takes some 0.3 s to place)
                raise SearchCancelled()
            page_folder = relative.rpartition("/")[0]
            parent = (folder / page_folder).parent
            if parent not in made:
                parent.mkdir(parents=True, exist_ok=True)
                made.add(parent)
            if self.listed is None:
                os.rename(self.pages / GATHERED / (date or UNDATED) / page_folder, folder / page_folder)
            else:
                (folder / page_folder).mkdir()
                _link(self.site / relative, folder / relative)

    def _index(self) -> None:
        """Index the parts no runner has taken yet, one after the other; or take them from the previous bundle."""
        while not (self.stopping.is_set() or self.failure):
            with self.lock:
                number, self.taken = self.taken, self.taken + 1
                if number >= len(self.names):
                    return
                name, count = self.names[number], self.reused[number]
                if count is None:
                    run = Indexing(self.pages / str(number), self.language, self.output / name)
                    self.runs.append(run)
                    self.indexed.append(name)
            if count is None:
                count = run.wait(self.stopping)
            else:
                shutil.copytree(self.previous / name, self.output / name, copy_function=_link)
            with self.lock:
                self.count += count
            shutil.rmtree(self.pages / str(number), ignore_errors=True)

    def _bind(self) -> None:
        """Make the bundle the search page opens: Pagefind's script (`pagefind.js`) at the top, and the parts to
        merge, in order, in `INDEXES`. A part keeps only what an index loads, and its WebAssembly (the part that
        comes first loads it; a part kept for a later build may come first then)."""
        source = self.output / self.indexed[0] if self.indexed else self.previous
        assert source is not None
        for file in source.iterdir():  # (the previous bundle's `INDEXES` is its own)
            if file.is_file() and file.name not in PART_FILES | {INDEXES} and file.suffix not in PART_SUFFIXES:
                _link(file, self.output / file.name)
        for name in self.indexed:
            for file in (self.output / name).iterdir():
                if file.name not in PART_FILES and file.suffix not in PART_SUFFIXES:
                    shutil.rmtree(file) if file.is_dir() else file.unlink()
        (self.output / INDEXES).write_text(json.dumps([f"{name}/" for name in self.names]), "utf-8")

    def _gathered(self) -> list[tuple[str, str | None]]:
        """What `add` gathered: each page's file, and its date if it has one."""
        found = []
        for folder in (self.pages / GATHERED).glob("*"):
            date = None if folder.name == UNDATED else folder.name
            found += [(file.relative_to(folder).as_posix(), date) for file in _searched_files(folder)]
        return found


def _searched_files(site: Path) -> Iterator[Path]:
    """The files in `site` that `PAGES` matches."""
    for kind in SEARCHED.values():
        yield from site.glob(output_file(page_path(kind, "*")))


def marked_date(html: str) -> str | None:
    """For a page that marks text for Pagefind, its date ("" if it has none); None for a page that does not."""
    if "data-pagefind-body" not in html and not MARKED.search(html):  # (the common spelling first: 4x faster)
        return None
    date = SORT_DATE.search(html)
    return date[1] if date else ""


def shards(pages: Iterable[tuple[str, str | None]], size: int) -> list[list[tuple[str, str | None]]]:
    """(file, date) pages dealt into as few parts as hold at most `size` each, the same number in each (give
    or take one), and each a sample of the whole (so that its word statistics, which rank its results, are
    the site's).

    The search page merges the parts' results in their order, and sorts by date that way too: within one part
    Pagefind's sorted results are scored by their place in that part's order, and the merge sorts by score,
    keeping ties in the parts' order. So the dated pages are dealt in date order, oldest first, to the last
    part first: the pages placed n-th in the parts are the n-th such run of the site's, and tie newest first."""
    ordered = sorted(pages, key=lambda page: (page[1] is None, page[1] or "", page[0]))
    dated = sum(1 for _, date in ordered if date is not None)
    # and no more parts than dated pages (Pagefind does not sort a part without any, nor drop its results)
    count = max(1, min(-(-len(ordered) // size), dated or 1))
    parts: list[list[tuple[str, str | None]]] = [[] for _ in range(count)]
    for position, page in enumerate(ordered):
        parts[count - 1 - position % count].append(page)
    return parts


def _identity(language: str) -> str:
    """What Pagefind makes of the same pages depends on: its binary and the options it is given."""
    command = _command(Path("/"), language, Path("/"))
    found = os.stat(command[0])
    return repr((command, sorted(SETTINGS.items()), found.st_size, found.st_mtime_ns))


def _name(pagefind: str, site: Path, part: list[tuple[str, str | None]]) -> str:
    """A part's name, which changes with what its index is made of: Pagefind, and each page's file. A build
    replaces the file of a page whose bytes changed and keeps the others as they are (write.py), so that a
    file's inode, modification time and size say whether it is the one indexed before, without reading it."""
    digest = hashlib.blake2b(pagefind.encode(), digest_size=8)
    for relative, _ in sorted(part):
        found = os.stat(site / relative)
        digest.update(f"{relative}\0{found.st_ino}\0{found.st_mtime_ns}\0{found.st_size}\0".encode())
    return digest.hexdigest()


def _link(source: str | Path, target: str | Path) -> None:
    try:
        os.link(source, target)
    except OSError:  # a file system without hard links
        shutil.copyfile(source, target)


def _page_count(index: Path) -> int | None:
    """The number of pages in a part's index, if one is there."""
    try:
        entry = json.loads((index / "pagefind-entry.json").read_text("utf-8"))
        return sum(language["page_count"] for language in entry["languages"].values())
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def index_site(site: Path, language: str, part_pages: int, output: Path | None = None,
               cancel: threading.Event | None = None, together: int = 1) -> int:
    """Index the pages of a written `site` into `output` (default: its `pagefind/`), `together` parts at a time;
    returns the number of pages. Setting `cancel` stops it (SearchCancelled) and the Pagefind process with it."""
    marked = MarkedPages(site, language, part_pages, site.parent / f".{site.name}.{BUNDLE}-pages", output,
                         site / BUNDLE)
    shutil.rmtree(marked.pages, ignore_errors=True)  # what a run that was killed left
    listed = []
    try:
        for file in _searched_files(site):
            if cancel is not None and cancel.is_set():
                raise SearchCancelled()
            try:
                date = marked_date(file.read_text("utf-8", "replace"))
            except OSError:  # gone since (serve rebuilt meanwhile: this run is cancelled)
                continue
            if date is not None:
                listed.append((file.relative_to(site).as_posix(), date or None))
        marked.start(listed)
    except BaseException:
        marked.stop()
        raise
    return marked.wait(cancel, together)


def _why(code: int) -> str:
    if code == -signal.SIGKILL:  # what Linux's out-of-memory killer sends
        return ("Pagefind was killed (SIGKILL), most likely for want of memory: it holds the words of every page "
                f"of a part of the index, {TOGETHER} parts at a time, about 0.2 MB a page; make the parts smaller "
                "(search_part_pages in archive.toml, 1500 by default), or build with --no-search")
    if code < 0:
        return f"Pagefind was stopped by {signal.Signals(-code).name}"
    return f"Pagefind exited with status {code}" if code else "Pagefind wrote no index"


def _last_words(lines: list[str]) -> str:
    """What the Pagefind process logged last; when it crashed, where and why (a Rust panic's first two lines:
    the notes about backtraces after them say nothing to an editor)."""
    for i, line in enumerate(lines):
        if " panicked at " in line:
            return " ".join(lines[i:i + 2])
    return lines[-1] if lines else ""


def refresh_index(site: Path, language: str, part_pages: int) -> int:
    """Index a published site beside it, then swap the new bundle in: the old one answers until then."""
    fresh = next_bundle(site)
    count = index_site(site, language, part_pages, fresh, together=TOGETHER)
    install_bundle(site, fresh)
    return count


def next_bundle(site: Path) -> Path:
    fresh = site.parent / f".{site.name}.{BUNDLE}-next"
    shutil.rmtree(fresh, ignore_errors=True)
    return fresh


def install_bundle(site: Path, fresh: Path) -> None:
    stale = site.parent / f".{site.name}.{BUNDLE}-old"
    if (site / BUNDLE).exists():
        (site / BUNDLE).rename(stale)
    fresh.rename(site / BUNDLE)
    shutil.rmtree(stale, ignore_errors=True)
