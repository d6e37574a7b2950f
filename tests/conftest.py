"""Shared helpers: tiny archives written into a temporary folder, and the CLI run in-process."""
from __future__ import annotations

import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

from generator.cli import main
from tests.serving import Server, copy_fixture

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


def write_archive(root: Path, files: dict[str, str | bytes], config: str = 'title = "Test archive"\n') -> Path:
    """Write `archive.toml` and the given files (paths relative to `root`; text is dedented)."""
    root.mkdir(parents=True, exist_ok=True)
    if config is not None:
        (root / "archive.toml").write_text(config, encoding="utf-8")
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content).lstrip("\n"), encoding="utf-8")
    return root


@dataclass
class Run:
    code: int
    out: str
    err: str

    @property
    def lines(self) -> list[str]:
        """The diagnostic lines on stderr (`path:line:col: severity: message`)."""
        return [line for line in self.err.splitlines() if not line.startswith("archive:")]


@pytest.fixture
def make_archive(tmp_path: Path):
    def make(files: dict[str, str | bytes], config: str = 'title = "Test archive"\n') -> Path:
        return write_archive(tmp_path / "archive", files, config)

    return make


@pytest.fixture
def run(capsys):
    """Run the `archive` command in-process: run("build", "-C", path) -> Run(code, out, err)."""
    def invoke(*argv: str | Path) -> Run:
        try:
            code = main([str(a) for a in argv])
        except SystemExit as exc:  # argparse's own usage errors
            code = exc.code if isinstance(exc.code, int) else 2
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return invoke


# ---- `archive serve` as a user runs it (tests.serving) ---------------------------------------------------


@pytest.fixture
def archive(tmp_path) -> Path:
    """A private copy of the `basic` fixture archive, to edit and serve."""
    return copy_fixture(tmp_path)


@pytest.fixture
def server(archive):
    """A server of the test's own, of `archive`, for tests that change it; stopped (and killed if need be) after."""
    running = Server(archive)
    yield running
    running.kill()  # (stopping cleanly is tested once, at the end of test_serve.py)
