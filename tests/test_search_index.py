"""generator.search and the Pagefind process: what it logs is never read as one of its answers, and when it
dies, the build says what it said last."""
from __future__ import annotations

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


def test_what_pagefind_logs_is_not_read_as_its_answers(site, tmp_path, monkeypatch):
    pagefind_that(tmp_path, monkeypatch, f'echo "a line that Pagefind logs" >&2\nexec "{get_executable()}" "$@"')
    assert index_site(site, "en", tmp_path / "bundle") > 0
    assert (tmp_path / "bundle" / "pagefind.js").is_file()


def test_when_pagefind_dies_the_error_says_what_it_said(site, tmp_path, monkeypatch):
    pagefind_that(tmp_path, monkeypatch, 'echo "out of memory" >&2\nexit 3')
    with pytest.raises(SearchFailed, match=r"\(Pagefind: out of memory\)$"):
        index_site(site, "en", tmp_path / "bundle")


def test_when_pagefind_crashes_the_error_says_where_and_why(site, tmp_path, monkeypatch):
    panic = ("thread 'main' (7) panicked at pagefind/src/index/mod.rs:530:32:\nbyte index 37 is out of bounds\n"
             "stack backtrace:\nnote: Some details are omitted, run with RUST_BACKTRACE=full for a verbose backtrace.")
    pagefind_that(tmp_path, monkeypatch, f'printf "{panic}" >&2\nexit 101')
    with pytest.raises(SearchFailed, match=r"\(Pagefind: thread 'main' \(7\) panicked at pagefind/src/index/mod.rs:530:32: "
                                           r"byte index 37 is out of bounds\)$"):
        index_site(site, "en", tmp_path / "bundle")
