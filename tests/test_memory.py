"""What `generator.memory` assumes of a build: parsing and resolving make no cyclic garbage, so that
`archive build` need not look for any (`Builder.lives_on`), and looking would cost 0.4 s at 10,000 articles."""
from __future__ import annotations

import gc

from generator.build import Builder
from tests.conftest import REPO
from tests.update_expected import SITES


def cyclic_garbage_of_check(root) -> int:
    builder = Builder(root, cache="off")
    gc.collect()
    gc.disable()
    try:
        _, archive, diagnostics, _ = builder.check()
        del builder, archive, diagnostics
    finally:
        gc.enable()
    return gc.collect()


def test_parsing_and_resolving_leave_no_cyclic_garbage():
    assert cyclic_garbage_of_check(REPO) == 0
    assert cyclic_garbage_of_check(SITES / "basic") == 0


def test_nor_do_files_with_errors(make_archive):
    root = make_archive({
        "content/articles/a.md": "---\ntitle: T\ndate: 2021-07-20\n---\nText [[Someone]] and [[unclosed.\n",
        "content/articles/b.md": "---\ntitle: [unclosed\n---\n",
        "content/articles/c.md": b"\xff\xfe not utf-8",
        "content/entities/x.md": "---\nname: X\ntype: nonsense\n---\n",
    })
    assert cyclic_garbage_of_check(root) == 0
