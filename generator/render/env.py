"""The Jinja environment: an archive's own templates/ over the built-in theme; links via one function."""
from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
import uuid
from pathlib import Path
from typing import Iterable

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined, TemplateError, meta, pass_context
from jinja2.runtime import Context
from markupsafe import Markup, escape

from ..model import Excerpt, content_digest
from .fragments import FragmentCache
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


@lru_cache(maxsize=4096)  # a date is shown on many pages (every list that holds its article), strftime is slow
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
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, extensions=[FragmentCache],
                      auto_reload=False)  # a changed template file gets a new environment (Builder.env_key)
    env.globals.update(url=url, link=link)
    env.filters.update(excerpt=excerpt_html, human_date=human_date)
    return env


def template_digests(env: Environment, names: Iterable[str]) -> dict[str, str]:
    """For each template, a digest of its source and of every template it extends, includes or imports, so
    that editing one re-renders exactly the pages that use it. A template that cannot be read or parsed gets
    a digest of its own: rendering will report it at its line."""
    sources: dict[str, str] = {}
    uses: dict[str, set[str]] = {}

    def visit(name: str) -> None:
        if name in sources:
            return
        try:
            sources[name] = env.loader.get_source(env, name)[0]
            found = set(meta.find_referenced_templates(env.parse(sources[name])))
        except TemplateError:
            sources.setdefault(name, f"unreadable {uuid.uuid4()}")
            found = set()
        if None in found:  # a computed name: it may be any template
            found = set(env.list_templates(filter_func=lambda n: n.endswith(".html"))) | (found - {None})
        uses[name] = found
        for other in found:
            visit(other)

    digests = {}
    for name in names:
        visit(name)
        closure, todo = set(), [name]
        while todo:
            current = todo.pop()
            if current not in closure:
                closure.add(current)
                todo.extend(uses[current])
        digests[name] = content_digest(repr(sorted((n, sources[n]) for n in closure)).encode())
    return digests
