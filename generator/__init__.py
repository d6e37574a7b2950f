"""archive: turns a folder of annotated news articles into a searchable static website."""
from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

__all__ = ["render_markdown", "__version__"]


def __getattr__(name: str) -> Any:
    """`render_markdown`, imported when first asked for: a command that needs no Markdown (a build with nothing to
    do) does not load markdown-it."""
    if name == "render_markdown":
        from .render.markdown import render_markdown
        return render_markdown
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
