"""search: index the rendered site with Pagefind, writing the bundle to `pagefind/` inside it.

Pagefind reads only what the templates mark with `data-pagefind-body` (article bodies, entity descriptions,
claim statements and wordings, source notes) and their `data-pagefind-filter`/`-meta`/`-sort` attributes,
so navigation and backlink lists stay out of the index.
"""
from __future__ import annotations

import asyncio
from pathlib import Path

from pagefind.index import IndexConfig, PagefindIndex

BUNDLE = "pagefind"


class SearchFailed(Exception):
    """Pagefind could not index the site (it is missing or it failed)."""


async def _index(site: Path, language: str) -> int:
    config = IndexConfig(output_path=str(site / BUNDLE), force_language=language)
    async with PagefindIndex(config=config) as index:
        result = await index.add_directory(str(site))
    return int(result.get("page_count", 0))


def index_site(site: Path, language: str) -> int:
    """Index every page of `site`; returns the number of pages Pagefind indexed."""
    try:
        return asyncio.run(_index(site, language))
    except Exception as exc:  # the Pagefind service reports its failures as plain exceptions
        raise SearchFailed(f"the search index could not be built: {exc}") from exc
