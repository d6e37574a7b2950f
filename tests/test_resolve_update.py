"""resolve.update: an edit of articles alone, applied to the last resolution, equals resolving everything again;
and every edit that it cannot apply safely is handed back (None) for a whole resolution.
"""
from __future__ import annotations

import pytest

from generator.config import Config
from generator.load import FOLDERS
from generator.model import Document, SourceFile
from generator.parse import parse_file
from generator.render.data import archive_json
from generator.resolve import resolve
from generator.resolve.update import update

CONFIG = Config(title="T")
RECORDS = {
    "content/entities/jane-doe.md": "---\nname: Jane Doe\ntype: person\naliases: [Jane]\n---\n",
    "content/entities/acme.md": "---\nname: Acme\ntype: organization\n---\nAbout [[Jane Doe]].\n",
    "content/claims/camps.md": "---\nstatement: There are camps.\nabout: [acme]\n---\n",
    "content/sources/report.md": "---\ntitle: A report\nkind: report\npublisher: acme\n---\n",
    "content/entities/zeta.md": "---\nname: Zeta\ntype: place\n---\nNear [[Nowhere Land]].\n",
    "content/sources/memo.md": "---\ntitle: A memo\npublisher: Nobody Known\n---\n",
}


def article(day: str, body: str, extra: str = "") -> str:
    return f"---\ntitle: On {day}\ndate: {day}\n{extra}---\n{body}\n"


BASE = {
    "content/articles/a.md": article("2021-01-01", "[[Jane]] said [camps exist]{claim=camps source=report}."),
    "content/articles/b.md": article("2021-02-01", "[[Acme]] and [[Jane Doe]]; [loose words]{claim=loose by=acme}."),
    "content/articles/c.md": article("2021-03-01", "[[Acme]] said [it again]{claim=loose}."),
}


def parsed(files: dict[str, str]) -> dict[str, Document]:
    docs = {}
    for path, text in files.items():
        kind = FOLDERS[path.split("/")[1]]
        doc, _ = parse_file(SourceFile(path, kind, text.encode()))
        assert doc is not None
        docs[path] = doc
    return docs


def outcome(res) -> tuple[bytes, list[str], list[str], list[tuple]]:
    # (and what the pages of entities, sources and claims show beyond the export)
    a = res.archive
    shown = [(e.id, e.description, e.links, e.doc and e.doc.digest) for e in a.entities.values()] + [
        (s.id, s.publisher, s.date, s.extra, s.doc and s.doc.digest) for s in a.sources.values()] + [
        (c.id, c.about, c.related, c.doc and c.doc.digest) for c in a.claims.values()]
    return b"".join(archive_json(res.archive)[0] or []), sorted(map(str, res.problems)), sorted(res.live), shown


def edited(changes: dict[str, str | None]):
    """The last resolution of BASE, updated for `changes` (None deletes a file), and a whole resolution of them."""
    before = parsed({**RECORDS, **BASE})
    after = {**before, **parsed({p: t for p, t in changes.items() if t is not None})}
    for path in [p for p, t in changes.items() if t is None]:
        del after[path]
    last = resolve(list(before.values()), CONFIG)
    delta = {path: after.get(path) for path in before.keys() | after.keys()}  # unchanged ones are ignored
    return update(last, delta, CONFIG), resolve(list(after.values()), CONFIG)


@pytest.mark.parametrize("changes", [
    pytest.param({"content/articles/a.md": article("2021-01-01", "[[Acme]] now; [camps exist]{claim=camps}.")},
                 id="mentions and sources change"),
    pytest.param({"content/articles/a.md": article("2021-02-15", "[[Jane]] said [camps]{claim=camps}.")},
                 id="redated past another article"),
    pytest.param({"content/articles/b.md": article("2021-02-01", "[other words]{claim=loose by=acme}.")},
                 id="first wording of an implicit claim"),
    pytest.param({"content/articles/b.md": article("2021-04-01", "[[Acme]] [loose words]{claim=loose}.")},
                 id="implicit claim's first appearance moves"),
    pytest.param({"content/articles/b.md": None}, id="deleted"),
    pytest.param({"content/articles/d.md": article("2020-06-01", "[[Jane]] [early]{claim=loose source=report}.")},
                 id="added, first in the lists"),
    pytest.param({"content/articles/c.md": article("2021-03-01", "[[Acme]] [it again]{claim=loose}.",
                                                   "draft: true\n")}, id="made a draft"),
    pytest.param({"content/articles/a.md": article("2021-01-01", "[[Jane]] [x]{claim=camps source=nowhere}.")},
                 id="an unknown source"),
    pytest.param({"content/articles/c.md": article("2021-03-01", "[[Acme]] [it]{claim=loose}.", "slug: own\n")},
                 id="new slug"),
    pytest.param({"content/entities/acme.md": "---\nname: Acme\ntype: organization\ndescription: A firm.\n"
                                              "links: {website: 'https://acme.example'}\n---\nMore.\n\n"
                                              "About [[Jane Doe]].\n"},
                 id="a record's description, links and text"),
    pytest.param({"content/entities/zeta.md": "---\nname: Zeta\ntype: place\n---\nFar.\n\nNear [[Nowhere Land]].\n"},
                 id="a record's text moves the warning about its unknown entity"),
    pytest.param({"content/sources/report.md": "---\ntitle: A new title\nkind: dataset\nurl: https://r.example\n"
                                               "publisher: acme\n---\nMore.\n"},
                 id="a source record's title, kind, url and text"),
    pytest.param({"content/sources/report.md": "---\ntitle: A report\nkind: report\npublisher: acme\n---\n",
                  "content/sources/memo.md": "---\ntitle: A memo\n\npublisher: Nobody Known\n---\n"},
                 id="a source's unknown publisher, warned about at its new place"),
    pytest.param({"content/claims/camps.md": "---\nstatement: Camps exist.\nabout: [acme]\nrelated: [loose]\n---\n"
                                             "More.\n"},
                 id="a claim record's statement, related claims and text"),
    pytest.param({"content/claims/camps.md": "---\nstatement: There are camps.\nabout: [acme]\nrelated: [nosuch]\n"
                                             "---\n"},
                 id="a claim record's unknown related claim, reported"),
])
def test_update_equals_a_whole_resolution(changes: dict[str, str | None]) -> None:
    updated, whole = edited(changes)
    assert updated is not None, "this edit should be applied without resolving everything"
    assert outcome(updated) == outcome(whole)


@pytest.mark.parametrize("changes", [
    pytest.param({"content/entities/acme.md": "---\nname: Acme Corp\ntype: organization\n---\n"}, id="a record"),
    pytest.param({"content/entities/jane-doe.md": "---\nname: Jane Doe\ntype: person\naliases: [J. Doe]\n---\n"},
                 id="a record's aliases"),
    pytest.param({"content/entities/acme.md": "---\nname: Acme\ntype: organization\n---\nAbout [[Zeta]].\n"},
                 id="a record that mentions another entity"),
    pytest.param({"content/sources/report.md": "---\ntitle: A report\nkind: report\npublisher: jane-doe\n---\n"},
                 id="a source's publisher"),
    pytest.param({"content/claims/camps.md": "---\nstatement: There are camps.\nabout: [jane-doe]\n---\n"},
                 id="what a claim is about"),
    pytest.param({"content/articles/a.md": article("2021-01-01", "[[Someone New]] spoke.")},
                 id="a new implicit entity"),
    pytest.param({"content/articles/b.md": article("2021-02-01", "[[Acme]]."),
                  "content/articles/c.md": article("2021-03-01", "[[Acme]] said nothing.")},
                 id="an implicit claim loses its last appearance"),
    pytest.param({"content/articles/c.md": article("2021-03-01", "[[Acme]] said [x]{claim=brand-new}.")},
                 id="a new implicit claim"),
    pytest.param({"content/articles/c.md": article("2021-03-01", "[[Acme]] [it]{claim=loose}.", "slug: a\n")},
                 id="a slug another article has"),
    pytest.param({"content/articles/c.md": article(
        "2021-03-01", "[[Acme]] [it]{claim=loose}.", "entities:\n  local: {name: Local, type: person}\n")},
                 id="an entity defined in front matter"),
])
def test_edits_that_need_a_whole_resolution(changes: dict[str, str | None]) -> None:
    updated, _ = edited(changes)
    assert updated is None


def test_a_new_configuration_needs_a_whole_resolution() -> None:
    docs = list(parsed({**RECORDS, **BASE}).values())
    assert update(resolve(docs, CONFIG), {}, Config(title="Renamed")) is None


def test_an_article_refused_the_slug_another_took_is_resolved_again_when_the_other_changes() -> None:
    """d.md asks for a.md's slug and is refused; once a.md takes another, d.md gets it: not in an update of a.md
    alone, which would keep d.md refused with its error."""
    clash = parsed({**RECORDS, **BASE, "content/articles/d.md": article("2021-04-01", "Taken.", "slug: a\n")})
    last = resolve(list(clash.values()), CONFIG)
    assert "content/articles/d.md" not in last.live and last.refused
    renamed = parsed({"content/articles/a.md": article("2021-01-01", "[[Jane]] said it.", "slug: other\n")})
    assert update(last, renamed, CONFIG) is None
    whole = resolve(list({**clash, **renamed}.values()), CONFIG)
    assert whole.live["content/articles/d.md"].slug == "a" and not whole.refused
