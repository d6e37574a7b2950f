"""Regenerate the expected output of the fixture archives in tests/fixtures/sites/ for review.

    python -m tests.update_expected            # every fixture
    python -m tests.update_expected basic      # only the named ones

Each fixture's expected/archive.json and expected/diagnostics.txt were first written by hand from the
contract (shared/design/annotation-format.md). Regenerate them only for a deliberate change of the
output, then read the diff (`git diff tests/fixtures/sites`) as carefully as code: whatever this writes
becomes what the tests demand.
"""
from __future__ import annotations

import io
import sys
import tempfile
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

from generator.cli import main

SITES = Path(__file__).resolve().parent / "fixtures" / "sites"
EXPECTED_FILES = ("archive.json", "diagnostics.txt")


@dataclass(frozen=True)
class Built:
    code: int
    out: Path
    diagnostics: list[str]  # the `path:line:col: severity: message` lines, in the order printed
    err: str

    def expected(self, name: str) -> bytes:
        """The built counterpart of expected/<name>."""
        if name == "diagnostics.txt":
            return "".join(line + "\n" for line in self.diagnostics).encode()
        return (self.out / "data" / name).read_bytes()


def fixture_names() -> list[str]:
    return sorted(p.name for p in SITES.iterdir() if (p / "archive.toml").is_file())


def build_fixture(name: str, out: Path) -> Built:
    """Build tests/fixtures/sites/<name> into `out` with the real command, in-process (with no cache, which
    would be written into the fixture)."""
    stdout, stderr = io.StringIO(), io.StringIO()
    with redirect_stdout(stdout), redirect_stderr(stderr):
        code = main(["build", "-C", str(SITES / name), "--out", str(out), "--quiet", "--no-cache"])
    err = stderr.getvalue()
    return Built(code, out, [line for line in err.splitlines() if not line.startswith("archive:")], err)


def update(name: str) -> list[str]:
    """Rewrite the fixture's expected files from a fresh build; returns the names of those that changed."""
    with tempfile.TemporaryDirectory() as tmp:
        built = build_fixture(name, Path(tmp) / "site")
        if built.code != 0:
            raise SystemExit(f"{name}: the build failed, nothing was updated:\n{built.err}")
        changed = []
        for file in EXPECTED_FILES:
            path = SITES / name / "expected" / file
            data = built.expected(file)
            if not path.is_file() or path.read_bytes() != data:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
                changed.append(file)
        return changed


def run(names: list[str]) -> int:
    unknown = sorted(set(names) - set(fixture_names()))
    if unknown:
        print(f"no such fixture: {', '.join(unknown)} (have: {', '.join(fixture_names())})", file=sys.stderr)
        return 2
    for name in names or fixture_names():
        changed = update(name)
        print(f"{name}: {'updated ' + ', '.join(changed) if changed else 'unchanged'}")
    return 0


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
