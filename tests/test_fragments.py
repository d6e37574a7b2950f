"""`{% cached %}`: made once for each depth of page, with that depth's relative links."""
from __future__ import annotations

from generator.render.env import make_env, page_vars


def test_a_cached_fragment_is_made_once_per_depth(tmp_path):
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "t.html").write_text(
        "{% cached %}{{ made() }} {{ link('articles') }}{% endcached %} {{ page_path }}")
    made = []

    def template():
        env = make_env(tmp_path)
        env.globals["made"] = lambda: made.append(1) or len(made)
        return env.get_template("t.html")

    t = template()
    pages = ["", "articles/", "entities/", "articles/a/", "entities/b/", "claims/c/"]
    assert [t.render(**page_vars(p)) for p in pages] == [
        "1 articles/ ", "2 ../articles/ articles/", "2 ../articles/ entities/", "3 ../../articles/ articles/a/",
        "3 ../../articles/ entities/b/", "3 ../../articles/ claims/c/"]
    assert t.render(**page_vars("x/y/z/", "/base/")) == "4 /base/articles/ x/y/z/"
    assert template().render(**page_vars("")) == "5 articles/ "  # a new environment (changed settings): made again
