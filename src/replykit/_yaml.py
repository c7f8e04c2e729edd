"""Safe, bounded YAML reading that remembers where every value came from.

Catalogue files come from many hands, so this module only ever builds plain
data (the safe constructor), refuses files that are too big, too deep or that
expand through aliases, and records the line of each mapping entry so that
errors and lint findings can point at ``file:line``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .errors import YamlError

try:  # libyaml is several times faster; fall back to pure Python without it.
    _Loader: type[Any] = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Loader = yaml.SafeLoader

#: Limits for one file; generous for real catalogues, small enough to stop abuse.
MAX_FILE_BYTES = 8 * 1024 * 1024
MAX_DEPTH = 64
MAX_NODES = 500_000

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


@dataclass
class YamlFile:
    """A parsed YAML file: its data and the position of every mapping entry."""

    data: Any
    positions: dict[Path_, Position]

    def line(self, *path: str) -> int | None:
        """The line of the value at ``path``, or of its nearest known parent."""
        while path:
            pos = self.positions.get(path)
            if pos is not None:
                return pos.line
            path = path[:-1]
        return None


def read_yaml(path: Path, display: str) -> YamlFile:
    """Parse ``path`` safely; ``display`` is the name used in error messages."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise YamlError(f"cannot read file: {exc.strerror}", file=display) from None
    if len(raw) > MAX_FILE_BYTES:
        raise YamlError(
            f"file is {len(raw):,} bytes, over the {MAX_FILE_BYTES:,}-byte limit; split it into smaller files",
            file=display,
        )
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
    """Parse YAML text; see :func:`read_yaml`."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return YamlFile(None, {})
        positions: dict[Path_, Position] = {}
        _check_and_locate(node, (), positions, display)
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or "invalid YAML"
        if exc.context:
            problem = f"{exc.context}, {problem}"
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
    return YamlFile(data, positions)


def _check_and_locate(root: yaml.Node, path: Path_, positions: dict[Path_, Position], display: str) -> None:
    """Reject tags, depth and alias expansion; record positions of mapping entries."""
    sizes: dict[int, int] = {}

    def visit(node: yaml.Node, path: Path_, depth: int) -> int:
        if depth > MAX_DEPTH:
            raise YamlError(
                f"YAML nested more than {MAX_DEPTH} levels deep",
                file=display,
                line=node.start_mark.line + 1,
            )
        if id(node) in sizes:  # an alias: count its full expansion, walk it once
            return sizes[id(node)]
        if not node.tag.startswith("tag:yaml.org,2002:"):
            raise YamlError(
                f"YAML tag {node.tag!r} is not allowed; catalogues hold plain data only",
                file=display,
                line=node.start_mark.line + 1,
            )
        size = 1
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                size += visit(key_node, path, depth + 1)
                child = path
                if isinstance(key_node, yaml.ScalarNode) and len(path) < 4:
                    child = (*path, key_node.value)
                    scalar = isinstance(value_node, yaml.ScalarNode)
                    # A text starts where its value does; a mapping or list is found at its key.
                    start = value_node.start_mark if scalar else key_node.start_mark
                    positions.setdefault(child, Position(start.line + 1, scalar and value_node.style in ("|", ">")))
                size += visit(value_node, child, depth + 1)
        elif isinstance(node, yaml.SequenceNode):
            for item in node.value:
                size += visit(item, path, depth + 1)
        sizes[id(node)] = size
        if size > MAX_NODES:
            raise YamlError(
                f"YAML expands to more than {MAX_NODES:,} values (alias bomb?); remove the anchors and aliases",
                file=display,
                line=node.start_mark.line + 1,
            )
        return size

    visit(root, path, 0)
