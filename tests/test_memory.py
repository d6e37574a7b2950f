"""What `generator.memory` assumes of a build: parsing and resolving make no cyclic garbage, so that
`archive build` need not look for any (`Builder.lives_on`), and looking would cost 0.4 s at 10,000 articles.
And what keeps the parses that one process holds small: shared strings, and in a large archive compressed
bodies."""
from __future__ import annotations

import gc
import pickle

from hypothesis import given, settings
from hypothesis import strategies as st

from generator import build as build_module
from generator.build import Builder
from generator.model import SourceFile
from generator.parse import parse_file
from generator.parse.body import pack, unpack
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


def test_parses_share_their_repeated_strings():
    """What thousands of parses repeat is held once by the process that unpickles them (references, claim ids,
    stances, kinds), and a sentence once by its document however many annotations it holds."""
    text = ("---\ntitle: T\ndate: 2021-07-20\n---\nIt was said. [[Ned Price]] said [[China]] and [Ned Price]{claim=c-one "
            "by=\"Ned Price\" stance=reports} agreed.\n")
    one, two = (pickle.loads(pickle.dumps(parse_file(SourceFile(f"content/articles/{n}.md", "article", text.encode())), 5))[0]
                for n in "ab")
    assert one.mentions[0].ref is two.mentions[0].ref
    assert one.claims[0].claim is two.claims[0].claim and one.claims[0].by is two.claims[0].by
    assert one.claims[0].stance is two.claims[0].stance and one.kind is two.kind
    sentences = {id(x.excerpt.sentence) for x in [*one.mentions, *one.claims]}
    assert len(one.mentions) == 2 and len(sentences) == 1


@settings(max_examples=200, deadline=None)
@given(st.text(), st.booleans())
def test_a_packed_body_unpacks_to_itself(html, compress):
    packed = pack(html, compress)
    assert unpack(packed) == html == unpack(memoryview(bytearray(packed)))  # (as `spill` keeps it too)


def test_bodies_are_kept_compressed_from_a_size_of_archive(monkeypatch):
    def first_byte_of_bodies() -> set[int]:
        builder = Builder(SITES / "basic", cache="off")
        archive = builder.check()[1]
        return {article.doc.body[0] for article in archive.articles}
    assert first_byte_of_bodies() == {ord("=")}
    monkeypatch.setattr(build_module, "COMPRESS_FROM", 1)
    assert first_byte_of_bodies() == {ord("z")}
