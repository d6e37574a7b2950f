"""The entity suggestion index (generator/render/suggest.py): its entries, its shards and its manifest, which the
search page (templates/assets/search.js) reads; the browser side is tested in test_search_browser.py."""
from __future__ import annotations

import json

from generator.build import check
from generator.render import suggest
from generator.render.suggest import fold, shard_name, suggestion_files
from tests.conftest import write_archive


def entity(name: str, description: str = "", aliases: str = "", body: str = "") -> str:
    """A record file: front matter (aliases as a YAML list, without brackets) and an optional body."""
    lines = [f"name: {name}", "type: organization"]
    lines += [f"aliases: [{aliases}]"] if aliases else []
    lines += [f"description: {description}"] if description else []
    return "---\n" + "\n".join(lines) + "\n---\n" + body


def shards_of(tmp_path, entities: dict[str, str]) -> tuple[dict, dict[str, list[dict]]]:
    root = write_archive(tmp_path / "archive", {f"content/entities/{k}.md": v for k, v in entities.items()})
    _, archive, diagnostics = check(root)
    assert archive is not None, diagnostics
    files = suggestion_files(archive)
    manifest = json.loads(files.pop("search/suggest/index.json"))
    return manifest, {path.rsplit("/", 1)[1][:-5]: json.loads(data) for path, data in files.items()}


def test_entries_say_whether_the_entity_is_in_the_full_text_index(tmp_path):
    manifest, shards = shards_of(tmp_path, {
        "bare": entity("Bare Name"),
        "described": entity("Described Thing", description="Something to say."),
        "with-body": entity("Bodied Thing", body="A record body.\n"),
        "aliased": entity("Ürümqi Office", aliases="Urumqi Bureau"),
    })
    entries = {e["i"]: e for shard in shards.values() for e in shard}
    assert entries["bare"] == {"i": "bare", "n": "Bare Name", "t": "organization", "c": 0, "k": ["bare name"]}
    assert entries["described"]["f"] == 1 and entries["with-body"]["f"] == 1
    assert entries["aliased"]["k"] == ["urumqi office", "urumqi bureau"] and "f" not in entries["aliased"]
    assert set(shards) == {"ba", "na", "de", "th", "bo", "ur", "of", "bu"}
    assert manifest == {"version": 2, "split": [], "capped": [],
                        "next": {"b": "aou", "d": "e", "n": "a", "o": "f", "t": "h", "u": "r"}}


def test_big_shards_split_by_prefix_and_a_common_whole_word_is_capped(tmp_path, monkeypatch):
    monkeypatch.setattr(suggest, "SHARD_BYTES", 400)
    monkeypatch.setattr(suggest, "TOP_OF_SPLIT", 2)
    names = {f"o{i}": entity(f"{word} Authority") for i, word in
             enumerate(["Alpha", "Beta", "Gamma", "Delta", "Epsilon", "Zeta", "Eta"])}
    manifest, shards = shards_of(tmp_path, names)
    # "au" is too big, and so are "aut" ... "authority", a whole word: its shard keeps the two most mentioned
    assert manifest["capped"] == ["authority"]
    assert manifest["split"] == ["au", "aut", "auth", "autho", "author", "authori", "authorit"]
    assert manifest["next"]["au"] == "t" and manifest["next"]["authorit"] == "y"
    assert len(shards["authority"]) == 2 and len(shards["au"]) == 2
    # every shard the manifest announces exists, and nothing else
    announced = {k + c for k, cs in manifest["next"].items() for c in cs}
    assert {shard_name(p) for p in announced} == set(shards)
    every = {e["i"] for shard in shards.values() for e in shard}
    assert every == set(names), "every entity is in some shard under each of its words but the capped one"
    for i, word in enumerate(["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta"]):
        assert any(e["i"] == f"o{i}" for e in shards[word[:2]]), word
    assert fold("Ürümqi  Office") == "urumqi office"
