"""An article's claim tags are paired with its claims by the claim's index in the body, not by their order among
the claims that resolved: a refused claim (an error today) must not shift the tags after it."""
from __future__ import annotations

from generator.render.views import Graph
from generator.resolve import resolve
from tests.test_resolve_update import CONFIG, RECORDS, article, parsed


def test_a_claim_tag_shows_its_own_claim_after_a_refused_one() -> None:
    body = "[First words]{claim=Not_An_Id by=acme} and [camps exist]{claim=camps by=acme}."
    resolution = resolve(list(parsed({**RECORDS, "content/articles/a.md": article("2021-01-01", body)}).values()),
                         CONFIG)
    assert any("claim id 'Not_An_Id'" in str(p) for p in resolution.problems)
    archive = resolution.archive
    [shown] = archive.articles
    html = Graph(archive, lambda doc: "").article(shown, "articles/x/")["body"]
    first, second = html.split("camps exist")
    assert "claim-tag" not in first
    assert 'id="appearance-2"' in second and "../../claims/camps/" in second
