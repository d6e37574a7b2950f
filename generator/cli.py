"""The `archive` command: a thin shell around build(); exit 0 ok, 1 content errors, 2 usage errors."""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from . import __version__
from .diagnostics import Diagnostic, UsageError

OK, CONTENT_ERROR, USAGE_ERROR = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="archive", description="Build a searchable static site from annotated articles.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("-C", dest="directory", type=Path, default=Path("."), metavar="DIR",
                        help="run as if started in DIR")
    common.add_argument("--strict", action="store_true", help="treat warnings as errors")
    loudness = common.add_mutually_exclusive_group()
    loudness.add_argument("-q", "--quiet", action="store_true", help="print only errors and warnings")
    loudness.add_argument("-v", "--verbose", action="store_true", help="print what each stage did")
    output = argparse.ArgumentParser(add_help=False)
    output.add_argument("--out", type=Path, metavar="DIR", help="write the site to DIR instead of site/")
    no_search = argparse.ArgumentParser(add_help=False)
    no_search.add_argument("--no-search", dest="search", action="store_false",
                           help="skip the search index (faster; the search page then finds nothing)")
    output.add_argument("--no-cache", dest="cache", action="store_const", const="off", default="on",
                        help="build everything from scratch, without reading or writing .archive-cache/")
    commands.add_parser("build", parents=[common, output, no_search], help="build the site into site/")
    commands.add_parser("check", parents=[common], help="validate everything, write nothing")
    serve_cmd = commands.add_parser("serve", parents=[common, no_search],
                                    help="build, serve and rebuild on every change")
    serve_cmd.add_argument("--out", type=Path, metavar="DIR", help="write the site to DIR instead of site/")
    serve_cmd.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    serve_cmd.add_argument("--port", type=int, default=8000, help="port to listen on (default: 8000)")
    serve_cmd.add_argument("--open", action="store_true", help="open the site in a web browser")
    serve_cmd.add_argument("--poll", action="store_true",
                           help="watch by polling (for network drives and containers without file events)")
    return parser


def _report(diagnostics: list[Diagnostic]) -> None:
    for diagnostic in diagnostics:
        print(diagnostic, file=sys.stderr)


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else many or one + 's'}"


def _summary(diagnostics: list[Diagnostic]) -> str:
    errors = sum(d.severity == "error" for d in diagnostics)
    return f"{_count(errors, 'error')}, {_count(len(diagnostics) - errors, 'warning')}"


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    root = args.directory
    if not root.is_dir():
        print(f"archive: error: -C {root}: no such folder", file=sys.stderr)
        return USAGE_ERROR
    started = time.perf_counter()
    try:
        if args.command == "check":
            from .build import check
            _, archive, diagnostics = check(root, strict=args.strict)
            _report(diagnostics)
            if archive is None:
                print(f"archive: check failed: {_summary(diagnostics)}", file=sys.stderr)
                return CONTENT_ERROR
            if not args.quiet:
                print(f"checked {_count(len(archive.articles), 'article')}: {_summary(diagnostics)}")
            return OK
        out = None if args.out is None else root / args.out  # as if started in DIR, like git -C
        if args.command == "serve":
            from .serve import serve  # its server, watcher and search client: for this command only
            return serve(root, out, args.host, args.port, strict=args.strict, poll=args.poll,
                         open_browser=args.open, search=args.search)
        result = None
        if args.cache == "on":  # a running `archive serve` of the archive builds it in a fraction of the time
            from .handoff import ask_serve
            result = ask_serve(root, out, strict=args.strict, search=args.search)
        if result is None:
            from .build import build  # (its imports are most of what a build with nothing to do takes)
            result = build(root, out=out, strict=args.strict, search=args.search, cache=args.cache)
    except UsageError as exc:
        print(f"archive: error: {exc}", file=sys.stderr)
        return USAGE_ERROR
    _report(result.diagnostics)
    if not result.ok:
        print(f"archive: build failed, the site was left as it was: {_summary(result.diagnostics)}", file=sys.stderr)
        return CONTENT_ERROR
    if args.verbose:
        index = ", and the search index" if result.indexed else ""  # (Pagefind's files: not counted in `written`)
        print(", ".join(f"{stage} {seconds:.3f} s" for stage, seconds in result.timings.items())
              + f"; {_count(result.written, 'file')} written or deleted{index}")
    if not args.quiet:
        n = result.counts
        what = (f"{_count(result.pages, 'page')} ({_count(n['articles'], 'article')}, "
                f"{_count(n['entities'], 'entity', 'entities')}, {_count(n['claims'], 'claim')}, "
                f"{_count(n['sources'], 'source')})")
        took = f"{time.perf_counter() - started:.2f} s: {_summary(result.diagnostics)}"
        print(f"built {what} into {result.out} in {took}" if result.written or result.indexed
              else f"up to date: {what} in {result.out}, checked in {took}")
    return OK
