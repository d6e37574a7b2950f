"""The Jinja environment: an archive's own templates/ over the built-in theme; links via one function."""
from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
import uuid
from pathlib import Path
from types import CodeType, FunctionType
from typing import Any, Callable, Iterable, MutableMapping

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined, Template, TemplateError, meta
from jinja2.runtime import Context, Macro
from markupsafe import Markup

from ..escaping import fast_escape
from ..digest import content_digest
from ..model import Excerpt, calendar_day
from .fragments import FragmentCache
from .theme import builtin_theme
from .urls import is_external, page_path, up_to_root


def page_vars(path: str, absolute_root: str | None = None) -> dict[str, object]:
    """What every page's template gets besides its context: its site path `page_path`, and `url` and `link`,
    which make site paths links from it; a page served at any depth (404) links from the base path,
    `absolute_root`. Plain functions made for the page: Jinja copies the whole context for each call of a
    context function in a loop (a seventh of rendering a claim page). `link`, called a dozen times a page,
    does what `url(page_path(...))` would in one call."""
    up = absolute_root or up_to_root(path)

    def url(target: str) -> str:
        return target if is_external(target) else up + target or "./"

    def link(kind: str, key: str = "", page: int = 1) -> str:
        return up + page_path(kind, key, page) or "./"

    return {"page_path": path, "url": url, "link": link}


def excerpt_html(excerpt: Excerpt) -> Markup:
    """A sentence with the annotated words marked."""
    s = excerpt.sentence
    return Markup(f"{fast_escape(s[:excerpt.start])}<mark>{fast_escape(s[excerpt.start:excerpt.end])}</mark>{fast_escape(s[excerpt.end:])}")


def human_date(value: date | datetime | str | None) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    return _human_day(calendar_day(value))


@lru_cache(maxsize=4096)  # a day is shown on many pages (every list that holds its articles); strftime is slow
def _human_day(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


class _Template(Template):
    """A template whose `{{ }}` escape with `fast_escape`: its compiled code looks `escape` up by name in the
    namespace that `from_code` has just run it in."""

    @classmethod
    def from_code(cls, environment: Environment, code: CodeType, globals: MutableMapping[str, Any],
                  uptodate: Callable[[], bool] | None = None) -> Template:
        template = super().from_code(environment, code, globals, uptodate)
        template.root_render_func.__globals__["escape"] = fast_escape
        return template


class _Context(Context):
    """Jinja's context, calling a plain function or a macro (`link`, `entity_link`: a dozen times a page)
    directly: Jinja's own `call` first looks, twice, for whether it wants the context passed to it, and a
    macro's own `__call__` matches its arguments to its parameters one by one in Python."""

    def call(__self, __obj: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:  # noqa: N805 - Jinja's names
        if type(__obj) not in (FunctionType, Macro) or hasattr(__obj, "jinja_pass_arg"):
            return super().call(__obj, *args, **kwargs)
        # what a call in a loop or a block passes along, for a function that takes the context
        kwargs.pop("_loop_vars", None)
        kwargs.pop("_block_vars", None)
        try:
            # (Jinja 3.1's private attributes: tests/test_env.py renders calls made this way and calls that are not)
            if type(__obj) is Macro and not kwargs and _takes_exactly(__obj, len(args)):
                made = __obj._func(*args)
                return Markup(made) if __obj._default_autoescape else made
            return __obj(*args, **kwargs)
        except StopIteration:  # as Jinja's own `call` does
            return __self.environment.undefined(
                "value was undefined because a callable raised a StopIteration exception")


def _takes_exactly(macro: Macro, count: int) -> bool:
    """Whether a macro called with `count` positional arguments gets them as they are: no defaults to fill in,
    no `caller`, `varargs` or `kwargs` to add (what `Macro.__call__` would do)."""
    return (count == macro._argument_count and not macro.caller and not macro.catch_kwargs
            and not macro.catch_varargs)


def make_env(root: Path) -> Environment:
    own = root / "templates"
    loaders = [FileSystemLoader(own)] if own.is_dir() else []
    env = Environment(loader=ChoiceLoader([*loaders, FileSystemLoader(builtin_theme())]), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, extensions=[FragmentCache],
                      auto_reload=False)  # a changed template file gets a new environment (Builder.env_key)
    env.template_class = _Template
    env.context_class = _Context
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
