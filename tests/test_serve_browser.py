"""`archive serve` in real Chromium: an open page follows the edits to the archive by itself.

Each test starts the real command (tests/serving.py) on a private copy of the `basic` fixture, opens the article
`Freedonia closes its harbour` and waits until the page's event stream is connected before editing anything (but
the one that holds the stream back on purpose), so every wait below is for the page's own reaction. A page is known to have reloaded when a mark set on its
`window` is gone: a reload makes a fresh document.
"""
from __future__ import annotations

import shutil

import pytest

from tests.browser import browser, context, page  # noqa: F401 - fixtures used by name
from tests.serving import (ARTICLE, ARTICLE_URL, BAD_URL, BAD_URL_ERROR, BREAK, EVENTS, FIX, NEW_TEXT, OLD_TEXT, REPO,
                           Server, copy_fixture, edit, wait_until)

expect = pytest.importorskip("playwright.sync_api").expect

MARK = "window.__notReloaded"


@pytest.fixture
def archive(tmp_path):
    root = copy_fixture(tmp_path)
    (root / "templates" / "assets").mkdir(parents=True)  # a stylesheet of its own, to edit
    shutil.copy(REPO / "templates" / "assets" / "style.css", root / "templates" / "assets" / "style.css")
    return root


def is_event_stream(response) -> bool:
    return EVENTS in response.url


def open_live(page, url: str) -> None:
    """Open `url` and wait until its live-reload stream is connected (its response has arrived); then mark the
    document, so that a reload can be told from a page that stayed."""
    with page.expect_response(is_event_stream):
        page.goto(url)
    page.evaluate(f"{MARK} = true")


def reloaded(page) -> bool:
    return page.evaluate(f"{MARK} === undefined")


def test_an_open_page_reloads_itself_with_the_edited_text(page, server, archive):
    url = server.url + ARTICLE_URL.lstrip("/")
    open_live(page, url)
    body = page.locator(".article-body")
    expect(body).to_contain_text(OLD_TEXT)
    edit(archive, ARTICLE, {OLD_TEXT: NEW_TEXT}, in_place=True)
    expect(body).to_contain_text(NEW_TEXT)
    expect(body).not_to_contain_text(OLD_TEXT)
    assert reloaded(page)
    assert page.url == url, "the page reloads where it is"


def test_a_stylesheet_edit_restyles_the_open_page_without_reloading_it(page, server, archive):
    open_live(page, server.url + ARTICLE_URL.lstrip("/"))
    heading = page.locator("h1")
    assert heading.evaluate("h => getComputedStyle(h).color") != "rgb(102, 51, 153)"
    with (archive / "templates" / "assets" / "style.css").open("a") as css:
        css.write("\nh1 { color: rebeccapurple; }\n")
    expect(heading).to_have_css("color", "rgb(102, 51, 153)")
    assert not reloaded(page), "a stylesheet change should not reload the page"


def test_a_broken_file_shows_its_error_over_the_last_good_page_until_fixed(page, server, archive):
    open_live(page, server.url + ARTICLE_URL.lstrip("/"))
    body = page.locator(".article-body")
    overlay = page.locator("#archive-build-errors")
    edit(archive, ARTICLE, BREAK | {OLD_TEXT: NEW_TEXT})
    expect(overlay).to_be_visible()
    expect(overlay).to_have_attribute("role", "alert")
    expect(overlay).to_contain_text(BAD_URL_ERROR)  # the message's markup is shown as text ...
    expect(overlay.locator("b")).to_have_count(0)  # ... never made into elements
    assert BAD_URL in overlay.inner_text()
    expect(body).to_contain_text(OLD_TEXT)  # the last good version stays, not reloaded
    assert not reloaded(page)

    edit(archive, ARTICLE, FIX)
    expect(body).to_contain_text(NEW_TEXT)
    expect(overlay).to_have_count(0)
    assert reloaded(page)


def test_a_build_that_finishes_while_the_page_loads_still_reloads_it(page, server, archive):
    """The page is served, then a build finishes before its event stream connects: it must not be missed."""
    held: list = []  # the page's first event-stream request, held back; later ones go through
    page.route(f"**{EVENTS}*", lambda route: route.continue_() if held else held.append(route))
    page.goto(server.url + ARTICLE_URL.lstrip("/"))
    # (Playwright calls the route handler only while the test waits on the page)
    wait_until(lambda: held or page.wait_for_timeout(20), "the page to open its event stream")
    page.evaluate(f"{MARK} = true")
    with server.events() as stream:  # the test's own stream, to know when the build is done
        edit(archive, ARTICLE, {OLD_TEXT: NEW_TEXT})
        assert stream.next()[0] == "reload"
    held[0].continue_()  # the page's stream connects only now, after the build
    expect(page.locator(".article-body")).to_contain_text(NEW_TEXT)
    assert reloaded(page)


def test_a_page_opened_before_the_first_successful_build_turns_into_the_site(page, tmp_path):
    """The first build fails, so there is no site yet: the page still shows the errors, then the site."""
    root = copy_fixture(tmp_path)
    edit(root, ARTICLE, BREAK)
    server = Server(root)
    try:
        url = server.url + ARTICLE_URL.lstrip("/")
        with page.expect_response(is_event_stream):
            response = page.goto(url)
        assert response.status == 404
        overlay = page.locator("#archive-build-errors")
        expect(overlay).to_contain_text(BAD_URL_ERROR)
        edit(root, ARTICLE, FIX)
        expect(page.locator("h1")).to_have_text("Freedonia closes its harbour")
        expect(overlay).to_have_count(0)
        assert page.url == url
    finally:
        server.kill()
