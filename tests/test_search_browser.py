"""The search page in real Chromium, against the `search` fixture archive built once and served over HTTP twice:
at the server root and under a sub-path (`/archive/`). Every test runs against both.

The fixture (tests/fixtures/sites/search/): four articles from 2021 and 2022 by two publishers (Harbour Gazette,
Tribune Daily), three mentioning the Uyghur Tribunal; entities of three types; two claims whose appearances
take the stances reports, disputes and supports; one source record.
"""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest

from generator.cli import main
from tests.browser import browser, context, page, serve_folder  # noqa: F401 - fixtures used by name
from tests.conftest import write_archive

expect = pytest.importorskip("playwright.sync_api").expect

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "sites" / "search"
PAGE = 10  # results search.js shows at a time
STATUS = re.compile(r"^(\d+) results? for “.*”\.$|^No results for “.*”\.$")

HEARINGS = ("Tribunal opens hearings in London", "articles/2021-06-07-hearings/")
ARTICLES_2021 = {"Tribunal opens hearings in London", "Tribunal delivers its judgment"}


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The fixture built once with the real command, served at a root and under /archive/; and built again with
    its index in parts of two pages (as a large archive's is), served under /archive/."""
    folder = tmp_path_factory.mktemp("served")
    site = folder / "archive"
    code = main(["build", "-C", str(FIXTURE), "--out", str(site), "--quiet", "--no-cache"])  # (nothing written in tests/)
    assert code == 0, "the search fixture did not build"
    assert (site / "pagefind" / "pagefind.js").is_file() and (site / "search" / "suggest" / "index.json").is_file()
    assert len(json.loads((site / "pagefind" / "indexes.json").read_text())) == 1
    parted = tmp_path_factory.mktemp("parted")
    copy = shutil.copytree(FIXTURE, parted / "fixture")
    with (copy / "archive.toml").open("a") as config:
        config.write("search_part_pages = 2\n")
    assert main(["build", "-C", str(copy), "--out", str(parted / "archive"), "--quiet"]) == 0
    parts = json.loads((parted / "archive" / "pagefind" / "indexes.json").read_text())
    assert len(parts) == 4, "the fixture is indexed in as many parts as it has articles"
    with serve_folder(site) as at_root, serve_folder(folder) as above, serve_folder(parted) as in_parts:
        yield {"root": at_root, "sub-path": above + "archive/", "in parts": in_parts + "archive/"}


@pytest.fixture(params=["root", "sub-path", "in parts"])
def base(request, served) -> str:
    """The URL of the site's root folder, ending in a slash."""
    return served[request.param]


# ---- helpers --------------------------------------------------------------------------------------


def settled(page, expected: int | None = None) -> int:
    """Wait until a search has finished and its first results are on the page; returns the result count."""
    status = page.get_by_role("status")
    if expected is None:
        expect(status).to_have_text(STATUS)
    else:
        expect(status).to_have_text(re.compile(rf"^{expected} results? for “.*”\.$" if expected
                                               else r"^No results for"))
    match = re.match(r"^(\d+)", status.inner_text())
    total = int(match.group(1)) if match else 0
    expect(page.locator("#results > li")).to_have_count(min(total, PAGE))
    return total


def open_facets(page) -> None:
    """Open the facets (their index is loaded only then) and wait until they are counted."""
    toggle = page.get_by_role("button", name=re.compile(r"^Filter results"))
    expect(toggle).to_have_attribute("aria-expanded", "false")
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(page.locator("#facets fieldset").first).to_be_visible()


def facet_box(page, key: str, value: str):
    return page.locator(f"#facets input[type=checkbox][name='{key}'][value='{value}']")


def facet_count(page, key: str, value: str) -> str:
    """The count label beside a facet value, such as `(4)`."""
    return page.locator(f"#facets label:has(input[name='{key}'][value='{value}']) .count").inner_text()


def facet_values(page, key: str) -> dict[str, str]:
    """{value: count label} of one facet as shown (empty when the facet is not shown)."""
    labels = page.locator(f"#facets label:has(input[name='{key}'])")
    return {label.locator("input").get_attribute("value"): label.locator(".count").inner_text()
            for label in labels.all()}


def results(page) -> list[tuple[str, str, str]]:
    """(kind, title, meta line) of every result shown."""
    return [(item.locator(".result-kind").inner_text().lower(), item.locator(".result-title").inner_text(),
             item.locator(".result-meta").inner_text() if item.locator(".result-meta").count() else "")
            for item in page.locator("#results > li").all()]


def query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def suggestions(page):
    return page.get_by_role("listbox", name="Matching entities").get_by_role("option")


# ---- 1. a query finds the right article ----------------------------------------------------------


def test_a_query_typed_into_the_search_page_finds_the_article(page, base):
    page.goto(base + "search/")
    expect(page.locator("#q")).to_be_focused()  # an empty search page is ready to type into
    expect(page.locator("#sort")).to_be_hidden()  # no sort order or facets before there are results
    expect(page.locator("#facets")).to_be_hidden()
    expect(page.locator("#facets-toggle")).to_be_hidden()
    page.locator("#q").press_sequentially("hearings")
    settled(page)
    title, path = HEARINGS
    link = page.locator("#results .result-title", has_text=title)
    expect(link).to_have_count(1)
    assert page.locator("#results .result-title").first.inner_text() == title, "the best match comes first"
    assert link.evaluate("a => a.href") == urljoin(base, path)
    expect(page).to_have_url(base + "search/?q=hearings")  # the typed query is kept in the URL
    with page.expect_navigation() as navigation:
        link.click()
    assert navigation.value.status == 200
    expect(page).to_have_url(urljoin(base, path))
    expect(page.locator("h1")).to_have_text(title)


# ---- 2. a facet narrows the results and shows counts --------------------------------------------


def test_a_facet_narrows_the_results_and_shows_counts(page, base):
    page.goto(base + "search/?q=tribunal")
    total = settled(page)
    expect(page.locator("#facets")).to_be_hidden()  # closed until asked for: a first query does not need them
    open_facets(page)
    kinds = facet_values(page, "kind")
    assert kinds["article"] == "(4)" and kinds["entity"] == "(3)"
    assert sum(int(n.strip("()")) for n in kinds.values()) == total, "every page has exactly one kind"
    assert facet_values(page, "year") == {"2021": "(2)", "2022": "(2)"}
    assert facet_values(page, "entity_type") == {"organization": "(2)", "person": "(1)"}
    # a claim is found by its statement and the wordings of its appearances, not by the sentences around them
    assert facet_values(page, "stance") == {}

    facet_box(page, "year", "2021").check()
    assert settled(page, 2) == 2
    assert {title for _, title, _ in results(page)} == ARTICLES_2021
    assert all(kind == "article" and meta.startswith("2021-") for kind, _, meta in results(page))
    assert query(page.url) == {"q": ["tribunal"], "year": ["2021"]}
    # the other facets count within the selection; a facet's own counts ignore its own selection
    assert facet_values(page, "kind") == {"article": "(2)"}
    assert facet_values(page, "entity_type") == {}
    assert facet_values(page, "publisher") == {"Harbour Gazette": "(1)", "Tribune Daily": "(1)"}
    assert facet_values(page, "year") == {"2021": "(2)", "2022": "(2)"}
    expect(facet_box(page, "year", "2021")).to_be_checked()

    facet_box(page, "kind", "article").check()  # within 2021, still the same two articles
    assert settled(page, 2) == 2
    facet_box(page, "year", "2021").uncheck()
    assert settled(page, 4) == 4
    assert facet_count(page, "year", "2022") == "(2)"
    toggle = page.get_by_role("button", name=re.compile(r"^Filter results"))
    expect(toggle).to_have_text("Filter results (1 selected)")  # closing the facets keeps their selection
    toggle.click()
    expect(page.locator("#facets")).to_be_hidden()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    page.locator("#q").press("Enter")
    assert settled(page, 4) == 4
    expect(page.locator("#facets")).to_be_hidden()
    assert query(page.url) == {"q": ["tribunal"], "kind": ["article"]}

    page.goto(base + "search/?q=genocide&stance=disputes")  # a selection in the URL opens the facets
    assert settled(page, 1) == 1
    expect(page.locator("#facets")).to_be_visible()
    assert results(page)[0][:2] == ("claim", "Genocide was committed against the Uyghurs in Xinjiang.")
    assert facet_values(page, "stance") == {"disputes": "(1)", "reports": "(1)"}
    assert facet_values(page, "kind") == {"claim": "(1)"}


def test_only_meaningful_text_is_indexed(page, base):
    # every article's byline says "Published by ...", and a claim tag names the stance ("... · reports"): neither
    # is text a reader searches for
    for word in ("published", "reports"):
        page.goto(base + f"search/?q={word}")
        assert settled(page, 0) == 0, word


# ---- 3. an entity suggestion leads to the entity page -------------------------------------------


@pytest.mark.parametrize("how", ["click", "keyboard"])
def test_an_entity_suggestion_leads_to_the_entity_page(page, base, how):
    page.goto(base + "search/")
    page.locator("#q").press_sequentially("trib")
    options = suggestions(page)
    expect(options).to_have_text(["Uyghur Tribunal — organization, 3 articles",
                                  "Tribune Daily — organization, 2 articles"])
    expect(page).to_have_url(base + "search/?q=trib")  # the search as typed is in the URL: no navigation
    with page.expect_navigation(url=base + "entities/uyghur-tribunal/") as navigation:
        if how == "click":
            options.first.click()  # anywhere on the option, not only on the name
        else:
            page.keyboard.press("ArrowDown")
            page.keyboard.press("Enter")
    assert navigation.value.status == 200
    expect(page).to_have_url(base + "entities/uyghur-tribunal/")
    expect(page.locator("h1")).to_have_text("Uyghur Tribunal")


def test_a_suggestion_matches_an_alias_too(page, base):
    page.goto(base + "search/")
    page.locator("#q").press_sequentially("sir geo")
    expect(suggestions(page)).to_have_text(["Geoffrey Nice — person, 1 article"])


# ---- 4. the URL state round-trips ---------------------------------------------------------------


def test_the_url_state_round_trips(page, base):
    page.goto(base + "search/?q=tribunal&kind=article&sort=date")
    assert settled(page, 4) == 4
    expect(page.locator("#facets-toggle")).to_have_attribute("aria-expanded", "true")  # a selection is shown
    expect(page.locator("#q")).to_have_value("tribunal")
    expect(page.locator("#sort")).to_have_value("date")
    expect(facet_box(page, "kind", "article")).to_be_checked()
    expect(page.locator("#facets input:checked")).to_have_count(1)
    shown = results(page)
    assert {kind for kind, _, _ in shown} == {"article"}
    assert [meta[:10] for _, _, meta in shown] == ["2022-08-31", "2022-05-24", "2021-12-09", "2021-06-07"]

    facet_box(page, "year", "2021").check()
    assert settled(page, 2) == 2
    assert query(page.url) == {"q": ["tribunal"], "kind": ["article"], "year": ["2021"], "sort": ["date"]}
    assert [title for _, title, _ in results(page)] == ["Tribunal delivers its judgment", HEARINGS[0]]

    page.go_back()
    assert settled(page, 4) == 4
    assert query(page.url) == {"q": ["tribunal"], "kind": ["article"], "sort": ["date"]}
    expect(facet_box(page, "year", "2021")).not_to_be_checked()
    expect(facet_box(page, "kind", "article")).to_be_checked()
    expect(page.locator("#sort")).to_have_value("date")
    assert results(page) == shown

    page.go_forward()
    assert settled(page, 2) == 2
    expect(facet_box(page, "year", "2021")).to_be_checked()


# ---- 5. keyboard-only use -----------------------------------------------------------------------


def test_keyboard_only_use(page, base):
    page.goto(base)
    page.keyboard.press("/")
    expect(page.locator("#site-q")).to_be_focused()  # the header box of an ordinary page
    page.keyboard.type("tribunal")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page).to_have_url(base + "search/?q=tribunal")
    total = settled(page)
    assert total > 4
    expect(page.get_by_role("status")).to_have_text(f"{total} results for “tribunal”.")

    page.keyboard.press("/")  # on the search page, "/" goes to its own box
    expect(page.locator("#q")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Search", exact=True)).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.locator("#sort")).to_be_focused()
    page.keyboard.press("Tab")
    toggle = page.get_by_role("button", name="Filter results")
    expect(toggle).to_be_focused()
    page.keyboard.press("Enter")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(page.locator("#facets fieldset").first).to_be_visible()
    page.keyboard.press("Tab")
    article = facet_box(page, "kind", "article")  # the most frequent kind comes first
    expect(article).to_be_focused()
    page.keyboard.press("Space")
    assert settled(page, 4) == 4
    expect(article).to_be_checked()
    expect(article).to_be_focused()  # focus survives the facets being redrawn
    assert query(page.url) == {"q": ["tribunal"], "kind": ["article"]}
    page.keyboard.press("Space")
    assert settled(page, total) == total
    expect(article).not_to_be_checked()
    page.keyboard.press("Tab")
    expect(facet_box(page, "kind", "entity")).to_be_focused()
    page.keyboard.press("/")  # from a checkbox too: "/" is typed into text fields only
    expect(page.locator("#q")).to_be_focused()


# ---- 6. accessibility basics --------------------------------------------------------------------

UNLABELLED = """() => [...document.querySelectorAll("input, select, textarea")].filter((control) => {
  if (control.type === "hidden") return false;
  const named = (id) => document.getElementById(id)?.textContent.trim();
  const byLabel = [...control.labels].some((label) => label.textContent.trim());
  const byAria = (control.getAttribute("aria-label") || "").trim()
    || (control.getAttribute("aria-labelledby") || "").split(/\\s+/).filter(Boolean).some(named);
  return !byLabel && !byAria;
}).map((control) => control.outerHTML)"""

DUPLICATE_IDS = """() => {
  const ids = [...document.querySelectorAll("[id]")].map((node) => node.id);
  return ids.filter((id, i) => ids.indexOf(id) !== i);
}"""


def test_accessibility_basics(page, base):
    page.goto(base + "search/?q=tribunal")
    settled(page)
    toggle = page.get_by_role("button", name="Filter results")
    expect(toggle).to_have_attribute("aria-controls", "facets")
    open_facets(page)
    assert page.locator("input, select").count() > 10
    assert page.evaluate(UNLABELLED) == []
    assert page.locator("#facets fieldset:not(:has(> legend))").count() == 0
    assert page.get_by_role("status").count() == 1
    assert page.evaluate(DUPLICATE_IDS) == []

    box = page.get_by_role("combobox", name="Search articles, entities, claims and sources")
    box.fill("")
    box.press_sequentially("trib")
    listbox = page.get_by_role("listbox", name="Matching entities")
    options = listbox.get_by_role("option")
    expect(options).to_have_count(2)
    expect(box).to_have_attribute("aria-expanded", "true")
    expect(box).to_have_attribute("aria-controls", listbox.get_attribute("id"))
    assert listbox.locator("> *:not([role=option])").count() == 0
    ids = [options.nth(i).get_attribute("id") for i in range(2)]
    assert all(ids) and len(set(ids)) == 2
    assert page.evaluate(DUPLICATE_IDS) == []
    assert page.evaluate(UNLABELLED) == []

    def active_is(index: int | None):
        if index is None:
            expect(box).not_to_have_attribute("aria-activedescendant", re.compile(".*"))
            expect(listbox.locator("[aria-selected=true]")).to_have_count(0)
        else:
            expect(box).to_have_attribute("aria-activedescendant", ids[index])
            expect(options.nth(index)).to_have_attribute("aria-selected", "true")
            expect(listbox.locator("[aria-selected=true]")).to_have_count(1)
        expect(box).to_be_focused()  # the active option is shown, focus stays in the box

    active_is(None)
    for key, index in [("ArrowDown", 0), ("ArrowDown", 1), ("ArrowDown", None), ("ArrowDown", 0),
                       ("ArrowUp", None), ("ArrowUp", 1), ("ArrowUp", 0)]:
        page.keyboard.press(key)
        active_is(index)
    page.keyboard.press("Escape")
    expect(listbox).to_be_hidden()
    expect(box).to_have_attribute("aria-expanded", "false")
    active_is(None)

    page.goto(base)  # an ordinary page: its header search box is labelled too
    assert page.evaluate(UNLABELLED) == []
    assert page.evaluate(DUPLICATE_IDS) == []
    expect(page.get_by_role("searchbox", name="Search the archive")).to_be_visible()


# ---- 7. without JavaScript ----------------------------------------------------------------------


def test_without_javascript_the_search_page_offers_the_indexes(browser, base):  # noqa: F811
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(base + "search/?q=tribunal")
        message = page.locator("main p.no-js")  # (Playwright's text locators skip <noscript>)
        expect(message).to_be_visible()
        expect(message).to_contain_text("Search runs in the browser and needs JavaScript")
        expect(page.locator("#q")).to_be_hidden()  # no dead box
        expect(page.locator("#sort")).to_be_hidden()
        indexes = page.get_by_role("navigation", name="Indexes").get_by_role("link")
        expect(indexes).to_have_text(["All articles", "All entities", "All claims", "All sources"])
        targets = [link.evaluate("a => a.href") for link in indexes.all()]
        assert targets == [base + name for name in ("articles/", "entities/", "claims/", "sources/")]
        for target in targets:
            assert context.request.get(target).status == 200, target
    finally:
        context.close()


# ---- 8. sort by date ----------------------------------------------------------------------------


def test_sort_by_date_puts_articles_first_newest_first(page, base):
    page.goto(base + "search/?q=tribunal")
    total = settled(page)
    by_relevance = results(page)
    assert by_relevance[0][0] != "article", "the fixture ranks a non-article first by relevance"

    page.locator("#sort").select_option("date")
    page.wait_for_function("[...document.querySelectorAll('#results .result-kind')].slice(0, 4)"
                           ".every((kind) => kind.textContent === 'article')")
    assert settled(page, total) == total
    assert query(page.url) == {"q": ["tribunal"], "sort": ["date"]}
    by_date = results(page)
    assert [kind for kind, _, _ in by_date[:4]] == ["article"] * 4
    assert [meta[:10] for _, _, meta in by_date[:4]] == ["2022-08-31", "2022-05-24", "2021-12-09", "2021-06-07"]
    assert "article" not in [kind for kind, _, _ in by_date[4:]]
    assert sorted(by_date) == sorted(by_relevance), "sorting reorders, it neither adds nor drops"


# ---- 9. what a first query downloads ------------------------------------------------------------


def test_a_first_query_downloads_only_what_it_shows(context, base):
    """No filter index until the facets are opened, not Pagefind's own worker (search-worker.js imports
    pagefind.js instead), and the fragments of the results shown only."""
    requested: list[str] = []
    context.on("request", lambda request: requested.append(urlsplit(request.url).path))
    page = context.new_page()
    page.goto(base + "search/?q=tribunal")
    total = settled(page)
    page.wait_for_load_state("networkidle")
    bundle = urlsplit(base).path + "pagefind/"
    fetched = [path[len(bundle):] for path in requested if path.startswith(bundle)]

    def loaded(folder: str) -> list[str]:  # in any part of the index (a folder of the bundle's)
        return [path for path in fetched if re.match(rf"\w+/{folder}/", path)]

    assert "pagefind.js" in fetched and loaded("index")
    assert "pagefind-worker.js" not in fetched
    assert not loaded("filter")
    assert 0 < len(loaded("fragment")) <= min(total, PAGE)
    assert len([path for path in fetched if path.endswith(".pagefind")]) == 1, "the parts share one WebAssembly"

    open_facets(page)
    page.wait_for_load_state("networkidle")
    fetched = [path[len(bundle):] for path in requested if path.startswith(bundle)]
    assert loaded("filter"), "opening the facets loads their index"


def test_search_works_without_module_workers(context, base):
    context.add_init_script("window.Worker = class { constructor() { throw new TypeError('no workers'); } };")
    page = context.new_page()
    page.goto(base + "search/?q=hearings")
    settled(page)
    expect(page.locator("#results .result-title").first).to_have_text(HEARINGS[0])


# ---- 10. entities that are only a name ----------------------------------------------------------

NAMED = {  # an author who is only a name: no description, no record body
    "content/articles/2022-08-31-figures.md": """
        ---
        title: Detention figures confirmed
        date: 2022-08-31
        publisher: Tribune Daily
        authors: [Lena Hartmann]
        ---
        An assessment confirmed the figures.
        """,
    "content/entities/lena-hartmann.md": "---\nname: Lena Hartmann\ntype: person\n---\n",
    "content/entities/tribune-daily.md": "---\nname: Tribune Daily\ntype: organization\ndescription: A daily.\n---\n",
}


@pytest.fixture(scope="module")
def named(tmp_path_factory):
    """A small archive with an entity that is only a name, built and served at a root."""
    root = write_archive(tmp_path_factory.mktemp("named") / "archive", NAMED)
    assert main(["build", "-C", str(root), "--quiet"]) == 0
    with serve_folder(root / "site") as url:
        yield url


def test_an_entity_that_is_only_a_name_is_a_result_from_the_entity_index(page, named):
    # Lena Hartmann has no description: her page is not in the full-text index, and the byline that names her
    # is not indexed text either; the entity index finds her
    page.goto(named + "search/?q=hartmann")
    assert settled(page, 1) == 1
    assert results(page) == [("entity", "Lena Hartmann", "person")]
    link = page.locator("#results .result-title")
    assert link.evaluate("a => a.href") == named + "entities/lena-hartmann/"
    open_facets(page)
    assert facet_values(page, "kind") == {"entity": "(1)"}
    assert facet_values(page, "entity_type") == {"person": "(1)"}
    facet_box(page, "entity_type", "person").check()
    assert settled(page, 1) == 1
    page.goto(named + "search/?q=hartmann&kind=article")
    assert settled(page, 0) == 0
    assert facet_values(page, "kind") == {"article": "(0)", "entity": "(1)"}
    page.goto(named + "search/?q=lena+hartmann")
    assert settled(page, 1) == 1
    with page.expect_navigation(url=named + "entities/lena-hartmann/"):
        page.locator("#results .result-title").click()


# ---- 11. typing ---------------------------------------------------------------------------------


def test_typing_searches_from_the_third_letter(page, base):
    page.goto(base + "search/")
    page.locator("#q").press_sequentially("tr")
    expect(suggestions(page)).to_have_count(2)  # suggestions from the second letter
    page.wait_for_timeout(600)  # longer than the typing pause that starts a search
    expect(page.get_by_role("status")).to_have_text("")
    expect(page.locator("#results > li")).to_have_count(0)
    page.locator("#q").press_sequentially("i")
    assert settled(page) > 0
    page.locator("#q").press("Backspace")
    page.wait_for_timeout(600)
    expect(page.locator("#results > li")).to_have_count(0)  # back to two letters: no stale results
    page.locator("#q").press("Enter")  # Enter searches whatever is typed
    assert settled(page) > 0
    assert query(page.url) == {"q": ["tr"]}
