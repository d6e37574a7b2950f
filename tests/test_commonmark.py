"""Plain Markdown renders as CommonMark 0.31.2 says, apart from deliberate, listed exceptions."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from generator import render_markdown
from tests.commonmark_normalize import normalize_html

# shared/ lies beside the checkout, in development and in CI
SPEC = Path(__file__).resolve().parents[2] / "shared" / "conformance" / "commonmark-spec.json"

RAW_HTML = "raw HTML in content is shown as text, never passed through (content comes from feeds nobody here controls)"
UNSAFE_SCHEME = "links keep only http, https, mailto and relative targets, so this autolink stays text"
HIGHLIGHTED = "fenced code with a known language is highlighted by Pygments, which adds markup inside <code>"
EXCEPTIONS: dict[int, str] = {
    **{n: RAW_HTML for n in (
        21, 31, *range(148, 192), 201, 308, 309, 344, 475, 476, 477, 491, 494, 524, 536,
        613, 614, 615, 616, 617, 623, *range(625, 632), 642, 643)},
    **{n: UNSAFE_SCHEME for n in (596, 598, 599, 601)},
    **{n: HIGHLIGHTED for n in (142, 143)},
}


def _examples() -> list[dict]:
    if not SPEC.exists():
        pytest.skip(f"CommonMark examples not found at {SPEC}")
    return json.loads(SPEC.read_text(encoding="utf-8"))


def test_every_example_passes_except_the_listed_exceptions() -> None:
    examples = _examples()
    assert len(examples) == 652
    failing = {ex["example"] for ex in examples
               if normalize_html(render_markdown(ex["markdown"])) != normalize_html(ex["html"])}
    assert sorted(failing - EXCEPTIONS.keys()) == [], "examples that fail without a listed reason"
    assert sorted(EXCEPTIONS.keys() - failing) == [], "listed exceptions that now pass: remove them"
    assert len(examples) - len(failing) >= 574


@pytest.mark.parametrize("example", [596, 598, 599, 601])
def test_unsafe_or_unknown_schemes_are_never_links(example: int) -> None:
    markdown = next(ex["markdown"] for ex in _examples() if ex["example"] == example)
    assert "href" not in render_markdown(markdown)


def test_raw_html_is_escaped() -> None:
    html = render_markdown('<script>alert(1)</script>\n\n<b onclick="x()">hi</b>\n')
    assert "<script" not in html and "<b " not in html
    assert "&lt;script&gt;" in html
