"""YAML front matter into a tree of values that remember their file positions."""
from __future__ import annotations

import yaml

from ..diagnostics import Diagnostic, Loc
from ..model import Field

_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_STR = "tag:yaml.org,2002:str"


class _Loader(_Base):  # type: ignore[misc, valid-type]
    """Safe YAML without implicit timestamps: dates are validated by us, with a position."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != _TIMESTAMP]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def read_front_matter(path: str, text: str, first_line: int) -> tuple[dict[str, Field] | None, list[Diagnostic]]:
    """Parse the YAML `text` that starts on file line `first_line` (1-based) into located fields."""
    def loc(mark: yaml.Mark) -> Loc:
        return Loc(path, mark.line + first_line, mark.column + 1)

    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return {}, []
        if not isinstance(node, yaml.MappingNode):
            return None, [loc(node.start_mark).error("front matter must be a mapping of keys to values")]
        return _mapping(loader, node, loc), _duplicates(node, loc)
    except yaml.reader.ReaderError as exc:
        # raised with no mark, and its position counts bytes in libyaml but characters in PyYAML;
        # the bad character (a code point: the input is text) is the first of its kind, so find it
        offset = max(text.find(chr(exc.character)), 0)
        where = Loc(path, first_line + text.count("\n", 0, offset), offset - text.rfind("\n", 0, offset))
        return None, [where.error(f"invalid YAML in front matter: {exc.reason} (U+{exc.character:04X})")]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = loc(mark) if mark else Loc(path, first_line)
        return None, [where.error(f"invalid YAML in front matter: {_explain(exc, loc)}")]
    except yaml.YAMLError as exc:
        return None, [Loc(path, first_line).error(f"invalid YAML in front matter: {exc}")]
    finally:
        loader.dispose()


def _explain(exc: yaml.MarkedYAMLError, loc) -> str:
    """PyYAML's problem, with what an editor needs to find the mistake."""
    problem = exc.problem or exc.context or "unreadable"
    if problem.startswith("mapping values are not allowed"):  # `title: Blinken: a visit`
        return f"{problem} (put a value that contains ': ' in quotes, and check the indentation)"
    if exc.problem and exc.context and exc.context_mark and exc.problem_mark \
            and exc.context_mark.line != exc.problem_mark.line:  # `tags: [a, b` is found out lines later
        return f"{problem} ({exc.context} that starts at line {loc(exc.context_mark).line})"
    return problem


def _located(loader: yaml.BaseLoader, node: yaml.Node, loc) -> Field:
    if isinstance(node, yaml.MappingNode):
        return Field(_mapping(loader, node, loc), loc(node.start_mark))
    if isinstance(node, yaml.SequenceNode):
        return Field([_located(loader, item, loc) for item in node.value], loc(node.start_mark))
    return Field(_scalar(loader, node), loc(node.start_mark))


def _scalar(loader: yaml.BaseLoader, node: yaml.Node) -> object:
    # a string is its node's value (what the constructor would return, through three Python calls)
    return node.value if node.tag == _STR else loader.construct_object(node, deep=True)


def _mapping(loader: yaml.BaseLoader, node: yaml.MappingNode, loc) -> dict[str, Field]:
    out: dict[str, Field] = {}
    for key_node, value_node in node.value:
        key = str(_scalar(loader, key_node))
        value = _located(loader, value_node, loc)
        key_loc = loc(key_node.start_mark)
        # a key with no value (`summary:`) points at the key, where the editor will look
        out[key] = Field(value.value, value.loc if value.value is not None else key_loc, key_loc)
    return out


def _duplicates(node: yaml.MappingNode, loc) -> list[Diagnostic]:
    seen: set[str] = set()
    found = []
    for key_node, _ in node.value:
        key = str(key_node.value)
        if key in seen:
            found.append(loc(key_node.start_mark).warning(f"duplicate key '{key}': the last value is used"))
        seen.add(key)
    return found


def plain(field: Field) -> object:
    """The value with positions removed, for fields handed to templates as they are."""
    value = field.value
    if isinstance(value, list):
        return [plain(item) for item in value]
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    return value
