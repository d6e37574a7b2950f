"""What the benchmarks share: cached corpora, cold builds into new folders, timing a build with its peak RSS,
the stage times `archive build -v` prints, waiting out recent deletions, and the machine a result came from.

Used by bench/search.py (issue 3) and bench/run.py (issue 5); see bench/README.md.
"""
from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Iterable

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
SHARED = (REPO / ".." / "shared" / "bench").resolve()
CACHE = BENCH / ".cache"
RESULTS = BENCH / "results"

RUN_PREFIX = "bench-out-"  # each cold build writes to a new folder <corpus>/bench-out-<k>/
DELETED_STAMP = CACHE / ".last-deletion"
SETTLE_AFTER_DELETION_S = 90
CORPUS_STAMP = ".bench-stamp"
SET_ASIDE = ".bench-set-aside"  # build caches moved out of the way of a cold build, deleted at the end
FORM_FILES = {  # what the corpus scripts write into the folder of each form; anything else there is a build's
    "archive": {"archive.toml", "content"},
    "hugo": {"hugo.toml", "layouts", "content"},
    "pelican": {"pelicanconf.py", "content"},
}


# ---- the corpus -------------------------------------------------------------------------------

def corpus_folder(n: int, seed: int, form: str = "archive") -> Path:
    return CACHE / f"{form}-{n}-seed{seed}"


def corpus(n: int, seed: int, form: str = "archive") -> Path:
    """The corpus of n articles in one form: "archive" (ours, from to_archive.py) or "hugo" / "pelican" (the
    same articles, from make_corpus.py). Generated once into bench/.cache/ and reused while the generator
    scripts are unchanged."""
    stamp = hashlib.sha256()
    for script in ("to_archive.py", "make_corpus.py"):
        stamp.update((SHARED / script).read_bytes())
    stamp.update(f"{n} {seed}".encode())
    folder = corpus_folder(n, seed, form)
    mark = folder / CORPUS_STAMP
    if mark.is_file() and mark.read_text() == stamp.hexdigest():
        return folder
    print(f"generating {n:,} articles ({form}) into {folder} ...", file=sys.stderr, flush=True)
    CACHE.mkdir(parents=True, exist_ok=True)
    if folder.exists():
        delete([folder])
    script = ["to_archive.py"] if form == "archive" else ["make_corpus.py", "--format", form]
    subprocess.run([sys.executable, str(SHARED / script[0]), *script[1:], str(n), "--out", str(folder),
                    "--seed", str(seed)], check=True, stdout=subprocess.DEVNULL)
    mark.write_text(stamp.hexdigest())
    return folder


# ---- running and timing a build ---------------------------------------------------------------

def archive_command() -> list[str]:
    """`archive` from the venv of the Python running the benchmark (else the repository's venv, else PATH)."""
    for candidate in (Path(sys.executable).parent / "archive", REPO / ".venv" / "bin" / "archive"):
        if candidate.is_file():
            return [str(candidate)]
    found = shutil.which("archive")
    return [found] if found else [sys.executable, "-m", "generator"]


@dataclass
class Timed:
    """One finished process: wall time, CPU time and peak RSS of it and its children, exit code, output, and
    how busy the machine was with other work meanwhile (others on the machine skew the wall time)."""

    wall_s: float
    cpu_s: float
    peak_rss_bytes: int  # the largest single process (wait4)
    peak_pss_bytes: int  # the largest sum over the whole process tree, sampled every 0.2 s (TreeMemory)
    returncode: int
    log: str
    load_before: float  # the 1-minute load average when it started
    others_cpus: float  # CPUs' worth of time spent on other processes while it ran (0.5: half a CPU)

    def figures(self) -> dict[str, Any]:
        """What a result file keeps of it."""
        return {"wall_s": self.wall_s, "cpu_s": self.cpu_s, "peak_rss_bytes": self.peak_rss_bytes,
                "peak_pss_bytes": self.peak_pss_bytes,
                "load_before": self.load_before, "others_cpus": self.others_cpus,
                "log_tail": self.log.strip().splitlines()[-3:]}


def busy_cpu_s() -> float:
    """CPU seconds the whole machine has spent busy since boot (all processes), from /proc/stat."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    except OSError:
        return 0.0
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(f) for f in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def wait_for_quiet(threshold: float, longest: float) -> float:
    """Wait, up to `longest` seconds, until other processes use less than `threshold` CPUs over one second;
    returns the seconds waited. Other people's test runs on a shared machine would otherwise land in the
    figures."""
    started = time.monotonic()
    announced = False
    while threshold > 0:
        before = busy_cpu_s()
        time.sleep(1)
        used = busy_cpu_s() - before
        waited = time.monotonic() - started
        if used < threshold or waited >= longest:
            break
        if not announced:
            print(f"waiting for the machine to be quiet: other processes use {used:.1f} CPUs", file=sys.stderr,
                  flush=True)
            announced = True
    return time.monotonic() - started


def _tree(pid: int) -> list[int]:
    """A process and all its descendants, from /proc/<pid>/task/<tid>/children."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        for children in Path(f"/proc/{current}/task").glob("*/children"):
            try:
                todo += [int(child) for child in children.read_text().split()]
            except OSError:
                pass
    return found


def tree_pss(pid: int) -> int:
    """Proportional set size of a process tree, in bytes: forked workers share pages with their parent, and PSS
    counts each shared page once in all (where adding up RSS would count it in every process)."""
    total = 0
    for member in _tree(pid):
        try:
            found = re.search(r"^Pss:\s+(\d+) kB", Path(f"/proc/{member}/smaps_rollup").read_text(), re.M)
        except OSError:
            continue
        total += int(found.group(1)) * 1024 if found else 0
    return total


class TreeMemory(threading.Thread):
    """Samples the PSS of a process tree every `every` seconds, keeping the peak. wait4's ru_maxrss is the largest
    single process only; a build that renders in worker processes uses their sum."""

    def __init__(self, pid: int, every: float = 0.2) -> None:
        super().__init__(name="bench-memory", daemon=True)
        self.pid, self.every, self.peak = pid, every, 0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(self.every):
            self.peak = max(self.peak, tree_pss(self.pid))

    def stop(self) -> int:
        self.done.set()
        self.join()
        return self.peak


def run_timed(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> Timed:
    """Run a command to the end with stdout and stderr in one log. The rusage of wait4 covers the process and
    every child it waited for (Pagefind runs as one), so its ru_maxrss is the largest of them all; TreeMemory
    adds the peak of their sum."""
    load = os.getloadavg()[0]
    with tempfile.TemporaryFile() as out:
        busy = busy_cpu_s()
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, cwd=cwd, env=env)
        memory = TreeMemory(process.pid)
        memory.start()
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        busy = busy_cpu_s() - busy
        peak_pss = memory.stop()
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        log = out.read().decode(errors="replace")
    cpu = usage.ru_utime + usage.ru_stime
    return Timed(wall, cpu, usage.ru_maxrss * 1024, peak_pss, process.returncode, log, load,
                 max(0.0, busy - cpu) / wall)


STAGE = re.compile(r"\s*(?P<name>[^\d,:()][^,:()]*?):?\s+(?P<seconds>\d+(?:\.\d+)?)\s*s(?:\s*\([^()]*\))?\s*")


def parse_stages(log: str) -> dict[str, float]:
    """The stage times `archive build -v` prints, whatever the stages are called: from every line that starts
    with "<stage> <seconds> s", each comma- or semicolon-separated item of that form (an item may end with a
    parenthesised note; other items, such as a count of files written, are left to the log). Summed by name."""
    stages: dict[str, float] = {}
    for line in log.splitlines():
        items = [STAGE.fullmatch(item) for item in re.split(r"[,;]", line)]
        for item in items if items[0] else []:
            if item:
                stages[item["name"].strip()] = stages.get(item["name"].strip(), 0.0) + float(item["seconds"])
    return stages


QUIET = {"threshold": 0.0, "longest": 0.0}  # wait_for_quiet() before each build: off unless a script sets it


def prepare() -> dict[str, float]:
    """Before a timed build: flush pending writes (of the build before) so that their writeback does not land in
    this one, then wait for a quiet machine (QUIET). Returns the seconds each took."""
    started = time.perf_counter()
    os.sync()
    synced = time.perf_counter() - started
    return {"sync_before_s": synced, "quiet_wait_s": wait_for_quiet(QUIET["threshold"], QUIET["longest"])}


class BuildFailed(SystemExit):
    """`archive build` exited with an error; the message holds its output."""


def archive_build(folder: Path, out: str, search: bool = True, env: dict[str, str] | None = None) -> dict:
    """`archive build -v -C <folder> --out <out>` after prepare(): wall and CPU time, the stages it reports, and the
    peak RSS of the build and its children."""
    before = prepare()
    timed = run_timed([*archive_command(), "build", "-v", "-C", str(folder), "--out", out,
                       *([] if search else ["--no-search"])], cwd=REPO, env=env)
    if timed.returncode != 0:
        raise BuildFailed(f"archive build failed in {folder} (exit {timed.returncode}):\n{timed.log}")
    stages = parse_stages(timed.log)
    reported = re.search(r" in (\d+\.\d+) s:", timed.log)
    written = re.search(r"(\d[\d,]*) files? written", timed.log)  # when the build says
    return {"out": out, "search": search, **before, **timed.figures(),
            "reported_s": float(reported.group(1)) if reported else None, "stages_s": stages,
            "files_written": int(written.group(1).replace(",", "")) if written else None,
            "search_share": stages.get("search index", 0.0) / timed.wall_s}


def build_once(folder: Path, name: str, search: bool = True, env: dict[str, str] | None = None) -> dict:
    """One cold `archive build -v` into the new folder <corpus>/<name>/.

    Cold: the output folder does not exist, and the build cache is set aside (set_aside). It is a new folder
    each time rather than a deleted and rebuilt site/ because on ext4 without a journal (this kind of VM's root
    filesystem) the kernel skips every inode freed in the last minute when it allocates one, so a build right
    after deleting the previous site runs slower and slower (render and write 24 s -> 56 s over four builds of
    10,000 articles). Pending writes of the previous build are flushed first (sync), so that their writeback
    does not land in this one; the corpus stays in the page cache, as it does for an editor building again."""
    if (folder / name).exists():
        raise SystemExit(f"{folder / name} exists: a benchmark build needs a new output folder")
    moved = set_aside(folder, "archive")
    return {**archive_build(folder, name, search, env), "cache_set_aside": moved}


# ---- outputs, deletions and waiting for them --------------------------------------------------

def run_folders(folder: Path) -> list[Path]:
    """Build outputs of the benchmarks in a corpus folder, with the staging and old folders beside them."""
    return [p for p in folder.iterdir() if p.name.startswith((RUN_PREFIX, f".{RUN_PREFIX}"))]


def left_by_builds(folder: Path, form: str) -> list[Path]:
    """What builds left in a corpus folder beside their outputs (a build cache, a lock file): anything that is
    not the corpus, a benchmark's own (bench-*, .bench-*) or the site/ that search.py keeps."""
    return [p for p in folder.iterdir()
            if p.name not in FORM_FILES[form] and p.name != "site" and not p.name.startswith(("bench-", ".bench-"))]


def set_aside(folder: Path, form: str) -> list[str]:
    """Move what builds left in a corpus folder out of the way, so that the next build is cold; returns what
    was moved. Renamed rather than deleted (see build_once); clean_start() deletes it."""
    moved = left_by_builds(folder, form)
    if moved:
        bin_ = folder / SET_ASIDE / str(time.time_ns())
        bin_.mkdir(parents=True)
        for path in moved:
            path.rename(bin_ / path.name)
    return sorted(p.name for p in moved)


def note_deletion() -> None:
    """Record that many files were just deleted (by us or by a build replacing its site): see settle()."""
    DELETED_STAMP.parent.mkdir(parents=True, exist_ok=True)
    DELETED_STAMP.write_text(str(time.time()))


def delete(paths: Iterable[Path]) -> None:
    paths = list(paths)
    for path in paths:
        shutil.rmtree(path, ignore_errors=True)
    if paths:
        note_deletion()


_lock: IO[str] | None = None


def lock() -> None:
    """Hold bench/.cache/.lock until this process ends: the benchmarks share the corpora and their build
    folders, and two at once would also skew each other's times. Waits while another one holds it."""
    global _lock
    if _lock is not None:
        return
    CACHE.mkdir(parents=True, exist_ok=True)
    _lock = open(CACHE / ".lock", "a+")
    try:
        fcntl.flock(_lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        print("another benchmark is running (it holds bench/.cache/.lock): waiting for it to end", file=sys.stderr,
              flush=True)
        fcntl.flock(_lock, fcntl.LOCK_EX)


def clean_start() -> None:
    """Take the lock, then delete the build outputs and set-aside caches of the benchmarks, such as an
    interrupted run left behind (settle() then waits before the first timed build)."""
    lock()
    if CACHE.is_dir():
        delete(p for corpus_dir in CACHE.iterdir() if corpus_dir.is_dir()
               for p in [*run_folders(corpus_dir), corpus_dir / SET_ASIDE] if p.exists())


def settle(seconds: float = SETTLE_AFTER_DELETION_S) -> None:
    """Let `seconds` pass since files were last deleted (see build_once)."""
    try:
        wait = float(DELETED_STAMP.read_text()) + seconds - time.time()
    except (OSError, ValueError):
        wait = 0
    if wait > 0:
        print(f"waiting {wait:.0f} s: files were deleted less than {seconds:.0f} s ago, and on ext4 "
              "without a journal that slows down creating files", file=sys.stderr, flush=True)
        os.sync()
        time.sleep(wait)


def keep_last(folder: Path, last: str) -> None:
    """After all measurements: the last build becomes <corpus>/site/ (for a look), the other outputs go."""
    delete([p for p in run_folders(folder) if p.name != last] + [folder / "site"])
    (folder / last).rename(folder / "site")


def folder_size(folder: Path) -> tuple[int, int]:
    files = [p for p in folder.rglob("*") if p.is_file()]
    return sum(p.stat().st_size for p in files), len(files)


# ---- options, summaries, the machine, the result file -----------------------------------------

def runs_per_size(text: str, sizes: list[int]) -> list[int] | None:
    """--runs: one number for every size, or one per size ("3,2"); None when it does not fit."""
    runs = [int(r) for r in text.split(",")]
    runs = runs * len(sizes) if len(runs) == 1 else runs
    return runs if len(runs) == len(sizes) and min(runs) >= 1 else None


def median(values: Iterable[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return statistics.median(present) if present else None


def _git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True).stdout.strip()


def _first_match(path: str, pattern: str) -> str | None:
    try:
        found = re.search(pattern, Path(path).read_text(), re.M)
    except OSError:
        return None
    return found.group(1).strip() if found else None


def machine() -> dict[str, Any]:
    """CPUs, RAM, OS, Python, Pagefind, and the commit measured (with whether generator/ or templates/ had
    uncommitted changes)."""
    ram_kib = _first_match("/proc/meminfo", r"^MemTotal:\s*(\d+) kB")
    info: dict[str, Any] = {
        "nproc": len(os.sched_getaffinity(0)), "cpu_count": os.cpu_count(),
        "cpu_model": _first_match("/proc/cpuinfo", r"^model name\s*:\s*(.+)$") or platform.processor(),
        "ram_bytes": int(ram_kib) * 1024 if ram_kib else None,
        "os": _first_match("/etc/os-release", r'^PRETTY_NAME="?([^"\n]*)"?$') or platform.system(),
        "python": platform.python_version(), "platform": platform.platform(), **python_build()}
    try:
        from importlib.metadata import version
        info["pagefind"] = version("pagefind")
    except Exception:
        info["pagefind"] = None
    info["git_commit"] = _git("rev-parse", "HEAD")
    info["git_dirty"] = bool(_git("status", "--porcelain", "--", "generator", "templates"))
    return info


def python_build() -> dict[str, Any]:
    """Which interpreter runs the generator (the one running the benchmark), and whether it calls into a shared
    libpython: pyenv's default build does, and runs a build about 13 % slower than Debian's python3.11, whose
    executable has the interpreter linked in (bench/README.md)."""
    try:
        with open("/proc/self/maps") as maps:
            shared = any("/libpython" in line for line in maps)
    except OSError:
        shared = None
    return {"python_executable": os.path.realpath(sys.executable), "python_shared_libpython": shared}


def shown(path: Path) -> str:
    """A path as a reader at the repository root would type it."""
    return str(path.relative_to(REPO)) if path.is_relative_to(REPO) else str(path)


def write_results(out: Path, script: str, argv: list[str] | None, body: dict) -> None:
    """Write the JSON file, whole or not at all: the date, the command that ran (as typed at the repository
    root), then `body`."""
    command = " ".join([shown(Path(sys.executable)), f"bench/{script}", *(sys.argv[1:] if argv is None else argv)])
    payload = {"date": dt.datetime.now().astimezone().isoformat(timespec="seconds"), "command": command, **body}
    out.parent.mkdir(parents=True, exist_ok=True)
    temporary = out.with_name(out.name + ".tmp")
    temporary.write_text(json.dumps(payload, indent=1, ensure_ascii=False))
    temporary.replace(out)
    print(f"Raw numbers: {shown(out)}")
