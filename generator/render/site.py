"""render: every page, feed and data file of the site into the staging folder."""
from __future__ import annotations

import os
import traceback
from pathlib import Path
from typing import Callable

from jinja2 import Environment, TemplateError, TemplateNotFound, TemplatesNotFound, TemplateSyntaxError

from ..config import Config
from ..diagnostics import BuildFailed, Diagnostic, Loc
from ..model import Archive
from ..write import SiteWriter
from .data import archive_json, atom, sitemap
from .env import builtin_theme
from .highlight import stylesheet
from .pages import Page, plan
from .suggest import suggestion_files
from .urls import output_file, page_path
from .views import Graph


def _template_error(exc: Exception, root: Path) -> Diagnostic | None:
    """A template problem as a diagnostic at the template's file and line; None when no template was
    running (then it is a bug of ours, and the traceback is what a developer needs)."""
    filename, line = None, 1
    if isinstance(exc, TemplateSyntaxError):
        filename, line = exc.filename, exc.lineno or 1
    else:
        for frame, lineno in traceback.walk_tb(exc.__traceback__):
            name = frame.f_code.co_filename
            if name.endswith((".html", ".xml", ".txt")):
                filename, line = name, lineno
    if filename is None and not isinstance(exc, TemplateError):
        return None
    path = os.path.relpath(filename, root) if filename else "templates"
    message = getattr(exc, "message", None) or str(exc)
    if isinstance(exc, TemplateNotFound) and not isinstance(exc, TemplatesNotFound):
        message = f"'{exc.name}' not found in templates/ or the built-in theme"  # Jinja's message is the bare name
    return Loc(Path(path).as_posix(), line, 1).error(f"template error: {message}")


def render_site(root: Path, archive: Archive, config: Config, writer: SiteWriter, graph: Graph, env: Environment,
                stale: Callable[[Page], bool] = lambda page: True) -> int:
    """Render the pages for which `stale` says so and every feed and data file into `writer`; the other
    pages keep the last build's files. Returns the number of HTML pages. Template errors raise BuildFailed."""
    site = {"title": config.title, "description": config.description, "language": config.language,
            "base_url": config.base_url}
    paths: list[str] = []
    stale_entities: set[str] = set()
    try:
        for page in plan(archive, graph, config):
            paths.append(page.path)
            if not stale(page):
                writer.keep(output_file(page.path))
                continue
            html = env.get_template(page.template).render(page.context(), page_path=page.path, site=site)
            writer.write(output_file(page.path), html)
            if page.key.startswith("e:"):
                stale_entities.add(page.key[2:])
    except Exception as exc:  # an archive's own template can fail in any way; report it at its line
        problem = _template_error(exc, root)
        if problem is None:
            raise
        raise BuildFailed([problem]) from exc
    _write_assets(root, env, writer)
    writer.write("data/archive.json", archive_json(archive))
    writer.write("feed.xml", atom(archive, config, archive.articles, "feed.xml", config.title))
    # every entity has its feed, even before anything mentions it: a reader can subscribe to be told when it is
    for entity in archive.entities.values():
        path = page_path("entity", entity.id) + "feed.xml"
        if entity.id not in stale_entities:
            writer.keep(path)
            continue
        mentioning = [archive.by_slug[s] for s in archive.entity_articles[entity.id]]
        writer.write(path, atom(archive, config, mentioning, path, f"{config.title}: {entity.name}"))
    writer.write("sitemap.xml", sitemap([p for p in paths if p.endswith("/") or p == ""], config))
    for path, data in suggestion_files(archive).items():
        writer.write(path, data)
    return len(paths)


def _write_assets(root: Path, env: Environment, writer: SiteWriter) -> None:
    """The theme's assets/, overridden file by file by the archive's own templates/assets/."""
    files: dict[str, Path] = {}
    for folder in (builtin_theme() / "assets", root / "templates" / "assets"):
        if folder.is_dir():
            files.update({p.relative_to(folder).as_posix(): p for p in folder.rglob("*") if p.is_file()})
    for name, path in sorted(files.items()):
        writer.write(f"assets/{name}", path.read_bytes())
    if "pygments.css" not in files:
        writer.write("assets/pygments.css", stylesheet())
