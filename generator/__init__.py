"""archive: turns a folder of annotated news articles into a searchable static website."""
from __future__ import annotations

__version__ = "0.1.0"

from .render.markdown import render_markdown  # noqa: E402

__all__ = ["render_markdown", "__version__"]
