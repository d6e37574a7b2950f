#!/usr/bin/env python3
"""Instructions of a cold build (issue 5): a figure that the machine's noise does not move.

    .venv/bin/python bench/instructions.py [--size 1000] REV [REV ...]

The speed of these machines moves by half from one hour to the next, and a build's time with it: more than most
single changes to the generator. The instructions a build executes do not move (by 0.1 % from run to run). For
each revision (a commit, or `.` for the working tree) this builds the archive of --size articles cold, in one
process on one core (`archive build --no-search --no-cache`, PYTHONHASHSEED=0), under valgrind's callgrind, and
prints the instructions and their ratio to the first revision's; builds run side by side, one on each core.

What it does not see: waiting (files, forks), the memory caches, how the stages share the cores; and valgrind's
processor has no SHA extensions, so hashing counts for several times its share of the time (bench/README.md).
"""
from __future__ import annotations

import argparse
import os
import queue
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from common import CACHE, REPO, RESULTS, corpus, lock, machine, write_results
from run import export_commit

COLLECTED = re.compile(r"Collected : (\d+)")


def source_of(rev: str) -> tuple[Path, str]:
    """The folder that holds generator/ and templates/ at `rev` (`.`: the working tree), and what it is."""
    if rev == ".":
        return REPO, "working tree"
    folder, sha = export_commit(rev)
    return folder, sha[:12]


def count(source: Path, archive: Path, core: int, valgrind: str) -> int:
    """The instructions of one cold build of a copy of `archive` with the generator in `source`, on `core`."""
    with tempfile.TemporaryDirectory(dir=CACHE, prefix="instructions-") as scratch:
        copy = Path(scratch) / "archive"  # its own copy: builds of one archive wait for each other's lock
        shutil.copytree(archive, copy, ignore=shutil.ignore_patterns(".*"))
        env = {**os.environ, "PYTHONPATH": str(source), "PYTHONHASHSEED": "0"}
        done = subprocess.run(["taskset", "-c", str(core), valgrind, "--tool=callgrind",
                               "--callgrind-out-file=/dev/null", sys.executable, "-m", "generator", "build", "--no-search", "--no-cache", "-q",
                               "--out", str(Path(scratch) / "site")], cwd=copy, env=env, capture_output=True, text=True)
    found = COLLECTED.search(done.stderr)
    if done.returncode != 0 or found is None:
        sys.exit(f"the build of {source} failed under valgrind:\n{done.stderr[-2000:]}")
    return int(found.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("revs", nargs="+", metavar="REV", help="commits to compare; '.' for the working tree")
    parser.add_argument("--size", type=int, default=1000, help="articles (default 1000: about 3 minutes a build)")
    parser.add_argument("--seed", type=int, default=42, help="corpus seed (default 42, as to_archive.py)")
    parser.add_argument("--valgrind", default=shutil.which("valgrind"), help="the valgrind binary")
    parser.add_argument("--out", type=Path, help="the JSON file (default bench/results/instructions-<first rev>.json)")
    args = parser.parse_args()
    if not args.valgrind:
        sys.exit("valgrind is not installed: apt-get install valgrind")
    lock()  # (its builds would skew another benchmark's times)
    sources = [source_of(rev) for rev in args.revs]
    archive = corpus(args.size, args.seed)
    free: queue.SimpleQueue[int] = queue.SimpleQueue()  # the cores no build is running on
    for core in sorted(os.sched_getaffinity(0)):
        free.put(core)

    def counted(source: Path) -> int:
        core = free.get()
        try:
            return count(source, archive, core, args.valgrind)
        finally:
            free.put(core)

    with ThreadPoolExecutor(len(os.sched_getaffinity(0))) as pool:
        counts = list(pool.map(counted, [source for source, _ in sources]))
    rows: list[dict[str, Any]] = [{"rev": rev, "source": what, "instructions": n, "ratio": n / counts[0]}
                                  for rev, (_, what), n in zip(args.revs, sources, counts)]
    print(f"Cold build of {args.size:,} articles, one process on one core, under callgrind:\n")
    print("| revision | instructions | ratio to the first |\n|---|---|---|")
    for row in rows:
        print(f"| {row['rev']} ({row['source']}) | {row['instructions'] / 1e9:.3f} G | {row['ratio']:.4f} |")
    out = args.out or RESULTS / f"instructions-{rows[0]['source'].replace(' ', '-')}.json"
    write_results(out, "instructions.py", None, {"size": args.size, "seed": args.seed, "builds": rows,
                                                 "machine": machine()})


if __name__ == "__main__":
    main()
