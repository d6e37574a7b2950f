"""One test per message that a user can cause: exit status, `path:line:col`, severity and the exact words.

Lines and columns are counted by hand from the fixture text: 1-based, front matter included, columns in
characters. Every content error is checked against a site built before it: a failed build must leave that
site exactly as it was (same files, same bytes) and leave no staging folder behind.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from generator import render_markdown
from generator.build import Builder
from generator.load import find
from generator.model import SourceFile
from generator.parse import parse_file
from generator.render import site as site_module
from tests.conftest import Run, write_archive

A = "content/articles/a.md"
HEAD = "---\ntitle: T\ndate: 2021-07-20\n---\n"  # four lines: a body starts on line 5
GOOD = {"content/articles/ok.md": "---\ntitle: Fine\ndate: 2021-07-01\n---\nAll is well.\n"}
CONFIG = 'title = "Test archive"\n'


def summary(errors: int, warnings: int) -> str:
    return (f"archive: build failed, the site was left as it was: "
            f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}")


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def broken(make_archive, run):
    """broken(files, config=None) -> Run: build a good archive, add or overwrite `files` (and archive.toml),
    build again; checks that the second build failed with status 1 and touched nothing."""

    def rebuild(files: dict[str, str | bytes], config: str | bytes | None = None) -> Run:
        root = make_archive(GOOD, CONFIG)
        first = run("build", "-C", root)
        assert first.code == 0, first.err
        before = snapshot(root / "site")
        write_archive(root, files, config=None)
        if isinstance(config, bytes):
            (root / "archive.toml").write_bytes(config)
        elif config is not None:
            (root / "archive.toml").write_text(config, encoding="utf-8")
        entries = sorted(p.name for p in root.iterdir())
        result = run("build", "-C", root)
        assert result.code == 1, result.err
        assert snapshot(root / "site") == before
        assert sorted(p.name for p in root.iterdir()) == entries  # no staging folder left behind
        assert "Traceback" not in result.err
        return result

    return rebuild


@pytest.fixture
def warned(make_archive, run):
    """warned(files, config=CONFIG, *options) -> Run: a build that must succeed (status 0) and write the site."""

    def build(files: dict[str, str | bytes], config: str = CONFIG, *options: str) -> Run:
        root = make_archive({**GOOD, **files}, config)
        result = run("build", "-C", root, *options)
        assert result.code == 0, result.err
        assert (root / "site" / "index.html").is_file()
        assert "Traceback" not in result.err
        return result

    return build


def errors_only(result: Run, *expected: str) -> None:
    """The build reported exactly `expected` (in that order) and a summary that counts them."""
    assert result.lines == list(expected)
    errors = sum(": error: " in line for line in expected)
    assert result.err.splitlines()[-1] == summary(errors, len(expected) - errors)


# ---- a file and its front matter -----------------------------------------------------------------

FILE_ERRORS = {
    "invalid-utf8": (
        {A: HEAD.encode() + "Intro.\nÜrümqi ".encode() + b"\xff rest\n"},
        f"{A}:6:8: error: file is not valid UTF-8 (byte 0xff): save it with UTF-8 encoding"),
    "invalid-utf8-in-front-matter": (
        {A: b"---\ntitle: Caf\xe9\ndate: 2021-07-20\n---\n"},
        f"{A}:2:11: error: file is not valid UTF-8 (byte 0xe9): save it with UTF-8 encoding"),
    "missing-front-matter": (
        {A: "# Blinken meets survivors\n\nText.\n"},
        f"{A}:1:1: error: missing front matter: the file must start with a line '---'"),
    "unclosed-front-matter": (
        {A: "---\ntitle: T\ndate: 2021-07-20\n\nText.\n"},
        f"{A}:1:1: error: front matter is not closed: add a line '---' after it"),
    "invalid-yaml": (
        {A: "---\ntitle: Blinken: a visit\ndate: 2021-07-20\n---\n"},
        f"{A}:2:15: error: invalid YAML in front matter: mapping values are not allowed in this context"
        " (put a value that contains ': ' in quotes, and check the indentation)"),
    "invalid-yaml-unclosed-list": (
        {A: "---\ntitle: T\ndate: 2021-07-20\ntags: [a, b\n---\n"},
        f"{A}:5:1: error: invalid YAML in front matter: did not find expected ',' or ']'"
        " (while parsing a flow sequence that starts at line 4)"),
    "invalid-yaml-unclosed-quote": (
        {A: '---\ntitle: "Blinken\ndate: 2021-07-20\n---\n'},
        f"{A}:3:17: error: invalid YAML in front matter: found unexpected end of stream"
        " (while scanning a quoted scalar that starts at line 2)"),
    "yaml-control-character": (
        {A: '---\ntitle: T\ndate: 2021-07-20\nsummary: "a\x07b"\n---\n'},
        f"{A}:4:12: error: invalid YAML in front matter: control characters are not allowed (U+0007)"),
    "front-matter-not-a-mapping": (
        {A: "---\n- title\n- date\n---\n"},
        f"{A}:2:1: error: front matter must be a mapping of keys to values"),
    "missing-title": (
        {A: "---\ndate: 2021-07-20\n---\nText.\n"},
        f"{A}:1:1: error: missing required key 'title'"),
    "missing-date": (
        {A: "---\ntitle: T\n---\nText.\n"},
        f"{A}:1:1: error: missing required key 'date'"),
    "empty-title": (
        {A: "---\ntitle:\ndate: 2021-07-20\n---\n"},
        f"{A}:2:1: error: 'title' must not be empty"),
    "date-not-in-the-calendar": (
        {A: "---\ntitle: T\ndate: 2021-13-45\n---\n"},
        f"{A}:3:7: error: 'date' is not a valid date: '2021-13-45' (month must be in 1..12)"),
    "date-day-out-of-range": (
        {A: "---\ntitle: T\ndate: 2021-02-30\n---\n"},
        f"{A}:3:7: error: 'date' is not a valid date: '2021-02-30' (day is out of range for month)"),
    "date-not-iso": (
        {A: "---\ntitle: T\ndate: 20 July 2021\n---\n"},
        f"{A}:3:7: error: 'date' is not a valid date: '20 July 2021' (use YYYY-MM-DD or an ISO datetime)"),
    "text-not-a-list": (
        {A: "---\ntitle: T\nsummary: [a, b]\ndate: 2021-07-20\n---\n"},
        f"{A}:3:10: error: 'summary' must be text, not a list"),
    "text-not-a-mapping": (
        {A: "---\ntitle: T\ndate: 2021-07-20\npublisher: {name: X}\n---\n"},
        f"{A}:4:12: error: 'publisher' must be text, not a mapping"),
    "flag": (
        {A: "---\ntitle: T\ndate: 2021-07-20\ndraft: maybe\n---\n"},
        f"{A}:4:8: error: 'draft' must be true or false"),
    "unsafe-url": (
        {A: "---\ntitle: T\ndate: 2021-07-20\noriginal_url: javascript:alert(1)\n---\n"},
        f"{A}:4:15: error: 'original_url' must be an http(s) or mailto URL, not 'javascript:alert(1)'"),
    "slug": (
        {A: "---\ntitle: T\ndate: 2021-07-20\nslug: Blinken Visit\n---\n"},
        f"{A}:4:7: error: 'slug' must be lowercase letters, digits and single hyphens, not 'Blinken Visit'"
        " (did you mean 'blinken-visit'?)"),
    "not-a-list": (
        {A: "---\ntitle: T\ndate: 2021-07-20\ntags: {a: 1}\n---\n"},
        f"{A}:4:7: error: 'tags' must be a list"),
    "entity-type": (
        {"content/entities/bob.md": "---\nname: Bob\ntype: persn\n---\n"},
        "content/entities/bob.md:3:7: error: unknown type 'persn': use one of person, organization, place, group,"
        " event, other (did you mean 'person'?)"),
    "source-kind": (
        {"content/sources/tip.md": "---\ntitle: TIP\nkind: reprot\n---\n"},
        "content/sources/tip.md:3:7: error: unknown kind 'reprot': use one of report, statement, article, dataset,"
        " interview, other (did you mean 'report'?)"),
    "links": (
        {"content/entities/bob.md": "---\nname: Bob\nlinks: [https://example.org]\n---\n"},
        "content/entities/bob.md:3:8: error: 'links' must be a mapping of names to URLs or identifiers"),
    "local-records-not-a-mapping": (
        {A: "---\ntitle: T\ndate: 2021-07-20\nsources: [tip]\n---\n"},
        f"{A}:4:10: error: 'sources' must be a mapping of source ids to source records"),
    "local-record-id": (
        {A: "---\ntitle: T\ndate: 2021-07-20\nentities:\n  Ned_Price: {name: Ned Price}\n---\n"},
        f"{A}:5:3: error: entity id 'Ned_Price' must be lowercase letters, digits and single hyphens"
        " (did you mean 'ned-price'?)"),
    "local-record-not-a-mapping": (
        {A: "---\ntitle: T\ndate: 2021-07-20\nsources:\n  tip: TIP report\n---\n"},
        f"{A}:5:8: error: source 'tip' must be a mapping of keys to values"),
    "local-record-missing-key": (
        {A: "---\ntitle: T\ndate: 2021-07-20\nentities:\n  ned-price: {type: person}\n---\n"},
        f"{A}:5:14: error: missing required key 'name'"),
    "file-name-without-id": (
        {"content/entities/___.md": "---\nname: X\n---\n"},
        "content/entities/___.md:1:1: error: cannot make an entity id from this file name: rename the file"),
    "file-name-without-slug": (
        {"content/articles/___.md": HEAD},
        "content/articles/___.md:1:1: error: cannot make an article slug from this file name: rename the file"),
    "related-claim": (
        {"content/claims/camps.md": "---\nstatement: S\nrelated: [camp-count]\n---\n"},
        "content/claims/camps.md:3:11: error: unknown claim 'camp-count' in 'related'"),
}


@pytest.mark.parametrize("files, expected", FILE_ERRORS.values(), ids=FILE_ERRORS.keys())
def test_front_matter_error(broken, files: dict, expected: str) -> None:
    errors_only(broken(files), expected)


def test_misspelt_key_is_a_warning_at_the_key_with_a_suggestion(warned) -> None:
    result = warned({A: "---\ntitle: T\ndate: 2021-07-20\ntitel: Other\n---\n"})
    assert result.lines == [f"{A}:4:1: warning: unknown key 'titel' (did you mean 'title'?)"]


def test_misspelt_key_of_an_article_local_record(warned) -> None:
    result = warned({A: "---\ntitle: T\ndate: 2021-07-20\nentities:\n  bob:\n    name: Bob\n    alaises: [B]\n---\n"})
    assert result.lines == [f"{A}:7:5: warning: unknown key 'alaises' (did you mean 'aliases'?)"]


def test_unknown_key_not_close_to_a_known_one_is_kept_silently(warned) -> None:
    assert warned({A: "---\ntitle: T\ndate: 2021-07-20\nregion: Xinjiang\n---\n"}).lines == []


def test_missing_required_key_with_a_misspelt_one(broken) -> None:
    result = broken({"content/claims/camps.md": "---\nstatment: Typo\n---\n"})
    errors_only(result, "content/claims/camps.md:1:1: error: missing required key 'statement'",
                "content/claims/camps.md:2:1: warning: unknown key 'statment' (did you mean 'statement'?)")


def test_duplicate_front_matter_key_is_a_warning_at_the_second(warned) -> None:
    result = warned({A: "---\ntitle: T\ndate: 2021-07-20\ntitle: U\n---\n"})
    assert result.lines == [f"{A}:4:1: warning: duplicate key 'title': the last value is used"]


def test_byte_order_mark_and_crlf_are_accepted_with_true_positions(warned) -> None:
    text = "---\ntitle: T\ndate: 2021-07-20\ntitel: x\n---\nMet [[Ned Price]] and\n[[Blinken]].\n"
    result = warned({A: b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode()})
    assert result.lines == [f"{A}:4:1: warning: unknown key 'titel' (did you mean 'title'?)",
                            f"{A}:6:5: warning: unknown entity 'Ned Price': created it implicitly",
                            f"{A}:7:1: warning: unknown entity 'Blinken': created it implicitly"]


def test_file_outside_the_content_folders_is_ignored_with_a_warning(warned) -> None:
    result = warned({"content/notes.md": "scratch\n", "content/drafts/x.md": HEAD})
    assert result.lines == ["content/drafts/x.md:1:1: warning: not in content/articles/, entities/, claims/ or sources/: ignored",
                            "content/notes.md:1:1: warning: not in content/articles/, entities/, claims/ or sources/: ignored"]


def test_no_content_folder(make_archive, run) -> None:
    root = make_archive(GOOD, CONFIG)
    assert run("build", "-C", root).code == 0
    before = snapshot(root / "site")
    shutil.rmtree(root / "content")
    result = run("build", "-C", root)
    assert result.code == 1
    errors_only(result, "content:1:1: error: no content/ folder: put articles in content/articles/")
    assert snapshot(root / "site") == before


def test_a_file_gone_before_it_is_read(make_archive) -> None:
    """A file deleted (or unreadable) between finding and reading it is reported at its path, never a traceback."""
    root = make_archive({**GOOD, "content/articles/gone.md": HEAD + "Soon gone.\n"})
    files = find(root)
    (root / "content/articles/gone.md").unlink()
    _, archive, diagnostics, _ = Builder(root, cache="off").check(files=files)
    assert archive is None
    assert [str(d) for d in diagnostics] == [
        "content/articles/gone.md:1:1: error: cannot read this file: No such file or directory"]


def edit_while_rendering(monkeypatch, path: Path, times: int) -> None:
    """Append a line to the file each time the build starts rendering, the first `times` times."""
    render = site_module.render_site
    edits = iter(range(times))

    def edit_then_render(*args, **kwargs):
        if next(edits, None) is not None:
            path.write_text(path.read_text() + "More.\n")
        return render(*args, **kwargs)

    monkeypatch.setattr(site_module, "render_site", edit_then_render)


def test_a_file_saved_while_the_site_is_built_is_read_again(make_archive, monkeypatch) -> None:
    """The source view reads the file again: when it is no longer what was parsed, the build starts over."""
    root = make_archive(GOOD)
    edit_while_rendering(monkeypatch, root / "content/articles/ok.md", 1)
    result = Builder(root, cache="off").build(search=False)
    assert result.ok and "More." in (root / "site/articles/ok/index.html").read_text()


def test_a_file_that_keeps_changing_while_the_site_is_built(make_archive, monkeypatch) -> None:
    root = make_archive(GOOD)
    edit_while_rendering(monkeypatch, root / "content/articles/ok.md", 2)
    result = Builder(root, cache="off").build(search=False)
    assert [str(d) for d in result.diagnostics] == [
        "content/articles/ok.md:1:1: error: the file changed while the site was being built: build again"]
    assert not (root / "site").exists()


# ---- annotations in the body ----------------------------------------------------------------------

BODY_ERRORS = {
    "unclosed-mention": (
        "Blinken met [[Ned Price and others.\n",
        ["5:13: error: '[[' does not start a complete entity mention: write [[Name]] or [[id|text]]"]),
    "unclosed-mention-after-a-complete-one": (
        "[[Ned Price]] met [[Blinken\n",
        ["5:1: warning: unknown entity 'Ned Price': created it implicitly",
         "5:19: error: '[[' does not start a complete entity mention: write [[Name]] or [[id|text]]"]),
    "unreadable-span-attributes": (
        'He [said so]{claim="unclosed}.\n',
        ["5:12: error: attributes after [text] could not be read: check the quotes and braces of {...}"]),
    "unreadable-span-attributes-after-a-good-span": (
        '[Ned]{entity=ned} and [x]{claim="unclosed}.\n',
        ["5:1: warning: unknown entity 'ned': created it implicitly",
         "5:25: error: attributes after [text] could not be read: check the quotes and braces of {...}"]),
    "claim-attributes-inside-a-line": (
        "He said so {claim=x} today.\n",
        ["5:12: error: claim attributes must follow a [bracketed span] or stand alone on the line above a paragraph"]),
    "entity-attributes-inside-a-line": (
        "Ned Price {entity=ned-price} said.\n",
        ["5:11: error: entity attributes must follow a [bracketed span]"]),
    "paragraph-claim-above-a-list": (
        "{claim=camps}\n- item\n",
        ["5:1: error: claim attributes on their own line must stand directly above a paragraph"]),
    "entity-on-a-block": (
        "{entity=bob}\nBob spoke.\n",
        ["5:1: error: entity= belongs on a [bracketed span], not on a block"]),
    "claim-on-a-link": (
        "See [the report](https://example.org){claim=camps}.\n",
        ["5:5: error: entity= and claim= belong on a [bracketed span]"]),
    "claim-on-code": (
        "Run `make`{claim=camps} now.\n",
        ["5:5: error: entity= and claim= belong on a [bracketed span]"]),
    "empty-entity-reference": (
        'Said [Ned]{entity=""}.\n',
        ["5:6: error: entity= needs an entity reference"]),
    "claim-span-without-claim": (
        'It [was said]{by="Ned Price"}.\n',
        ["5:4: error: claim annotation without a claim id: add claim=ID"]),
    "claim-span-with-empty-claim": (
        'It [was said]{claim=""}.\n',
        ["5:4: error: claim annotation without a claim id: add claim=ID"]),
    "paragraph-claim-with-empty-claim": (
        '{claim="" by="Ned Price"}\nA paragraph.\n',
        ["5:1: error: claim annotation without a claim id: add claim=ID"]),
    "bad-stance": (
        "It [was said]{claim=camps stance=report}.\n",
        ["5:27: error: unknown stance 'report': use one of asserts, reports, supports, disputes (did you mean 'reports'?)"]),
    "bad-stance-without-suggestion": (
        "{claim=camps stance=denies}\nA paragraph.\n",
        ["5:14: error: unknown stance 'denies': use one of asserts, reports, supports, disputes"]),
    "bad-claim-id": (
        "It [was said]{claim=Camp_Count}.\n",
        ["5:4: error: claim id 'Camp_Count' must be lowercase letters, digits and single hyphens (did you mean 'camp-count'?)"]),
    "undefined-note": (
        "It was reported.[^tip]\n",
        ["5:17: error: source note [^tip] has no text: add a line '[^tip]: ...'"]),
    "unknown-source": (
        "It [was said]{claim=camps source=tip}.\n",
        ["5:27: error: unknown source 'tip': add content/sources/tip.md or a 'sources:' entry in the front matter"]),
}


@pytest.mark.parametrize("body, expected", BODY_ERRORS.values(), ids=BODY_ERRORS.keys())
def test_annotation_error(broken, body: str, expected: list[str]) -> None:
    errors_only(broken({A: HEAD + body}), *(f"{A}:{line}" for line in expected))


def test_unknown_source_suggests_a_close_id(broken) -> None:
    result = broken({"content/sources/tip-2021.md": "---\ntitle: TIP\n---\n",
                     A: HEAD + "It [was said]{claim=camps source=tip-2012}.\n"})
    errors_only(result, f"{A}:5:27: error: unknown source 'tip-2012': add content/sources/tip-2012.md or a"
                        " 'sources:' entry in the front matter (did you mean 'tip-2021'?)")


def test_malformed_annotations_are_left_as_text(make_archive, run) -> None:
    """`check` (no site) of the three classic slips: each reported, none turned into an annotation."""
    text = HEAD + 'Met [[Blinken\n\nA [x]{claim="unclosed} b\n\nSaid {claim=x} here.\n'
    root = make_archive({A: text}, CONFIG)
    result = run("check", "-C", root)
    assert result.code == 1
    assert result.lines == [
        f"{A}:5:5: error: '[[' does not start a complete entity mention: write [[Name]] or [[id|text]]",
        f"{A}:7:5: error: attributes after [text] could not be read: check the quotes and braces of {{...}}",
        f"{A}:9:6: error: claim attributes must follow a [bracketed span] or stand alone on the line above a paragraph"]
    assert not (root / "site").exists()
    doc, _ = parse_file(SourceFile(A, "article", text.encode()))
    assert doc is not None and doc.mentions == [] and doc.claims == []
    html = render_markdown(text.split("---\n", 2)[2])
    assert "Met [[Blinken" in html and "A [x]{claim=&quot;unclosed} b" in html and "Said {claim=x} here." in html


WARNINGS = {
    "unused-note": (
        {A: HEAD + "Text.\n\n[^tip]: The 2021 report.\n"},
        [f"{A}:7:1: warning: source note [^tip] is never cited in the text"]),
    "unknown-span-attribute": (
        {A: HEAD + "It [was said]{claim=camps stanse=reports}.\n"},
        [f"{A}:5:27: warning: attribute 'stanse' is not allowed here and was dropped (did you mean 'stance'?)"]),
    "unknown-paragraph-attribute": (
        {A: HEAD + "{claim=camps stanse=reports}\nA paragraph.\n"},
        [f"{A}:5:14: warning: attribute 'stanse' is not allowed here and was dropped (did you mean 'stance'?)"]),
    "unknown-link-attribute": (
        {A: HEAD + "See [the report](https://example.org){onclick=x}.\n"},
        [f"{A}:5:5: warning: attribute 'onclick' is not allowed here and was dropped"]),
    "unknown-entity": (
        {A: HEAD + "Later, [[Ned Price]] spoke.\n"},
        [f"{A}:5:8: warning: unknown entity 'Ned Price': created it implicitly"]),
    "unknown-entity-close-to-a-known-one": (
        {"content/entities/antony-blinken.md": "---\nname: Antony Blinken\n---\n",
         A: HEAD + "[[Antony Blinkin]] spoke.\n"},
        [f"{A}:5:1: warning: unknown entity 'Antony Blinkin': created it implicitly (did you mean 'Antony Blinken'?)"]),
    "unknown-entity-in-front-matter": (
        {A: "---\ntitle: T\ndate: 2021-07-20\npublisher: Devdiscourse\nauthors: [Jane Doe]\n---\n"},
        [f"{A}:4:12: warning: unknown entity 'Devdiscourse': created it implicitly",
         f"{A}:5:11: warning: unknown entity 'Jane Doe': created it implicitly"]),
    "unknown-claimant": (
        {A: HEAD + 'It [was said]{claim=camps by="Ned Price"}.\n'},
        [f"{A}:5:27: warning: unknown entity 'Ned Price': created it implicitly"]),
    "claim-in-a-record": (
        {"content/entities/bob.md": "---\nname: Bob\n---\nBob [said it]{claim=camps}.\n"},
        ["content/entities/bob.md:4:5: warning: claim annotations count only in articles: this one is shown as plain text"]),
}


@pytest.mark.parametrize("files, expected", WARNINGS.values(), ids=WARNINGS.keys())
def test_warning(warned, files: dict, expected: list[str]) -> None:
    result = warned(files)
    assert result.lines == expected
    assert result.out.rstrip().endswith(f": 0 errors, {len(expected)} warning{'s' * (len(expected) != 1)}")


@pytest.mark.parametrize("files, expected", WARNINGS.values(), ids=WARNINGS.keys())
def test_strict_makes_the_warning_an_error(make_archive, run, files: dict, expected: list[str]) -> None:
    root = make_archive({**GOOD, **files}, CONFIG)
    result = run("build", "--strict", "-C", root)
    assert result.code == 1
    assert result.lines == [line.replace(": warning: ", ": error: ") for line in expected]
    assert not (root / "site").exists()


def test_unknown_entity_becomes_an_implicit_entity(make_archive, run) -> None:
    root = make_archive({A: HEAD + "[[Ned Price]] spoke.\n"}, CONFIG)
    assert run("build", "-C", root).code == 0
    page = root / "site" / "entities" / "ned-price" / "index.html"
    assert "Ned Price" in page.read_text(encoding="utf-8")


# ---- positions inside block structure -------------------------------------------------------------

POSITIONS = {
    "list-item": ("- one\n- two [[Ned Price]]\n", 6, 7),
    "nested-list": ("1. one\n   - nested [[Ned Price]]\n", 6, 13),
    "list-item-continuation": ("- one\n  two [[Ned Price]]\n", 6, 7),
    "blockquote": ("> quoted\n> more [[Ned Price]]\n", 6, 8),
    "list-in-blockquote": ("> - in a list in a quote [[Ned Price]]\n", 5, 26),
    "footnote-definition": ("Text.[^n]\n\n[^n]: See [[Ned Price]].\n", 7, 11),
    "footnote-continuation": ("Text.[^n]\n\n[^n]: First line\n    continued [[Ned Price]].\n", 8, 15),
    "table-cell": ("| a | b |\n|---|---|\n| x | [[Ned Price]] |\n", 7, 7),
    "heading": ("# Heading [[Ned Price]]\n", 5, 11),
    "second-line-of-paragraph": ("Para line one\nand [[Ned Price]] on two\n", 6, 5),
    "after-emphasis-and-code": ("*Em* `[[x]]` and [[Ned Price]]\n", 5, 18),
}


@pytest.mark.parametrize("body, line, col", POSITIONS.values(), ids=POSITIONS.keys())
def test_position_inside_block_structure(warned, body: str, line: int, col: int) -> None:
    result = warned({A: HEAD + body})
    assert result.lines == [f"{A}:{line}:{col}: warning: unknown entity 'Ned Price': created it implicitly"]


ERROR_POSITIONS = {
    "stance-in-a-list": ("- one\n- it [was said]{claim=camps stance=bad}\n", "6:29: error: unknown stance 'bad'"),
    "stance-in-a-blockquote": ("> quoted\n> it [was said]{claim=camps stance=bad}\n", "6:29: error: unknown stance 'bad'"),
    "source-in-a-footnote": ("Text.[^n]\n\n[^n]: See [it]{claim=camps source=nope}.\n", "7:28: error: unknown source 'nope'"),
    "unclosed-mention-in-a-list": ("- one\n  - two [[Ned\n", "6:9: error: '[[' does not start"),
    "undefined-note-in-a-blockquote": ("> Quoted.[^x]\n", "5:10: error: source note [^x] has no text"),
}


@pytest.mark.parametrize("body, expected", ERROR_POSITIONS.values(), ids=ERROR_POSITIONS.keys())
def test_error_position_inside_block_structure(broken, body: str, expected: str) -> None:
    result = broken({A: HEAD + body})
    assert len(result.lines) == 1 and result.lines[0].startswith(f"{A}:{expected}")


# ---- one record, two files ------------------------------------------------------------------------

LOCAL_BOB = "---\ntitle: T\ndate: 2021-07-21\nentities:\n  bob: {name: Bob B}\n---\n"
LOCAL_TIP = "---\ntitle: T\ndate: 2021-07-21\nsources:\n  tip:\n    title: TIP\n---\n"
DUPLICATES = {
    "slug-from-file-names": (
        {A: HEAD, "content/articles/world/a.md": HEAD},
        "content/articles/world/a.md:1:1: error: article slug 'a' is already used by content/articles/a.md:1"),
    "slug-written": (
        {A: HEAD, "content/articles/b.md": "---\ntitle: T\ndate: 2021-07-20\nslug: a\n---\n"},
        "content/articles/b.md:4:7: error: article slug 'a' is already used by content/articles/a.md:1"),
    "entity-two-files": (
        {"content/entities/bob.md": "---\nname: Bob\n---\n", "content/entities/people/bob.md": "---\nname: Bob\n---\n"},
        "content/entities/people/bob.md:1:1: error: entity id 'bob' is already used by content/entities/bob.md:1"),
    "entity-file-and-article-local": (
        {"content/entities/bob.md": "---\nname: Bob\n---\n", A: LOCAL_BOB},
        f"{A}:5:8: error: entity id 'bob' is already used by content/entities/bob.md:1"),
    "entity-two-articles": (
        {A: LOCAL_BOB, "content/articles/b.md": LOCAL_BOB},
        f"content/articles/b.md:5:8: error: entity id 'bob' is already used by {A}:5"),
    "source-file-and-article-local": (
        {"content/sources/tip.md": "---\ntitle: TIP\n---\n", A: LOCAL_TIP},
        f"{A}:6:5: error: source id 'tip' is already used by content/sources/tip.md:1"),
    "source-two-articles": (
        {A: LOCAL_TIP, "content/articles/b.md": LOCAL_TIP},
        f"content/articles/b.md:6:5: error: source id 'tip' is already used by {A}:6"),
    "claim-two-files": (
        {"content/claims/camps.md": "---\nstatement: S\n---\n", "content/claims/old/camps.md": "---\nstatement: S\n---\n"},
        "content/claims/old/camps.md:1:1: error: claim id 'camps' is already used by content/claims/camps.md:1"),
}


@pytest.mark.parametrize("files, expected", DUPLICATES.values(), ids=DUPLICATES.keys())
def test_duplicate_id_names_both_files(broken, files: dict, expected: str) -> None:
    errors_only(broken(files), expected)


def test_ambiguous_alias_names_both_candidates(broken) -> None:
    result = broken({"content/entities/ned-price.md": "---\nname: Ned Price\naliases: [Price]\n---\n",
                     A: "---\ntitle: T\ndate: 2021-07-20\nentities:\n  price-waterhouse: {name: PwC, aliases: [price]}\n"
                        "---\nSaid [[Price]].\n"})
    errors_only(result, f"{A}:7:6: error: ambiguous entity reference 'Price': it names both 'ned-price'"
                        f" (content/entities/ned-price.md) and 'price-waterhouse' ({A}); use the id")


# ---- archive.toml ---------------------------------------------------------------------------------

CONFIG_ERRORS = {
    "invalid-toml": ('title = Test archive\n', "archive.toml:1:9: error: invalid TOML: Invalid value"),
    "duplicate-setting": ('title = "a"\ntitle = "b"\n', "archive.toml:2:12: error: invalid TOML: Cannot overwrite a value"),
    "not-text": ('title = "T"\nlanguage = 3\n', "archive.toml:2:1: error: 'language' must be text"),
    "language-tag": ('language = "English"\n', "archive.toml:1:1: error: 'language' must be a language tag such as "
                     "'en', 'fr' or 'pt-BR' (the pages' lang, and the words' stemming in search)"),
    "language-locale": ('language = "en_GB"\n', "archive.toml:1:1: error: 'language' must be a language tag such as "
                        "'en', 'fr' or 'pt-BR' (the pages' lang, and the words' stemming in search) (did you mean "
                        "'en-GB'?)"),
    "not-a-number": ('title = "T"\nper_page = "ten"\n', "archive.toml:2:1: error: 'per_page' must be a whole number"),
    "not-a-number-but-a-flag": ('per_page = true\n', "archive.toml:1:1: error: 'per_page' must be a whole number"),
    "per-page-zero": ('title = "T"\n  per_page = 0\n', "archive.toml:2:3: error: 'per_page' must be at least 1"),
    "search-parts-of-no-page": ('search_part_pages = -5\n',
                                "archive.toml:1:1: error: 'search_part_pages' must be at least 1"),
    "base-url": ('base_url = "example.org/archive/"\n', "archive.toml:1:1: error: 'base_url' must start with http:// or https://"),
    "invalid-utf8": (b'title = "Caf\xe9"\n', "archive.toml:1:13: error: file is not valid UTF-8 (byte 0xe9): save it with UTF-8 encoding"),
}


@pytest.mark.parametrize("config, expected", CONFIG_ERRORS.values(), ids=CONFIG_ERRORS.keys())
def test_config_error(broken, config: str | bytes, expected: str) -> None:
    errors_only(broken({}, config), expected)


@pytest.mark.parametrize("config, expected", [
    ('title = "T"\ntitel = "U"\n', "archive.toml:2:1: warning: unknown setting 'titel' (did you mean 'title'?)"),
    ('title = "T"\n\n[params]\nlogo = "x.png"\n', "archive.toml:3:2: warning: unknown setting 'params'"),
], ids=["misspelt", "table"])
def test_config_unknown_setting_is_a_warning(warned, config: str, expected: str) -> None:
    assert warned({}, config).lines == [expected]


def test_config_with_byte_order_mark_and_crlf(make_archive, run) -> None:
    root = make_archive(GOOD, config=None)
    (root / "archive.toml").write_bytes(b'\xef\xbb\xbftitle = "BOM archive"\r\ntitel = "x"\r\n')
    result = run("build", "-C", root)
    assert result.code == 0
    assert result.lines == ["archive.toml:2:1: warning: unknown setting 'titel' (did you mean 'title'?)"]
    assert "BOM archive" in (root / "site" / "index.html").read_text(encoding="utf-8")


# ---- an archive's own templates -------------------------------------------------------------------

TEMPLATE_ERRORS = {
    "syntax": ("article.html", "<p>\n{{ article.title }\n</p>\n", "templates/article.html:2:1: error: template error: unexpected '}'"),
    "undefined": ("article.html", "<p>\n\n{{ nosuch.title }}\n</p>\n", "templates/article.html:3:1: error: template error: 'nosuch' is undefined"),
    "missing-include": ("article.html", "<p>\n{% include 'sidebar.html' %}\n</p>\n",
                        "templates/article.html:2:1: error: template error: 'sidebar.html' not found in templates/ or the built-in theme"),
    "syntax-in-an-imported-file": ("macros.html", "{% macro x( %}\n",
                                   "templates/macros.html:1:1: error: template error: expected token 'name', got '%'"),
}


@pytest.mark.parametrize("name, text, expected", TEMPLATE_ERRORS.values(), ids=TEMPLATE_ERRORS.keys())
def test_template_error_in_the_archives_own_templates(broken, name: str, text: str, expected: str) -> None:
    errors_only(broken({f"templates/{name}": text}), expected)


# ---- everything at once ---------------------------------------------------------------------------


def test_all_problems_of_a_build_are_reported_at_once_sorted_by_path_then_line(broken) -> None:
    result = broken({
        "content/entities/x.md": "---\ntype: person\n---\n",
        "content/articles/b.md": "---\ntitle: B\ndate: 2021-13-01\n---\n"
                                 "Body [[Ned Price]] and [[broken.\n\n"
                                 "[it]{claim=camps source=nope}\n",
        "content/articles/c.md": b"---\ntitle: C\ndate: 2021-07-20\n---\n\xff\n",
        A: "---\ndate: 2021-07-20\ntitel: x\n---\nLine\n[[Ned Price]] again.\n",
    }, 'title = "T"\n\ntitel = "x"\n')
    expected = [
        "archive.toml:3:1: warning: unknown setting 'titel' (did you mean 'title'?)",
        f"{A}:1:1: error: missing required key 'title'",
        f"{A}:3:1: warning: unknown key 'titel' (did you mean 'title'?)",
        f"{A}:6:1: warning: unknown entity 'Ned Price': created it implicitly",
        "content/articles/b.md:3:7: error: 'date' is not a valid date: '2021-13-01' (month must be in 1..12)",
        "content/articles/b.md:5:6: warning: unknown entity 'Ned Price': created it implicitly",
        "content/articles/b.md:5:24: error: '[[' does not start a complete entity mention: write [[Name]] or [[id|text]]",
        "content/articles/b.md:7:18: error: unknown source 'nope': add content/sources/nope.md or a 'sources:' entry in the front matter",
        "content/articles/c.md:5:1: error: file is not valid UTF-8 (byte 0xff): save it with UTF-8 encoding",
        "content/entities/x.md:1:1: error: missing required key 'name'",
    ]
    errors_only(result, *expected)
    located = [line.split(": ", 1)[0].split(":") for line in result.lines]
    assert located == sorted(located, key=lambda p: (p[0], int(p[1]), int(p[2])))


def test_check_reports_the_same_problems_as_build(make_archive, run) -> None:
    root = make_archive({A: "---\ntitle: T\ndate: 2021-13-45\ntitel: x\n---\n[[Ned Price]] [x]{claim=c stance=no}\n"}, CONFIG)
    checked = run("check", "-C", root)
    built = run("build", "-C", root)
    assert checked.code == built.code == 1
    assert checked.lines == built.lines and len(built.lines) == 4
    assert checked.err.splitlines()[-1] == "archive: check failed: 2 errors, 2 warnings"
