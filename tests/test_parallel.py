"""The parse and render stages in worker processes give the same site as in one process, and report the same
problems."""
from __future__ import annotations

import functools
import os
import pickle
import shutil
import threading
import time

import pytest

from generator import build as build_module
from generator import parse as parse_module
from generator import spill as spill_module
from generator import workers as workers_module
from generator.build import Builder
from generator.diagnostics import BuildFailed, Loc
from generator.load import find
from generator.render import site as render_site
from generator.write import MARKER
from tests.update_expected import SITES


def files(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
            and p.name != MARKER}


@pytest.fixture
def everything_in_workers(monkeypatch, tmp_path):
    """Workers for any number of files and pages, in chunks small enough that each worker gets several; the
    test then checks that other processes did run chunks."""
    monkeypatch.setattr(render_site, "PARALLEL_FROM", 0)
    monkeypatch.setattr(render_site, "CHUNK", 3)
    monkeypatch.setattr(build_module, "PARSE_PARALLEL_FROM", 0)
    monkeypatch.setattr(build_module, "PARSE_CHUNK", 2)
    ran = tmp_path / "chunks-ran-in"
    adopt = workers_module._adopt

    def adopt_and_tell(task):
        def told(indexes):
            with ran.open("a") as f:
                f.write(f"{os.getpid()}\n")
            return task(indexes)
        adopt(told)

    monkeypatch.setattr(workers_module, "_adopt", adopt_and_tell)
    yield
    assert ran.is_file() and str(os.getpid()) not in ran.read_text().split()


def build(root, out, workers):
    builder = Builder(root, out, cache="off")
    builder.workers = workers
    return builder.build(search=False)


def test_workers_render_the_same_site(everything_in_workers, tmp_path):
    one, two = build(SITES / "basic", tmp_path / "one", 1), build(SITES / "basic", tmp_path / "two", 2)
    assert one.ok and two.ok and one.pages == two.pages
    assert files(tmp_path / "one") == files(tmp_path / "two")
    # the workers rendered them from bodies in shared memory, which they do not copy as they read them
    assert {type(article.doc.body) for article in two.archive.articles} == {memoryview}
    assert {type(article.doc.body) for article in one.archive.articles} == {bytes}


def test_bodies_larger_than_a_segment_of_shared_memory_fill_several(monkeypatch):
    monkeypatch.setattr(spill_module, "SEGMENT", 10)
    spill = spill_module.Spill()
    views = [spill.keep(data) for data in (b"abcdef", b"ghij", b"klm", b"a body of more than ten bytes", b"")]
    assert [bytes(v) for v in views] == [b"abcdef", b"ghij", b"klm", b"a body of more than ten bytes", b""]
    assert views[0].obj is views[1].obj is not views[2].obj is not views[3].obj


def test_the_graphs_indexes_are_made_before_the_workers_fork(everything_in_workers, tmp_path, monkeypatch):
    """Made once, in the pages of this process that forked workers share, not by each worker (memory at 100,000)."""
    from generator.render.views import Graph
    made = []
    index = Graph.index

    def index_and_tell(graph):
        index(graph)
        made.append("claim_links" in graph.__dict__)

    monkeypatch.setattr(Graph, "index", index_and_tell)
    assert build(SITES / "basic", tmp_path / "one", 1).ok and made == []  # one process: each when a page needs it
    assert build(SITES / "basic", tmp_path / "two", 2).ok and made == [True]


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


def test_problems_found_by_parsing_in_workers_are_those_found_in_one_process(everything_in_workers, make_archive):
    head = "---\ntitle: T\ndate: 2021-07-20\n---\n"
    root = make_archive({f"content/articles/a{i}.md": head + f"Text [[Someone {i}]] and [[unclosed {i}.\n"
                         for i in range(7)} | {"content/articles/gone.md": head + "Soon gone.\n"})
    files = find(root)
    (root / "content/articles/gone.md").unlink()
    found = {}
    for workers in (1, 2):
        builder = Builder(root, cache="off")
        builder.workers = workers
        found[workers] = [str(d) for d in builder.check(files=files)[2]]
    assert found[2] == found[1]
    assert "content/articles/gone.md:1:1: error: cannot read this file: No such file or directory" in found[2]
    assert "content/articles/a6.md:5:24: error: '[[' does not start a complete entity mention" in "\n".join(found[2])


def test_parses_made_in_workers_are_cached_for_the_next_build(everything_in_workers, tmp_path, monkeypatch):
    root = tmp_path / "archive"
    shutil.copytree(SITES / "basic", root, ignore=shutil.ignore_patterns("expected", ".archive-cache"))
    first = Builder(root)
    first.workers = 2
    assert first.build(search=False).ok
    first.cache.close()
    edited = root / "content" / "articles" / "2021" / "harbour.md"
    edited.write_text(edited.read_text() + "\nOne more line.\n")
    parsed = []
    parse = parse_module.parse_file
    monkeypatch.setattr(parse_module, "parse_file", lambda file, *how: parsed.append(file.path) or parse(file, *how))
    assert Builder(root).build(search=False).ok  # one process: it parses here
    assert parsed == ["content/articles/2021/harbour.md"]


def test_a_first_build_reads_each_file_once(tmp_path, monkeypatch):
    """With no parse to look up, a file is read only where it is parsed, not once more for its digest."""
    root = tmp_path / "archive"
    shutil.copytree(SITES / "basic", root, ignore=shutil.ignore_patterns("expected", ".archive-cache"))
    reads = []
    read = build_module.read
    monkeypatch.setattr(build_module, "read", lambda root, found: reads.append(found.path) or read(root, found))
    assert Builder(root).build(search=False).ok
    assert sorted(reads) == sorted(f.path for f in find(root)[0])
    edited = root / "content" / "articles" / "2021" / "harbour.md"
    edited.write_text(edited.read_text() + "\nOne more line.\n")
    reads.clear()
    assert Builder(root).build(search=False).ok  # read for its digest (the cache may hold its parse), then parsed
    assert reads == ["content/articles/2021/harbour.md"] * 2


def slow_chunk(indexes):
    time.sleep(0.01)
    return os.getpid(), indexes


def test_shared_chunks_are_taken_by_this_process_and_a_worker_and_come_back_in_order():
    results = workers_module.shared_chunks(slow_chunk, 40, 2, 1)
    assert [indexes for _, indexes in results] == [[i] for i in range(40)]
    pids = {pid for pid, _ in results}
    assert os.getpid() in pids and len(pids) == 2


def test_a_build_failure_raised_in_a_worker_comes_back_whole():
    problem = Loc("content/articles/a.md", 3, 4).error("the file changed while the site was being built: build again")
    for failure in (BuildFailed([problem]), build_module.SourceChanged([problem])):
        back = pickle.loads(pickle.dumps(failure))
        assert type(back) is type(failure) and back.diagnostics == [problem] and str(back) == "1 error(s)"


def test_a_file_saved_while_workers_render_is_read_again(everything_in_workers, tmp_path, monkeypatch):
    root = tmp_path / "archive"
    shutil.copytree(SITES / "basic", root, ignore=shutil.ignore_patterns("expected", ".archive-cache"))
    edited = root / "content" / "articles" / "2021" / "harbour.md"
    render, edits = render_site.render_site, iter([1])

    def edit_then_render(*args, **kwargs):
        if next(edits, None):
            edited.write_text(edited.read_text() + "\nSaved again.\n")
        return render(*args, **kwargs)

    monkeypatch.setattr(render_site, "render_site", edit_then_render)
    assert build(root, tmp_path / "site", 2).ok
    assert "Saved again." in (tmp_path / "site" / "articles" / "harbour" / "index.html").read_text()


def marked_chunk(indexes, folder):
    for i in indexes:
        time.sleep(0.01)
        (folder / str(i)).touch()
    return indexes


@pytest.mark.parametrize("workers", [1, 2])
def test_the_ready_call_comes_once_the_leading_items_are_done_and_before_the_rest(workers, tmp_path):
    """A build starts Pagefind there, on the pages written first, while the others are made."""
    seen = []
    task = functools.partial(marked_chunk, folder=tmp_path)
    done = workers_module.shared_chunks(task, 40, workers, 2,
                                        ready=(5, lambda: seen.append({int(p.name) for p in tmp_path.iterdir()})))
    assert sorted(i for indexes in done for i in indexes) == list(range(40))
    assert len(seen) == 1 and set(range(5)) <= seen[0] and len(seen[0]) < 40, seen


def prioritised_chunk(indexes):
    time.sleep(0.01)
    return [(i, os.getpriority(os.PRIO_PROCESS, threading.get_native_id())) for i in indexes]


@pytest.mark.parametrize("workers", [1, 2])
def test_the_items_after_the_ready_call_are_made_at_a_lower_priority_and_this_process_keeps_its_own(workers):
    """Pagefind, started by the call, goes first; the rest of the site takes the CPU time it leaves."""
    before = os.getpriority(os.PRIO_PROCESS, 0)
    done = workers_module.shared_chunks(prioritised_chunk, 30, workers, 2, ready=(6, lambda: None))
    priority = dict(item for items in done for item in items)
    assert sorted(priority) == list(range(30))
    assert {priority[i] for i in range(6)} == {before}
    lowered = min(19, before + workers_module.LOWER_BY)
    assert {priority[i] for i in range(20, 30)} == {lowered}  # (a worker may take a chunk or two before the call)
    assert set(priority.values()) == {before, lowered}
    assert os.getpriority(os.PRIO_PROCESS, 0) == before


def test_without_a_ready_call_nothing_is_made_at_a_lower_priority():
    before = os.getpriority(os.PRIO_PROCESS, 0)
    done = workers_module.shared_chunks(prioritised_chunk, 30, 2, 2)
    assert {p for items in done for _, p in items} == {before}


def test_a_large_new_site_indexed_as_it_renders_is_rendered_in_this_process_alone(tmp_path, monkeypatch):
    """Pagefind has the other core, and a render worker would copy most of the heap it reads (RENDER_ALONE_FROM)."""
    given = []
    render = render_site.render_site
    monkeypatch.setattr(render_site, "render_site", lambda *args, **kw: given.append(args[7]) or render(*args, **kw))
    for alone_from, search, workers in [(0, True, 1), (0, False, 2), (10**6, True, 2)]:
        monkeypatch.setattr(build_module, "RENDER_ALONE_FROM", alone_from)
        builder = Builder(SITES / "basic", tmp_path / f"{alone_from}-{search}", cache="off")
        builder.workers = 2
        assert builder.build(search=search).ok
        assert given[-1] == workers
