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


@dataclass(frozen=True)
class Duplicate:
    """A key given twice in one mapping: YAML allows each key once, and a loader keeps the last.

    ``path`` leads to the mapping that holds ``key`` (the entries above it, as far
    as they are known); ``line`` is the second key's, ``first`` the first one's.
    """

    path: Path_
    key: str
    line: int
    first: int

    @property
    def entry(self) -> str:
        """The top-level entry (template key, setting) the duplicate spoils."""
        return (*self.path, self.key)[0]

    def error(self, display: str, outcome: str, *, key: str | None = None, locale: str | None = None) -> YamlError:
        """The problem, in ``display`` at the second key; ``outcome`` says what is left out."""
        where = f" in {'.'.join(self.path)}" if self.path else ""
        return YamlError(
            f"{self.key!r} is given twice{where} (first on line {self.first}); YAML keeps only one, "
            f"so remove or rename the other; {outcome}",
            file=display,
            line=self.line,
            key=key,
            locale=locale,
        )


class YamlFile:
    """A parsed YAML file: its data, and the position of every mapping entry.

    Positions are noted while the data is built; for a file with aliases they
    are worked out on first use (errors, lint, compiling a template).
    """

    def __init__(
        self,
        data: Any,
        text: str = "",
        display: str = "",
        positions: dict[Path_, Position] | None = None,
        duplicates: list[Duplicate] | None = None,
    ) -> None:
        self.data = data
        self.text = text
        self.display = display
        self._positions = positions
        #: Keys given twice in one mapping; ``data`` holds the last, as PyYAML builds it.
        self.duplicates = duplicates or []

    def duplicated_entries(self) -> dict[str, Duplicate]:
        """The first duplicate key in each top-level entry that has one: such an entry is unusable."""
        found: dict[str, Duplicate] = {}
        for duplicate in self.duplicates:
            found.setdefault(duplicate.entry, duplicate)
        return found

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
    duplicates: list[Duplicate] = []
    try:
        node = loader.get_single_node()
        if node is None:
            data = None
        elif may_alias:  # aliases share nodes: let PyYAML build (and share) them
            _find_duplicates(node, (), duplicates)
            data = loader.construct_document(node)
        else:
            positions = {}
            data = _build(loader, node, (), True, _Notes(positions, duplicates), 0)
    except yaml.MarkedYAMLError as exc:
        line, column, hint = _culprit(text, exc)
        problem = exc.problem or "invalid YAML"
        if exc.context:
            problem = f"{exc.context}, {problem}"
        if isinstance(exc, yaml.constructor.ConstructorError) and _has_unknown_tag(loader, node):
            problem = f"{problem}; catalogues hold plain data only, remove the tag"
            hint = ""
        raise YamlError(
            f"YAML syntax error: {problem}" + (f" (column {column})" if column else "") + (f"; {hint}" if hint else ""),
            file=display,
            line=line,
        ) from None
    except yaml.YAMLError as exc:
        raise YamlError(f"YAML error: {exc}", file=display) from None
    except RecursionError:
        raise YamlError(f"YAML nested too deeply (limit {MAX_DEPTH} levels)", file=display) from None
    finally:
        loader.dispose()
    if may_alias:  # only aliases can make data bigger than its text
        check_size(data, display)
    return YamlFile(data, text, display, positions, sorted(duplicates, key=lambda d: d.line))


def _culprit(text: str, exc: yaml.MarkedYAMLError) -> tuple[int | None, int | None, str]:
    """The line and column to fix for a syntax error, and what to do there.

    PyYAML reports where it noticed the problem, which for the commonest mistakes is
    a line or more after it: a key without its colon runs on into the next line, and
    an unclosed quote or bracket is noticed at the next entry or the end of the file.
    """
    problem, context = exc.problem_mark, exc.context_mark
    message = exc.problem or ""
    if problem is None:
        return None, None, _HINT
    lines = text.splitlines()
    if context is not None and context.line < problem.line:
        if "expected ':'" in message:  # a simple key whose colon never came
            return context.line + 1, context.column + 1, "a ':' is missing after the key on this line"
        if "end of stream" in message or (
            (exc.context or "").startswith("while parsing a flow")
            and _indent(lines, problem.line) <= _indent(lines, context.line)
        ):  # the next entry, or the end of the file, came first
            return context.line + 1, context.column + 1, "the quote or bracket opened here is not closed"
    if message.startswith(("mapping values are not allowed", "did not find expected key")):
        scalar = _last_plain_scalar(text, problem)
        if scalar is not None and scalar.line < problem.line and not lines[scalar.line][: scalar.column].strip():
            # a text alone on its line, run on into the next: a key that lost its colon
            return scalar.line + 1, scalar.column + 1, "a ':' is missing after the key on this line"
        if scalar is not None and scalar.line == problem.line and message.startswith("mapping values"):
            return problem.line + 1, problem.column + 1, "put the text in quotes, as it holds ': '"
        if message.startswith("mapping values"):
            return problem.line + 1, problem.column + 1, "this line is indented more than the entry above it"
        return problem.line + 1, problem.column + 1, "this line is indented differently from the entries around it"
    if "tab" in message:
        return problem.line + 1, problem.column + 1, "indent with spaces, not tabs"
    return problem.line + 1, problem.column + 1, _HINT


_HINT = "check indentation, quoting and colons"


def _indent(lines: list[str], index: int) -> int:
    line = lines[index] if index < len(lines) else ""
    return len(line) - len(line.lstrip(" "))


def _last_plain_scalar(text: str, problem: yaml.Mark) -> yaml.Mark | None:
    """Where the last unquoted text before ``problem`` starts, if the last text is unquoted."""
    last: yaml.Token | None = None
    try:
        for token in yaml.scan(text, Loader=_Loader):
            if token.start_mark.index >= problem.index:
                break
            if isinstance(token, yaml.ScalarToken):
                last = token
    except yaml.YAMLError:
        pass
    return last.start_mark if last is not None and not last.style else None


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


@dataclass
class _Notes:
    """What :func:`_build` notes on its way: entry positions and duplicate keys."""

    positions: dict[Path_, Position]
    duplicates: list[Duplicate]


def _build(loader: Any, node: yaml.Node, path: Path_, exact: bool, notes: _Notes, depth: int) -> Any:
    """Plain data from a node tree without aliases, noting the line of each mapping entry
    four levels deep (key, field, part, name), and each key given twice, on the way.

    ``path`` is where ``node`` is, ``exact`` whether it is that entry itself (not an
    item of a list in it, nor deeper than positions are kept). Strings, mappings and
    lists (nearly all of a catalogue) are built here, in one pass; anything else
    (numbers, dates, merge keys, deep nesting) goes to PyYAML's safe constructor.
    """
    if depth > 16:  # deeper than any catalogue entry: PyYAML builds it without recursing
        _find_duplicates(node, path, notes.duplicates)
        return loader.construct_document(node)
    tag = node.tag
    if tag == _STR and isinstance(node, yaml.ScalarNode):
        return node.value
    if tag == _SEQ and isinstance(node, yaml.SequenceNode):
        return [_build(loader, item, path, False, notes, depth + 1) for item in node.value]
    if tag == _MAP and isinstance(node, yaml.MappingNode) and all(k.tag == _STR for k, _ in node.value):
        out = {}
        noted = exact and len(path) < POSITION_DEPTH
        for key_node, value_node in node.value:
            key = key_node.value
            child = (*path, key) if noted else path
            if key in out:
                notes.duplicates.append(_duplicate(node, key_node, path))
            elif noted:
                notes.positions.setdefault(child, _entry_position(key_node, value_node))
            out[key] = _build(loader, value_node, child, noted, notes, depth + 1)
        return out
    _find_duplicates(node, path, notes.duplicates)
    return loader.construct_object(node, deep=True)


def _duplicate(mapping: yaml.MappingNode, key_node: yaml.Node, path: Path_) -> Duplicate:
    first = next(k for k, _ in mapping.value if _same_key(k, key_node))
    return Duplicate(path, str(key_node.value), key_node.start_mark.line + 1, first.start_mark.line + 1)


def _same_key(a: yaml.Node, b: yaml.Node) -> bool:
    return isinstance(a, yaml.ScalarNode) and isinstance(b, yaml.ScalarNode) and (a.tag, a.value) == (b.tag, b.value)


def _find_duplicates(root: yaml.Node, path: Path_, found: list[Duplicate]) -> None:
    """Keys given twice in any mapping under ``root`` (a node tree PyYAML builds, aliases and all).

    A merge key (``<<``) is not a duplicate, nor is a key that overrides a merged one.
    """
    seen: set[int] = set()
    stack: list[tuple[yaml.Node, Path_, bool]] = [(root, path, True)]
    while stack:
        node, where, exact = stack.pop()
        if id(node) in seen:  # an alias: its node was checked where it was defined
            continue
        seen.add(id(node))
        if isinstance(node, yaml.SequenceNode):
            stack.extend((item, where, False) for item in node.value)
        elif isinstance(node, yaml.MappingNode):
            keys: set[tuple[str, str]] = set()
            noted = exact and len(where) < POSITION_DEPTH
            for key_node, value_node in node.value:
                if isinstance(key_node, yaml.ScalarNode) and key_node.tag != "tag:yaml.org,2002:merge":
                    if (key_node.tag, key_node.value) in keys:
                        found.append(_duplicate(node, key_node, where))
                    keys.add((key_node.tag, key_node.value))
                child = (*where, str(key_node.value)) if noted and isinstance(key_node, yaml.ScalarNode) else where
                stack.append((value_node, child, noted))


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
