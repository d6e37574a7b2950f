"""The one URL function: every internal link is relative, so a site works at a root or a sub-path."""
from __future__ import annotations


_PATHS = {"home": "", "article": "articles/{}/", "source_view": "articles/{}/source/", "entity": "entities/{}/",
          "claim": "claims/{}/", "source": "sources/{}/", "articles": "articles/", "entities": "entities/",
          "claims": "claims/", "sources": "sources/", "search": "search/"}


def page_path(kind: str, key: str = "", page: int = 1) -> str:
    """The site path of a page, as a folder (`entities/x/`); '' is the home page."""
    base = _PATHS[kind].format(key)
    return base if page == 1 else f"{base}page/{page}/"


def relative(from_page: str, to: str) -> str:
    """`to` (a site path, maybe with a #fragment) as seen from the page at site path `from_page`."""
    return to if is_external(to) else up_to_root(from_page) + to or "./"


def up_to_root(page: str) -> str:
    """The relative path from the page at site path `page` to the site's root ('' from the root)."""
    return "../" * page.count("/")


def is_external(to: str) -> bool:
    """Whether a link target leaves the site's paths alone: a fragment, or a link off the site."""
    return to.startswith(("#", "http://", "https://", "mailto:"))


def output_file(path: str) -> str:
    """The file that holds the page at a site path: folders get an index.html."""
    return path + "index.html" if path == "" or path.endswith("/") else path
