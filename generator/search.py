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
"""
from __future__ import annotations

import asyncio
import contextlib
import shutil
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import IO, Awaitable, TypeVar

from pagefind.index import IndexConfig
from pagefind.service import PagefindService

from .render.urls import output_file, page_path
from .write import BUNDLE

T = TypeVar("T")

# Markup that the renderer adds to an article's text and that is not text: the claimant and stance label of a
# claim annotation ("Ministry of Heritage · reports"). Templates mark their own such parts data-pagefind-ignore.
EXCLUDE = [".claim-tag"]
# the pages that can hold marked text: each record's first page (a template that marks text on other pages
# would have to be indexed without this)
PAGES = "{" + ",".join(page_path(kind, "*") for kind in ("article", "entity", "claim", "source")) + "}" + output_file("")


class SearchFailed(Exception):
    """Pagefind could not index the site (it is missing or it failed)."""


class SearchCancelled(Exception):
    """The caller asked to stop (`serve` does when a rebuild starts: the index would be out of date)."""


class _Service(PagefindService):
    """Pagefind's service with what the Pagefind process logs kept apart from its answers: the library reads
    both from one pipe, and a line logged there breaks the reading of the next answer (seen as 'Invalid
    base64-encoded string' now and then)."""

    def __init__(self, log: IO[bytes]):
        super().__init__()
        self.log = log

    async def launch(self) -> _Service:
        self._backend = await asyncio.create_subprocess_exec(
            self._bin, "--service", stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=self.log, limit=2**21)  # the library's limit: a smaller one hangs on large answers
        self._poll_task = self._loop.create_task(self._wait_for_responses())
        return self


async def _index(site: Path, language: str, output: Path, cancel: threading.Event | None) -> int:
    config = IndexConfig(output_path=str(output), force_language=language, exclude_selectors=EXCLUDE)
    with tempfile.TemporaryFile() as log:
        service = _Service(log)
        stopped = True  # unless it answers every request: then it is closed, else killed at once
        try:
            await _answered(service, service.launch(), cancel)
            index = await _answered(service, service.create_index(config), cancel)
            result = await _answered(service, index.add_directory(str(site), glob=PAGES), cancel)
            await _answered(service, index.write_files(), cancel)
            stopped = False
        except SearchCancelled:
            raise
        except Exception as exc:  # with the last thing the process logged, which says more than "Connection lost"
            log.seek(0)
            said = _last_words(log.read().decode("utf-8", "replace").strip().splitlines())
            raise RuntimeError(f"{exc} (Pagefind: {said})" if said else str(exc)) from exc
        finally:
            backend = getattr(service, "_backend", None)  # None: it did not start
            if backend is not None and stopped:  # closing would wait for answers that will not come
                service._poll_task.cancel()
                with contextlib.suppress(ProcessLookupError):
                    backend.kill()
                await backend.wait()
            elif backend is not None:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(service.close(), timeout=10)
    return int(result.get("page_count", 0))


def _last_words(lines: list[str]) -> str:
    """What the Pagefind process logged last; when it crashed, where and why (a Rust panic's first two lines:
    the notes about backtraces after them say nothing to an editor)."""
    for i, line in enumerate(lines):
        if " panicked at " in line:
            return " ".join(lines[i:i + 2])
    return lines[-1] if lines else ""


async def _answered(service: _Service, request: Awaitable[T], cancel: threading.Event | None) -> T:
    """A request to the Pagefind process, or an error if that process stops answering: its library reads the
    answers in a task of its own, and when that task dies (the process crashed or exited) the request would
    wait forever; seen as a build that never ended."""
    work = asyncio.ensure_future(request)
    while True:
        done, _ = await asyncio.wait({work}, timeout=0.05)
        if done:
            return work.result()
        if cancel is not None and cancel.is_set():
            work.cancel()
            raise SearchCancelled()
        reader = getattr(service, "_poll_task", None)
        if reader is not None and reader.done():
            work.cancel()
            raise RuntimeError("the Pagefind process stopped answering")


def index_site(site: Path, language: str, output: Path | None = None, cancel: threading.Event | None = None) -> int:
    """Index every page of `site` into `output` (default: its `pagefind/`); returns the number of pages.
    Setting `cancel` stops it (SearchCancelled) and the Pagefind process with it."""
    try:
        return _run(_index(site, language, output or site / BUNDLE, cancel))
    except SearchCancelled:
        raise
    except Exception as exc:  # the Pagefind service reports its failures as plain exceptions
        raise SearchFailed(f"the search index could not be built: {exc}") from exc


def refresh_index(site: Path, language: str) -> int:
    """Index a published site beside it, then swap the new bundle in: the old one answers until then."""
    fresh = next_bundle(site)
    count = index_site(site, language, fresh)
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


def _run(coroutine):
    """asyncio.run(), also when this thread already runs an event loop (a notebook, an async caller, a
    Playwright session), where asyncio.run() refuses: the coroutine then runs on a thread of its own."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="pagefind") as pool:
        return pool.submit(asyncio.run, coroutine).result()
