"""The `archive` command: exit status (0 ok, 1 content errors, 2 usage errors), options, and what it writes.

Most tests run the command in-process (the `run` fixture); the ones about the real process (exit status
through `sys.exit`, no traceback on stderr) start `python -m generator`.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from generator import __version__
from generator.cache import FOLDER as CACHE
from generator.lock import build_lock
from generator.write import MARKER
from tests.conftest import REPO, write_archive
from tests.serving import command_env

CONFIG = 'title = "Test archive"\n'
HEAD = "---\ntitle: T\ndate: 2021-07-20\n---\n"
CLEAN = {"content/articles/a.md": HEAD + "All is well.\n",
         "content/articles/b.md": "---\ntitle: B\ndate: 2021-07-21\n---\nAlso well.\n"}
WARNING = {"content/articles/w.md": HEAD + "[[Ned Price]] spoke.\n"}
ERROR = {"content/articles/e.md": "---\ntitle: E\ndate: 2021-13-45\n---\n"}
WARNING_LINE = "content/articles/w.md:5:1: warning: unknown entity 'Ned Price': created it implicitly"
ERROR_LINE = "content/articles/e.md:3:7: error: 'date' is not a valid date: '2021-13-45' (month must be in 1..12)"
UP_TO_DATE = re.compile(r"^up to date: \d+ pages? \(\d+ articles?, .*\) in .+, checked in \d+\.\d\d s: 0 errors, 0 warnings$")
BUILT = re.compile(r"^built \d+ pages? \(\d+ articles?, \d+ entit(?:y|ies), \d+ claims?, \d+ sources?\) into (?P<out>.+) "
                   r"in \d+\.\d\d s: (?P<summary>.+)$")


def files_of(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def python_m(*argv: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """`python -m generator ...` in a real process, importing this checkout."""
    return subprocess.run([sys.executable, "-m", "generator", *map(str, argv)], cwd=cwd or REPO, env=command_env(),
                          capture_output=True, text=True, timeout=120)


# ---- exit status ----------------------------------------------------------------------------------


def test_clean_build_exits_0_and_says_what_it_built(make_archive, run) -> None:
    root = make_archive(CLEAN, CONFIG)
    result = run("build", "-C", root)
    assert result.code == 0 and result.err == ""
    built = BUILT.match(result.out.strip())
    assert built and built["summary"] == "0 errors, 0 warnings"
    assert Path(built["out"]) == (root / "site").absolute()
    assert (root / "site" / "articles" / "a" / "index.html").is_file()
    assert (root / "site" / MARKER).is_file()


def test_warnings_alone_exit_0(make_archive, run) -> None:
    root = make_archive({**CLEAN, **WARNING}, CONFIG)
    result = run("build", "-C", root)
    assert result.code == 0
    assert result.err.splitlines() == [WARNING_LINE]
    assert BUILT.match(result.out.strip())["summary"] == "0 errors, 1 warning"
    assert (root / "site" / "articles" / "w" / "index.html").is_file()


def test_content_errors_exit_1_and_write_nothing(make_archive, run) -> None:
    root = make_archive({**CLEAN, **ERROR, **WARNING}, CONFIG)
    result = run("build", "-C", root)
    assert result.code == 1 and result.out == ""
    assert result.err.splitlines() == [ERROR_LINE, WARNING_LINE,
                                       "archive: build failed, the site was left as it was: 1 error, 1 warning"]
    assert sorted(p.name for p in root.iterdir()) == [CACHE, "archive.toml", "content"]  # the parses, no site


def test_usage_error_exits_2(make_archive, run) -> None:
    root = make_archive(CLEAN, CONFIG)
    result = run("build", "-C", root, "--no-such-option")
    assert result.code == 2
    assert "archive: error: unrecognized arguments: --no-such-option" in result.err
    assert not (root / "site").exists()


# ---- --strict ------------------------------------------------------------------------------------


def test_strict_turns_warnings_into_errors(make_archive, run) -> None:
    root = make_archive({**CLEAN, **WARNING}, CONFIG)
    result = run("build", "--strict", "-C", root)
    assert result.code == 1
    assert result.err.splitlines() == [WARNING_LINE.replace(": warning: ", ": error: "),
                                       "archive: build failed, the site was left as it was: 1 error, 0 warnings"]
    assert not (root / "site").exists()


def test_strict_on_a_clean_archive_builds(make_archive, run) -> None:
    root = make_archive(CLEAN, CONFIG)
    assert run("build", "--strict", "-C", root).code == 0
    assert (root / "site" / "index.html").is_file()


def test_check_strict(make_archive, run) -> None:
    root = make_archive({**CLEAN, **WARNING}, CONFIG)
    assert run("check", "-C", root).code == 0
    result = run("check", "--strict", "-C", root)
    assert result.code == 1
    assert result.err.splitlines()[-1] == "archive: check failed: 1 error, 0 warnings"


# ---- where: -C and --out --------------------------------------------------------------------------


def test_without_C_the_current_folder_is_the_archive(make_archive, run, monkeypatch) -> None:
    root = make_archive(CLEAN, CONFIG)
    monkeypatch.chdir(root)
    assert run("build").code == 0
    assert (root / "site" / "articles" / "b" / "index.html").is_file()


def test_C_with_a_relative_folder(make_archive, run, monkeypatch) -> None:
    root = make_archive(CLEAN, CONFIG)
    monkeypatch.chdir(root.parent)
    assert run("build", "-C", root.name).code == 0
    assert (root / "site" / "index.html").is_file()
    assert not (root.parent / "site").exists()


def test_out_absolute(make_archive, run, tmp_path) -> None:
    root = make_archive(CLEAN, CONFIG)
    out = tmp_path / "elsewhere" / "public"
    result = run("build", "-C", root, "--out", out)
    assert result.code == 0
    assert Path(BUILT.match(result.out.strip())["out"]) == out
    assert (out / "articles" / "a" / "index.html").is_file() and (out / MARKER).is_file()
    assert not (root / "site").exists()


def test_out_relative_is_relative_to_C_as_if_started_there(make_archive, run, tmp_path, monkeypatch) -> None:
    root = make_archive(CLEAN, CONFIG)
    monkeypatch.chdir(tmp_path)
    assert run("build", "-C", root, "--out", "public").code == 0
    assert (root / "public" / "index.html").is_file()
    assert not (tmp_path / "public").exists() and not (root / "site").exists()


def test_missing_C_folder_is_a_usage_error(run, tmp_path) -> None:
    result = run("build", "-C", tmp_path / "nope")
    assert result.code == 2
    assert result.err == f"archive: error: -C {tmp_path / 'nope'}: no such folder\n"


def test_folder_without_archive_toml_is_a_usage_error(run, tmp_path) -> None:
    write_archive(tmp_path, CLEAN, config=None)
    for command in ("build", "check"):
        result = run(command, "-C", tmp_path)
        assert result.code == 2
        assert result.err == (f"archive: error: no archive.toml in {tmp_path}: run inside an archive,"
                              " or give its folder with -C DIR\n")
    assert not (tmp_path / "site").exists()


# ---- check, --quiet, --verbose ---------------------------------------------------------------------


def test_check_writes_nothing(make_archive, run) -> None:
    root = make_archive({**CLEAN, **WARNING}, CONFIG)
    before = files_of(root)
    result = run("check", "-C", root)
    assert result.code == 0
    assert result.out == "checked 3 articles: 0 errors, 1 warning\n"
    assert result.err.splitlines() == [WARNING_LINE]
    assert files_of(root) == before
    assert sorted(p.name for p in root.iterdir()) == ["archive.toml", "content"]


def test_check_with_errors(make_archive, run) -> None:
    root = make_archive({**CLEAN, **ERROR}, CONFIG)
    result = run("check", "-C", root)
    assert result.code == 1 and result.out == ""
    assert result.err.splitlines() == [ERROR_LINE, "archive: check failed: 1 error, 0 warnings"]


def test_check_has_no_out_option(make_archive, run) -> None:
    result = run("check", "-C", make_archive(CLEAN, CONFIG), "--out", "x")
    assert result.code == 2
    assert "unrecognized arguments: --out x" in result.err


@pytest.mark.parametrize("command", ["build", "check"])
def test_quiet_prints_only_problems(make_archive, run, command: str) -> None:
    root = make_archive({**CLEAN, **WARNING}, CONFIG)
    result = run(command, "-q", "-C", root)
    assert result.code == 0
    assert result.out == ""
    assert result.err.splitlines() == [WARNING_LINE]


def test_quiet_clean_build_prints_nothing(make_archive, run) -> None:
    root = make_archive(CLEAN, CONFIG)
    result = run("build", "--quiet", "-C", root)
    assert (result.code, result.out, result.err) == (0, "", "")
    assert (root / "site" / "index.html").is_file()


def test_verbose_prints_the_time_of_each_stage(make_archive, run) -> None:
    root = make_archive(CLEAN, CONFIG)
    result = run("build", "--verbose", "-C", root)
    assert result.code == 0
    stages, built = result.out.splitlines()
    assert re.fullmatch(r"load \d+\.\d{3} s, parse \d+\.\d{3} s, resolve \d+\.\d{3} s, "
                        r"plan \d+\.\d{3} s, render and write \d+\.\d{3} s, search index \d+\.\d{3} s, commit \d+\.\d{3} s; "
                        r"\d+ files written or deleted, and the search index", stages)
    assert BUILT.match(built)
    assert run("check", "-v", "-C", root).code == 0
    assert run("build", "--verbose", "--no-search", "-C", root).out.splitlines()[0].endswith(
        "; 0 files written or deleted")


def test_quiet_and_verbose_together_are_a_usage_error(make_archive, run) -> None:
    result = run("build", "-q", "-v", "-C", make_archive(CLEAN, CONFIG))
    assert result.code == 2
    assert "argument -v/--verbose: not allowed with argument -q/--quiet" in result.err


# ---- commands ------------------------------------------------------------------------------------


def test_unknown_command_is_a_usage_error(run) -> None:
    result = run("biuld")
    assert result.code == 2
    assert "archive: error: argument COMMAND: invalid choice: 'biuld'" in result.err


def test_no_command_is_a_usage_error(run) -> None:
    result = run()
    assert result.code == 2
    assert "archive: error: the following arguments are required: COMMAND" in result.err


def test_version_in_a_real_process() -> None:
    done = python_m("--version")
    assert (done.returncode, done.stdout, done.stderr) == (0, f"archive {__version__}\n", "")


def test_exit_status_in_a_real_process(make_archive, tmp_path) -> None:
    root = make_archive({**CLEAN, **ERROR}, CONFIG)
    assert python_m("check", "-C", root).returncode == 1
    (root / "content" / "articles" / "e.md").unlink()
    done = python_m("build", "-C", root, "--out", tmp_path / "out")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out" / "index.html").is_file()


# ---- the output folder ----------------------------------------------------------------------------


def test_refuses_to_replace_a_folder_it_did_not_build(make_archive, run, tmp_path) -> None:
    root = make_archive(CLEAN, CONFIG)
    out = tmp_path / "mine"
    write_archive(out, {"notes.txt": "my own notes\n", "img/photo.jpg": b"\xff\xd8jpeg"}, config=None)
    before = files_of(out)
    result = run("build", "-C", root, "--out", out)
    assert result.code == 2 and result.out == ""
    assert result.err == (f"archive: error: refusing to replace {out}: it exists and was not built by archive"
                          f" (no {MARKER} file)\n")
    assert files_of(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["archive", "mine"]  # no staging folder either


def test_refuses_to_replace_a_site_folder_it_did_not_build(make_archive, run) -> None:
    root = make_archive({**CLEAN, "site/index.html": "<p>hand made</p>\n"}, CONFIG)
    result = run("build", "-C", root)
    assert result.code == 2
    assert f"refusing to replace {root / 'site'}" in result.err
    assert (root / "site" / "index.html").read_text() == "<p>hand made</p>\n"


def test_refuses_to_replace_a_file(make_archive, run, tmp_path) -> None:
    (tmp_path / "out.html").write_text("x")
    result = run("build", "-C", make_archive(CLEAN, CONFIG), "--out", tmp_path / "out.html")
    assert result.code == 2
    assert (tmp_path / "out.html").read_text() == "x"


def test_builds_into_an_existing_empty_folder(make_archive, run, tmp_path) -> None:
    (tmp_path / "empty").mkdir()
    assert run("build", "-C", make_archive(CLEAN, CONFIG), "--out", tmp_path / "empty").code == 0
    assert (tmp_path / "empty" / "index.html").is_file()


@pytest.mark.parametrize("out", [".", "content", "content/site", ".."])
def test_refuses_to_write_over_the_archive_itself(make_archive, run, out: str) -> None:
    root = make_archive(CLEAN, CONFIG)
    before = files_of(root)
    result = run("build", "-C", root, "--out", root / out)
    assert result.code == 2
    assert result.err == (f"archive: error: refusing to write the site to {(root / out).resolve()}:"
                          " it would replace the archive's own files\n")
    assert files_of(root) == before


def test_output_that_cannot_be_created_is_a_usage_error(make_archive, run, tmp_path) -> None:
    (tmp_path / "a-file").write_text("x")
    out = tmp_path / "a-file" / "site"
    result = run("build", "-C", make_archive(CLEAN, CONFIG), "--out", out)
    assert result.code == 2
    assert result.err == f"archive: error: cannot write the site to {out}: File exists: {tmp_path / 'a-file'}\n"


def test_a_rebuild_deletes_the_pages_of_deleted_files(make_archive, run) -> None:
    root = make_archive(CLEAN, CONFIG)
    assert run("build", "-C", root).code == 0
    assert (root / "site" / "articles" / "b" / "index.html").is_file()
    (root / "content" / "articles" / "b.md").unlink()
    assert run("build", "-C", root).code == 0
    site = root / "site"
    assert not (site / "articles" / "b").exists()
    assert (site / "articles" / "a" / "index.html").is_file() and (site / MARKER).is_file()
    assert "articles/b/" not in (site / "sitemap.xml").read_text()
    assert sorted(p.name for p in root.iterdir()) == [CACHE, "archive.toml", "content", "site"]  # no staging folder


def test_a_build_without_cache_replaces_the_previous_site_completely(make_archive, run) -> None:
    root = make_archive(CLEAN, CONFIG)
    assert run("build", "-C", root).code == 0
    before = files_of(root / "site")
    (root / "site" / "stray.txt").write_text("left by hand")
    assert run("build", "-C", root, "--no-cache").code == 0
    assert not (root / "site" / "stray.txt").exists()
    pages = lambda files: sorted(f for f in files if not f.startswith("pagefind/"))  # noqa: E731 (names vary)
    assert pages(files_of(root / "site")) == pages(before)


def test_a_build_with_nothing_changed_writes_nothing(make_archive, run) -> None:
    root = make_archive(CLEAN, CONFIG)
    assert run("build", "-C", root).code == 0
    long_ago = 1_600_000_000  # the cache trusts sizes and times only of files not modified just now
    for path in (root / "content").rglob("*.md"):
        os.utime(path, (long_ago, long_ago))
    assert run("build", "-C", root).code == 0  # reads the files whose times changed: same bytes, nothing to do
    stamps = {p: p.stat().st_mtime_ns for p in (root / "site").rglob("*")}
    result = run("build", "-C", root)
    assert result.code == 0 and UP_TO_DATE.match(result.out.strip())
    assert {p: p.stat().st_mtime_ns for p in (root / "site").rglob("*")} == stamps


def test_a_build_that_only_indexes_pages_built_without_search_says_built(make_archive, run) -> None:
    root = make_archive(CLEAN, CONFIG)
    assert run("build", "-C", root, "--no-search").code == 0
    result = run("build", "-v", "-C", root)
    stages, built = result.out.splitlines()
    assert result.code == 0 and BUILT.match(built), result.out
    assert stages.endswith("; 0 files written or deleted, and the search index")
    assert (root / "site" / "pagefind" / "pagefind.js").is_file()
    assert UP_TO_DATE.match(run("build", "-C", root).out.strip())


def test_a_build_with_nothing_to_do_loads_no_stage_it_skips(make_archive, run) -> None:
    """Its answer comes before parsing, rendering and search: their libraries are never imported (0.2 s)."""
    root = make_archive(CLEAN, CONFIG)
    assert run("build", "-C", root, "--no-search").code == 0
    for path in (root / "content").rglob("*.md"):
        os.utime(path, (1_600_000_000, 1_600_000_000))
    assert run("build", "-C", root, "--no-search").code == 0
    script = ("import sys; from generator.cli import main; main(['build', '-q', '--no-search', '-C', sys.argv[1]]);"
              " print(sorted(m for m in ('jinja2', 'markdown_it', 'pygments', 'feedgen', 'pagefind', 'watchdog', 'yaml')"
              " if m in sys.modules))")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-c", script, str(root)], capture_output=True, text=True, env=env,
                          timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == "[]", done.stdout + done.stderr


def test_a_rebuild_writes_only_the_files_that_changed(make_archive, run) -> None:
    """Pages and archive.json alike: the export is written as it is made (a build process keeps none of it), and
    its file is kept when the edit did not change it."""
    root = make_archive(CLEAN, CONFIG)
    assert run("build", "-C", root, "--no-search").code == 0
    site = root / "site"
    stamps = {p: p.stat().st_mtime_ns for p in site.rglob("*") if p.is_file()}
    export = (site / "data" / "archive.json").read_bytes()
    (root / "content/articles/a.md").write_text(HEAD + "All is still well.\n")  # not in the export
    assert run("build", "-C", root, "--no-search").code == 0
    rewritten = {p.relative_to(site).as_posix() for p, stamp in stamps.items() if p.stat().st_mtime_ns != stamp}
    assert "articles/a/index.html" in rewritten and "data/archive.json" not in rewritten
    assert (site / "data" / "archive.json").read_bytes() == export
    (root / "content/articles/a.md").write_text(HEAD.replace("title: T", "title: Retitled") + "All is well.\n")
    assert run("build", "-C", root, "--no-search").code == 0
    assert json.loads((site / "data" / "archive.json").read_text())["articles"][0]["title"] == "Retitled"
    assert not list(root.glob(".site.staging-*")), "the staged files went in or away"


def test_a_failed_build_keeps_the_previous_site(make_archive, run) -> None:
    root = make_archive(CLEAN, CONFIG)
    assert run("build", "-C", root).code == 0
    before = files_of(root / "site")
    write_archive(root, ERROR, config=None)
    assert run("build", "-C", root).code == 1
    assert files_of(root / "site") == before
    assert sorted(p.name for p in root.iterdir()) == [CACHE, "archive.toml", "content", "site"]


# ---- never a traceback -----------------------------------------------------------------------------

MISTAKES = {
    "no-command": ([], 2),
    "unknown-command": (["biuld"], 2),
    "unknown-option": (["build", "--fast", "-C", "{root}"], 2),
    "missing-C": (["build", "-C", "{tmp}/nope"], 2),
    "C-is-a-file": (["build", "-C", "{root}/archive.toml"], 2),
    "no-archive-toml": (["build", "-C", "{tmp}"], 2),
    "out-not-ours": (["build", "-C", "{root}", "--out", "{root}/content/articles"], 2),
    "out-under-a-file": (["build", "-C", "{root}", "--out", "{root}/archive.toml/site"], 2),
    "content-errors": (["build", "-C", "{broken}"], 1),
    "strict-warnings": (["build", "--strict", "-C", "{warned}"], 1),
    "check-content-errors": (["check", "-C", "{broken}"], 1),
    "bad-config": (["build", "-C", "{badconfig}"], 1),
    "template-error": (["build", "-C", "{badtemplate}"], 1),
}


@pytest.mark.parametrize("argv, code", MISTAKES.values(), ids=MISTAKES.keys())
def test_no_traceback_for_a_user_mistake(tmp_path, argv: list[str], code: int) -> None:
    folders = {"tmp": tmp_path, "root": tmp_path / "root", "broken": tmp_path / "broken",
               "warned": tmp_path / "warned", "badconfig": tmp_path / "badconfig", "badtemplate": tmp_path / "badtemplate"}
    write_archive(folders["root"], CLEAN, CONFIG)
    write_archive(folders["broken"], {**CLEAN, **ERROR, "content/articles/x.md": b"---\n\xff\n---\n"}, CONFIG)
    write_archive(folders["warned"], {**CLEAN, **WARNING}, CONFIG)
    write_archive(folders["badconfig"], CLEAN, 'title = "T"\nper_page = "many"\n[[oops\n')
    write_archive(folders["badtemplate"], {**CLEAN, "templates/base.html": "{% block %}\n"}, CONFIG)
    done = python_m(*(a.format(**folders) for a in argv), cwd=tmp_path)
    assert done.returncode == code, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.strip(), "a mistake must be explained on stderr"
    assert (tmp_path / "root" / "site").exists() is False


def test_a_damaged_cache_only_costs_time(make_archive, run) -> None:
    root = make_archive(CLEAN, CONFIG)
    assert run("build", "-C", root).code == 0
    before = files_of(root / "site")
    (root / CACHE / "cache.sqlite").write_bytes(b"not a database" * 100)
    for leftover in (root / CACHE).glob("cache.sqlite-*"):  # SQLite's journal files
        leftover.unlink()
    result = run("build", "-C", root)
    assert (result.code, result.err) == (0, "")
    pages = lambda files: {f: b for f, b in files.items() if not f.startswith(("pagefind/", MARKER))}  # noqa: E731
    assert pages(files_of(root / "site")) == pages(before)


# ---- one build at a time ---------------------------------------------------------------------


@pytest.mark.parametrize("options, cached", [((), True), (("--no-cache",), True), (("--no-cache",), False)],
                         ids=["cached", "without cache", "without cache, and no cache folder"])
def test_a_build_waits_for_another_build_of_the_archive_and_says_so(make_archive, options, cached) -> None:
    """Without a cache folder, two builds without cache lock the archive's folder, and make no cache folder."""
    root = make_archive(CLEAN, CONFIG)
    with build_lock(root, "archive serve", make_folder=cached):
        waiting = subprocess.Popen([sys.executable, "-m", "generator", "build", "-C", str(root), "--no-search",
                                    *options],
                                   env=command_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            holder = f"archive serve, pid {os.getpid()}" if cached else "another process"
            assert waiting.stderr.readline() == ("archive: waiting for another build of this archive to finish"
                                                 f" ({holder})\n")
            assert waiting.poll() is None and not (root / "site").exists()
        except BaseException:
            waiting.kill()
            raise
    assert waiting.wait(timeout=120) == 0
    assert (root / CACHE).is_dir() == cached
    assert (root / "site" / "articles" / "a" / "index.html").is_file()
