"""Safe, bounded YAML reading that remembers where every value came from.

Catalogue files come from many hands, so this module only ever builds plain
data (the safe constructor), refuses files that are too big, too deep or that
expand through aliases, and finds the line of each mapping entry so that errors
and lint findings can point at ``file:line``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ._files import read_limited
from .errors import YamlError

try:  # libyaml is several times faster; fall back to pure Python without it.
    _Loader: type[Any] = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Loader = yaml.SafeLoader

#: Limits for one file; generous for real catalogues, small enough to stop abuse.
MAX_FILE_BYTES = 8 * 1024 * 1024
MAX_DEPTH = 64
MAX_NODES = 500_000
#: Positions are kept for mapping entries this deep: key, field, part, name.
POSITION_DEPTH = 4

Path_ = tuple[str, ...]


@dataclass(frozen=True)
class Position:
    """Where a value starts: 1-based line, and whether it is a block scalar.

    For a block scalar (``|`` or ``>``) the text starts on the line after
    ``line``, which lets a template's own line numbers map back to the file.
    """

    line: int
    block: bool = False

    def text_line(self, lineno: int) -> int:
        """The file line of line ``lineno`` (1-based) inside this value."""
        return self.line + (lineno if self.block else lineno - 1)


class YamlFile:
    """A parsed YAML file: its data, and the position of every mapping entry.

    Positions are noted while the data is built; for a file with aliases they
    are worked out on first use (errors, lint, compiling a template).
    """

    def __init__(
        self, data: Any, text: str = "", display: str = "", positions: dict[Path_, Position] | None = None
    ) -> None:
        self.data = data
        self.text = text
        self.display = display
        self._positions = positions

    @property
    def positions(self) -> dict[Path_, Position]:
        if self._positions is None:
            self._positions = _locate(self.text, self.display) if self.text else {}
        return self._positions

    def line(self, *path: str) -> int | None:
        """The line of the value at ``path``, or of its nearest known parent."""
        while path:
            pos = self.positions.get(path)
            if pos is not None:
                return pos.line
            path = path[:-1]
        return None


def read_yaml(path: Path, display: str, root: Path | None = None) -> YamlFile:
    """Parse ``path`` safely; ``display`` is the name used in error messages.

    With ``root`` (the catalogue folder), a link that leads out of it is refused.
    """
    raw = read_limited(path, display, MAX_FILE_BYTES, root=root)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise YamlError(
            f"not valid UTF-8 (byte 0x{raw[exc.start]:02x}); save the file as UTF-8",
            file=display,
            line=line,
        ) from None
    return parse_yaml(text, display)


def parse_yaml(text: str, display: str) -> YamlFile:
    """Parse YAML text into plain data (the safe constructor: no objects, no tags)."""
    may_alias = "*" in text and _MAY_HAVE_ALIASES.search(text) is not None
    loader = _Loader(text)
    positions: dict[Path_, Position] | None = None
    try:
        node = loader.get_single_node()
        if node is None:
            data = None
        elif may_alias:  # aliases share nodes: let PyYAML build (and share) them
            data = loader.construct_document(node)
        else:
            positions = {}
            data = _build(loader, node, (), positions, 0)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or "invalid YAML"
        if exc.context:
            problem = f"{exc.context}, {problem}"
        if isinstance(exc, yaml.constructor.ConstructorError) and _has_unknown_tag(loader, node):
            problem = f"{problem}; catalogues hold plain data only, remove the tag"
        raise YamlError(
            f"YAML syntax error: {problem}"
            + (f" (column {mark.column + 1})" if mark else "")
            + "; check indentation, quoting and colons",
            file=display,
            line=mark.line + 1 if mark else None,
        ) from None
    except yaml.YAMLError as exc:
        raise YamlError(f"YAML error: {exc}", file=display) from None
    except RecursionError:
        raise YamlError(f"YAML nested too deeply (limit {MAX_DEPTH} levels)", file=display) from None
    finally:
        loader.dispose()
    if may_alias:  # only aliases can make data bigger than its text
        check_size(data, display)
    return YamlFile(data, text, display, positions)


def _has_unknown_tag(loader: Any, node: yaml.Node) -> bool:
    """Whether a node uses a tag the safe constructor does not build (``!!python/...``, ``!foo``)."""
    seen: set[int] = set()
    stack = [node]
    while stack:
        item = stack.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        if item.tag not in loader.yaml_constructors:
            return True
        if isinstance(item, yaml.MappingNode):
            stack.extend(part for pair in item.value for part in pair)
        elif isinstance(item, yaml.SequenceNode):
            stack.extend(item.value)
    return False


_STR, _MAP, _SEQ = "tag:yaml.org,2002:str", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"


def _build(loader: Any, node: yaml.Node, path: Path_ | None, positions: dict[Path_, Position], depth: int) -> Any:
    """Plain data from a node tree without aliases, noting the line of each mapping entry
    four levels deep (key, field, part, name) on the way.

    Strings, mappings and lists (nearly all of a catalogue) are built here, in one
    pass; anything else (numbers, dates, merge keys, deep nesting) goes to PyYAML's safe
    constructor.
    """
    if depth > 16:  # deeper than any catalogue entry: PyYAML builds it without recursing
        return loader.construct_document(node)
    tag = node.tag
    if tag == _STR and isinstance(node, yaml.ScalarNode):
        return node.value
    if tag == _SEQ and isinstance(node, yaml.SequenceNode):
        return [_build(loader, item, None, positions, depth + 1) for item in node.value]
    if tag == _MAP and isinstance(node, yaml.MappingNode) and all(k.tag == _STR for k, _ in node.value):
        out = {}
        for key_node, value_node in node.value:
            child = None
            if path is not None and len(path) < POSITION_DEPTH:
                child = (*path, key_node.value)
                positions.setdefault(child, _entry_position(key_node, value_node))
            out[key_node.value] = _build(loader, value_node, child, positions, depth + 1)
        return out
    return loader.construct_object(node, deep=True)


_MAY_HAVE_ALIASES = re.compile(r"(?:^|[\s,\[{:-])\*[^\s,\[\]{}]")


def check_size(data: Any, display: str, limit: int = MAX_NODES) -> None:
    """Refuse data that is cyclic, nested too deeply or expands (through aliases) past ``limit``.

    Aliases share objects, so parsing an alias bomb is cheap; walking it is not.
    Shared objects are counted once per use, which is exactly the expansion.
    """
    count = 0
    stack: list[tuple[Any, int]] = [(data, 0)]
    while stack:
        value, depth = stack.pop()
        count += 1
        if count > limit:
            raise YamlError(
                f"YAML expands to more than {limit:,} values (alias bomb?); remove the anchors and aliases",
                file=display,
            )
        if depth > MAX_DEPTH:
            raise YamlError(f"YAML nested more than {MAX_DEPTH} levels deep", file=display)
        if isinstance(value, dict):
            stack.extend((v, depth + 1) for v in value.values())
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value)


def _locate(text: str, display: str) -> dict[Path_, Position]:
    """The line of each mapping entry, four levels deep (key, field, part, name)."""
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
    except (yaml.YAMLError, RecursionError):
        return {}
    finally:
        loader.dispose()
    positions: dict[Path_, Position] = {}
    stack: list[tuple[yaml.Node, Path_]] = [(root, ())] if root is not None else []
    while stack:
        node, path = stack.pop()
        if not isinstance(node, yaml.MappingNode) or len(path) >= POSITION_DEPTH:
            continue
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                continue
            child = (*path, key_node.value)
            positions.setdefault(child, _entry_position(key_node, value_node))
            stack.append((value_node, child))
    return positions


def _entry_position(key_node: yaml.Node, value_node: yaml.Node) -> Position:
    """A text starts where its value does; a mapping or list is found at its key."""
    scalar = isinstance(value_node, yaml.ScalarNode)
    start = value_node.start_mark if scalar else key_node.start_mark
    return Position(start.line + 1, scalar and value_node.style in ("|", ">"))
