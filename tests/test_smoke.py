"""The demo archive in the repository builds with no warnings."""
from __future__ import annotations

import json

from tests.conftest import REPO


def test_demo_archive_builds_cleanly(run, tmp_path):
    result = run("build", "-C", REPO, "--out", tmp_path / "site")
    assert result.code == 0, result.err
    assert result.err == ""
    data = json.loads((tmp_path / "site" / "data" / "archive.json").read_text())
    assert len(data["articles"]) >= 8
    repeated = [c for c in data["claims"]
                if len({a["article"] for a in c["appearances"]}) >= 3 and len({a["stance"] for a in c["appearances"]}) >= 2]
    assert len(repeated) >= 2
