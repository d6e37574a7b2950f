"""The Jinja environment's shortcuts (render/env.py) render what Jinja's own code would."""
from __future__ import annotations

from generator.render.env import make_env

MACROS = """\
{% macro plain(x) %}<b>{{ x }}</b>{% endmacro %}
{% macro defaults(x, y="d") %}{{ x }}{{ y }}{% endmacro %}
{% macro wrap() %}[{% if caller is defined %}{{ caller() }}{% endif %}]{% endmacro %}
{% macro rest() %}{{ varargs|join(",") }};{{ kwargs.k }}{% endmacro %}
"""


def render(tmp_path, source: str, **context: object) -> str:
    (tmp_path / "templates").mkdir(exist_ok=True)
    (tmp_path / "templates" / "t.html").write_text(MACROS + source)
    return make_env(tmp_path).get_template("t.html").render(**context)


def test_macros_called_with_exactly_their_arguments_give_markup(tmp_path):
    # (a string would be escaped once more where it is shown)
    assert render(tmp_path, '{{ plain("<i>") }}|{{ plain("<i>")|e }}|{% for i in [1] %}{{ plain(i) }}{% endfor %}') \
        == "<b>&lt;i&gt;</b>|<b>&lt;i&gt;</b>|<b>1</b>"


def test_macros_with_defaults_keywords_caller_or_extra_arguments(tmp_path):
    assert render(tmp_path, '{{ defaults(1) }}|{{ defaults(1, y=2) }}|{% call wrap() %}in{% endcall %}|'
                            '{{ wrap() }}|{{ rest(1, 2, k=3) }}') == "1d|12|[in]|[]|1,2;3"


def test_links_from_a_page_at_any_depth_or_from_the_base_path():
    from generator.render.env import page_vars
    home, deep, anywhere = page_vars(""), page_vars("entities/x/page/2/"), page_vars("404.html", "/base/")
    assert [home["link"]("home"), home["link"]("entity", "x"), home["url"]("#top")] == ["./", "entities/x/", "#top"]
    assert [deep["link"]("home"), deep["link"]("claim", "c", 3), deep["url"]("https://x.org/")] \
        == ["../../../../", "../../../../claims/c/page/3/", "https://x.org/"]
    assert [anywhere["link"]("home"), anywhere["link"]("source", "s"), anywhere["url"]("mailto:a@b.c")] \
        == ["/base/", "/base/sources/s/", "mailto:a@b.c"]
