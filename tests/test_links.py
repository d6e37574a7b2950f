"""Every internal link of the demo archive's site works, at a domain root and under a sub-path.

The contract: pages live below a site root that may be a sub-path of a host (`https://example.org/archive/`),
and every link must work there and when the site is served from its own folder. Links are resolved as a
browser does (urljoin against the page's URL), so a `../` too many escapes the sub-path and fails here
even where a host root would quietly absorb it. 404.html is served at any depth, so its links start from
base_url's path instead; it is checked on its own.
"""
from __future__ import annotations

import io
import threading
import urllib.request
from contextlib import redirect_stderr, redirect_stdout
from functools import partial
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.error import HTTPError
from urllib.parse import quote, unquote, urljoin, urlsplit

import pytest

from generator.cli import main
from generator.config import load_config
from tests.conftest import REPO
from tests.update_expected import build_fixture, fixture_names

SUB_PATH = "archive/"
BASES = ("http://host/", f"http://host/{SUB_PATH}")


class Links(HTMLParser):
    """The link targets (href, src) of one page, and the fragment targets it defines (id, name)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.targets: list[str] = []
        self.anchors: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value is None:
                continue
            if name in ("href", "src"):
                self.targets.append(value)
            elif name == "id" or (name == "name" and tag in ("a", "map")):
                self.anchors.add(value)


@pytest.fixture(scope="module")
def www(tmp_path_factory) -> Path:
    """A web root holding the demo archive's site under archive/; the site itself is www/archive."""
    root = tmp_path_factory.mktemp("www")
    stdout, stderr = io.StringIO(), io.StringIO()
    with redirect_stdout(stdout), redirect_stderr(stderr):
        code = main(["build", "-C", str(REPO), "--out", str(root / SUB_PATH.strip("/")), "--quiet", "--no-cache"])
    assert code == 0, stderr.getvalue()
    return root


@pytest.fixture(scope="module")
def pages(www) -> dict[str, Links]:
    """Every HTML page of the site by its path in the site ('articles/x/index.html'), parsed."""
    return parse_pages(www / SUB_PATH)


def parse_pages(site: Path) -> dict[str, Links]:
    parsed = {}
    for path in sorted(site.rglob("*.html")):
        links = Links()
        links.feed(path.read_text(encoding="utf-8"))
        links.close()
        parsed[path.relative_to(site).as_posix()] = links
    return parsed


def is_internal(target: str) -> bool:
    parts = urlsplit(target)
    return not (parts.scheme or parts.netloc)


def site_file(url: str, base: str) -> str | None:
    """The file (site path) a resolved URL names, or None when it is outside the site at `base`."""
    path = urlsplit(url).path
    root = urlsplit(base).path
    if not path.startswith(root):
        return None
    relative = unquote(path[len(root):])
    return relative + "index.html" if relative == "" or relative.endswith("/") else relative


def check_link(site: Path, pages: dict[str, Links], page_url: str, base: str, target: str) -> str | None:
    """What is wrong with following `target` from the page at `page_url`, or None."""
    resolved = urljoin(page_url, target)
    file = site_file(resolved, base)
    if file is None:
        return f"resolves to {resolved}, outside the site at {base}"
    if (site / file).is_dir():
        return f"names the folder {file} without a trailing slash: it works on few hosts"
    if not (site / file).is_file():
        return f"resolves to {resolved}: no file {file}"
    fragment = unquote(urlsplit(resolved).fragment)
    if fragment and file.endswith(".html") and fragment not in pages[file].anchors:
        return f"resolves to {resolved}: {file} has no id or name '{fragment}'"
    return None


def broken_links(site: Path, pages: dict[str, Links], base: str) -> list[str]:
    broken = []
    for path, links in pages.items():
        if path == "404.html":
            continue
        page_url = base + quote(path)
        for target in links.targets:
            if is_internal(target):
                problem = check_link(site, pages, page_url, base, target)
                if problem:
                    broken.append(f"{path}: {target!r} {problem}")
    return broken


@pytest.mark.parametrize("base", BASES)
def test_internal_links_resolve(www, pages, base):
    assert len(pages) > 50  # the demo archive, not an empty build
    assert broken_links(www / SUB_PATH, pages, base) == []


@pytest.mark.parametrize("name", fixture_names())
def test_fixture_sites_links_resolve(tmp_path, name):
    """The fixture archives too: pagination (`page/2/` is deeper), drafts, implicit records, non-ASCII names."""
    built = build_fixture(name, tmp_path / "site")
    assert built.code == 0, built.err
    pages = parse_pages(built.out)
    assert [f"{base} {problem}" for base in BASES for problem in broken_links(built.out, pages, base)] == []


def test_links_are_relative(pages):
    """Root-absolute links (`/entities/...`) would break under a sub-path; only 404.html may use them."""
    absolute = [f"{path}: {t}" for path, links in pages.items() if path != "404.html"
                for t in links.targets if is_internal(t) and t.startswith("/")]
    assert absolute == []


def test_every_page_is_linked(www, pages):
    """Every page can be reached by following links from the home page."""
    site, base = www / SUB_PATH, BASES[1]
    seen, todo = {"index.html"}, ["index.html"]
    while todo:
        path = todo.pop()
        for target in pages[path].targets:
            if is_internal(target):
                file = site_file(urljoin(base + quote(path), target), base)
                if file in pages and file not in seen:
                    seen.add(file)
                    todo.append(file)
    assert sorted(set(pages) - seen - {"404.html"}) == []


def test_not_found_page_links_from_the_base_path(www, pages):
    """404.html is served for any missing URL, at any depth: its links start from base_url's path."""
    config, _ = load_config(REPO)
    root = urlsplit(config.base_url).path
    assert root == "/" + SUB_PATH, "the demo archive is published under a sub-path"
    site, links = www / SUB_PATH, pages["404.html"]
    internal = [t for t in links.targets if is_internal(t)]
    assert internal and all(t.startswith(root) or t.startswith("#") for t in internal)
    base = f"http://host{root}"
    for served_at in (base + "404.html", base + "no/such/page/", base + "a/b/c/d/e.html"):
        problems = []
        for target in internal:
            if target.startswith("#"):  # the document itself, whatever its URL
                if target[1:] not in links.anchors:
                    problems.append(f"{target!r}: no such id in 404.html")
                continue
            problem = check_link(site, pages, served_at, base, target)
            if problem:
                problems.append(f"{target!r} {problem}")
        assert problems == [], served_at


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args) -> None:  # noqa: A002 - the base class's signature
        pass


@pytest.fixture
def server(www):
    """http.server serving the web root on a free port of 127.0.0.1; yields the site's URL."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(_QuietHandler, directory=str(www)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/{SUB_PATH}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


def fetch(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except HTTPError as error:
        return error.code, b""


def test_served_under_a_sub_path(server, pages):
    """A sample of pages fetched over HTTP under /archive/: each of their internal links answers 200."""
    sample = ["index.html", "entities/index.html", "claims/index.html", "sources/index.html",
              next(p for p in pages if p.startswith("articles/") and p.count("/") == 2 and "page/" not in p),
              next(p for p in pages if p.startswith("entities/") and p.count("/") == 2),
              next(p for p in pages if p.startswith("claims/") and p.count("/") == 2)]
    checked: dict[str, int] = {}
    for path in sample:
        url = server + ("" if path == "index.html" else path.removesuffix("index.html"))
        status, body = fetch(url)
        assert status == 200, url
        links = Links()
        links.feed(body.decode("utf-8"))
        for target in links.targets:
            if is_internal(target):
                resolved = urljoin(url, target).split("#")[0]
                if resolved not in checked:
                    checked[resolved] = fetch(resolved)[0]
    assert len(checked) > 20
    assert {url: status for url, status in checked.items() if status != 200} == {}
    assert fetch(server + "no/such/page/")[0] == 404
