"""The Jinja environment: an archive's own templates/ over the built-in theme; links via one function."""
from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined, pass_context
from jinja2.runtime import Context
from markupsafe import Markup, escape

from ..model import Excerpt
from .urls import page_path, relative


def builtin_theme() -> Path:
    """The theme shipped in the package (wheel) or, in a source checkout, the top-level templates/."""
    package = Path(__file__).resolve().parent.parent
    for candidate in (package / "templates", package.parent / "templates"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("the built-in templates are missing from this installation")


@pass_context
def url(context: Context, target: str) -> str:
    """A site path as a link from the current page; pages served at any depth (404) use the base path."""
    root = context.get("absolute_root")
    return root + target if root else relative(context["page_path"], target)


@pass_context
def link(context: Context, kind: str, key: str = "", page: int = 1) -> str:
    return url(context, page_path(kind, key, page))


def excerpt_html(excerpt: Excerpt) -> Markup:
    """A sentence with the annotated words marked."""
    s = excerpt.sentence
    return Markup(f"{escape(s[:excerpt.start])}<mark>{escape(s[excerpt.start:excerpt.end])}</mark>{escape(s[excerpt.end:])}")


def human_date(value: date | datetime | str | None) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    return f"{value.day} {value:%B %Y}"


def make_env(root: Path) -> Environment:
    own = root / "templates"
    loaders = [FileSystemLoader(own)] if own.is_dir() else []
    env = Environment(loader=ChoiceLoader([*loaders, FileSystemLoader(builtin_theme())]), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.globals.update(url=url, link=link)
    env.filters.update(excerpt=excerpt_html, human_date=human_date)
    return env
