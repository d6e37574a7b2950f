"""generator.search and the Pagefind process: a build starts it as soon as the pages it reads are written; it
takes no settings but the archive's, and when it dies, the build says what it said last."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from pagefind.service import get_executable

from generator.build import Builder
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
    assert (out / "pagefind" / "pagefind-entry.json").is_file() and not (out / ".pagefind-pages").exists()


def test_indexing_a_written_site_gives_pagefind_its_marked_pages_from_a_folder_beside_it(site, tmp_path,
                                                                                        monkeypatch):
    """As serve's background refresh and a rebuild with search do; the folder goes afterwards."""
    listed = tmp_path / "given"
    pagefind_that(tmp_path, monkeypatch, f'(cd "$2" && find . -type f) > "{listed}"\nexec "{get_executable()}" "$@"')
    assert index_site(site, "en", tmp_path / "bundle") > 0
    marked = {p.relative_to(site).as_posix() for p in site.rglob("index.html")
              if b"data-pagefind-body" in p.read_bytes()}
    assert {line[2:] for line in listed.read_text().splitlines()} == marked != set()
    assert sorted(p.name for p in site.parent.iterdir() if p.name.startswith(".")) == []


def test_pagefind_takes_no_settings_from_where_it_runs(site, tmp_path, monkeypatch):
    """Pagefind reads a pagefind.yml in its working directory and PAGEFIND_ variables: an editor's, left there
    for another site, must not change this archive's index."""
    pages = index_site(site, "en", tmp_path / "bundle")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "pagefind.yml").write_text('root_selector: "nav"\n')
    monkeypatch.chdir(elsewhere)
    monkeypatch.setenv("PAGEFIND_ROOT_SELECTOR", "footer")
    assert index_site(site, "en", tmp_path / "again") == pages > 0
    assert (tmp_path / "again" / "pagefind.js").is_file()


PANIC = ("thread 'main' (7) panicked at pagefind/src/index/mod.rs:530:32:\nbyte index 37 is out of bounds\n"
         "stack backtrace:\nnote: Some details are omitted, run with RUST_BACKTRACE=full for a verbose backtrace.")


@pytest.mark.parametrize("script, error", [
    pytest.param('echo "out of memory" >&2\nexit 3', r"\(Pagefind: out of memory\)$", id="dies: what it said"),
    pytest.param(f'printf "{PANIC}" >&2\nexit 101',
                 r"\(Pagefind: thread 'main' \(7\) panicked at pagefind/src/index/mod.rs:530:32: "
                 r"byte index 37 is out of bounds\)$", id="crashes: where and why"),
    pytest.param("exit 0", r"could not be built: Pagefind wrote no index$", id="writes no index"),
    pytest.param("kill -9 $$", r"Pagefind was killed \(SIGKILL\), most likely for want of memory: .*"
                                r"build with --no-search on this machine$", id="killed for want of memory"),
    pytest.param("kill -TERM $$", r"could not be built: Pagefind was stopped by SIGTERM$", id="stopped by a signal"),
])
def test_when_pagefind_fails_the_error_says_how(site, tmp_path, monkeypatch, script, error):
    pagefind_that(tmp_path, monkeypatch, script)
    with pytest.raises(SearchFailed, match=error):
        index_site(site, "en", tmp_path / "bundle")


def test_when_the_pagefind_binary_is_gone_the_error_names_it(site, tmp_path, monkeypatch):
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(tmp_path / "gone" / "pagefind"))
    with pytest.raises(SearchFailed, match=r"could not be built: No such file or directory: .*/gone/pagefind$"):
        index_site(site, "en", tmp_path / "bundle")


def test_without_pagefind_the_error_says_how_to_install_it(site, tmp_path, monkeypatch):
    monkeypatch.setattr("generator.search.get_executable", lambda: None)
    with pytest.raises(SearchFailed, match=r"Pagefind is not installed \(pip install 'pagefind\[bin\]'\)$"):
        index_site(site, "en", tmp_path / "bundle")
