"""Property tests of the parser and the body renderer.

Generated articles are written piece by piece while the writer tracks the file position of every piece,
so each annotation's expected `line:col` is known exactly, whatever container, wrapping, line endings or
byte-order mark the article uses.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator import render_markdown
from generator.model import STANCES, SourceFile
from generator.parse import parse_file
from generator.parse.annotations import _SENTENCE_END, Sentences

PATH = "content/articles/a.md"
FRONT = "---\ntitle: T\ndate: 2021-07-20\n---\n"
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def parse(data: bytes):
    return parse_file(SourceFile(PATH, "article", data))


def decoded(data: bytes) -> str:
    """The file as the parser sees it (bad bytes replaced), for counting its lines."""
    return data.decode("utf-8", "replace").removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


# ---- parse_file never raises, and every diagnostic points into the file ----------------------

SYNTAX = st.sampled_from(["[[", "]]", "[", "]", "{", "}", "|", "=", '"', "`", "```", "*", "_", "\\", "#", "> ", "- ",
                          "1. ", "    ", "\t", "\n", "\n\n", "\r\n", "\r", "[^", "]:", "{claim=", "by=", "stance=",
                          "source=", "entity=", "---\n", ":", "\ufeff", "\xa0", "\u2028", "\x00", "é", "中", "👍🏽"])
MARKDOWNISH = st.lists(st.one_of(SYNTAX, st.text(max_size=4)), max_size=40).map("".join)


def _check_diagnostics(data: bytes) -> None:
    doc, diagnostics = parse(data)
    lines = decoded(data).split("\n")
    for d in diagnostics:
        assert d.path == PATH
        assert 1 <= d.line <= len(lines), str(d)
        assert 1 <= d.col <= len(lines[d.line - 1]) + 1, str(d)
    if doc is not None:
        for loc in [m.loc for m in doc.mentions] + [c.loc for c in doc.claims]:
            assert 1 <= loc.line <= len(lines) and 1 <= loc.col <= len(lines[loc.line - 1])


@SETTINGS
@given(st.text(), st.booleans())
def test_any_text_parses_without_raising(body: str, front: bool) -> None:
    _check_diagnostics(((FRONT if front else "") + body).encode("utf-8", "surrogatepass"))


@settings(SETTINGS, max_examples=300)
@given(MARKDOWNISH, st.booleans(), st.booleans())
def test_markdownish_text_parses_without_raising(body: str, front: bool, crlf: bool) -> None:
    text = (FRONT if front else "") + body
    _check_diagnostics((text.replace("\n", "\r\n") if crlf else text).encode("utf-8", "surrogatepass"))


@SETTINGS
@given(st.binary(), st.booleans())
def test_any_bytes_parse_without_raising(body: bytes, front: bool) -> None:
    _check_diagnostics((FRONT.encode() if front else b"") + body)


# ---- generated articles: the parser finds exactly what was written, where it was written ------

LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZéüÜßøñ中文日本абв"
WORD = st.text(st.sampled_from(LETTERS), min_size=1, max_size=7)
NAME = st.lists(WORD, min_size=1, max_size=3).map(" ".join)
SLUG = st.lists(st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyz0123456789"), min_size=1, max_size=6),
                min_size=1, max_size=3).map("-".join)
BARE = st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_"), min_size=1, max_size=8)


@dataclass
class Writer:
    """Writes a file, tracking the 1-based line:col (in characters) where the next piece goes."""

    text: str = ""
    prefix: str = ""  # written after each line break inside the current block: its container

    @property
    def at(self) -> tuple[int, int]:
        return self.text.count("\n") + 1, len(self.text) - (self.text.rfind("\n") + 1) + 1

    def write(self, piece: str) -> tuple[int, int]:
        where = self.at
        self.text += piece
        return where

    def space(self, space: str) -> None:
        self.write("\n" + self.prefix if space == "\n" else space)


@dataclass
class Expected:
    mentions: list[tuple] = field(default_factory=list)  # (ref, (line, col), shown text)
    claims: list[tuple] = field(default_factory=list)  # (claim, text, by, source, stance, loc, by_loc, source_loc)


@st.composite
def claim_attributes(draw) -> list[tuple[str, str, str]]:
    """(key, value, as written) in a random order; `claim` always there."""
    attrs = [("claim", (cid := draw(SLUG)), cid)]
    if draw(st.booleans()):
        attrs.append(("by", by := draw(NAME), f'"{by}"') if draw(st.booleans()) else ("by", by := draw(BARE), by))
    if draw(st.booleans()):
        attrs.append(("source", source := draw(SLUG), source))
    if draw(st.booleans()):
        attrs.append(("stance", stance := draw(st.sampled_from(STANCES)), stance))
    return draw(st.permutations(attrs))


def write_attributes(w: Writer, attrs: list[tuple[str, str, str]]) -> tuple[tuple[int, int], dict]:
    """Write `{k=v ...}`; the position of the brace and of each key."""
    brace = w.write("{")
    where = {}
    for i, (key, _, written) in enumerate(attrs):
        w.write(" " if i else "")
        where[key] = w.write(f"{key}=")
        w.write(written)
    w.write("}")
    return brace, where


def expected_claim(attrs, text: str, loc, where) -> tuple:
    values = {key: value for key, value, _ in attrs}
    by = values.get("by")
    stance = values.get("stance") or ("reports" if by else "asserts")
    return (values["claim"], text, by, values.get("source"), stance, loc, where.get("by", loc), where.get("source", loc))


# one piece of a paragraph: a word, or an annotation drawn with everything needed to write it
MENTION = st.tuples(st.just("mention"), NAME, st.none() | NAME)
ENTITY = st.tuples(st.just("entity"), st.one_of(SLUG, NAME), NAME)
SPACES = st.sampled_from([" ", " ", "\t", "\n"])
CLAIM = st.tuples(st.just("claim"), claim_attributes(), st.lists(WORD, min_size=1, max_size=4),
                  st.none() | st.tuples(st.integers(0, 4), MENTION), st.lists(SPACES, min_size=4, max_size=4))
# (written, plain text): look like annotations, are not; and a source note reference, which has no text
LITERAL = st.tuples(st.just("literal"), st.one_of(
    st.sampled_from([("`[[x]]`", "[[x]]"), ("``[y]{claim=c}``", "[y]{claim=c}"), ("\\[[x]]", "[[x]]"), ("[^n]", ""), ("[^m]", "")]),
    WORD.map(lambda word: (f"*{word}*", word))))
PIECE = st.one_of(WORD, WORD, MENTION, ENTITY, CLAIM, LITERAL)
CONTAINERS = [("", ""), ("> ", "> "), ("> > ", "> > "), ("- ", "  "), ("1. ", "   "), ("- > ", "  > ")]


def write_mention(w: Writer, out: Expected, piece: tuple) -> str:
    _, ref, shown = piece
    out.mentions.append((ref, w.write(f"[[{ref}|{shown}]]" if shown else f"[[{ref}]]"), shown or ref))
    return shown or ref


def write_piece(w: Writer, out: Expected, piece, claims: list) -> str:
    """Write one piece; return its plain text."""
    if isinstance(piece, str):
        w.write(piece)
        return piece
    if piece[0] == "mention":
        return write_mention(w, out, piece)
    if piece[0] == "literal":
        w.write(piece[1][0])
        return piece[1][1]
    if piece[0] == "entity":
        _, ref, shown = piece
        start = w.write(f"[{shown}]")
        w.write(f"{{entity={ref}}}" if ref.replace("-", "").isalnum() and ref.isascii() else f'{{entity="{ref}"}}')
        out.mentions.append((ref, start, shown))
        return shown
    _, attrs, words, nested, wraps = piece
    start = w.write("[")
    shown = []
    for i, word in enumerate(words):
        if i:
            w.space(wraps[i - 1])
        if nested and nested[0] == i:
            shown.append(write_mention(w, out, nested[1]))
            w.write(" ")
        shown.append(word)
        w.write(word)
    w.write("]")
    _, where = write_attributes(w, attrs)
    text = " ".join(shown)
    claims.append(expected_claim(attrs, text, start, where))
    return text


@st.composite
def articles(draw) -> tuple[bytes, Expected]:
    extra = draw(st.sampled_from(["", "tags: [a, b]\n", "summary: >-\n  One\n  two.\n"]))
    w, out = Writer(FRONT.replace("title: T\n", "title: T\n" + extra)), Expected()
    notes: set[str] = set()
    for _ in range(draw(st.integers(1, 4))):
        first, rest = draw(st.sampled_from(CONTAINERS))
        paragraph_claim = draw(st.none() | claim_attributes())
        claims: list = []
        w.write("\n")
        w.write(first)
        w.prefix = rest
        if paragraph_claim:
            brace, where = write_attributes(w, paragraph_claim)
            w.write("\n" + rest)
        plain = []
        for i, piece in enumerate(draw(st.lists(PIECE, min_size=1, max_size=8))):
            if i:
                w.space(draw(SPACES))
            plain.append(write_piece(w, out, piece, claims))
            notes.update(label for label in ("[^n]", "[^m]") if piece == ("literal", (label, "")))
        end = draw(st.sampled_from(["", ".", "!"]))
        w.write(end + "\n")
        if paragraph_claim:  # appearances are in the order where they start, the enclosing one first
            claims.insert(0, expected_claim(paragraph_claim, " ".join((" ".join(plain) + end).split()), brace, where))
        out.claims += claims
    for label in sorted(notes):
        w.write(f"\n{label}: A source note.\n")
    text = w.text
    if draw(st.booleans()):
        text = text.replace("\n", "\r\n")
    return ("\ufeff" if draw(st.booleans()) else "").encode() + text.encode(), out


@settings(SETTINGS, max_examples=200)
@given(articles())
def test_parser_finds_exactly_the_written_annotations(article: tuple[bytes, Expected]) -> None:
    data, expected = article
    doc, diagnostics = parse(data)
    assert diagnostics == []
    assert [(m.ref, (m.loc.line, m.loc.col)) for m in doc.mentions] == [(ref, at) for ref, at, _ in expected.mentions]
    assert [m.excerpt.sentence[m.excerpt.start : m.excerpt.end] for m in doc.mentions] == [s for _, _, s in expected.mentions]
    got = [(c.claim, c.text, c.by, c.source, c.stance, (c.loc.line, c.loc.col), (c.by_loc.line, c.by_loc.col),
            (c.source_loc.line, c.source_loc.col)) for c in doc.claims]
    assert got == expected.claims
    for c in doc.claims:
        assert " ".join(c.excerpt.sentence[c.excerpt.start : c.excerpt.end].split()) == c.text


# ---- claim text: the wording with whitespace collapsed ----------------------------------------

SPACE = st.sampled_from([" ", "  ", "\t", "\n", "\n   ", " \n", "\n\t"])
INLINE_WORD = st.one_of(WORD, WORD.map(lambda x: f"*{x}*"), WORD.map(lambda x: f"**{x}**"), WORD.map(lambda x: f"`{x}`"))


@SETTINGS
@given(st.lists(st.tuples(INLINE_WORD, SPACE), min_size=1, max_size=8), st.sampled_from(["", "> ", "- "]))
def test_claim_text_is_the_wording_with_whitespace_collapsed(words: list[tuple[str, str]], container: str) -> None:
    wording = "".join(word + space for word, space in words[:-1]) + words[-1][0]
    wording = wording.replace("\n", "\n" + " " * len(container) if container == "- " else "\n" + container)
    doc, diagnostics = parse(f"{FRONT}{container}Say [{wording}]{{claim=c}} now.\n".encode())
    assert diagnostics == []
    plain = [word.strip("*`") for word, _ in words]
    assert [c.text for c in doc.claims] == [" ".join(plain)]


# ---- the renderer emits only its own markup ---------------------------------------------------

TAGS = {"p", "a", "span", "code", "pre", "em", "strong", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote",
        "ul", "ol", "li", "hr", "br", "img", "sup", "section"}
ATTRIBUTES = {"class", "id", "href", "title", "data-type", "data-stance", "src", "alt", "lang", "start"}
HOSTILE = st.sampled_from(["<", ">", '"', "'", "&", "{", "}", "[", "]", "(", ")", "=", " ", "\n", "`", "*", "!",
                           "<script>", "</p>", "<a href=x>", "onclick=", "javascript:alert(1)", "JaVaScRiPt:",
                           "data:text/html,x", "{claim=", "{entity=", "{.c #i onclick=x}", "[[", "]]", "|",
                           "](", "[^", "by=", '"x"', "&amp;", "&#x3C;", "\\", "http://a.example/", "a", "é"])


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.seen: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag, attrs) -> None:
        self.seen.append((tag, attrs))

    handle_startendtag = handle_starttag


@settings(SETTINGS, max_examples=300)
@given(st.lists(HOSTILE, max_size=30).map("".join))
def test_render_emits_only_its_own_tags_and_attributes(text: str) -> None:
    parser = Tags()
    parser.feed(render_markdown(text))
    parser.close()
    for tag, attrs in parser.seen:
        assert tag in TAGS, tag
        for name, value in attrs:
            assert name in ATTRIBUTES and not name.startswith("on"), (tag, name)
            if name in ("href", "src"):
                scheme = "".join((value or "").split()).lower()
                assert not scheme.startswith(("javascript:", "vbscript:", "data:")), value


# ---- attribute lists: the regex reads the plain ones exactly as the plugin's reader does -------

from mdit_py_plugins.attrs import parse as plugin_attrs  # noqa: E402

from generator.parse import attrs  # noqa: E402

NAMES = st.sampled_from(["claim", "by", "id", "class", "x-1", "a_b", "q:r", "é", "2"])
PLAIN_ITEMS = st.one_of(
    st.builds("{}{}".format, st.sampled_from(["#", "."]), NAMES),
    st.builds("{}={}".format, NAMES, NAMES),
    st.builds('{}="{}"'.format, NAMES, st.sampled_from(["", "US Department of State", "a=b #c"])),
)
ODD_ITEMS = st.one_of(  # mostly not a plain list any more, or not a list at all
    st.builds('{}="{}"'.format, NAMES, st.sampled_from(["a}b", "x\\\"y", "l\nm"])),
    st.sampled_from(["{", "}", "#", ".", "=", '"', "\\", "%", "\xa0"]),
)


def attribute_list(items: st.SearchStrategy[str], separators: list[str]) -> st.SearchStrategy[str]:
    return st.builds(lambda items, seps, end: "{" + "".join(i + s for i, s in zip(items, seps)) + end,
                     st.lists(items, max_size=8), st.lists(st.sampled_from(separators), min_size=8, max_size=8),
                     st.sampled_from(["}", "} rest", "", " }"]))


ATTR_LISTS = st.one_of(attribute_list(PLAIN_ITEMS, [" ", "\t", "  "]),
                       attribute_list(st.one_of(PLAIN_ITEMS, ODD_ITEMS), [" ", "", "\n", "\r"]))


def read_both(string: str) -> tuple[object, object]:
    def outcome(reader):
        try:
            return reader(string)
        except plugin_attrs.ParseError as exc:
            return ("error", str(exc))
    return outcome(attrs.parse), outcome(plugin_attrs.parse)


@SETTINGS
@given(ATTR_LISTS)
def test_attribute_lists_read_as_the_plugin_reads_them(string):
    ours, plugins = read_both(string)
    assert ours == plugins
    if isinstance(ours, tuple) and ours[0] != "error":
        assert list(ours[1]) == list(plugins[1])  # the same order of attributes too


def test_plain_attribute_lists_never_reach_the_plugins_reader(monkeypatch):
    plain = ['{claim=mass-detention by="US Department of State" source=tip-2021 stance=reports} rest',
             "{ #top .a class=b .c id=x }", "{entity=antony-blinken}", '{title=""}']
    expected = [plugin_attrs.parse(string) for string in plain]

    def refuse(string):
        raise AssertionError(f"the plugin's reader was asked for {string!r}")
    monkeypatch.setattr(plugin_attrs, "parse", refuse)
    assert [attrs.parse(string) for string in plain] == expected


def test_the_plugins_rules_read_with_ours(monkeypatch):
    """install() puts our reader where the plugin's span and block rules look `parse` up by name; if either
    stopped being so, ours would silently never run."""
    from mdit_py_plugins.attrs import index

    from generator.parse.markdown import make_parser
    make_parser()
    assert index.parse is attrs.parse
    seen = []
    monkeypatch.setattr(index, "parse", lambda string: seen.append(string[:8]) or attrs.parse(string))
    body = ('[more than a million]{claim=mass-detention by="US Department of State" stance=reports} were held.\n\n'
            "{claim=camps}\nA paragraph.\n")
    doc, diagnostics = parse((FRONT + body).encode())
    assert diagnostics == []
    assert [(c.claim, c.by, c.stance) for c in doc.claims] == [
        ("mass-detention", "US Department of State", "reports"), ("camps", None, "asserts")]
    assert "{claim=m" in seen and "{claim=c" in seen


# ---- an excerpt is the sentence around its range, found as a scan from the paragraph's start finds it ----

def _scanned_excerpt(text: str, start: int, end: int) -> tuple[str, int, int]:
    """The sentence by the regex itself: the end of the last sentence before `start`, then the first end after."""
    begin = 0
    for match in _SENTENCE_END.finditer(text, 0, start):
        begin = match.end()
    after = _SENTENCE_END.search(text, max(end, begin))
    stop = after.end() if after else len(text)
    while begin < start and text[begin].isspace():
        begin += 1
    return text[begin:stop].rstrip(), start - begin, end - begin


PROSE = st.lists(st.sampled_from(["Said", " ", "  ", ".", "!", "?", '"', "'", "”", ")", "]", "\n", "\t", "x", "St.",
                                  "e.g.", "…"]), max_size=30).map("".join)


@SETTINGS
@given(PROSE, st.data())
def test_an_excerpt_is_the_sentence_around_its_range(text, data):
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    x = Sentences(text).excerpt(start, end, {})
    assert (x.sentence, x.start, x.end) == _scanned_excerpt(text, start, end)
