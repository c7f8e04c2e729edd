"""Format-preserving, atomic edits of catalogue YAML files.

Translators and reviewers read catalogue changes as diffs, so a tool that
changes one value must leave every other byte alone: comments, key order,
quoting, blank lines. PyYAML's composed nodes give the exact span of every
value; an edit replaces only that span (or inserts a new entry after its
siblings). The new text is parsed again and must read back as exactly the
old data with the changes applied, otherwise nothing is written. Files are
replaced atomically, so a crash never leaves half a catalogue file behind.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeAlias

import yaml

from ._atomic import atomic_write
from ._files import read_limited
from ._yaml import MAX_FILE_BYTES
from .errors import CatalogueError

Value: TypeAlias = "str | bool | list[str] | dict[str, Value]"

#: The pure-Python loader: its marks index characters of the text (libyaml's may not).
_Loader = yaml.SafeLoader
_WIDE = 1 << 30  # never fold a line
_MISSING = object()


class Flow(list[str]):
    """A list written in flow style, ``[a, b]`` (keywords), instead of ``- a`` lines."""


@dataclass(frozen=True)
class Change:
    """Set the value at ``path`` (adding the entry when absent) or delete it (``None``).

    A new entry goes after the sibling named ``after`` when that exists, else at
    the end of its mapping; a new top-level key is appended to the file.
    """

    path: tuple[str, ...]
    value: Value | None
    after: str | None = None


def read_text(path: Path, display: str, root: Path | None = None) -> str:
    """The text of a YAML file, as a catalogue error when it cannot be read.

    It is read as the catalogue reads it: a plain file within the size limit
    and, with ``root``, not a link out of the catalogue folder.
    """
    raw = read_limited(path, display, MAX_FILE_BYTES, root=root)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise CatalogueError("not valid UTF-8; save the file as UTF-8", file=display) from None


def edit_file(path: Path, changes: Iterable[Change], *, display: str | None = None, header: str = "") -> bool:
    """Apply ``changes`` to the file (created from ``header`` when missing).

    Returns False, and leaves the file byte-identical, when nothing changes.
    """
    display = display or str(path)
    exists = path.exists()
    text = read_text(path, display) if exists else header
    new = apply_changes(text, changes, display)
    if exists and new == text:
        return False
    atomic_write(path, new.encode("utf-8"))
    return True


def apply_changes(text: str, changes: Iterable[Change], display: str = "<yaml>") -> str:
    """The text with ``changes`` applied; everything else stays byte for byte.

    Changes whose value equals the current one are skipped, so the result is
    ``text`` itself when nothing changes. Raises :class:`CatalogueError` when a
    change cannot be made safely (flow mappings, aliases, a missing parent) or
    when the result would not read back as intended.
    """
    root, data = _compose(text, display)
    if data is None:
        data = {}
    if not isinstance(data, dict) or (root is not None and not _is_block_mapping(root)):
        raise CatalogueError("the file is not a block mapping of keys; cannot edit it", file=display)
    expected = copy.deepcopy(data)
    newline = "\r\n" if "\r\n" in text else "\n"
    edits: list[tuple[int, bool, int, int, str]] = []  # (start, replaces, order, end, new text)
    appended: list[str] = []
    for order, change in enumerate(changes):
        current = _get(data, change.path)
        if current is _MISSING and change.value is None:
            continue
        if current is not _MISSING and change.value is not None and current == change.value:
            continue
        where = "/".join(change.path)
        parent, key, node, in_flow = _locate(root, change.path, display)
        _set(expected, change.path, change.value)
        if node is not None:
            if change.value is None:
                if in_flow:
                    raise CatalogueError(f"cannot delete {where} inside a flow mapping {{...}}", file=display)
                start = _line_start(text, key.start_mark.index)
                end = _line_after(text, _value_end(text, key, node))
                edits.append((start, True, order, end, ""))
            else:
                start, end, new = _replace(text, key, node, change.value, in_flow, display, where)
                edits.append((start, True, order, end, new.replace("\n", newline)))
            continue
        if change.value is None:
            continue
        entry = _scalar(change.path[-1]) + ":"
        if len(change.path) == 1:  # a new top-level key
            appended.append(entry + _fragment(change.value, 0) + "\n")
            continue
        if in_flow or parent.flow_style or not parent.value:
            raise CatalogueError(f"cannot add {where} to a flow mapping {{...}}; write it as a block", file=display)
        sibling = _find(parent, change.after) if change.after else None
        last_key, last_value = sibling or parent.value[-1]
        pos = _line_after(text, _value_end(text, last_key, last_value))
        indent = parent.value[0][0].start_mark.column
        new = " " * indent + entry + _fragment(change.value, indent) + "\n"
        if pos == len(text) and text and not text.endswith("\n"):
            new = "\n" + new
        edits.append((pos, False, order, pos, new.replace("\n", newline)))
    if not edits and not appended:
        return text

    out: list[str] = []
    done = 0
    for start, _replaces, _order, end, new in sorted(edits):
        if start < done:
            raise CatalogueError("two changes touch the same value; make one change per value", file=display)
        out += [text[done:start], new]
        done = end
    out.append(text[done:])
    if appended:
        tail = "".join(out)
        if tail.strip() and not tail.endswith("\n\n"):  # a blank line before each new key
            tail += newline if tail.endswith("\n") else newline * 2
        out = [tail, "\n".join(appended).replace("\n", newline)]
    result = "".join(out)

    try:
        _, reread = _compose(result, display)
    except CatalogueError:
        reread = _MISSING
    if reread != expected:
        raise CatalogueError(
            "the edited file would not read back as intended, so it was left unchanged; "
            "simplify the formatting of the values being changed (or report this)",
            file=display,
        )
    return result


# -- finding values ---------------------------------------------------------------------


def _compose(text: str, display: str) -> tuple[Any, Any]:
    """The root node and the data of ``text``."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise CatalogueError(
            f"YAML error, cannot edit the file: {exc}", file=display, line=mark.line + 1 if mark else None
        ) from None
    finally:
        loader.dispose()
    return node, data


def _is_block_mapping(node: Any) -> bool:
    return isinstance(node, yaml.MappingNode) and not node.flow_style


def _find(mapping: Any, name: str) -> tuple[Any, Any] | None:
    """The last ``(key, value)`` pair named ``name`` (the one YAML loading keeps)."""
    for key, value in reversed(mapping.value):
        if isinstance(key, yaml.ScalarNode) and key.value == name:
            return key, value
    return None


def _locate(root: Any, path: tuple[str, ...], display: str) -> tuple[Any, Any, Any, bool]:
    """``(parent mapping, key node, value node, parent is in flow style)``; absent -> None.

    Every mapping above the last name must exist: a caller adds a whole new
    mapping as one dict value.
    """
    parent, key, node = None, None, root
    in_flow = False
    for depth, name in enumerate(path):
        if node is None or not isinstance(node, yaml.MappingNode):
            if node is None and len(path) == 1:
                return None, None, None, False  # an empty file
            raise CatalogueError(
                f"cannot set {'/'.join(path)}: {'/'.join(path[:depth])} is not a mapping", file=display
            )
        in_flow = in_flow or bool(node.flow_style)
        parent = node
        found = _find(node, name)
        if found is None:
            if depth < len(path) - 1:
                raise CatalogueError(f"cannot set {'/'.join(path)}: {name!r} is missing", file=display)
            return parent, None, None, in_flow
        key, node = found
        if node.start_mark.index < key.start_mark.index:
            raise CatalogueError(f"{'/'.join(path)} is a YAML alias; write the value out to edit it", file=display)
    return parent, key, node, in_flow


def _get(data: Any, path: tuple[str, ...]) -> Any:
    """The value at ``path``, or ``_MISSING``."""
    for name in path:
        if not isinstance(data, dict) or name not in data:
            return _MISSING
        data = data[name]
    return data


def _set(data: dict[str, Any], path: tuple[str, ...], value: Value | None) -> None:
    for name in path[:-1]:
        data = data[name]
    if value is None:
        data.pop(path[-1], None)
    else:
        data[path[-1]] = _plain(value)


def _plain(value: Value) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return list(value)
    return value


def _line_start(text: str, index: int) -> int:
    return text.rfind("\n", 0, index) + 1


def _line_after(text: str, index: int) -> int:
    """The start of the line after the one holding ``index`` (skips a trailing comment)."""
    newline = text.find("\n", index)
    return len(text) if newline == -1 else newline + 1


def _value_end(text: str, key: Any, node: Any) -> int:
    """Where a value ends: after its last character, before comments and blank lines.

    ``key`` is the value's key node (None for a sequence item).
    """
    if isinstance(node, yaml.ScalarNode) and node.start_mark.index == node.end_mark.index:  # empty (null)
        return text.index(":", key.end_mark.index) + 1 if key is not None else int(node.start_mark.index)
    if isinstance(node, yaml.MappingNode) and not node.flow_style and node.value:
        return _value_end(text, *node.value[-1])
    if isinstance(node, yaml.SequenceNode) and not node.flow_style and node.value:
        return _value_end(text, None, node.value[-1])
    if _is_block(node):
        start, end = int(node.start_mark.index), int(node.end_mark.index)
        last = start + len(text[start:end].rstrip())  # trailing blank lines are not the value's
        newline = text.find("\n", last)
        if newline == -1 or newline > end:
            return end
        return newline - 1 if text[newline - 1] == "\r" else newline
    return int(node.end_mark.index)


def _is_block(node: Any) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.style in ("|", ">")


# -- writing values ---------------------------------------------------------------------


def _replace(
    text: str, key: Any, node: Any, value: Value, in_flow: bool, display: str, where: str
) -> tuple[int, int, str]:
    """``(start, end, new text)`` that replaces the value of ``key``."""
    start, end = node.start_mark.index, node.end_mark.index
    one_line = isinstance(value, str) and "\n" not in value
    if one_line and isinstance(node, yaml.ScalarNode) and not _is_block(node) and start < end:
        quote = node.style if node.style in ("'", '"') else None
        return start, end, _scalar(str(value), flow=in_flow, quote=quote)
    if in_flow:  # only flow forms fit inside {...}
        if isinstance(value, dict):
            raise CatalogueError(f"cannot write a mapping inside a flow mapping at {where}", file=display)
        if isinstance(value, bool):
            new = "true" if value else "false"
        else:
            new = _flow_list(value) if isinstance(value, list) else _scalar(value, flow=True)
        return start, _value_end(text, key, node), new
    if isinstance(value, list) and isinstance(node, yaml.SequenceNode):
        if node.flow_style:
            return start, end, _flow_list(value)
        value = list(value)  # keep the block style already used
    colon = text.index(":", key.end_mark.index)
    end = _value_end(text, key, node)
    new = _fragment(value, key.start_mark.column)
    rest_end = _line_after(text, end)
    rest = text[end:rest_end].rstrip("\r\n")
    if "\n" in new and rest.strip():  # keep a trailing comment on the first line, not in the block
        head, _, tail = new.partition("\n")
        new, end = f"{head}{rest}\n{tail}", end + len(rest)
    return colon + 1, end, new


def _fragment(value: Value, indent: int) -> str:
    """What follows ``key:`` for a key at column ``indent`` (no final newline)."""
    if isinstance(value, bool):
        return " true" if value else " false"
    if isinstance(value, str):
        return " " + (_literal(value, indent + 2) or _scalar(value))
    pad = "\n" + " " * (indent + 2)
    if isinstance(value, list):
        if isinstance(value, Flow) or not value:
            return " " + _flow_list(value)
        return "".join(pad + "-" + _fragment(item, indent + 2) for item in value)
    if not value:
        return " {}"
    return "".join(pad + _scalar(name) + ":" + _fragment(item, indent + 2) for name, item in value.items())


def _literal(text: str, indent: int) -> str | None:
    """A literal block (``|`` or ``|-``) for multi-line text, or None when YAML needs quotes."""
    if "\n" not in text:
        return None
    header: str = yaml.safe_dump(text, default_style="|", allow_unicode=True, width=_WIDE).split("\n", 1)[0]
    if header not in ("|", "|-"):  # leading spaces, trailing spaces, control characters...
        return None
    lines = text.split("\n")
    if header == "|":
        lines.pop()  # the final newline
    pad = " " * indent
    return header + "".join("\n" + (pad + line if line else "") for line in lines)


def _scalar(text: str, *, flow: bool = False, quote: str | None = None) -> str:
    """``text`` as one-line YAML: plain when YAML reads it back as this string, else quoted.

    YAML's own emitter decides: it quotes ``yes``, ``12``, ``: `` and friends.
    ``quote`` keeps the quoting the value already had.
    """
    if quote is None:
        probe = yaml.safe_dump([text] if flow else text, default_flow_style=True, allow_unicode=True, width=_WIDE)
        probe = probe.strip()[1:-1] if flow else probe
        if not probe.startswith(("'", '"')) and "\n" not in text:
            return text
        quote = '"'
    dumped: str = yaml.safe_dump(text, default_style=quote, allow_unicode=True, width=_WIDE)
    return dumped.rstrip("\n")


def _flow_list(items: list[str]) -> str:
    return "[" + ", ".join(_scalar(item, flow=True) for item in items) + "]"
