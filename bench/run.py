#!/usr/bin/env python3
"""Build benchmark (issue 5): cold builds, rebuilds, memory and output size, next to Hugo and Pelican.

    .venv/bin/python bench/run.py --sizes 1000,10000 [--runs 3]

For each size it takes the deterministic archive of ../shared/bench/to_archive.py and the same articles for Hugo
and Pelican (make_corpus.py), all cached under bench/.cache/, and per run:

* builds the archive cold (new output folder, build cache set aside) with `archive build -v`, then rebuilds it
  with no change, after changing one word of one article's body, and after changing one entity record's
  description; once with search and once with `--no-search`;
* builds the Hugo site cold, indexes Hugo's output with Pagefind, and builds the Pelican site cold.

It prints a Markdown table of the medians with the ratios to Hugo and Pelican measured in the same run and the
issue's targets (pass/fail), and writes every run with the machine to bench/results/<YYYY-MM-DD>.json.
bench/README.md explains each figure.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

from common import (CACHE, FORM_FILES, QUIET, REPO, RESULTS, RUN_PREFIX, SETTLE_AFTER_DELETION_S, BuildFailed,
                    archive_build, build_once, clean_start, corpus, corpus_folder, folder_size, left_by_builds,
                    machine, median, note_deletion, prepare, run_timed, runs_per_size, set_aside, settle, shown,
                    write_results)

GB = 1_000_000_000
NOISY = 0.25  # CPUs of other work during a build worth a note
PAGE_LIMIT = 200_000  # bytes: issue 5, no HTML page over 200 kB
BACKUP = ".bench-original"  # the original of a file being edited, put back even after an interruption
PELICAN_VENV = CACHE / "pelican-venv"
INSTALL = {
    "hugo": "apt-get install hugo (Debian's package), or pass --hugo PATH",
    "pelican": f"python3 -m venv {shown(PELICAN_VENV)} && {shown(PELICAN_VENV)}/bin/pip install pelican markdown "
               "(a venv of its own, so the project's stays clean), or pass --pelican PATH",
    "pagefind": "pip install 'pagefind[bin]' in the venv that runs this script (the project's has it)",
}
STEPS = ("cold", "no change", "article edit", "entity edit")
VARIANTS = {"search": True, "no-search": False}
SKIPPABLE = ("search", "no-search", "rebuilds", "peers")


# ---- the tools ------------------------------------------------------------------------------------

@dataclass
class Tools:
    """The peers found, how to run them, their versions, and a note for each one missing."""

    hugo: str | None = None
    pelican: str | None = None
    pagefind: str | None = None
    versions: dict[str, str | None] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)


def _version(command: list[str]) -> str | None:
    try:
        out = subprocess.run(command, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return (out.stdout or out.stderr).strip().splitlines()[0] if out.returncode == 0 else None


def _pagefind_binary() -> str | None:
    """The binary that `python -m pagefind` runs (from the pagefind_bin package), run directly so that the
    timing holds no Python start-up."""
    try:
        import pagefind_bin
        return str(pagefind_bin.get_executable())
    except Exception:
        return None


def find_tools(hugo: str | None, pelican: str | None) -> Tools:
    found = {"hugo": hugo or shutil.which("hugo"), "pelican": pelican or str(PELICAN_VENV / "bin" / "pelican"),
             "pagefind": _pagefind_binary()}
    tools = Tools(**found)
    for name, path in found.items():
        version = _version([path, "version" if name == "hugo" else "--version"]) if path else None
        tools.versions[name] = version
        if version is None:
            setattr(tools, name, None)
            tools.missing[name] = INSTALL[name]
    return tools


def export_commit(rev: str) -> tuple[Path, str]:
    """generator/ and templates/ of a commit, exported once into bench/.cache/generator-<sha>/."""
    sha = subprocess.run(["git", "rev-parse", "--verify", f"{rev}^{{commit}}"], cwd=REPO, capture_output=True,
                         text=True, check=True).stdout.strip()
    folder = CACHE / f"generator-{sha[:12]}"
    if not folder.is_dir():
        staging = folder.with_name(folder.name + ".tmp")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        archive = subprocess.run(["git", "archive", sha, "generator", "templates"], cwd=REPO, capture_output=True,
                                 check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(staging)], input=archive, check=True)
        staging.rename(folder)
    return folder, sha


def generator_env(source: Path | None) -> dict[str, str] | None:
    """The environment that makes `archive` import the generator from another source tree (an exported commit)
    instead of the installed one."""
    if source is None:
        return None
    path = [str(source), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(path)}


def generator_info(env: dict[str, str] | None) -> dict[str, str]:
    """Where `archive` imports the generator from. Run outside the repository: `python -c` puts the working
    folder first on sys.path, where the repository's generator/ would win over PYTHONPATH (the `archive` script's
    first entry is its own bin/ folder instead)."""
    probe = "import generator; print(generator.__file__); print(getattr(generator, '__version__', '?'))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, cwd=CACHE)
    lines = out.stdout.split("\n")
    return {"module": lines[0], "version": lines[1]} if out.returncode == 0 else {"error": out.stderr[-500:]}


def cache_size(folder: Path) -> int:
    """Bytes a build left in the corpus folder, outside its output: its cache."""
    return sum(folder_size(p)[0] if p.is_dir() else p.stat().st_size for p in left_by_builds(folder, "archive"))


# ---- edits ----------------------------------------------------------------------------------------

MARKUP = re.compile(r"\[\[[^\]]*\]\]|\[[^\]]*\]\{[^}]*\}|\{[^}]*\}|\[\^[^\]]*\]")
WORD = re.compile(r"\b[a-z]{4,}\b")
PARAGRAPH = re.compile(r"[^\n](?:[^\n]|\n(?!\n))*")


@dataclass(frozen=True)
class Edit:
    """One word of a file's body changed, outside any annotation: what an editor fixing a typo does."""

    kind: str
    path: Path
    start: int
    end: int
    old: str
    new: str

    @contextmanager
    def applied(self, corpus_dir: Path) -> Iterator[None]:
        backup = corpus_dir / BACKUP / self.path.relative_to(corpus_dir)
        backup.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(self.path, backup)
        text = self.path.read_text(encoding="utf-8")
        self.path.write_text(text[:self.start] + self.new + text[self.end:], encoding="utf-8")
        try:
            yield
        finally:
            _put_back(backup, self.path)

    def describe(self, corpus_dir: Path) -> dict[str, Any]:
        return {"file": str(self.path.relative_to(corpus_dir)), "offset": self.start, "old": self.old, "new": self.new}


def _put_back(backup: Path, path: Path) -> None:
    shutil.copy2(backup, path)  # bytes and modification time: the corpus is as generated again
    backup.unlink()
    try:
        os.removedirs(backup.parent)  # the empty folders up to .bench-original/
    except OSError:
        pass


def restore_interrupted_edits(corpus_dir: Path) -> None:
    """Put back the originals of files an interrupted run left edited."""
    backups = corpus_dir / BACKUP
    for backup in sorted(backups.rglob("*.md")) if backups.is_dir() else []:
        _put_back(backup, corpus_dir / backup.relative_to(backups))


def _body_word(text: str) -> tuple[int, int] | None:
    """A plain word, outside annotations, in the middle of the last prose paragraph of the body (not the first
    paragraph, which lists show as the summary; not a footnote or a claim line)."""
    body = text.index("\n---\n", 3) + 5
    prose = [m for m in PARAGRAPH.finditer(text, body) if not m.group().startswith(("[^", "{"))]
    for paragraph in reversed(prose):
        marked = [m.span() for m in MARKUP.finditer(paragraph.group())]
        words = [w for w in WORD.finditer(paragraph.group())
                 if not any(a < w.end() and w.start() < b for a, b in marked)]
        if words:
            word = words[len(words) // 2]
            return paragraph.start() + word.start(), paragraph.start() + word.end()
    return None


def _edit(kind: str, path: Path) -> Edit | None:
    text = path.read_text(encoding="utf-8")
    span = _body_word(text)
    if span is None:
        return None
    old = text[span[0]:span[1]]
    return Edit(kind, path, *span, old, "edited" if old != "edited" else "changed")


def pick_edits(corpus_dir: Path) -> list[Edit]:
    """The article in the middle of the sorted list of articles, and the entity record in the middle of those
    that have a description (a body)."""
    articles = sorted((corpus_dir / "content" / "articles").rglob("*.md"))
    entities = sorted((corpus_dir / "content" / "entities").glob("*.md"))
    picked = [_edit("article edit", articles[len(articles) // 2])]
    described = [e for e in (_edit("entity edit", path) for path in entities) if e is not None]
    if described:
        picked.append(described[len(described) // 2])
    return [edit for edit in picked if edit is not None]


def articles_naming(corpus_dir: Path, record: Path) -> int:
    """How many articles name an entity (as a mention or as their publisher): what an edit of it can touch."""
    found = re.search(r'^name:\s*"?([^"\n]+)"?$', record.read_text(encoding="utf-8"), re.M)
    if not found:
        return 0
    name, slug = found.group(1), record.stem
    return sum(name in text or f"[[{slug}|" in text
               for text in (p.read_text(encoding="utf-8") for p in (corpus_dir / "content" / "articles").rglob("*.md")))


# ---- measuring --------------------------------------------------------------------------------------

def measure_site(site: Path) -> dict[str, Any]:
    """Bytes and files of a built site, its HTML pages, the largest ones, and how many are over PAGE_LIMIT."""
    files = [(p, p.stat().st_size) for p in site.rglob("*") if p.is_file()]
    html = sorted(((size, str(p.relative_to(site))) for p, size in files if p.suffix == ".html"), reverse=True)
    bundle = site / "pagefind"
    return {"bytes": sum(size for _, size in files), "files": len(files), "html_pages": len(html),
            "largest_html": [{"path": path, "bytes": size} for size, path in html[:5]],
            "html_over_limit": sum(size > PAGE_LIMIT for size, _ in html),
            "pagefind_bytes": folder_size(bundle)[0] if bundle.is_dir() else 0}


def site_identity(site: Path) -> tuple[int | None, int | None]:
    """The inodes of the site folder and of its search bundle: a new one of either means the old was deleted
    (a rebuild with search replaces the bundle, thousands of files, in a site it otherwise updates in place)."""
    def inode(path: Path) -> int | None:
        try:
            return path.stat().st_ino
        except FileNotFoundError:
            return None

    return inode(site), inode(site / "pagefind")


def rebuild(folder: Path, name: str, search: bool, env: dict[str, str] | None) -> dict[str, Any]:
    """`archive build` again into an existing site. When the site folder or its search bundle is a new one
    afterwards, the build replaced it and deleted the old one: that is recorded, so that the next cold build
    waits (see settle)."""
    before = site_identity(folder / name)
    result = archive_build(folder, name, search, env)
    after = site_identity(folder / name)
    result["replaced_site"] = after[0] != before[0]
    if after != before:
        note_deletion()
    return result


def chain(folder: Path, name: str, search: bool, edits: list[Edit], rebuilds: bool,
          env: dict[str, str] | None, failures: list[dict]) -> dict[str, Any]:
    """A cold build, then (with `rebuilds`) a rebuild with no change and one after each edit in turn; every edit
    stays until the end, so each rebuild sees one change, and then all are put back. A failed build ends the
    chain and is added to `failures`, so that one broken build does not lose the whole benchmark."""
    builds: dict[str, Any] = {}
    try:
        builds["cold"] = _progress(build_once(folder, name, search, env), "cold")
        builds["cold"].update(cache_bytes=cache_size(folder), output=measure_site(folder / name))
        if rebuilds:
            builds["no change"] = _progress(rebuild(folder, name, search, env), "no change")
            with ExitStack() as stack:
                for edit in edits:
                    stack.enter_context(edit.applied(folder))
                    builds[edit.kind] = _progress(rebuild(folder, name, search, env), edit.kind)
    except BuildFailed as failed:
        step = next(step for step in STEPS if step not in builds)
        print(f"  {step}: {failed}", file=sys.stderr, flush=True)
        failures.append({"output": name, "step": step, "error": str(failed)[-3000:]})
    return builds


def _progress(build: dict[str, Any], step: str) -> dict[str, Any]:
    stages = ", ".join(f"{k} {v:.2f}" for k, v in build.get("stages_s", {}).items())
    print(f"  {step}: {build['wall_s']:.2f} s, {build['peak_rss_bytes'] / 2**20:,.0f} MiB"
          f"{f' ({stages})' if stages else ''}", file=sys.stderr, flush=True)
    return build


def peer_build(command: list[str], cwd: Path, label: str) -> dict[str, Any]:
    """One build by a peer, timed like ours; a failure is recorded rather than ending the benchmark."""
    before = prepare()
    timed = run_timed(command, cwd)
    result = {**before, **timed.figures(), "ok": timed.returncode == 0}
    if timed.returncode != 0:
        print(f"  {label} failed (exit {timed.returncode}):\n{timed.log[-2000:]}", file=sys.stderr, flush=True)
    return _progress(result, label)


def peers(forms: dict[str, Path], name: str, tools: Tools) -> dict[str, Any]:
    """Hugo cold, Pagefind on Hugo's output, Pelican cold: each into a new folder."""
    results: dict[str, Any] = {}
    if tools.hugo:
        hugo_dir = forms["hugo"]
        set_aside(hugo_dir, "hugo")
        results["hugo"] = peer_build([tools.hugo, "--source", str(hugo_dir), "--destination", name, "--quiet",
                                      "--ignoreCache", "--noBuildLock"], hugo_dir, "hugo")
        if tools.pagefind and results["hugo"]["ok"]:
            results["pagefind"] = peer_build([tools.pagefind, "--site", name, "--force-language", "en"], hugo_dir,
                                             "pagefind on hugo's output")
        results["hugo"]["output"] = measure_site(hugo_dir / name)
    if tools.pelican:
        pelican_dir = forms["pelican"]
        set_aside(pelican_dir, "pelican")
        results["pelican"] = peer_build([tools.pelican, "content", "-s", "pelicanconf.py", "-o", name, "-q"],
                                        pelican_dir, "pelican")
        results["pelican"]["output"] = measure_site(pelican_dir / name)
    return results


def measure_size(n: int, runs: int, args: argparse.Namespace, tools: Tools, env: dict[str, str] | None) -> dict:
    folder = corpus(n, args.seed)
    restore_interrupted_edits(folder)
    edits = pick_edits(folder)
    forms = {form: corpus(n, args.seed, form) for form in ("hugo", "pelican") if getattr(tools, form)}
    variants = [v for v in VARIANTS if v not in args.skip]
    size: dict[str, Any] = {
        "articles": n, "seed": args.seed, "corpus": shown(folder),
        "edits": {e.kind: {**e.describe(folder), "articles_naming_it": articles_naming(folder, e.path)}
                  if e.kind == "entity edit" else e.describe(folder) for e in edits},
        "ours": {v: [] for v in variants}, "peers": [], "failures": [], "orders": []}
    steps = [*variants, *(["peers"] if "peers" not in args.skip and forms else [])]
    # a new order each run, the same for the same seed: a machine that drifts over a run (it does, by 10 % and
    # more) would otherwise favour whichever tool always comes first
    shuffle = random.Random(f"{args.seed}:{n}")
    for run in range(runs):
        order = shuffle.sample(steps, len(steps))
        size["orders"].append(order)
        for step in order:
            settle(args.settle)
            if step == "peers":
                print(f"{n:,} articles, run {run + 1}/{runs}: peers", file=sys.stderr, flush=True)
                size["peers"].append(peers(forms, f"{RUN_PREFIX}{run + 1}", tools))
                continue
            print(f"{n:,} articles, run {run + 1}/{runs}: archive build{'' if VARIANTS[step] else ' --no-search'}",
                  file=sys.stderr, flush=True)
            size["ours"][step].append(chain(folder, f"{RUN_PREFIX}{run + 1}-{step}", VARIANTS[step], edits,
                                            "rebuilds" not in args.skip, env, size["failures"]))
    size["summary"] = summarise(size)
    return size


# ---- summaries ------------------------------------------------------------------------------------

def _stage_order(builds: list[dict]) -> list[str]:
    return list(dict.fromkeys(stage for b in builds for stage in b["stages_s"]))


def summarise_builds(builds: list[dict]) -> dict[str, Any] | None:
    """Medians of wall time, CPU time, peak RSS and each stage; `other_s` is the wall time outside the stages
    (start-up, imports, printing, exit)."""
    if not builds:
        return None
    builds = [{"stages_s": {}, **b} for b in builds]  # a peer reports no stages
    stages = _stage_order(builds)
    return {"runs": len(builds), "wall_s": median(b["wall_s"] for b in builds),
            "cpu_s": median(b["cpu_s"] for b in builds),
            "peak_rss_bytes": median(b["peak_rss_bytes"] for b in builds),
            "peak_pss_bytes": median(b.get("peak_pss_bytes") for b in builds),
            "stages_s": {s: median(b["stages_s"].get(s, 0.0) for b in builds) for s in stages},
            "other_s": median(b["wall_s"] - sum(b["stages_s"].values()) for b in builds) if stages else None,
            "files_written": median(b.get("files_written") for b in builds),
            "replaced_site": [b.get("replaced_site") for b in builds]}


def _peer_runs(size: dict, name: str) -> list[dict]:
    return [run[name] for run in size["peers"] if name in run and run[name]["ok"]]


def summarise(size: dict) -> dict[str, Any]:
    ours = {variant: {step: summarise_builds([c[step] for c in chains if step in c]) for step in STEPS}
            for variant, chains in size["ours"].items()}
    peer = {name: summarise_builds(_peer_runs(size, name))
            for name in ("hugo", "pagefind", "pelican")}
    pairs = [(run["hugo"], run["pagefind"]) for run in size["peers"]
             if run.get("hugo", {}).get("ok") and run.get("pagefind", {}).get("ok")]
    if pairs:
        peer["hugo + pagefind"] = {"runs": len(pairs), "wall_s": median(h["wall_s"] + p["wall_s"] for h, p in pairs),
                                   "cpu_s": median(h["cpu_s"] + p["cpu_s"] for h, p in pairs),
                                   "peak_rss_bytes": median(max(h["peak_rss_bytes"], p["peak_rss_bytes"])
                                                            for h, p in pairs)}
    summary = {"ours": ours, "peers": peer, "ratios": ratios(ours, peer), "by_run": ratios_by_run(size)}
    summary["others_cpus"] = [b["others_cpus"] for b in all_builds(size)]
    return summary


def all_builds(size: dict) -> list[dict]:
    """Every timed build of a size, ours and the peers'."""
    return [b for chains in size["ours"].values() for c in chains for b in c.values()] + \
        [b for run in size["peers"] for b in run.values()]


def _wall(part: dict | None, step: str | None = None) -> float | None:
    part = part and (part[step] if step else part)
    return part["wall_s"] if part else None


def _ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def ratios(ours: dict, peer: dict) -> dict[str, float | None]:
    search, plain = ours.get("search"), ours.get("no-search")
    return {"no-search / hugo": _ratio(_wall(plain, "cold"), _wall(peer.get("hugo"))),
            "search / hugo + pagefind": _ratio(_wall(search, "cold"), _wall(peer.get("hugo + pagefind"))),
            "no-search / pelican": _ratio(_wall(plain, "cold"), _wall(peer.get("pelican"))),
            "search / no-search": _ratio(_wall(search, "cold"), _wall(plain, "cold"))}


def ratios_by_run(size: dict) -> dict[str, list[tuple[float, float]]]:
    """Each run's ratios to the peers, of wall and of CPU time (a run builds ours and the peers' one after the
    other): how far apart they are tells how much the machine's speed moved between runs."""
    found: dict[str, list[tuple[float, float]]] = {"no-search / hugo": [], "search / hugo + pagefind": []}
    for chains, key, with_pagefind in ((size["ours"].get("no-search", []), "no-search / hugo", False),
                                       (size["ours"].get("search", []), "search / hugo + pagefind", True)):
        for built, run in zip(chains, size["peers"]):
            peer = [run.get("hugo"), *([run.get("pagefind")] if with_pagefind else [])]
            if "cold" in built and all(p and p["ok"] for p in peer):
                ours = built["cold"]
                found[key].append((ours["wall_s"] / sum(p["wall_s"] for p in peer),
                                   ours["cpu_s"] / sum(p["cpu_s"] for p in peer)))
    return found


def by_run(pairs: list[tuple[float, float]] | None) -> str:
    return ", ".join(f"{wall:.2f} ({cpu:.2f})" for wall, cpu in pairs) if pairs else "–"


# ---- the table ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Target:
    """An issue target: a figure at most `limit`, at the size `at` (None: at every size). A figure over it but
    within `stepping` passes the stepping stone."""

    text: str
    limit: float
    at: int | None = None
    stepping: float | None = None

    def verdict(self, value: float | None, n: int) -> str:
        if self.at is not None and n != self.at:
            return ""
        if value is None:
            return "–"
        if value <= self.limit:
            return "pass"
        return "**fail** (stepping stone: pass)" if self.stepping and value <= self.stepping else "**fail**"


TARGETS = {
    "no-search / hugo": Target("≤ 1.0 (stepping stone ≤ 2.0)", 1.0, stepping=2.0),
    "search / hugo + pagefind": Target("≤ 1.0", 1.0),
    "no change": Target("≤ 0.5 s at 10,000", 0.5, at=10_000),
    "article edit": Target("≤ 0.2 s at 10,000", 0.2, at=10_000),
    "peak memory": Target("≤ 1 GB at 10,000", GB, at=10_000),
    "largest page": Target("≤ 200 kB", PAGE_LIMIT),
}


@dataclass
class Row:
    label: str
    cells: list[str]
    values: list[float | None] = field(default_factory=list)
    target: Target | None = None


def seconds(x: float | None) -> str:
    return "–" if x is None else f"{x:.2f} s" if x < 100 else f"{x:,.0f} s"


def mib(x: float | None) -> str:
    return "–" if x is None else f"{x / 2**20:,.0f} MiB"


def times(x: float | None) -> str:
    return "–" if x is None else f"{x:.2f}×"


def volume(out: dict | None) -> str:
    if not out:
        return "–"
    search = f", pagefind/ {out['pagefind_bytes'] / out['bytes']:.0%}" if out.get("pagefind_bytes") else ""
    return f"{out['bytes'] / 1e6:,.1f} MB, {out['files']:,} files{search}"


def _largest(out: dict | None) -> float | None:
    return out["largest_html"][0]["bytes"] if out and out["largest_html"] else None


def largest_page(out: dict | None) -> str:
    if not out or not out["largest_html"]:
        return "–"
    top = out["largest_html"][0]
    return f"{top['bytes'] / 1000:,.1f} kB ({top['path'].removesuffix('index.html') or '/'})"


def memory_cell(build: dict | None) -> str:
    return f"{mib(build['peak_rss_bytes'])} · {mib(build['peak_pss_bytes'])}" if build else "–"


def rebuild_cell(build: dict | None) -> str:
    """Wall time, the largest part of it (a stage, or the time outside the stages), and the files written."""
    if not build:
        return "–"
    parts = {**build["stages_s"], "outside stages": build["other_s"] or 0.0}
    part, took = max(parts.items(), key=lambda item: item[1])
    count = build.get("files_written")
    written = "" if count is None else f" · {count:,.0f} file{'' if count == 1 else 's'} written"
    return f"{seconds(build['wall_s'])} · {part} {took / build['wall_s']:.0%}{written}"


class Table:
    def __init__(self, sizes: list[dict]):
        self.sizes = sizes
        self.rows: list[Row] = []

    def add(self, label: str, pick: Callable[[dict], Any], show: Callable[[Any], str],
            target: Target | None = None, value: Callable[[Any], float | None] | None = None) -> None:
        picked = [pick(size) for size in self.sizes]
        cells = [show(p) for p in picked]
        if any(cell != "–" for cell in cells):  # a row of a part that was skipped or absent says nothing
            self.rows.append(Row(label, cells, [(value or (lambda p: p))(p) for p in picked], target))

    def section(self, label: str) -> None:
        self.rows.append(Row(f"**{label}**", [""] * len(self.sizes)))

    def markdown(self) -> str:
        counts = [f"{s['articles']:,}" for s in self.sizes]
        head = ["figure", *(f"{c} articles" for c in counts), "target", *(f"met at {c}?" for c in counts)]
        lines = ["| " + " | ".join(head) + " |", "|---" * len(head) + "|"]
        for row in self.rows:
            verdicts = [row.target.verdict(v, s["articles"]) if row.target else ""
                        for v, s in zip(row.values or [None] * len(self.sizes), self.sizes)]
            lines.append("| " + " | ".join([row.label, *row.cells, row.target.text if row.target else "", *verdicts])
                         + " |")
        return "\n".join(lines)


def _ours(variant: str, step: str) -> Callable[[dict], dict | None]:
    return lambda size: (size["summary"]["ours"].get(variant) or {}).get(step)


def _output(variant: str) -> Callable[[dict], dict | None]:
    return lambda size: next((c["cold"]["output"] for c in size["ours"].get(variant, [])), None)


def _peer_output(name: str) -> Callable[[dict], dict | None]:
    return lambda size: next((r[name]["output"] for r in size["peers"] if name in r), None)


def cold_rows(table: Table, variant: str, title: str, stages: list[str]) -> None:
    cold = _ours(variant, "cold")
    table.section(title)
    table.add("wall (CPU)", cold, lambda b: f"{seconds(b['wall_s'])} ({seconds(b['cpu_s'])})" if b else "–")
    for stage in stages:
        table.add(f"· {stage}", cold, lambda b, s=stage: f"{seconds(b['stages_s'][s])} · "
                  f"{b['stages_s'][s] / b['wall_s']:.0%}" if b and s in b["stages_s"] else "–")
    table.add("· outside the stages (start-up, imports, exit)", cold,
              lambda b: f"{seconds(b['other_s'])} · {b['other_s'] / b['wall_s']:.0%}" if b and b["other_s"] else "–")
    table.add("peak memory: RSS of the largest process · PSS of the process tree", cold, memory_cell,
              TARGETS["peak memory"], lambda b: b and max(b["peak_rss_bytes"], b["peak_pss_bytes"] or 0))


def rebuild_rows(table: Table, variant: str, title: str) -> None:
    table.section(title)
    for step, label in (("no change", "no change"), ("article edit", "one word of one article"),
                        ("entity edit", "one word of one entity record")):
        table.add(label, _ours(variant, step), rebuild_cell, TARGETS.get(step), lambda b: b and b["wall_s"])


def peer_rows(table: Table, tools: Tools) -> None:
    table.section("Peers, cold")
    for name, label in (("hugo", f"Hugo {_short(tools.versions.get('hugo'))}"),
                        ("pagefind", f"Pagefind {_short(tools.versions.get('pagefind'))} on Hugo's output"),
                        ("hugo + pagefind", "Hugo + Pagefind"),
                        ("pelican", f"Pelican {_short(tools.versions.get('pelican'))}")):
        table.add(f"{label}: wall (CPU), peak RSS", lambda size, n=name: size["summary"]["peers"].get(n), peer_cell)


def peer_cell(build: dict | None) -> str:
    return f"{seconds(build['wall_s'])} ({seconds(build['cpu_s'])}), {mib(build['peak_rss_bytes'])}" if build else "–"


def _short(version: str | None) -> str:
    found = re.search(r"\d+\.\d+(?:\.\d+)?", version or "")
    return found.group() if found else "(absent)"


def ratio_rows(table: Table) -> None:
    table.section("Ratios, measured in the same run (cold wall times)")
    for key, label in (("no-search / hugo", "ours --no-search / Hugo"),
                       ("search / hugo + pagefind", "ours with search / Hugo + Pagefind"),
                       ("no-search / pelican", "ours --no-search / Pelican"),
                       ("search / no-search", "ours with search / ours --no-search")):
        table.add(label, lambda size, k=key: size["summary"]["ratios"][k], times, TARGETS.get(key))
        if key in ("no-search / hugo", "search / hugo + pagefind"):
            table.add("· by run: wall (CPU)", lambda size, k=key: size["summary"]["by_run"][k], by_run)


def output_rows(table: Table) -> None:
    table.section("Output")
    for label, pick in (("site/ with search", _output("search")), ("site/ with --no-search", _output("no-search")),
                        ("Hugo's public/ (with Pagefind)", _peer_output("hugo")),
                        ("Pelican's output", _peer_output("pelican"))):
        table.add(label, pick, volume)
    ours = lambda size: _output("search")(size) or _output("no-search")(size)  # noqa: E731
    table.add("largest HTML page, ours", ours, largest_page, TARGETS["largest page"], _largest)
    table.add("· HTML pages over 200 kB, ours", ours,
              lambda out: f"{out['html_over_limit']:,} of {out['html_pages']:,}" if out else "–")
    table.add("largest HTML page, Hugo", _peer_output("hugo"), largest_page)
    table.add("largest HTML page, Pelican", _peer_output("pelican"), largest_page)
    table.add("build cache after a cold build", lambda size: next(
        (c["cold"]["cache_bytes"] for chains in size["ours"].values() for c in chains), None),
              lambda b: "–" if not b else f"{b / 1e6:,.1f} MB")


def table(sizes: list[dict], tools: Tools) -> str:
    t = Table(sizes)
    for variant, title in (("search", "Ours, cold, with search (`archive build`)"),
                           ("no-search", "Ours, cold, `archive build --no-search`")):
        builds = [b for s in sizes for b in [s["summary"]["ours"].get(variant, {}).get("cold")] if b]
        if builds:
            cold_rows(t, variant, title, _stage_order(builds))
    for variant, title in (("search", "Rebuilds right after, with search"),
                           ("no-search", "Rebuilds right after, --no-search")):
        if any(s["summary"]["ours"].get(variant, {}).get("no change") for s in sizes):
            rebuild_rows(t, variant, title)
    if any(s["peers"] for s in sizes):
        peer_rows(t, tools)
        ratio_rows(t)
    output_rows(t)
    return t.markdown()


def notes(sizes: list[dict], tools: Tools, info: dict) -> list[str]:
    lines = [f"{name} is absent, so it was skipped: {how}." for name, how in tools.missing.items()]
    lines += [f"{size['articles']:,} articles: FAILED, {f['output']}, {f['step']}: "
              f"{f['error'].strip().splitlines()[-1]}" for size in sizes for f in size["failures"]]
    for size in sizes:
        for kind, edit in size["edits"].items():
            naming = f", named in {edit['articles_naming_it']:,} articles" if "articles_naming_it" in edit else ""
            lines.append(f"{size['articles']:,} articles, {kind}: {edit['file']}, "
                         f"“{edit['old']}” → “{edit['new']}”{naming}.")
        others = size["summary"]["others_cpus"]
        if not others:
            continue
        busy = sum(o > NOISY for o in others)
        lines.append(f"{size['articles']:,} articles: other processes used {median(others):.2f} CPUs (median; at most "
                     f"{max(others):.2f}) of {info['nproc']} while the builds ran"
                     + (f"; {busy} of {len(others)} builds shared the machine with more than {NOISY} CPUs of other "
                        "work, so their wall times are inflated (CPU times less so)" if busy else "") + ".")
    return lines


def machine_line(info: dict, minutes: float) -> str:
    tools = "".join(f"; {name} {_short(version)}" for name, version in info["tools"].items())
    measured = (f"the generator of commit {info['generator']['commit'][:10]} (git archive)"
                if info["generator"].get("commit") else
                f"commit {info['git_commit'][:10]}{' + uncommitted changes' if info['git_dirty'] else ''}")
    shared = info.get("python_shared_libpython")
    python = f"{info.get('python_executable', '?')}" + {True: ", shared libpython", False: ", libpython linked in",
                                                        None: ""}[shared]
    return (f"Machine: {info['nproc']} CPUs ({info['cpu_model']}), {info['ram_bytes'] / 2**30:.1f} GiB RAM, "
            f"{info['os']}; Python {info['python']} ({python}){tools}; {measured}. Benchmark took {minutes:.1f} min.")


# ---- main ------------------------------------------------------------------------------------------

def _terminate_cleanly(signum: int, frame: object) -> None:
    raise SystemExit(f"stopped by signal {signum}")  # so that edits are put back (finally clauses run)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000", help="article counts, comma-separated (default 1000,10000)")
    parser.add_argument("--runs", default="3", help="runs per size: one number, or one per size (e.g. 3,1) (default 3)")
    parser.add_argument("--seed", type=int, default=42, help="corpus seed (default 42, as to_archive.py)")
    parser.add_argument("--skip", default="", help=f"parts to leave out, comma-separated: {', '.join(SKIPPABLE)}")
    parser.add_argument("--hugo", help="the hugo binary (default: hugo on PATH)")
    parser.add_argument("--pelican", help=f"the pelican command (default: {shown(PELICAN_VENV)}/bin/pelican)")
    parser.add_argument("--commit", metavar="REV",
                        help="measure the generator of this commit (exported with git archive) instead of the "
                             "working tree's")
    parser.add_argument("--settle", type=float, default=SETTLE_AFTER_DELETION_S,
                        help=f"seconds to let pass after files were deleted before a cold build "
                             f"(default {SETTLE_AFTER_DELETION_S}; see bench/README.md)")
    parser.add_argument("--quiet", type=float, default=0.5, metavar="CPUS",
                        help="before each build, wait until other processes use less than this many CPUs "
                             "(default 0.5; 0: do not wait)")
    parser.add_argument("--quiet-wait", type=float, default=120, metavar="S",
                        help="the longest wait for a quiet machine before one build (default 120)")
    parser.add_argument("--keep", action="store_true", help="keep the built sites (bench/.cache/*/bench-out-*)")
    parser.add_argument("--out", type=Path, help="the JSON file (default bench/results/<date>.json)")
    args = parser.parse_args(argv)
    args.sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    args.runs = runs_per_size(args.runs, args.sizes)
    args.skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    if args.runs is None:
        parser.error("--runs takes one number, or one per size, each at least 1")
    if args.skip - set(SKIPPABLE):
        parser.error(f"--skip takes {', '.join(SKIPPABLE)}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _terminate_cleanly)
    QUIET.update(threshold=args.quiet, longest=args.quiet_wait)
    started = time.perf_counter()
    source, sha = export_commit(args.commit) if args.commit else (None, None)
    env = generator_env(source)
    tools = find_tools(args.hugo, args.pelican) if "peers" not in args.skip else Tools()
    clean_start()
    try:
        sizes = [measure_size(n, runs, args, tools, env) for n, runs in zip(args.sizes, args.runs)]
    finally:
        if not args.keep:  # deleted only now: see common.build_once
            for form, n in ((form, n) for form in FORM_FILES for n in args.sizes):
                if corpus_folder(n, args.seed, form).is_dir():
                    set_aside(corpus_folder(n, args.seed, form), form)
            clean_start()
    info = {**machine(), "tools": tools.versions, "generator": {**generator_info(env), "commit": sha}}
    report = table(sizes, tools)
    remarks = notes(sizes, tools, info)
    print()
    print(report)
    print()
    print("\n".join(f"- {line}" for line in remarks))
    print()
    print(machine_line(info, (time.perf_counter() - started) / 60))
    out = args.out or RESULTS / f"{dt.date.today().isoformat()}.json"
    write_results(out, "run.py", argv, {
        "machine": info, "settings": {"sizes": args.sizes, "runs": args.runs, "seed": args.seed,
                                      "skip": sorted(args.skip), "settle_s": args.settle,
                                      "quiet_cpus": args.quiet, "quiet_wait_s": args.quiet_wait},
        "targets": {k: vars(t) for k, t in TARGETS.items()}, "sizes": sizes, "table": report, "notes": remarks})
    return 0


if __name__ == "__main__":
    sys.exit(main())
