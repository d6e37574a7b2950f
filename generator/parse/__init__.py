"""parse: one source file into a Document, its body rendered with holes for what resolution decides.

Pure: reads no other file, so it can be cached by digest.
"""
from __future__ import annotations

from ..diagnostics import Diagnostic, Loc
from ..model import Document, SourceFile
from .annotations import Collected
from .body import pack, prerender
from .frontmatter import read_front_matter
from .markdown import make_parser
from .positions import LineMap
from .schema import SCHEMAS, check_fields

__all__ = ["decode", "parse_file"]


def decode(file: SourceFile) -> tuple[str | None, list[Diagnostic]]:
    """UTF-8 text with a byte-order mark dropped and line endings made `\\n`."""
    try:
        text = file.data.decode("utf-8")
    except UnicodeDecodeError as exc:
        # the bytes before the bad one are valid: count lines and columns (characters) in them as in the text
        before = _normalise(file.data[: exc.start].decode("utf-8"))
        line_start = before.rfind("\n") + 1
        where = Loc(file.path, before.count("\n") + 1, len(before) - line_start + 1)
        byte = file.data[exc.start]
        return None, [where.error(f"file is not valid UTF-8 (byte 0x{byte:02x}): save it with UTF-8 encoding")]
    return _normalise(text), []


def _normalise(text: str) -> str:
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def parse_file(file: SourceFile, compress: bool = True) -> tuple[Document | None, list[Diagnostic]]:
    """`compress`: whether the body is kept compressed (`body.pack`)."""
    text, diagnostics = decode(file)
    if text is None:
        return None, diagnostics
    found = Collected(file.path, LineMap(text))
    tokens = make_parser().parse(text, {"annotations": found})
    start = Loc(file.path)
    if not tokens or tokens[0].type != "front_matter":
        closed = text.startswith("---")
        return None, [start.error("front matter is not closed: add a line '---' after it" if closed
                                  else "missing front matter: the file must start with a line '---'")]
    raw, problems = read_front_matter(file.path, tokens[0].content, 2)
    diagnostics += problems
    if raw is None:
        return None, diagnostics
    fields = check_fields(raw, SCHEMAS[file.kind], start, diagnostics)
    diagnostics += found.diagnostics + _note_problems(found)
    # claims count only in articles: in a record's body they get no claim tag
    body = pack(prerender(tokens[1:], found.claims if file.kind == "article" else ()), compress)
    doc = Document(path=file.path, kind=file.kind, fields=fields, body=body, mentions=found.mentions,
                   claims=found.claims, first_paragraph=found.first_paragraph or "", digest=file.digest)
    return doc, diagnostics


def _note_problems(found: Collected) -> list[Diagnostic]:
    problems = [loc.error(f"source note [^{label}] has no text: add a line '[^{label}]: ...'")
                for label, loc in found.note_refs if label not in found.note_defs]
    cited = {label for label, _ in found.note_refs}
    problems += [loc.warning(f"source note [^{label}] is never cited in the text")
                 for label, loc in found.note_defs.items() if label not in cited]
    return problems
