#!/usr/bin/env python3
"""Search benchmark (issue 3): what the search index costs to build and what a reader downloads to use it.

    python bench/search.py --sizes 1000,10000 [--runs 3] [--browser-runs 3]

For each size it generates a deterministic archive with ../shared/bench/to_archive.py (cached under
bench/.cache/), builds it cold several times with `archive build -v` (empty site/ each time) and takes the
medians of the whole build, of the "search index" stage and of its share of the build; measures site/pagefind/;
then serves the site on 127.0.0.1 and, in Debian's Chromium with a fresh browser context (empty cache) per
measurement, counts the bytes downloaded for a first query of a common and of a rare word, and for entity
suggestions while typing a two- and a four-letter prefix. It prints a Markdown table and writes the raw numbers
with the machine to bench/results/search-<YYYY-MM-DD>.json. See bench/README.md for what each figure means.
"""
from __future__ import annotations

import argparse
import datetime as dt
import functools
import gzip
import json
import re
import statistics
import sys
import threading
import time
import unicodedata
from collections import Counter
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

from common import (RESULTS, RUN_PREFIX, build_once, clean_start, corpus, folder_size, keep_last,
                    machine, median, runs_per_size, settle, write_results)

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
WAIT_MS = 30_000  # the longest wait for results or suggestions
QUIET_MS = 600  # the network counts as done after this long with no request in flight
KEY_DELAY_MS = 120  # between keystrokes when typing a prefix (a quick typist)
TARGET_QUERY = 300_000  # issue 3: first query at 10,000 articles
TARGET_SUGGEST = 50_000  # issue 3: suggestions
COMPRESSIBLE = (".html", ".css", ".js", ".mjs", ".json", ".svg", ".xml", ".txt")


# ---- the corpus -------------------------------------------------------------------------------

def _article_words(folder: Path) -> tuple[int, Counter, set[str]]:
    """Articles, document frequency of each word of the article bodies (markup dropped), and every word of
    the archive (bodies, titles, records) for checking that a rare word is not a prefix of another."""
    df: Counter = Counter()
    vocabulary: set[str] = set()
    articles = 0
    for path in (folder / "content").rglob("*.md"):
        text = path.read_text(encoding="utf-8").lower()
        words = set(re.findall(r"[a-z]+", text))
        vocabulary |= words
        if "articles" in path.relative_to(folder / "content").parts[:1]:
            articles += 1
            body = text.split("\n---\n", 1)[-1]
            body = re.sub(r"\{[^}]*\}", " ", body)  # annotation attributes: ids, claimants, stances
            df.update(set(re.findall(r"[a-z]+", body)))
    return articles, df, vocabulary


def pick_words(folder: Path, common: str | None, rare: str | None) -> dict:
    """A common word (the given one, else "said" when most articles have it, else the most widespread word of
    four letters or more) and a rare one (given, else the first, alphabetically, of the words of seven letters
    or more in exactly one article body that share their first six letters with no other word anywhere,
    since Pagefind also matches words by prefix)."""
    articles, df, vocabulary = _article_words(folder)
    if common is None:
        common = "said" if df["said"] > articles / 2 else max(
            (w for w in df if len(w) >= 4), key=lambda w: (df[w], w))
    if rare is None:
        stems = Counter(w[:6] for w in vocabulary if len(w) >= 6)
        rare = min((w for w, c in df.items() if c == 1 and len(w) >= 7 and stems[w[:6]] == 1),
                   default=None) or min(w for w, c in df.items() if c == 1)
    return {"articles": articles, "common": common, "common_articles": df[common],
            "rare": rare, "rare_articles": df[rare]}


# ---- measuring the output ---------------------------------------------------------------------

def _gzip_size(path: Path) -> int:
    return len(gzip.compress(path.read_bytes(), compresslevel=6, mtime=0))


def measure_output(site: Path) -> dict:
    """The bundle's size by kind of file (Pagefind's index, fragments, filters; the rest of each part; the
    scripts at the top), added up over the parts of the index (generator/search.py)."""
    bundle = site / "pagefind"
    total, files = folder_size(bundle)
    indexes = [bundle / part for part in json.loads((bundle / "indexes.json").read_text())]
    parts: dict[str, dict[str, int]] = {}
    pages = 0
    for index in indexes:
        entry = json.loads((index / "pagefind-entry.json").read_text())
        pages += sum(lang.get("page_count", 0) for lang in entry.get("languages", {}).values())
        for sub in index.iterdir():
            kind = sub.name if sub.is_dir() else "(rest of each part)"
            size = folder_size(sub) if sub.is_dir() else (sub.stat().st_size, 1)
            found = parts.setdefault(kind, {"bytes": 0, "files": 0})
            found["bytes"] += size[0]
            found["files"] += size[1]
    loose = [p for p in bundle.iterdir() if p.is_file()]
    parts["(top level)"] = {"bytes": sum(p.stat().st_size for p in loose), "files": len(loose)}
    site_bytes, site_files = folder_size(site)
    return {"pagefind_bytes": total, "pagefind_files": files, "pagefind_parts": parts, "pagefind_indexes": len(indexes),
            "pagefind_pages": pages, "site_bytes": site_bytes, "site_files": site_files,
            "suggest": measure_suggest(site / "search" / "suggest")}


# ---- the suggestion index, offline ------------------------------------------------------------

def fold(text: str) -> str:
    """As generator/render/suggest.py and search.js fold names and what the reader types."""
    bare = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).lower()
    return " ".join(re.findall(r"[^\W_]+", bare))


def shard_name(prefix: str) -> str:
    return prefix if re.match(r"^[a-z0-9]+$", prefix) else "u" + "-".join(f"{ord(c):x}" for c in prefix)


def measure_suggest(folder: Path) -> dict:
    """Shard sizes, and the worst case of typing: the shards one reader fetches typing a word letter by letter
    (search.js fetches the manifest, then the shard for each prefix it reaches, from the second letter)."""
    shards = {p.stem: p for p in folder.glob("*.json") if p.name != "index.json"}
    split = set(json.loads((folder / "index.json").read_text())["split"])
    sizes = {name: p.stat().st_size for name, p in shards.items()}
    largest = max(sizes, key=lambda name: (sizes[name], name))
    entries = {}
    for path in shards.values():
        for entry in json.loads(path.read_text()):
            entries[entry["i"]] = entry

    def shard_for(typed: str) -> str:  # as suggestionsFor() in search.js
        length = 2
        while typed[:length] in split and len(typed) > length:
            length += 1
        return shard_name(typed[:length])

    def chain(word: str) -> list[str]:
        return list(dict.fromkeys(shard_for(word[:k]) for k in range(2, len(word) + 1)))

    words = {w for e in entries.values() for form in e["k"] for w in form.split() if len(w) > 1}
    index_bytes = (folder / "index.json").stat().st_size
    worst_word = max(words, key=lambda w: (sum(sizes.get(s, 0) for s in chain(w)), w))
    worst = chain(worst_word)
    worst_gzip = _gzip_size(folder / "index.json") + sum(_gzip_size(shards[name]) for name in worst if name in shards)
    top = max(entries.values(), key=lambda e: (e["c"], e["n"]))
    return {"shards": len(shards), "split_prefixes": len(split), "entities": len(entries),
            "total_bytes": sum(sizes.values()) + index_bytes, "index_json_bytes": index_bytes,
            "median_shard_bytes": statistics.median(sizes.values()),
            "largest_shard": {"file": f"{largest}.json", "bytes": sizes[largest],
                              "gzip_bytes": _gzip_size(shards[largest])},
            "shards_over_target": sorted(f"{n}.json ({b:,} B)" for n, b in sizes.items() if b > TARGET_SUGGEST),
            "worst_typing": {"word": worst_word, "shards": worst,
                             "bytes": index_bytes + sum(sizes.get(s, 0) for s in worst), "gzip_bytes": worst_gzip},
            "top_entity": {"id": top["i"], "name": top["n"], "articles": top["c"]}}


def frequent_entity(suggest: dict, folder: Path) -> tuple[str, str]:
    """The most-mentioned entity whose name starts with a word of four letters or more: (name, folded word)."""
    best = None
    for path in folder.glob("*.json"):
        if path.name == "index.json":
            continue
        for e in json.loads(path.read_text()):
            first = fold(e["n"]).split(" ")[0]
            if len(first) >= 4 and (best is None or (e["c"], e["n"]) > (best["c"], best["n"])):
                best = e
    return best["n"], fold(best["n"]).split(" ")[0]


# ---- the browser ------------------------------------------------------------------------------

class _Handler(SimpleHTTPRequestHandler):
    """Serves the site and records, per request, the path, the status and the body bytes it sent."""
    extensions_map = {**SimpleHTTPRequestHandler.extensions_map, ".js": "text/javascript",
                      ".mjs": "text/javascript", ".wasm": "application/wasm", ".json": "application/json"}

    def do_GET(self) -> None:
        self._code, self._sent = None, 0
        try:
            super().do_GET()
        finally:
            with self.server.lock:
                self.server.log.append({"path": unquote(urlsplit(self.path).path), "status": self._code,
                                        "bytes": self._sent})

    def log_request(self, code="-", size="-") -> None:
        self._code = int(code)

    def copyfile(self, source, outputfile) -> None:
        while chunk := source.read(1 << 16):
            outputfile.write(chunk)
            self._sent += len(chunk)

    def log_message(self, format, *args):  # noqa: A002 - the stdlib's signature
        pass


class Server:
    """The site on a free 127.0.0.1 port, from a background thread (no compression, like a plain host).
    `log` lists every request served, with the body bytes sent: the figures come from here."""

    def __init__(self, folder: Path) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Handler, directory=str(folder)))
        self.server.daemon_threads = True
        self.server.lock = threading.Lock()
        self.server.log = []
        self.thread = threading.Thread(target=self.server.serve_forever, name="bench-http", daemon=True)

    @property
    def log(self) -> list[dict]:
        with self.server.lock:
            return list(self.server.log)

    def __enter__(self) -> "Server":
        self.thread.start()
        self.root = f"http://127.0.0.1:{self.server.server_address[1]}/"
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


class Traffic:
    """Waits for the network of one browser context to go quiet; sums what the server sent meanwhile."""

    def __init__(self, context, server: Server, site: Path) -> None:
        self.server, self.site = server, site
        self.in_flight = 0
        self.last_change = time.monotonic()
        self.failed: list[str] = []
        self.start = len(server.log)
        context.on("request", self._start)
        context.on("requestfinished", self._finish)
        context.on("requestfailed", self._fail)

    def _start(self, request) -> None:
        self.in_flight += 1
        self.last_change = time.monotonic()

    def _finish(self, request) -> None:
        self.in_flight -= 1
        self.last_change = time.monotonic()

    def _fail(self, request) -> None:
        self._finish(request)
        self.failed.append(f"{request.url}: {request.failure}")

    def settle(self, page) -> None:
        """Wait until no request has been in flight for QUIET_MS."""
        deadline = time.monotonic() + WAIT_MS / 1000
        while time.monotonic() < deadline:
            if self.in_flight <= 0 and time.monotonic() - self.last_change >= QUIET_MS / 1000:
                return
            page.wait_for_timeout(50)

    def mark(self) -> None:
        self.start = len(self.server.log)

    def summary(self) -> dict:
        rows = []
        for entry in self.server.log[self.start:]:
            path = entry["path"][1:]
            file = self.site / (path + "index.html" if path.endswith("/") or not path else path)
            gz = entry["bytes"]
            if entry["status"] == 200 and file.is_file() and file.suffix in COMPRESSIBLE:
                gz = _gzip_size(file)
            rows.append({"path": path, "status": entry["status"], "body_bytes": entry["bytes"],
                         "gzip_bytes": gz, "group": group_of(path)})

        def total(select, key="body_bytes"):
            return sum(r[key] for r in rows if select(r["path"]))

        everything = lambda p: True  # noqa: E731
        pagefind = lambda p: p.startswith("pagefind/")  # noqa: E731
        suggest = lambda p: p.startswith("search/suggest/")  # noqa: E731
        groups: Counter = Counter()
        for r in rows:
            groups[r["group"]] += r["body_bytes"]
        return {"requests": len(rows), "all_bytes": total(everything), "pagefind_bytes": total(pagefind),
                "suggest_bytes": total(suggest), "all_gzip_bytes": total(everything, "gzip_bytes"),
                "pagefind_gzip_bytes": total(pagefind, "gzip_bytes"), "suggest_gzip_bytes": total(suggest, "gzip_bytes"),
                "by_group": dict(groups.most_common()), "files": rows,
                "not_ok": [f"{r['path']}: {r['status']}" for r in rows if r["status"] != 200], "failed": list(self.failed)}


def group_of(path: str) -> str:
    """What a downloaded file is, for the breakdown of where the bytes go."""
    if path.startswith("search/suggest/"):
        return "suggest shards" if not path.endswith("index.json") else "suggest manifest"
    if path.startswith("pagefind/"):
        name = path[len("pagefind/"):]
        for prefix, label in (("fragment/", "pagefind fragments"), ("index/", "pagefind index chunks"),
                              ("filter/", "pagefind filters")):
            if name.startswith(prefix):
                return label
        if name.endswith(".pf_meta"):
            return "pagefind meta"
        if name.startswith("wasm."):
            return "pagefind wasm"
        return "pagefind js/json"
    return "page (html, css, js)"


@contextmanager
def fresh_page(browser, server: Server, site: Path):
    """A page in an empty browser context (no cache), with its traffic counted and its JavaScript errors kept."""
    context = browser.new_context()
    try:
        traffic = Traffic(context, server, site)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        yield page, traffic, errors
    finally:
        context.close()


def measure_query(browser, server: Server, site: Path, word: str) -> dict:
    """Open search/?q=WORD in an empty context; wait for the first results and for the network to settle."""
    with fresh_page(browser, server, site) as (page, traffic, errors):
        started = time.perf_counter()
        page.goto(f"{server.root}search/?q={word}")
        page.wait_for_function(
            "() => { const s = document.getElementById('status').textContent;"
            " return /^No results/.test(s) || (/results? for/.test(s)"
            " && document.querySelectorAll('#results li').length > 0); }", timeout=WAIT_MS)
        shown_ms = (time.perf_counter() - started) * 1000
        traffic.settle(page)
        status = page.locator("#status").text_content() or ""
        found = re.match(r"(\d+) results? for", status)
        result = traffic.summary()
        result.update({"word": word, "results": int(found.group(1)) if found else 0, "status": status,
                       "results_shown_ms": shown_ms, "page_errors": errors})
        return result


def measure_typing(browser, server: Server, site: Path, prefix: str) -> dict:
    """Open search/ in an empty context, type PREFIX into #q letter by letter, wait for the suggestions;
    counts only what is downloaded from the first keystroke on."""
    with fresh_page(browser, server, site) as (page, traffic, errors):
        page.goto(f"{server.root}search/")
        traffic.settle(page)
        traffic.mark()
        page.locator("#q").press_sequentially(prefix, delay=KEY_DELAY_MS)
        try:
            page.wait_for_selector("#suggestions:not([hidden]) li", timeout=WAIT_MS)
        except Exception:  # no suggestion: recorded as none
            pass
        traffic.settle(page)
        shown = page.locator("#suggestions li").all_text_contents()
        result = traffic.summary()
        result.update({"prefix": prefix, "suggestions": shown, "page_errors": errors})
        return result


def browse(site: Path, words: dict, entity_word: str, runs: int) -> dict:
    from playwright.sync_api import sync_playwright

    plans = {"common": lambda b, r: measure_query(b, r, site, words["common"]),
             "rare": lambda b, r: measure_query(b, r, site, words["rare"]),
             "suggest2": lambda b, r: measure_typing(b, r, site, entity_word[:2]),
             "suggest4": lambda b, r: measure_typing(b, r, site, entity_word[:4])}
    raw: dict[str, list[dict]] = {name: [] for name in plans}
    with Server(site) as server, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            version = browser.version
            for _ in range(runs):
                for name, plan in plans.items():
                    raw[name].append(plan(browser, server))
        finally:
            browser.close()
    return {"chromium": version, "runs": raw}


# ---- reporting --------------------------------------------------------------------------------

def summarise(size: dict) -> dict:
    builds = size["builds"]
    stages = sorted({s for b in builds for s in b["stages_s"]}, key=list(builds[0]["stages_s"]).index)
    summary = {"wall_s": median([b["wall_s"] for b in builds]),
               "stages_s": {s: median([b["stages_s"].get(s) for b in builds]) for s in stages},
               "search_s": median([b["stages_s"].get("search index") for b in builds]),
               "search_share": median([b["search_share"] for b in builds]),
               "peak_rss_bytes": median([b["peak_rss_bytes"] for b in builds])}
    plain = size.get("builds_no_search") or []
    if plain:
        summary["no_search_wall_s"] = median([b["wall_s"] for b in plain])
        summary["no_search_peak_rss_bytes"] = median([b["peak_rss_bytes"] for b in plain])
        summary["with_over_without"] = summary["wall_s"] / summary["no_search_wall_s"]
    for name, runs in size["browser"]["runs"].items():
        keys = ("all_bytes", "pagefind_bytes", "suggest_bytes", "all_gzip_bytes", "pagefind_gzip_bytes",
                "suggest_gzip_bytes", "requests")
        summary[name] = {k: median([r[k] for r in runs]) for k in keys}
        if "results" in runs[0]:
            summary[name]["results"] = runs[0]["results"]
            summary[name]["results_shown_ms"] = median([r["results_shown_ms"] for r in runs])
        if "suggestions" in runs[0]:
            summary[name]["suggestions"] = runs[0]["suggestions"]
        summary[name]["by_group"] = runs[0]["by_group"]
    return summary


def kb(n) -> str:
    return "–" if n is None else f"{n / 1000:,.1f} kB"


def table(sizes: list[dict]) -> str:
    heads = [f"{s['articles']:,} articles" for s in sizes]
    rows: list[tuple[str, list[str], str]] = []

    def row(label, values, target=""):
        rows.append((label, values, target))

    S = [s["summary"] for s in sizes]
    row("cold builds measured", [str(len(s["builds"])) for s in sizes])
    row("whole build, wall (median)", [f"{x['wall_s']:.2f} s" for x in S])
    for stage in S[-1]["stages_s"]:
        row(f"· stage {stage}", [f"{x['stages_s'].get(stage, 0):.2f} s" for x in S])
    row("**search index share of build**", [f"**{x['search_share']:.0%}**" for x in S])
    row("peak RSS of the build (incl. Pagefind)", [f"{x['peak_rss_bytes'] / 2**20:,.0f} MiB" for x in S])
    if all("no_search_wall_s" in x for x in S):
        row("build with --no-search, wall", [f"{x['no_search_wall_s']:.2f} s" for x in S])
        row("· build with search / without", [f"{x['with_over_without']:.2f}×" for x in S])
        row("· peak RSS with --no-search", [f"{x['no_search_peak_rss_bytes'] / 2**20:,.0f} MiB" for x in S])
    row("site/ size", [f"{s['output']['site_bytes'] / 1e6:,.1f} MB, {s['output']['site_files']:,} files"
                       for s in sizes])
    row("pagefind/ size", [f"{s['output']['pagefind_bytes'] / 1e6:,.1f} MB, {s['output']['pagefind_files']:,} files"
                           for s in sizes])
    row("· pagefind/ share of site/ bytes",
        [f"{s['output']['pagefind_bytes'] / s['output']['site_bytes']:.0%}" for s in sizes])
    row("pages in the index · its parts", [f"{s['output']['pagefind_pages']:,} · {s['output']['pagefind_indexes']}"
                                            for s in sizes])
    for key, label in (("common", "common"), ("rare", "rare")):
        words = [f"“{s['words'][key]}” ({s['words'][key + '_articles']:,} art., "
                 f"{x[key]['results']:,} result{'' if x[key]['results'] == 1 else 's'})" for s, x in zip(sizes, S)]
        row(f"{label} word", words)
        row("· first query, all bytes", [kb(x[key]["all_bytes"]) for x in S], "< 300 kB at 10,000")
        row("· first query, pagefind/ only", [kb(x[key]["pagefind_bytes"]) for x in S])
        row("· first query, all bytes if the host gzips text", [kb(x[key]["all_gzip_bytes"]) for x in S],
            "< 300 kB at 10,000")
        row("· requests / results shown after", [f"{x[key]['requests']:.0f} / {x[key]['results_shown_ms']:.0f} ms"
                                                  for x in S])
    for key, n in (("suggest2", 2), ("suggest4", 4)):
        row(f"typing {n} letters of the top entity",
            [f"“{s['entity']['word'][:n]}” → {len(x[key]['suggestions'])} suggestions" for s, x in zip(sizes, S)])
        row("· search/suggest/ bytes", [kb(x[key]["suggest_bytes"]) for x in S], "< 50 kB")
        row("· search/suggest/ bytes if gzipped", [kb(x[key]["suggest_gzip_bytes"]) for x in S])
        row("· all bytes (the debounced search runs too)", [kb(x[key]["all_bytes"]) for x in S])
    row("largest suggestion shard (gzipped)",
        [f"{s['output']['suggest']['largest_shard']['file']} {kb(s['output']['suggest']['largest_shard']['bytes'])} "
         f"({kb(s['output']['suggest']['largest_shard']['gzip_bytes'])})" for s in sizes], "< 50 kB")
    row("worst word typed out, suggest bytes (gzipped)",
        [f"“{s['output']['suggest']['worst_typing']['word']}” {kb(s['output']['suggest']['worst_typing']['bytes'])} "
         f"({kb(s['output']['suggest']['worst_typing']['gzip_bytes'])})" for s in sizes], "< 50 kB")
    row("suggestion shards / total", [f"{s['output']['suggest']['shards']:,} / "
                                      f"{kb(s['output']['suggest']['total_bytes'])}" for s in sizes])
    lines = ["| figure | " + " | ".join(heads) + " | target |", "|---" * (len(heads) + 2) + "|"]
    for label, values, target in rows:
        lines.append(f"| {label} | " + " | ".join(values) + f" | {target} |")
    return "\n".join(lines)


def breakdown(size: dict) -> str:
    S = size["summary"]
    groups = sorted({g for k in ("common", "rare", "suggest4") for g in S[k]["by_group"]})
    lines = [f"Where the bytes of a first query go, {size['articles']:,} articles (body bytes, no compression):", "",
             "| file group | common | rare | typing 4 letters |", "|---|---|---|---|"]
    for g in sorted(groups, key=lambda g: -S["common"]["by_group"].get(g, 0)):
        lines.append(f"| {g} | " + " | ".join(kb(S[k]["by_group"].get(g, 0)) for k in ("common", "rare", "suggest4"))
                     + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000", help="article counts, comma-separated (default 1000,10000)")
    parser.add_argument("--runs", default="3",
                        help="cold builds per size: one number, or one per size (e.g. 3,2) (default 3)")
    parser.add_argument("--no-search-runs", type=int, default=1,
                        help="cold builds per size with --no-search, for the build without search (default 1)")
    parser.add_argument("--browser-runs", type=int, default=3, help="browser measurements of each kind (default 3)")
    parser.add_argument("--seed", type=int, default=42, help="corpus seed (default 42, as to_archive.py)")
    parser.add_argument("--common", help="the common word to search for (default: chosen from the corpus)")
    parser.add_argument("--rare", help="the rare word to search for (default: chosen from the corpus)")
    parser.add_argument("--out", type=Path, help="the JSON file (default bench/results/search-<date>.json)")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    runs = runs_per_size(args.runs, sizes)
    if runs is None:
        parser.error("--runs takes one number, or one per size, each at least 1")
    if not CHROMIUM.is_file():
        parser.error(f"no Chromium at {CHROMIUM}: install Debian's chromium (apt-get install chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        parser.error("Playwright for Python is missing: run with the project's venv (.venv/bin/python bench/search.py)")

    started = time.perf_counter()
    clean_start()
    results = []
    for n, count in zip(sizes, runs):
        folder = corpus(n, args.seed)
        words = pick_words(folder, args.common, args.rare)
        settle()
        plain = []  # first, so that the last build leaves the site with its search index
        for i in range(args.no_search_runs):
            print(f"{n:,} articles: cold build --no-search {i + 1}/{args.no_search_runs} ...", file=sys.stderr, flush=True)
            plain.append(build_once(folder, f"{RUN_PREFIX}{len(plain) + 1}-no-search", search=False))
            print(f"  {plain[-1]['wall_s']:.2f} s, stages {plain[-1]['stages_s']}", file=sys.stderr, flush=True)
        builds = []
        for i in range(count):
            print(f"{n:,} articles: cold build {i + 1}/{count} ...", file=sys.stderr, flush=True)
            builds.append(build_once(folder, f"{RUN_PREFIX}{len(builds) + 1}"))
            print(f"  {builds[-1]['wall_s']:.2f} s, stages {builds[-1]['stages_s']}", file=sys.stderr, flush=True)
        site = folder / builds[-1]["out"]
        output = measure_output(site)
        entity_name, entity_word = frequent_entity(output["suggest"], site / "search" / "suggest")
        print(f"{n:,} articles: browser, {args.browser_runs} run(s): “{words['common']}”, “{words['rare']}”, "
              f"typing “{entity_word[:2]}”/“{entity_word[:4]}” ({entity_name}) ...", file=sys.stderr, flush=True)
        browser = browse(site, words, entity_word, args.browser_runs)
        size = {"articles": n, "seed": args.seed, "corpus": str(folder), "words": words,
                "entity": {"name": entity_name, "word": entity_word}, "builds": builds,
                "builds_no_search": plain, "output": output,
                "browser": browser}
        size["summary"] = summarise(size)
        results.append(size)
    for size in results:  # deleted only now: see build_once
        keep_last(Path(size["corpus"]), size["builds"][-1]["out"])

    report = table(results)
    print()
    print(report)
    print()
    print(breakdown(results[-1]))
    info = machine()
    info["chromium"] = results[-1]["browser"]["chromium"]
    print()
    print(f"Machine: {info['nproc']} CPUs ({info['cpu_model']}), {info['ram_bytes'] / 2**30:.1f} GiB RAM; "
          f"Pagefind {info['pagefind']}, Chromium {info['chromium']}; commit {info['git_commit'][:10]}"
          f"{' + uncommitted changes' if info['git_dirty'] else ''}. Benchmark took "
          f"{(time.perf_counter() - started) / 60:.1f} min.")
    out = args.out or RESULTS / f"search-{dt.date.today().isoformat()}.json"
    write_results(out, "search.py", argv, {"machine": info, "targets": {"first_query_bytes": TARGET_QUERY,
                                                                       "suggest_bytes": TARGET_SUGGEST},
                                           "sizes": results, "table": report})
    return 0


if __name__ == "__main__":
    sys.exit(main())
