"""Hostile values in any field or body never become markup, never leave their context, stay data.

Articles often come from feeds nobody here controls. One archive puts markup, quote breakers, Jinja syntax
and U+2028 into every field a page shows; the whole built site is then parsed with html.parser and must
contain no element or attribute that came from the content, and no link with an unsafe scheme. The same
strings must come out verbatim as data in data/archive.json, the feeds and the page text.
"""
from __future__ import annotations

import io
import json
import re
import xml.etree.ElementTree as ET
from contextlib import redirect_stderr, redirect_stdout
from html.parser import HTMLParser
from pathlib import Path

import pytest
from markupsafe import Markup, escape

from generator.cli import main
from generator.escaping import fast_escape
from generator.render.env import make_env
from tests.conftest import write_archive

SCRIPT = "</script><script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
QUOTE = "' onmouseover='x"
JINJA = "{{ 7*7 }}{% if true %}x{% endif %}{# c #}"
SEPARATORS = "a\u2028b\u2029c"
HOSTILE = f"{SCRIPT} {IMG} {QUOTE} {JINJA} {SEPARATORS}"
IMG_IN_TITLE = IMG.replace('"', '\\"')  # inside a Markdown link title in double quotes


def hostile(label: str) -> str:
    """HOSTILE, told apart per field so that a test can find where each value went."""
    return f"{label}: {HOSTILE}"


def y(value: str) -> str:
    """A YAML double-quoted scalar (JSON is one) holding `value` exactly, U+2028 included."""
    return json.dumps(value)


ARTICLE = f"""\
---
title: {y(hostile("title"))}
date: 2021-01-01
slug: hostile
summary: {y(hostile("summary"))}
publisher: {y(IMG)}
wire: {y(SCRIPT)}
authors: [{y(QUOTE)}]
original_url: {y('https://example.org/?q="><script>alert(1)</script>&a=' + "'b'")}
tags: [{y(SCRIPT)}, {y(QUOTE)}, {y(JINJA)}]
source_note: {y(hostile("source note"))}
custom_field: {y(HOSTILE)}
sources:
  local-src:
    title: {y(hostile("local source title"))}
    kind: report
    url: {y('https://example.org/"onmouseover="alert(1)')}
entities:
  local-entity:
    name: {y(hostile("local entity name"))}
    type: person
    aliases: [{y("alias " + IMG)}, {y("alias " + QUOTE)}]
    description: {y(hostile("local entity description"))}
---
Raw HTML inline: <script>alert(1)</script> and <img src=x onerror=alert(1)> and <b onmouseover="x">b</b>.
A [[local-entity]] and [[evil]].

<div onclick="alert(1)"><iframe src="javascript:alert(1)"></iframe></div>

<!-- a comment --> <![CDATA[ x ]]> <svg onload=alert(1)>

[js](javascript:alert(1)) [js2](JaVaScRiPt:alert(1)) [data](data:text/html;base64,PHNjcmlwdD4=)
[vb](vbscript:msgbox(1)) [ws]( javascript:alert(1)) [ent](&#106;avascript:alert(1))
[tab](java&#9;script:alert(1)) [nl](java&#10;script:alert(1)) <javascript:alert(1)> <vbscript:x>
[ref][r] ![img](javascript:alert(1)) ![img2](data:image/png;base64,AAAA)

[ok-http](http://example.org/a) [ok-https](https://example.org/b) [ok-mail](mailto:someone@example.org)
[ok-rel](../other/) [titled](https://example.org/t "{QUOTE} {IMG_IN_TITLE}")

[r]: javascript:alert(1)

[[{SCRIPT}]] and [[local-entity|{IMG}]] and [text]{{entity="{IMG.replace('"', '')}"}}.

[the wording <script>alert(1)</script> {JINJA}]{{claim=hostile-claim by="<script>" source=local-src}} and
[x]{{claim=hostile-claim .cls onclick="alert(1)" stance=disputes}} and
[plain span]{{id="x onclick=alert(1)" .c onmouseover="alert(1)"}}.

{{claim=paragraph-claim by="{QUOTE}" .cls onclick="alert(1)"}}
A paragraph claim with {JINJA} and {SEPARATORS} in it.[^n]

```html
<script>alert(1)</script>
```

```"><script>alert(1)</script>
code under a hostile info string
```

[^n]: Note {SCRIPT} {IMG} {QUOTE}.
"""

FILES = {
    "content/articles/hostile.md": ARTICLE,
    "content/articles/second.md": f"""\
---
title: {y(IMG)}
date: 2021-01-02
---
Mentions [[evil]] and [claimed]{{claim=hostile-claim}}.
""",
    "content/entities/evil.md": f"""\
---
name: {y(hostile("entity name"))}
type: person
aliases: [{y("entity alias " + SCRIPT)}]
description: {y(hostile("entity description"))}
links:
  website: "javascript:alert(1)"
  other: "JaVaScRiPt:alert(1)"
  wikidata: {y('Q1"><script>alert(1)</script>')}
  home: {y('https://example.org/"><script>alert(1)</script>')}
---
Body with <script>alert(1)</script> and [a link](javascript:alert(1)).
""",
    "content/claims/hostile-claim.md": f"""\
---
statement: {y(hostile("statement"))}
about: [evil]
---
Context with <img src=x onerror=alert(1)>.
""",
    "content/sources/record-src.md": f"""\
---
title: {y(hostile("record source title"))}
kind: dataset
publisher: evil
url: https://example.org/data
---
Notes with <script>alert(1)</script>.
""",
}

CONFIG = f"""\
title = '''{hostile("site title")}'''
description = '''{IMG} {QUOTE}'''
language = "pt-BR"
base_url = "https://example.org/archive/"
"""

SAFE_SCHEMES = {"http", "https", "mailto"}
# elements that the hostile input writes as raw HTML (or that would be as bad), and that the theme never uses;
# <script> is checked apart: the theme may load its own scripts, content must add none
FORBIDDEN = {"img", "iframe", "svg", "math", "object", "embed", "frame", "frameset", "base", "b"}


def build(root: Path, out: Path) -> tuple[int, str]:
    stdout, stderr = io.StringIO(), io.StringIO()
    with redirect_stdout(stdout), redirect_stderr(stderr):
        code = main(["build", "-C", str(root), "--out", str(out), "--quiet"])
    return code, stderr.getvalue()


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    root = write_archive(tmp_path_factory.mktemp("hostile") / "archive", FILES, CONFIG)
    code, err = build(root, root.parent / "site")
    assert code == 0, err
    assert ": error:" not in err
    return root.parent / "site"


class Elements(HTMLParser):
    """Every element with its attributes, and the text inside each element, of one page."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.open: list[str] = []
        self.texts: dict[str, list[str]] = {}
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, attrs))
        if tag not in ("meta", "link", "br", "hr", "img", "input"):
            self.open.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.elements.append((tag, attrs))

    def handle_endtag(self, tag):
        if tag in self.open:
            del self.open[len(self.open) - 1 - self.open[::-1].index(tag):]

    def handle_data(self, data):
        for tag in self.open:
            self.texts.setdefault(tag, []).append(data)

    def text(self, tag: str) -> str:
        return "".join(self.texts.get(tag, []))

    def attr_values(self, name: str) -> list[str]:
        return [v for _, attrs in self.elements for k, v in attrs if k == name and v is not None]


def html_pages(site: Path) -> dict[str, Elements]:
    return {p.relative_to(site).as_posix(): Elements(p.read_text(encoding="utf-8")) for p in sorted(site.rglob("*.html"))}


def scheme(url: str) -> str | None:
    """The scheme a browser would see: it drops leading/trailing controls and spaces, and tabs and newlines."""
    cleaned = re.sub(r"[\t\n\r]", "", url).strip("".join(map(chr, range(0x21))))
    match = re.match(r"([a-zA-Z][a-zA-Z0-9+.\-]*):", cleaned)
    return match.group(1).lower() if match else None


# ---- nothing from the content became markup ---------------------------------------------------


def test_no_element_or_attribute_from_content(site):
    pages = html_pages(site)
    assert len(pages) > 10
    problems = []
    for path, page in pages.items():
        for tag, attrs in page.elements:
            if tag in FORBIDDEN:
                problems.append(f"{path}: <{tag}>")
            if tag == "script" and not is_internal(dict(attrs).get("src") or "no src"):
                problems.append(f"{path}: <script {attrs}>")
            for name, value in attrs:
                if name.startswith("on") or name in ("srcdoc", "formaction", "xlink:href"):
                    problems.append(f"{path}: <{tag} {name}={value!r}>")
                if name == "style" and re.search(r"alert|url\(|expression|<", value or ""):
                    problems.append(f"{path}: <{tag} style={value!r}>")
        if "alert" in page.text("script"):
            problems.append(f"{path}: a script holds text from the content")
    assert problems == []


def is_internal(url: str) -> bool:
    """A theme's own script: a relative (or base-path) URL ending in .js, with no scheme or host."""
    return scheme(url) is None and not url.startswith("//") and url.split("?")[0].endswith(".js")


def test_links_keep_only_safe_schemes(site):
    pages = html_pages(site)
    urls = [(path, u) for path, page in pages.items() for u in page.attr_values("href") + page.attr_values("src")]
    unsafe = [(path, u) for path, u in urls if scheme(u) not in (None, *SAFE_SCHEMES)]
    assert unsafe == []
    body = pages["articles/hostile/index.html"]
    hrefs = body.attr_values("href")
    for kept in ("http://example.org/a", "https://example.org/b", "mailto:someone@example.org", "../other/",
                 "https://example.org/t", 'https://example.org/?q="><script>alert(1)</script>&a=\'b\''):
        assert kept in hrefs, kept
    assert 'https://example.org/"onmouseover="alert(1)' in pages["sources/local-src/index.html"].attr_values("href")
    # a dropped link stays visible as the text it was
    assert "[js](javascript:alert(1))" in body.text("main")
    # an entity's links with other schemes are shown, not linked
    entity = pages["entities/evil/index.html"]
    assert "javascript:alert(1)" in entity.text("main")
    assert 'https://example.org/"><script>alert(1)</script>' in entity.attr_values("href")
    assert not [h for h in entity.attr_values("href") if "wikidata" in h]  # not a Wikidata id: not linked


def test_raw_html_is_shown_as_text(site):
    main = html_pages(site)["articles/hostile/index.html"].text("main")
    for raw in ("<script>alert(1)</script>", "<img src=x onerror=alert(1)>", '<b onmouseover="x">',
                '<div onclick="alert(1)">', "<!-- a comment -->", "<svg onload=alert(1)>"):
        assert raw in main, raw


def test_attributes_in_annotations_are_dropped(site):
    page = html_pages(site)["articles/hostile/index.html"]
    span = [attrs for tag, attrs in page.elements if tag == "span" and ("class", "c") in attrs]
    assert span == [[("id", "x onclick=alert(1)"), ("class", "c")]]  # the value stays one value


# ---- the hostile strings come out verbatim, as text and as data -------------------------------


def test_values_are_text_in_their_places(site):
    pages = html_pages(site)
    article = pages["articles/hostile/index.html"]
    assert article.text("h1") == hostile("title")
    assert article.text("title").startswith(hostile("title"))
    assert hostile("source note") in article.text("aside")
    assert f"Note {SCRIPT} {IMG} {QUOTE}." in article.text("li")
    assert JINJA in article.text("h1") and "49" not in article.text("h1")
    titles = article.attr_values("title")
    assert f"{IMG} (unknown)" in titles  # a mention's title attribute: the implicit entity's name
    assert f"Claim: {hostile('statement')}" in titles
    assert f"{QUOTE} {IMG}" in titles  # a Markdown link title
    assert pages["index.html"].text("h1") == hostile("site title")
    assert hostile("summary") in pages["index.html"].text("main")
    assert pages["entities/evil/index.html"].text("h1") == hostile("entity name")
    assert hostile("entity description") in pages["entities/evil/index.html"].text("main")
    assert "entity alias " + SCRIPT in pages["entities/evil/index.html"].text("main")
    assert pages["entities/local-entity/index.html"].text("h1") == hostile("local entity name")
    assert pages["claims/hostile-claim/index.html"].text("h1") == hostile("statement")
    assert pages["sources/record-src/index.html"].text("h1") == hostile("record source title")
    assert pages["sources/local-src/index.html"].text("h1") == hostile("local source title")
    assert f"{IMG} {QUOTE}" in pages["index.html"].attr_values("content")
    assert pages["index.html"].attr_values("lang") == ["pt-BR"]  # (anything but a language tag is refused)


def test_archive_json_holds_the_strings_verbatim(site):
    data = json.loads((site / "data" / "archive.json").read_text(encoding="utf-8"))
    article = next(a for a in data["articles"] if a["slug"] == "hostile")
    assert article["title"] == hostile("title")
    assert article["tags"] == [SCRIPT, QUOTE, JINJA]
    names = {e["id"]: e["name"] for e in data["entities"]}
    assert names["evil"] == hostile("entity name")
    assert {IMG, SCRIPT, QUOTE, "<script>"} <= set(names.values())
    claims = {c["id"]: c for c in data["claims"]}
    assert claims["hostile-claim"]["statement"] == hostile("statement")
    assert claims["hostile-claim"]["appearances"][0]["text"] == f"the wording <script>alert(1)</script> {JINJA}"
    # a claim's wording is its text with whitespace folded, and U+2028 and U+2029 are whitespace
    assert claims["paragraph-claim"]["statement"] == f"A paragraph claim with {JINJA} and a b c in it."
    assert {s["id"]: s["title"] for s in data["sources"]}["record-src"] == hostile("record source title")


def test_feeds_and_sitemap_are_valid_xml(site):
    atom = "{http://www.w3.org/2005/Atom}"
    feed = ET.parse(site / "feed.xml").getroot()
    assert feed.findtext(f"{atom}title") == hostile("site title")
    entries = {e.findtext(f"{atom}title"): e for e in feed.iter(f"{atom}entry")}
    assert set(entries) == {hostile("title"), IMG}
    assert entries[hostile("title")].findtext(f"{atom}summary") == hostile("summary")
    assert entries[hostile("title")].findtext(f"{atom}author/{atom}name") == QUOTE
    for path in site.glob("entities/*/feed.xml"):
        ET.parse(path)
    ET.parse(site / "sitemap.xml")


# ---- what cannot be made safe is refused ------------------------------------------------------


@pytest.mark.parametrize("url", ["javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:alert(1)",
                                 "data:text/html,<script>alert(1)</script>", "vbscript:msgbox(1)"])
@pytest.mark.parametrize("where", ["original_url", "source record url", "article-local source url"])
def test_unsafe_urls_in_front_matter_are_errors(make_archive, tmp_path, url, where):
    article = {"original_url": f"original_url: {y(url)}\n",
               "article-local source url": f"sources:\n  s: {{title: S, url: {y(url)}}}\n"}.get(where, "")
    files = {"content/articles/a.md": f"---\ntitle: A\ndate: 2021-01-01\n{article}---\nBody.\n"}
    if where == "source record url":
        files["content/sources/s.md"] = f"---\ntitle: S\nurl: {y(url)}\n---\n"
    root = make_archive(files)
    code, err = build(root, tmp_path / "site")
    assert code == 1
    line = 4 if where == "original_url" else 5 if where == "article-local source url" else 3
    path = "content/sources/s.md" if where == "source record url" else "content/articles/a.md"
    assert re.search(rf"^{re.escape(path)}:{line}:\d+: error: .*url", err, re.MULTILINE), err
    assert not (tmp_path / "site").exists()


def test_unparsable_attributes_are_refused(make_archive, tmp_path):
    """`{claim=x .cls onclick=alert(1)}` cannot be read as attributes: an error, not a page with it as text."""
    root = make_archive({"content/articles/a.md": "---\ntitle: A\ndate: 2021-01-01\n---\n"
                                                  "[words]{claim=x .cls onclick=alert(1)}\n"})
    code, err = build(root, tmp_path / "site")
    assert code == 1 and "content/articles/a.md:5:" in err
    assert not (tmp_path / "site").exists()


def test_control_characters_do_not_break_the_feeds(make_archive, tmp_path):
    """Text copied from feeds can hold C0 controls, which XML cannot: the build must still succeed."""
    root = make_archive({"content/articles/a.md": '---\ntitle: "T\\v\\x01"\ndate: 2021-01-01\n---\n'
                                                  "A body \x0b with \x01 controls.\n"})
    code, err = build(root, tmp_path / "site")
    assert code == 0, err
    entry = ET.parse(tmp_path / "site" / "feed.xml").getroot().find("{http://www.w3.org/2005/Atom}entry")
    assert entry.findtext("{http://www.w3.org/2005/Atom}title") == "T\ufffd\ufffd"
    assert json.loads((tmp_path / "site" / "data" / "archive.json").read_text())["articles"][0]["title"] == "T\v\x01"


def test_hostile_base_url(make_archive, tmp_path):
    """base_url's path is written into 404.html's links and the feeds: still attribute values, still XML."""
    root = make_archive({"content/articles/a.md": "---\ntitle: A\ndate: 2021-01-01\n---\nBody.\n"},
                        config="title = \"T\"\nbase_url = '''https://example.org/\"><script>alert(1)</script>/'''\n")
    code, err = build(root, tmp_path / "site")
    assert code == 0, err
    page = Elements((tmp_path / "site" / "404.html").read_text(encoding="utf-8"))
    assert not [tag for tag, _ in page.elements if tag in FORBIDDEN]
    assert '/"><script>alert(1)</script>/' in page.attr_values("href")
    ET.parse(tmp_path / "site" / "feed.xml")
    ET.parse(tmp_path / "site" / "sitemap.xml")


class _Html:
    def __html__(self) -> str:
        return "<b>safe</b>"


@pytest.mark.parametrize("value", [HOSTILE, "", "plain", Markup("<i>x</i>"), 12, 1.5, None, _Html(),
                                   type("Text", (str,), {})("<sub>class</sub>")])
def test_templates_escape_as_markupsafe_does(value):
    env = make_env(Path("/nonexistent"))
    template = env.from_string("{{ value }}|{{ value|e }}")
    assert template.root_render_func.__globals__["escape"] is fast_escape  # the templates do use it
    assert fast_escape(value) == escape(value) and type(fast_escape(value)) is Markup
    assert template.render(value=value) == f"{escape(value)}|{escape(value)}"


def test_compiled_templates_look_escape_up_by_name():
    """What makes `fast_escape` reach the templates: if Jinja stopped, the spy would not be called."""
    template = make_env(Path("/nonexistent")).from_string("{{ value }}")
    seen = []
    template.root_render_func.__globals__["escape"] = lambda v: seen.append(v) or escape(v)
    assert template.render(value="<b>") == "&lt;b&gt;" and seen == ["<b>"]


def test_without_markupsafes_private_escape_it_is_markupsafes(monkeypatch):
    """A markupsafe that renamed `_escape_inner` costs speed, never the build."""
    import importlib

    import markupsafe

    import generator.escaping as escaping
    monkeypatch.delattr(markupsafe, "_escape_inner")
    try:
        assert importlib.reload(escaping).fast_escape is escape
    finally:
        monkeypatch.undo()
        importlib.reload(escaping)
    assert escaping.fast_escape is not escape
