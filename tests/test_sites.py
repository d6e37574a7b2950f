"""Fixture archives built with the real command and compared with their expected output.

tests/fixtures/sites/<name>/ holds archive.toml, content/ and expected/: archive.json and diagnostics.txt,
written by hand from the contract (shared/design/annotation-format.md, "What a build produces") and compared
byte for byte. The HTML is checked only where the contract fixes it (URLs, drafts, pagination, feeds);
a whole-page diff would be noise. Regenerate with `python -m tests.update_expected`, then review the diff.

  basic     every annotation form: [[Name]], [[id|text]], [text]{entity=id}, claim spans with by/source/stance,
            a paragraph claim, a claim span inside it, a mention inside a claim span, footnotes, article-local
            entities and sources, publisher/wire/authors, tags, a draft; a record nobody mentions
  implicit  references by id, name and alias, in any case, with NFC and whitespace differences; implicit
            entities (from mentions, claimants, publishers, a source's publisher) and implicit claims;
            datetime dates; three articles on one day ordered by slug; per_page = 2
  unicode   non-ASCII names, ids transliterated (Ürümqi -> urumqi, 北京 -> bei-jing), a non-ASCII file name,
            CRLF line endings and byte-order marks (diagnostics must point at the right columns)
"""
from __future__ import annotations

import difflib
import json
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import pytest

from generator.config import load_config
from generator.write import MARKER
from tests.update_expected import EXPECTED_FILES, SITES, Built, build_fixture, fixture_names

NAMES = fixture_names()
ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """site(name) -> the fixture built once per module into a temporary folder."""
    built: dict[str, Built] = {}

    def get(name: str) -> Built:
        if name not in built:
            built[name] = build_fixture(name, tmp_path_factory.mktemp(name) / "site")
            assert built[name].code == 0, f"{name} did not build:\n{built[name].err}"
        return built[name]

    return get


def expected_json(name: str) -> dict:
    return json.loads((SITES / name / "expected" / "archive.json").read_text(encoding="utf-8"))


def base_url(name: str) -> str:
    config, problems = load_config(SITES / name)
    assert config.base_url and not problems
    return config.base_url


def assert_same_bytes(expected: bytes, actual: bytes, label: str) -> None:
    if expected == actual:
        return
    diff = "".join(difflib.unified_diff(
        expected.decode("utf-8", "replace").splitlines(keepends=True),
        actual.decode("utf-8", "replace").splitlines(keepends=True),
        f"expected/{label}", f"built/{label}"))
    pytest.fail(f"{label} differs from the expected output (python -m tests.update_expected regenerates it; "
                f"review the diff):\n{diff or '(the difference is in line endings or encoding)'}", pytrace=False)


# ---- a small DOM, enough to look inside the built pages -----------------------------------------

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Node:
    def __init__(self, tag: str, attrs: dict[str, str | None]):
        self.tag, self.attrs, self.children = tag, attrs, []  # children: Node or str

    def iter(self):
        yield self
        for child in self.children:
            if isinstance(child, Node):
                yield from child.iter()

    def find_all(self, tag: str | None = None, cls: str | None = None) -> list[Node]:
        return [n for n in self.iter() if (tag is None or n.tag == tag)
                and (cls is None or cls in (n.attrs.get("class") or "").split())]

    def find(self, tag: str | None = None, cls: str | None = None) -> Node:
        found = self.find_all(tag, cls)
        assert found, f"no <{tag or '*'}{' class=' + cls if cls else ''}>"
        return found[0]

    @property
    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text for c in self.children)


class _Builder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        node = Node(tag, dict(attrs))
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag, attrs):
        self.stack[-1].children.append(Node(tag, dict(attrs)))

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data):
        self.stack[-1].children.append(data)


def page(path: Path) -> Node:
    builder = _Builder()
    builder.feed(path.read_text(encoding="utf-8"))
    builder.close()
    return builder.root


def hrefs(node: Node) -> list[str]:
    return [a.attrs["href"] for a in node.find_all("a") if a.attrs.get("href")]


# ---- the data contract --------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("file", EXPECTED_FILES)
def test_output_matches_expected(site, name, file):
    built = site(name)
    assert_same_bytes((SITES / name / "expected" / file).read_bytes(), built.expected(file), f"{name}/{file}")


@pytest.mark.parametrize("name", NAMES)
def test_expected_files_follow_the_contract_shape(name):
    """The hand-written files themselves: the contract's keys, in its order, and its sort orders."""
    data = expected_json(name)
    assert list(data) == ["version", "articles", "entities", "claims", "sources"]
    article_keys = ["slug", "title", "date", "url", "publisher", "wire", "authors", "tags", "entities", "claims",
                    "sources"]
    assert all(list(a) == article_keys for a in data["articles"])
    assert all(list(e) == ["id", "name", "type", "aliases", "implicit", "url", "articles"] for e in data["entities"])
    assert all(list(c) == ["id", "statement", "implicit", "url", "appearances"] for c in data["claims"])
    assert all(list(s) == ["id", "title", "kind", "url", "cited_by"] for s in data["sources"])
    order = {a["slug"]: (a["date"], a["slug"]) for a in data["articles"]}
    assert list(order) == sorted(order, key=order.get)
    for kind in ("entities", "claims", "sources"):
        ids = [record["id"] for record in data[kind]]
        assert ids == sorted(ids)
    for a in data["articles"]:
        for key in ("authors", "entities", "claims", "sources"):
            assert a[key] == sorted(a[key]), (a["slug"], key)
    for slugs in [e["articles"] for e in data["entities"]] + [s["cited_by"] for s in data["sources"]]:
        assert slugs == sorted(slugs, key=order.get)
    for claim in data["claims"]:
        dates = [order[x["article"]] for x in claim["appearances"]]
        assert dates == sorted(dates)
    # an entity's articles are exactly the articles whose entities contain it
    for entity in data["entities"]:
        assert entity["articles"] == [a["slug"] for a in data["articles"] if entity["id"] in a["entities"]]


# ---- pages at the contract's URLs ---------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_every_record_has_its_pages(site, name):
    out = site(name).out
    data = expected_json(name)
    files = ["index.html", "entities/index.html", "claims/index.html", "sources/index.html",
             "feed.xml", "sitemap.xml", "data/archive.json"]
    for a in data["articles"]:
        files += [f"articles/{a['slug']}/index.html", f"articles/{a['slug']}/source/index.html"]
    for e in data["entities"]:
        files += [f"entities/{e['id']}/index.html", f"entities/{e['id']}/feed.xml"]
    files += [f"claims/{c['id']}/index.html" for c in data["claims"]]
    files += [f"sources/{s['id']}/index.html" for s in data["sources"]]
    files += [f"{r['url']}index.html" for kind in ("articles", "entities", "claims") for r in data[kind]]
    missing = [f for f in files if not (out / f).is_file()]
    assert not missing


def test_search_page(site):
    out = site("basic").out
    assert (out / "search" / "index.html").is_file()
    assert (out / "pagefind" / "pagefind.js").is_file()
    assert (out / "search" / "suggest" / "index.json").is_file()


def test_draft_has_no_page_and_leaves_no_trace(site):
    out = site("basic").out
    assert not (out / "articles" / "draft").exists()
    traces = ("DRAFT-ONLY", "draft-only-claim", "Draft Only Person", "draft-only-person", "Draft Local Entity",
              "draft-local", "draft-source", "Draft source")
    for path in out.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert not [t for t in traces if t.encode() in data], path.relative_to(out)


def test_article_page_shows_every_annotation(site):
    out = site("basic").out
    doc = page(out / "articles" / "harbour" / "index.html")
    body = doc.find("div", "article-body")
    mentions = [(a.attrs["href"], a.text) for a in body.find_all("a", "mention")]
    assert mentions == [
        ("../../entities/jane-doe/", "Jane Doe"),
        ("../../entities/freedonia/", "Freedonia"),
        ("../../entities/ministry-of-truth/", "ministry"),
        ("../../entities/freedonia/", "Freedonian"),  # inside the claim span
        ("../../entities/freedonia-port/", "port"),
        ("../../entities/wire-agency/", "Wire Agency"),  # in the footnote
    ]
    spans = body.find_all("span", "claim")
    assert [s.text for s in spans] == ["closed the harbour to Freedonian ships", "within a week"]
    tags = body.find_all("a", "claim-tag")
    assert [(t.attrs["href"], t.attrs["data-stance"]) for t in tags] == [
        ("../../claims/harbour-closed/", "reports"),
        ("../../claims/reopen-within-week/", "asserts"),
        ("../../claims/harbour-reopening/", "disputes"),  # the paragraph's tag closes the paragraph
    ]
    # appearances are numbered by where they start: the paragraph before the span inside it
    assert [t.attrs["id"] for t in tags] == ["appearance-1", "appearance-3", "appearance-2"]
    assert "claim-paragraph" in body.find_all("p")[1].attrs["class"].split()
    # the footnote, linked both ways
    ref = body.find("sup", "footnote-ref").find("a")
    note = body.find("li", "footnote-item")
    assert ref.attrs["href"] == "#" + note.attrs["id"]
    assert note.find("a", "footnote-backref").attrs["href"] == "#" + ref.attrs["id"]
    assert [li.text for li in doc.find("ul", "tags").find_all("li")] == ["ports", "freedonia"]
    assert "Carried from the Wire Agency feed." in doc.find("aside", "provenance").text
    assert "https://example.org/stories/harbour" in hrefs(doc.find("footer", "article-footer"))
    assert "../../articles/harbour/source/" in hrefs(doc)
    # the draft (dated between the two) is not a neighbour
    assert [a.attrs["href"] for a in doc.find("nav", "prev-next").find_all("a")] == ["../../articles/harbour-follow-up/"]


def test_annotated_source_view(site):
    """The file as written, every line numbered and linkable, front matter and annotations highlighted."""
    source = Path("tests/fixtures/sites/basic/content/articles/2021/harbour.md").read_text(encoding="utf-8")
    view = page(site("basic").out / "articles" / "harbour" / "source" / "index.html").find("div", "source")
    assert view.text.replace("\n", "").endswith(source.replace("\n", "")[-40:])
    anchors = [a.attrs["href"] for a in view.find_all("a") if a.attrs.get("href", "").startswith("#L")]
    assert anchors == [f"#L-{n}" for n in range(1, source.count("\n") + 1)]
    marked = {(s.attrs.get("class"), s.text) for s in view.find_all("span")}
    plain = "l l-Scalar l-Scalar-Plain"
    assert {("nt", "title"), ("nt", "sources"), ("nt", "name"), ("p", ":"), ("p p-Indicator", "["),
            (plain, "Acme News"), (plain, "Port of Freedonia"), (plain, "https://example.org/stories/harbour"),
            ("ni", "Jane Doe"), ("s", "|ministry"), ("nl", "[^pr]"),
            ("k", '{claim=harbour-reopening by=MoT source=local-interview stance=disputes}')} <= marked


def test_entity_pagination(site):
    """per_page = 2: an entity mentioned in 5 articles gets page/2/ and page/3/, newest first."""
    out = site("implicit").out
    base = out / "entities" / "ada-lovelace"
    assert not (base / "page" / "4").exists()
    pages = [page(base / "index.html"), page(base / "page" / "2" / "index.html"), page(base / "page" / "3" / "index.html")]
    listed = [hrefs(p.find("ol", "mention-list")) for p in pages]
    assert listed == [
        ["../../articles/later-review/", "../../articles/notes-on-the-engine/"],
        ["../../../../articles/countess-speaks/", "../../../../articles/babbage-letter/"],
        ["../../../../articles/first-report/"],
    ]
    navs = [{a.attrs["rel"]: a.attrs["href"] for a in p.find("nav", "pagination").find_all("a")} for p in pages]
    assert navs == [{"next": "../../entities/ada-lovelace/page/2/"},
                    {"prev": "../../../../entities/ada-lovelace/", "next": "../../../../entities/ada-lovelace/page/3/"},
                    {"prev": "../../../../entities/ada-lovelace/page/2/"}]
    # lists that fit on one page have no more pages
    assert not (out / "entities" / "cafe-noir" / "page").exists()
    assert (out / "articles" / "page" / "3" / "index.html").is_file()
    assert not (out / "articles" / "page" / "4").exists()


@pytest.mark.parametrize("name", NAMES)
def test_sitemap_lists_every_page(site, name):
    built = site(name)
    base = base_url(name)
    locs = [unquote(loc.text) for loc in ET.parse(built.out / "sitemap.xml").getroot().iter(f"{SITEMAP}loc")]
    pages = sorted(p.parent.relative_to(built.out).as_posix() + "/" for p in built.out.rglob("index.html"))
    assert sorted(locs) == sorted(base + ("" if p == "./" else p) for p in pages)


@pytest.mark.parametrize("name", NAMES)
def test_feeds(site, name):
    built = site(name)
    data = expected_json(name)
    titles = {a["slug"]: a["title"] for a in data["articles"]}

    def entries(path: Path) -> list[tuple[str, str]]:
        root = ET.parse(path).getroot()
        assert root.tag == f"{ATOM}feed"
        return [(unquote(e.find(f"{ATOM}link").get("href")), e.findtext(f"{ATOM}title"))
                for e in root.iter(f"{ATOM}entry")]

    base = base_url(name)
    expect = lambda slugs: sorted((f"{base}articles/{s}/", titles[s]) for s in slugs)  # noqa: E731
    assert sorted(entries(built.out / "feed.xml")) == expect(titles)
    for entity in data["entities"]:
        assert sorted(entries(built.out / "entities" / entity["id"] / "feed.xml")) == expect(entity["articles"])


def test_fixture_files_keep_their_bytes():
    """A checkout or an editor that normalised line endings or Unicode would quietly stop testing them."""
    content = SITES / "unicode" / "content"
    article = (content / "articles" / "urumqi-visit.md").read_bytes()
    assert article.startswith(b"\xef\xbb\xbf---\r\n") and article.count(b"\r\n") == article.count(b"\n")
    assert b"\r\n" in (content / "entities" / "sao-paulo.md").read_bytes()
    assert (content / "claims" / "city-growth.md").read_bytes().startswith(b"\xef\xbb\xbf---\n")
    assert "Zu\u0308rich" in (content / "articles" / "2022" / "Grüße aus Zürich.md").read_text(encoding="utf-8")
    articles = SITES / "implicit" / "content" / "articles"
    assert "[[Cafe\u0301 Noir]]" in (articles / "zz-first.md").read_text(encoding="utf-8")
    assert "[[Ada\u00a0Lovelace]]" in (articles / "later.md").read_text(encoding="utf-8")


def test_unicode_output(site):
    out = site("unicode").out
    for path in out.rglob("*"):
        if path.is_file() and path.suffix in (".html", ".xml", ".json"):
            text = path.read_bytes().decode("utf-8")
            assert "\r" not in text and "\ufeff" not in text, path.relative_to(out)
    assert all(p.name.isascii() for p in out.rglob("*")), "every output path is made of ids"
    doc = page(out / "articles" / "urumqi-visit" / "index.html")
    assert doc.find("h1").text == "Visit to Ürümqi — “quotes” & <ampersands>"
    assert page(out / "entities" / "urumqi" / "index.html").find("h1").text == "Ürümqi"
    # the CRLF source view shows the file's lines, without the byte-order mark
    source = page(out / "articles" / "urumqi-visit" / "source" / "index.html").find("div", "source").text
    assert "\ufeff" not in source and "title: \"Visit to Ürümqi" in source


def test_builds_are_identical(site, tmp_path):
    """Everything we write is reproducible; Pagefind's bundle is not (its file names and contents vary
    from run to run, measured with Pagefind 1.5), so it is left out, and so is the marker with its build id."""
    first = site("basic").out
    again = build_fixture("basic", tmp_path / "again").out
    ours = lambda root: sorted(p.relative_to(root) for p in root.rglob("*")  # noqa: E731
                               if p.is_file() and p.relative_to(root).parts[0] not in ("pagefind", MARKER))
    files = ours(first)
    assert files == ours(again)
    assert [f for f in files if (first / f).read_bytes() != (again / f).read_bytes()] == []
