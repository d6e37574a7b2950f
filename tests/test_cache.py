import pickle

from generator import cache
from generator.cache import Cache


def test_parses_cached_by_other_code_of_the_generator_are_not_used(tmp_path, monkeypatch):
    key = ("content/articles/a.md", "0" * 32)
    kept = Cache(tmp_path)
    kept.add_parsed({key: pickle.dumps((None, []))})
    kept.close()
    assert Cache(tmp_path).parsed([key]) == {key: (None, [])}
    monkeypatch.setattr(cache, "generator_digest", lambda: "another version")
    assert Cache(tmp_path).parsed([key]) == {}
