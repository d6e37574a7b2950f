"""What an editor waits for in `archive serve` (issue 4): save -> pages written -> reload event.

    .venv/bin/python bench/serve.py --size 10000 --edits 9
    .venv/bin/python bench/serve.py --size 100000 --no-search

Generates (once) an archive of N articles with ../shared/bench/to_archive.py into bench/.cache/serve-<N>/,
deletes what an earlier run left (its site/ and .archive-cache/, so that the first build is always one from
nothing), starts `archive serve` (the real command, search included) on a free port, waits for the first
build, connects to the reload event stream, then edits one article at a time (a word added, as an editor's save:
write to a temporary file and rename), alternately in its opening paragraph (which changes its summary, shown in
lists and feeds) and in a later one (which changes only the article and the sentences quoted from it), and
measures, per edit:

- save -> pages written: until the article's page on disk has the new word (polled every millisecond);
- save -> reload event: until the `reload` event arrives on `/__archive/events`;

then as many edits (`--record-edits`) of entity, source and claim records (a word at the start of the record's
text; save -> its page written), then edits (`--build-edits`) each followed at once by `archive build --no-search`
of the archive, which hands the build to the running serve (generator/handoff.py): save -> that process has
exited, the article's page checked to have the word then, plus a no-change `archive build` of the same archive (after the server stopped and saved its cache), and the
memory (VmHWM, peak resident set) of the serve process. Medians are printed and written to
bench/results/serve-<date>.json with the machine.
"""
from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
SHARED = (REPO / ".." / "shared" / "bench").resolve()
ARCHIVE = [sys.executable, "-m", "generator"]


def corpus(size: int) -> Path:
    folder = BENCH / ".cache" / f"serve-{size}"
    if not (folder / "archive.toml").is_file():
        shutil.rmtree(folder, ignore_errors=True)
        subprocess.run([sys.executable, str(SHARED / "to_archive.py"), str(size), "--out", str(folder)], check=True)
    return folder


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Events:
    """A minimal Server-Sent Events client on its own connection."""

    def __init__(self, port: int):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        self.conn.request("GET", "/__archive/events")
        self.response = self.conn.getresponse()

    def next_event(self) -> str:
        event = ""
        while True:
            line = self.response.fp.readline().decode()
            if line.startswith("event:"):
                event = line.split(":", 1)[1].strip()
            elif line in ("\n", "\r\n") and event:
                return event


def peak_rss_mib(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", status)[1]) / 1024


def save(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text)
    os.replace(temporary, path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--edits", type=int, default=9)
    parser.add_argument("--record-edits", type=int, default=5, help="edits of each kind of record")
    parser.add_argument("--build-edits", type=int, default=9, help="edits each followed by `archive build`")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--no-search", dest="search", action="store_false",
                        help="serve and build with --no-search")
    args = parser.parse_args()
    options = [] if args.search else ["--no-search"]
    root = corpus(args.size)
    for left in ("site", ".archive-cache"):  # the first build measured is always one from nothing
        shutil.rmtree(root / left, ignore_errors=True)
    subprocess.run(["sync"], check=False)
    time.sleep(15)  # ext4 makes new files slowly right after a large deletion: not the generator's time
    port = free_port()
    started = time.perf_counter()
    server = subprocess.Popen([*ARCHIVE, "serve", "-C", str(root), "--port", str(port), *options], cwd=REPO,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert server.stdout is not None
    for line in server.stdout:
        if line.startswith("serving"):
            break
    first_build = time.perf_counter() - started
    events = Events(port)

    def measure(path: Path, at: int, page: Path, label: str) -> tuple[float, float]:
        """Save `path` with a new word at `at`; the time until `page` has it, and until the reload event."""
        text = path.read_text()
        word = f"edited{time.time_ns()}"
        t0 = time.perf_counter()
        save(path, text[:at] + word + " " + text[at:])
        while word.encode() not in page.read_bytes():
            time.sleep(0.001)
        written = time.perf_counter() - t0
        while events.next_event() != "reload":
            pass
        reloaded = time.perf_counter() - t0
        print(f"{label}: pages written {written * 1000:.0f} ms, reload event {reloaded * 1000:.0f} ms", flush=True)
        time.sleep(1.0)  # let the background search refresh start, as between an editor's saves
        return written, reloaded

    articles = sorted((root / "content" / "articles").rglob("*.md"))

    def place(k: int, later: bool) -> tuple[Path, int, Path]:
        """The k-th article edited: its file, where the word goes (opening or `later` paragraph), its page."""
        article = articles[(k * 997) % len(articles)]
        text = article.read_text()
        at = text.index("\n---\n") + 5
        if later:  # a later paragraph that starts with a word (not a source note's definition, say)
            starts = [m.end() for m in re.finditer(r"\n\n(?=[A-Za-z])", text[at:])]
            at += starts[1] if len(starts) > 1 else starts[0] if starts else 0
        slug = (re.search(r"^slug: *(\S+)$", text, re.MULTILINE) or [None, article.stem])[1]
        return article, at, root / "site" / "articles" / slug / "index.html"

    written, reloaded = [], []
    for k in range(args.edits):
        w, r = measure(*place(k, bool(k % 2)), f"edit {k + 1} ({'later' if k % 2 else 'opening'} paragraph)")
        written.append(w)
        reloaded.append(r)
    records: dict[str, list[float]] = {}
    for folder in ("entities", "sources", "claims"):  # a word at the start of a record's text
        files = sorted((root / "content" / folder).glob("*.md"))
        for k in range(args.record_edits):
            record = files[(k * 37) % len(files)]
            at = record.read_text().index("\n---\n") + 5
            page = root / "site" / folder / record.stem / "index.html"
            records.setdefault(folder, []).append(measure(record, at, page, f"{folder} record {k + 1}")[0])
    handed = []  # last: the reload events these builds send would be taken for those of `measure`
    for k in range(args.build_edits):
        article, at, page = place(args.edits + k, later=True)
        text, word = article.read_text(), f"built{time.time_ns()}"
        t0 = time.perf_counter()
        save(article, text[:at] + word + " " + text[at:])
        subprocess.run([*ARCHIVE, "build", "-C", str(root), "--no-search"], cwd=REPO, check=True,
                       stdout=subprocess.DEVNULL)
        handed.append(time.perf_counter() - t0)
        assert word.encode() in page.read_bytes(), "archive build returned before the page was written"
        print(f"edit then archive build {k + 1}: {handed[-1] * 1000:.0f} ms", flush=True)
        time.sleep(1.0)
    rss = peak_rss_mib(server.pid)
    # SIGTERM, which serve takes as Ctrl-C: a benchmark started in the background by a shell (`cmd &`) passes on
    # SIGINT ignored, and Python then leaves it ignored
    server.send_signal(signal.SIGTERM)
    server.wait(timeout=120)
    time.sleep(2.1)  # the cache trusts file times only once they are a little old
    subprocess.run([*ARCHIVE, "build", "-C", str(root), *options], cwd=REPO, check=True, stdout=subprocess.DEVNULL)
    t1 = time.perf_counter()
    subprocess.run([*ARCHIVE, "build", "-C", str(root), *options], cwd=REPO, check=True, stdout=subprocess.DEVNULL)
    no_change = time.perf_counter() - t1
    result = {
        "date": dt.date.today().isoformat(), "size": args.size, "edits": args.edits, "search": args.search,
        "machine": {"cpu": platform.processor() or platform.machine(), "cores": os.cpu_count(),
                    "python": platform.python_version(), "system": platform.platform()},
        "first_build_s": round(first_build, 2),  # from nothing, search included (unless not), until serving
        "save_to_pages_written_ms": {"median": round(statistics.median(written) * 1000), "all": [round(x * 1000) for x in written]},
        "save_to_reload_event_ms": {"median": round(statistics.median(reloaded) * 1000), "all": [round(x * 1000) for x in reloaded]},
        "save_to_reload_event_ms_by_paragraph": {
            "opening": round(statistics.median(reloaded[0::2]) * 1000),
            "later": round(statistics.median(reloaded[1::2]) * 1000) if len(reloaded) > 1 else None},
        "record_save_to_pages_written_ms": {folder: {"median": round(statistics.median(times) * 1000),
                                                     "all": [round(x * 1000) for x in times]}
                                            for folder, times in records.items()},
        "save_then_archive_build_ms": {"median": round(statistics.median(handed) * 1000),
                                       "all": [round(x * 1000) for x in handed]} if handed else None,
        "serve_peak_rss_mib": round(rss),
        "no_change_build_s": round(no_change, 2),
    }
    print(json.dumps(result, indent=2))
    out = args.out or BENCH / "results" / f"serve-{result['date']}.json"
    out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
