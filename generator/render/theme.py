"""Where the built-in theme is: its own module, so that a build with nothing to do finds it without Jinja."""
from __future__ import annotations

from pathlib import Path


def builtin_theme() -> Path:
    """The theme shipped in the package (wheel) or, in a source checkout, the top-level templates/."""
    package = Path(__file__).resolve().parent.parent
    for candidate in (package / "templates", package.parent / "templates"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("the built-in templates are missing from this installation")
