"""generator.search and the Pagefind process: a build starts it as soon as the pages it reads are written; it
takes no settings but the archive's, and when it dies, the build says what it said last."""
from __future__ import annotations

import json
import re
import threading
import time
from itertools import accumulate
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pagefind.service import get_executable

from generator.build import Builder
from generator import search
from generator.search import SearchFailed, index_site
from tests.update_expected import SITES


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("search") / "site"
    assert Builder(SITES / "basic", out, cache="off").build(search=False).ok
    return out


def pagefind_that(tmp_path: Path, monkeypatch, script: str) -> None:
    fake = tmp_path / "pagefind"
    fake.write_text(f"#!/bin/sh\n{script}\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(fake))


def test_a_build_gives_pagefind_the_pages_that_mark_text_once_written_and_makes_the_rest_meanwhile(tmp_path,
                                                                                                   monkeypatch):
    listed = tmp_path / "files-when-pagefind-started"
    # the arguments start with --site FOLDER: the pages it is given, inside the site's staging folder
    pagefind_that(tmp_path, monkeypatch, f'(cd "$2" && find . -type f) > "{listed}"\n'
                                         f'(cd "$2/.." && find . -type f) > "{listed}-site"\n'
                                         f'exec "{get_executable()}" "$@"')
    out = tmp_path / "site"
    assert Builder(SITES / "basic", out, cache="off").build(search=True).ok
    # the files Pagefind's glob matches (generator.search.PAGES), said again here
    read = re.compile(r"(articles|entities|claims|sources)/[^/]+/index\.html")
    given = {line[2:] for line in listed.read_text().splitlines()}
    now = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    matched = {f for f in now if read.fullmatch(f)}
    marked = {f for f in matched if b"data-pagefind-body" in (out / f).read_bytes()}
    assert given == marked != set()
    assert matched - marked  # bare entity pages: Pagefind would only have dropped them
    assert "articles/harbour/source/index.html" not in listed.with_name(listed.name + "-site").read_text()
    [part] = json.loads((out / "pagefind" / "indexes.json").read_text())
    assert (out / "pagefind" / part / "pagefind-entry.json").is_file() and not (out / ".pagefind-pages").exists()


def test_indexing_a_written_site_gives_pagefind_its_marked_pages_from_a_folder_beside_it(site, tmp_path,
                                                                                        monkeypatch):
    """As serve's background refresh and a rebuild with search do; the folder goes afterwards."""
    listed = tmp_path / "given"
    pagefind_that(tmp_path, monkeypatch, f'(cd "$2" && find . -type f) > "{listed}"\nexec "{get_executable()}" "$@"')
    assert index_site(site, "en", 1500, tmp_path / "bundle") > 0
    marked = {p.relative_to(site).as_posix() for p in site.rglob("index.html")
              if b"data-pagefind-body" in p.read_bytes()}
    assert {line[2:] for line in listed.read_text().splitlines()} == marked != set()
    assert sorted(p.name for p in site.parent.iterdir() if p.name.startswith(".")) == []



@pytest.mark.parametrize("together", [1, 2])
def test_a_large_site_is_indexed_in_parts_that_the_search_page_merges(site, tmp_path, monkeypatch, together):
    """Each part from a folder of its own, `together` at a time; the first part is the bundle the search page
    opens, and the others keep only what a merged index loads."""
    listed, runs = tmp_path / "given", tmp_path / "runs"
    listed.mkdir()
    pagefind_that(tmp_path, monkeypatch, f'echo start >> "{runs}"\n(cd "$2" && find . -type f) > "{listed}/$$"\n'
                                         f'sleep 0.5\n"{get_executable()}" "$@"\necho end >> "{runs}"')
    bundle = tmp_path / "bundle"
    marked = {p.relative_to(site).as_posix() for p in site.rglob("index.html")
              if b"data-pagefind-body" in p.read_bytes()}
    assert index_site(site, "en", 5, bundle, together=together) == len(marked)  # (three parts: one an article)
    running = list(accumulate(1 if said == "start" else -1 for said in runs.read_text().split()))
    assert len(running) == 6 and max(running) == together and running[-1] == 0
    given = [{line[2:] for line in part.read_text().splitlines()} for part in listed.iterdir()]
    assert len(given) == -(-len(marked) // 5) > 1 and set().union(*given) == marked
    assert all(len(part) <= 5 for part in given) and sum(map(len, given)) == len(marked)
    parts = json.loads((bundle / "indexes.json").read_text())
    assert len(parts) == len(given) and {p.name + "/" for p in bundle.iterdir() if p.is_dir()} == set(parts)
    for part in parts:
        kept = {re.sub(r"^pagefind\.en_\w+\.pf_meta$", "(metadata)", file.name) for file in (bundle / part).iterdir()}
        assert kept == {"pagefind-entry.json", "index", "fragment", "filter", "(metadata)", "wasm.en.pagefind",
                        "wasm.unknown.pagefind"}
    assert {file.name for file in bundle.iterdir() if file.is_file()} >= {"pagefind.js", "indexes.json"}
    assert not (bundle / "pagefind-entry.json").exists()


def test_a_cancelled_indexing_stops_while_it_deals_the_pages_into_parts(tmp_path, monkeypatch):
    """serve's rebuild cancels a background refresh and waits for it to stop: not until every part is dealt."""
    named = []
    monkeypatch.setattr(search, "_name", lambda *args: named.append(time.sleep(0.1)) or f"part{len(named)}")
    monkeypatch.setattr(search.MarkedPages, "_place", lambda self, part, folder: None)
    marked = search.MarkedPages(tmp_path / "site", "en", 1, tmp_path / "pages", tmp_path / "bundle")
    marked.start([(f"articles/a{i}/index.html", f"2021-01-{i + 1:02}") for i in range(30)])
    cancel = threading.Event()
    threading.Timer(0.35, cancel.set).start()
    started = time.monotonic()
    with pytest.raises(search.SearchCancelled):
        marked.wait(cancel)
    assert time.monotonic() - started < 1.5 and len(named) < 10  # of 30 parts, 0.1 s each


def test_indexing_again_reindexes_only_the_parts_whose_pages_changed(tmp_path, monkeypatch):
    """A build replaces the file of a page whose bytes changed: a part whose files are all the same is taken
    from the bundle being replaced, as it is."""
    site = tmp_path / "site"
    assert Builder(SITES / "basic", site, cache="off").build(search=True).ok
    runs = tmp_path / "runs"
    pagefind_that(tmp_path, monkeypatch, f'echo "$2" >> "{runs}"\nexec "{get_executable()}" "$@"')

    def again() -> list[str]:
        runs.unlink(missing_ok=True)
        fresh = search.next_bundle(site)
        assert index_site(site, "en", 5, fresh) == 14  # (three parts)
        search.install_bundle(site, fresh)
        return json.loads((site / "pagefind" / "indexes.json").read_text())

    parts = again()
    assert len(runs.read_text().split()) == 3 == len(parts)
    assert again() == parts and not runs.exists(), "nothing changed: nothing is indexed"
    page = site / "articles" / "harbour" / "index.html"
    text = page.read_text()
    page.unlink()  # as a build replaces a page
    page.write_text(text.replace("Harbour", "Haven"))
    changed = again()
    assert len(runs.read_text().split()) == 1 and len(set(changed) - set(parts)) == 1
    assert sorted(p.name + "/" for p in (site / "pagefind").iterdir() if p.is_dir()) == sorted(changed)


def merged_by_date(parts: list[list[tuple[str, str | None]]]) -> list[str]:
    """The dates in the order the search page shows pages sorted by date, newest first: within a part Pagefind
    scores a dated page by its place in the part's ascending order (and drops the undated); the merge sorts
    by score, keeping ties in the parts' order."""
    scored = [(place, number, date) for number, part in enumerate(parts)
              for place, date in enumerate(sorted(date for _, date in part if date is not None))]
    return [date for _, _, date in sorted(scored, key=lambda found: -found[0])]


dates = st.dates(min_value=date(1990, 1, 1), max_value=date(2030, 12, 31)).map(date.isoformat)


@given(st.lists(st.one_of(dates, st.none()), max_size=60), st.integers(1, 8))
def test_parts_hold_a_sample_each_and_merge_in_date_order(found, size):
    pages = [(f"p{i}/index.html", day) for i, day in enumerate(found)]
    parts = search.shards(pages, size)
    assert sorted(page for part in parts for page in part) == sorted(pages)
    lengths = [len(part) for part in parts]
    assert max(lengths) - min(lengths) <= 1
    dated = sum(day is not None for day in found)
    assert len(parts) == max(1, min(-(-len(pages) // size), dated or 1))
    assert merged_by_date(parts) == sorted((day for day in found if day), reverse=True)


def test_an_archive_with_few_dated_pages_has_no_part_without_one():
    """Pagefind neither sorts a part that has no dated page nor drops its pages from sorted results."""
    pages = [("articles/a/index.html", "2021-06-07")] + [(f"entities/e{i}/index.html", None) for i in range(9)]
    assert len(search.shards(pages, 2)) == 1


def test_pagefind_takes_no_settings_from_where_it_runs(site, tmp_path, monkeypatch):
    """Pagefind reads a pagefind.yml in its working directory and PAGEFIND_ variables: an editor's, left there
    for another site, must not change this archive's index."""
    pages = index_site(site, "en", 1500, tmp_path / "bundle")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "pagefind.yml").write_text('root_selector: "nav"\n')
    monkeypatch.chdir(elsewhere)
    monkeypatch.setenv("PAGEFIND_ROOT_SELECTOR", "footer")
    assert index_site(site, "en", 1500, tmp_path / "again") == pages > 0
    assert (tmp_path / "again" / "pagefind.js").is_file()


PANIC = ("thread 'main' (7) panicked at pagefind/src/index/mod.rs:530:32:\nbyte index 37 is out of bounds\n"
         "stack backtrace:\nnote: Some details are omitted, run with RUST_BACKTRACE=full for a verbose backtrace.")


@pytest.mark.parametrize("script, error", [
    pytest.param('echo "out of memory" >&2\nexit 3', r"\(Pagefind: out of memory\)$", id="dies: what it said"),
    pytest.param(f'printf "{PANIC}" >&2\nexit 101',
                 r"\(Pagefind: thread 'main' \(7\) panicked at pagefind/src/index/mod.rs:530:32: "
                 r"byte index 37 is out of bounds\)$", id="crashes: where and why"),
    pytest.param("exit 0", r"could not be built: Pagefind wrote no index$", id="writes no index"),
    pytest.param("kill -9 $$", r"Pagefind was killed \(SIGKILL\), most likely for want of memory: .*make the "
                                r"parts smaller \(search_part_pages in archive.toml, 1500 by default\), or build "
                                r"with --no-search$", id="killed for want of memory"),
    pytest.param("kill -TERM $$", r"could not be built: Pagefind was stopped by SIGTERM$", id="stopped by a signal"),
])
def test_when_pagefind_fails_the_error_says_how(site, tmp_path, monkeypatch, script, error):
    pagefind_that(tmp_path, monkeypatch, script)
    with pytest.raises(SearchFailed, match=error):
        index_site(site, "en", 1500, tmp_path / "bundle")


def test_when_the_pagefind_binary_is_gone_the_error_names_it(site, tmp_path, monkeypatch):
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(tmp_path / "gone" / "pagefind"))
    with pytest.raises(SearchFailed, match=r"could not be built: No such file or directory: .*/gone/pagefind$"):
        index_site(site, "en", 1500, tmp_path / "bundle")


def test_without_pagefind_the_error_says_how_to_install_it(site, tmp_path, monkeypatch):
    monkeypatch.setattr("pagefind.service.get_executable", lambda: None)
    with pytest.raises(SearchFailed, match=r"Pagefind is not installed \(pip install 'pagefind\[bin\]'\)$"):
        index_site(site, "en", 1500, tmp_path / "bundle")
