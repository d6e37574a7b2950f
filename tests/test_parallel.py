"""The render stage in worker processes gives the same site as in one process, and reports template errors."""
from __future__ import annotations

import shutil

import pytest

from generator.build import Builder
from generator.render import site as render_site
from generator.write import MARKER
from tests.update_expected import SITES


def files(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
            and p.name != MARKER}


@pytest.fixture
def everything_in_workers(monkeypatch):
    monkeypatch.setattr(render_site, "PARALLEL_FROM", 0)


def build(root, out, workers):
    builder = Builder(root, out, cache="off")
    builder.workers = workers
    return builder.build(search=False)


def test_workers_render_the_same_site(everything_in_workers, tmp_path):
    one, two = build(SITES / "basic", tmp_path / "one", 1), build(SITES / "basic", tmp_path / "two", 2)
    assert one.ok and two.ok and one.pages == two.pages
    assert files(tmp_path / "one") == files(tmp_path / "two")


def test_a_template_error_in_a_worker_is_reported_at_its_line(everything_in_workers, tmp_path):
    root = tmp_path / "archive"
    shutil.copytree(SITES / "basic", root, ignore=shutil.ignore_patterns("expected", ".archive-cache"))
    (root / "templates").mkdir()
    (root / "templates" / "claim.html").write_text('{% extends "base.html" %}\n{% block main %}\n'
                                                   '{{ claim.no_such_field.deeper }}\n{% endblock %}\n')
    result = build(root, tmp_path / "site", 2)
    assert not result.ok and not (tmp_path / "site").exists()
    [problem] = result.diagnostics
    assert (problem.path, problem.line) == ("templates/claim.html", 3)
    assert "template error" in problem.message and "no_such_field" in problem.message
