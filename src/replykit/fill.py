"""Texts filled by hand: fields, filters and if-branches, done as Jinja's code does them.

Most catalogue texts are literal text with fields (``{{ order_id }}``, ``{{ total |
money }}``, ``{{ n | plural(one="# item", other="# items") }}``) and ``{% if %}``
branches on a value (``{% if express %}``, ``{% elif not returned %}``). For such a
text, Jinja's compiled code looks each name up, goes through the sandbox's
``getattr``, calls each filter, tests each condition with ``bool`` and prints each
value through the sandbox's ``finalize``. This module does those same calls, in the
same order, from the text's parts, so such a text is never compiled (compiling costs
as much as a hundred renders). A text is read into parts by one regular expression
where that reads it as Jinja's lexer does, else by the lexer itself; anything outside
this small grammar (loops, expressions, comparisons, escapes in a field) is left to Jinja; so is any
render that fails, so that every error is Jinja's.
"""

from __future__ import annotations

import functools
import keyword
import re
from collections.abc import Iterator, Mapping
from typing import Any, NamedTuple

import jinja2
from jinja2.lexer import Token
from jinja2.runtime import new_context
from jinja2.utils import _PassArg  # how Jinja marks pass_context & co.

from ._sandbox import FORBIDDEN_ATTRIBUTES, FORBIDDEN_NAMES, CatalogueSandbox

#: How catalogue templates are read (the lexer's settings): one place for the sandbox and the hand.
LEXING: dict[str, Any] = {"trim_blocks": True, "lstrip_blocks": True, "keep_trailing_newline": False}


class Field(NamedTuple):
    """A field: a name and its attribute, then filters in turn, each with its literal text
    arguments (positional, then by name)."""

    path: tuple[str, ...]
    filters: tuple[tuple[str, tuple[str, ...], tuple[tuple[str, str], ...]], ...] = ()


#: A condition: ``("value", path)``, ``("not", c)``, ``("and", a, b)`` or ``("or", a, b)``.
Condition = tuple[Any, ...]


class Branch(NamedTuple):
    """``{% if %} … {% elif %} … {% else %} … {% endif %}``: the parts of the first arm
    whose condition holds, else those of ``otherwise``."""

    arms: tuple[tuple[Condition, tuple[Part, ...]], ...]
    otherwise: tuple[Part, ...]


Part = str | Field | Branch

#: Names that are not the caller's values in Jinja (its literals and operators), or that
#: Python code cannot use as they are.
_NOT_VALUES = frozenset(
    {"true", "false", "none", "True", "False", "None", "not", "and", "or", "in", "is", "if", "else", "elif",
     "endif", *keyword.kwlist}
)  # fmt: skip
_NAME = r"[a-z][a-z0-9_]*"
#: A text literal without escapes, line breaks or braces: Jinja reads it as written.
_STRING = r""""[^"\\\n\r{}]*"|'[^'\\\n\r{}]*'"""
_ARGUMENT = rf"(?:{_NAME}\s*=\s*)?(?:{_STRING})"
_FILTER = rf"\|\s*{_NAME}\s*(?:\(\s*(?:{_ARGUMENT}\s*(?:,\s*{_ARGUMENT}\s*)*)?\))?"
#: A field, or a block tag without whitespace control or text literals (``{% if a and not b %}``).
_PIECE = re.compile(
    rf"\{{%(?P<block>[^%{{}}'\"]*)%\}}"
    rf"|\{{\{{\s*(?P<path>{_NAME}(?:\.{_NAME})?)\s*(?P<chain>(?:{_FILTER}\s*)*)\}}\}}"
)
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")
_FILTER_PART = re.compile(rf"\|\s*({_NAME})\s*(?:\(((?:[^()\"']|{_STRING})*)\))?")
_ARGUMENT_PART = re.compile(rf"\s*(?:({_NAME})\s*=\s*)?({_STRING})\s*,?")
#: The longest text whose parts are kept (what the kept ones can hold stays small).
MAX_KEPT_TEXT = 10_000
#: Tags in a text filled by hand (so many fields go through the sandbox's budget).
MAX_TAGS = 1_000
#: Branches inside branches, and operators in one condition, in a text filled by hand
#: (every walk over the parts recurses on them; deeper texts go to Jinja).
MAX_DEPTH = 32
#: A tag the hand does not read (``{% for %}``, ``{% set %}`` ...): the text goes to Jinja, unread.
_OTHER_TAG = re.compile(r"\{%(?![-+]?\s*(?:if|elif|else|endif|raw|endraw)\b)")


def parts_of(text: str) -> tuple[Part, ...] | None:
    """``text`` as literal, field and branch parts, as Jinja reads it; None for anything
    more. Kept for the texts seen last: a library and lint both read each text."""
    return _parts_of(text) if len(text) > MAX_KEPT_TEXT else _kept_parts(text)


@functools.lru_cache(maxsize=4_096)
def _kept_parts(text: str) -> tuple[Part, ...] | None:
    return _parts_of(text)


def _parts_of(text: str) -> tuple[Part, ...] | None:
    if text.count("{{") + text.count("{%") > MAX_TAGS:
        return None
    try:
        return _read(text)
    except RecursionError:  # (tags or conditions nested deeper than Python's stack: Jinja's error)
        return None


def _read(text: str) -> tuple[Part, ...] | None:
    if _OTHER_TAG.search(text):
        return None
    if "{#" in text:
        return _read_tokens(text)
    return _read_tags(text) or (_read_tokens(text) if "{%" in text else None)


def names_in(parts: tuple[Part, ...]) -> frozenset[str]:
    """The names a text of these parts reads from its values (what Jinja's
    ``meta.find_undeclared_variables`` finds in it)."""
    found: set[str] = set()
    for part in _walk(parts):
        if isinstance(part, Field):
            found.add(part.path[0])
        elif isinstance(part, Branch):
            for condition, _ in part.arms:
                found.update(path[0] for path in _paths(condition))
    return frozenset(found)


def filters_in(parts: tuple[Part, ...]) -> set[str]:
    return {f[0] for part in _walk(parts) if isinstance(part, Field) for f in part.filters}


def is_plain(parts: tuple[Part, ...]) -> bool:
    """Whether the parts are literal text and fields without filters (filled without Jinja's context)."""
    return all(isinstance(p, str) or (isinstance(p, Field) and not p.filters) for p in parts)


def _walk(parts: tuple[Part, ...]) -> Iterator[Part]:
    for part in parts:
        yield part
        if isinstance(part, Branch):
            for _, body in part.arms:
                yield from _walk(body)
            yield from _walk(part.otherwise)


def _paths(condition: Condition) -> Iterator[tuple[str, ...]]:
    if condition[0] == "value":
        yield condition[1]
    else:
        for inner in condition[1:]:
            yield from _paths(inner)


# -- reading ---------------------------------------------------------------------------


def _read_tags(text: str) -> tuple[Part, ...] | None:
    """A text of fields and if-tags without comments, whitespace control or text in its
    tags, read as Jinja's lexer reads it (line breaks as \\n and one final line break
    dropped; with ``trim_blocks`` and ``lstrip_blocks``, the line break after a tag, and
    spaces and tabs alone before a tag on its line); about ten times faster than the
    lexer. None for anything else, which the lexer then reads (for a text with tags)."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if text.endswith("\n"):
        text = text[:-1]
    root: list[Part] = []
    body = root
    open_: list[tuple[list[Part], list[tuple[Condition, tuple[Part, ...]]], list[Part] | None, Condition]] = []
    last = 0
    trim = False  # after a block tag: its line break goes

    for match in _PIECE.finditer(text):
        data = text[last : match.start()]
        if trim and data.startswith("\n"):
            data = data[1:]
        inner = match.group("block")
        if inner is not None:
            line = text[text.rfind("\n", 0, match.start()) + 1 : match.start()]
            if line and not line.strip():  # only white space before the tag on its line: it goes
                if line.strip(" \t"):
                    return None  # (other white space than spaces and tabs: Jinja versions differ)
                data = data[: -len(line)]
        if "{{" in data or "{%" in data:
            return None
        if data:
            body.append(data)
        last, trim = match.end(), inner is not None
        if inner is None:
            path = tuple(match.group("path").split("."))
            filters = _filters(match.group("chain")) if match.group("chain") else ()
            if filters is None or not _value_path(path):
                return None
            body.append(Field(path, filters))
            continue
        tag, *words = inner.split() or [""]
        if tag in ("if", "elif"):
            condition = _condition(words)
            if condition is None or (tag == "elif" and (not open_ or open_[-1][2] is not None)):
                return None
            if tag == "if":
                if len(open_) >= MAX_DEPTH:
                    return None
                open_.append((body, [], None, condition))
            else:
                parent, arms, _, previous = open_[-1]
                arms.append((previous, tuple(body)))
                open_[-1] = (parent, arms, None, condition)
            body = []
        elif tag == "else" and not words and open_ and open_[-1][2] is None:
            parent, arms, _, previous = open_[-1]
            arms.append((previous, tuple(body)))
            body = []
            open_[-1] = (parent, arms, body, previous)
        elif tag == "endif" and not words and open_:
            parent, arms, otherwise, previous = open_.pop()
            if otherwise is None:
                arms.append((previous, tuple(body)))
            parent.append(Branch(tuple(arms), tuple(otherwise) if otherwise is not None else ()))
            body = parent
        else:
            return None
    data = text[last:]
    if trim and data.startswith("\n"):
        data = data[1:]
    if open_ or "{{" in data or "{%" in data:
        return None
    if data:
        body.append(data)
    return tuple(root)


def _condition(words: list[str]) -> Condition | None:
    """A tag's condition read from its words (names, ``not``, ``and``, ``or``)."""
    if len(words) > 2 * MAX_DEPTH:
        return None
    tokens = []
    for word in words:
        if not _WORD.fullmatch(word):
            return None
        for number, name in enumerate(word.split(".")):
            if number:
                tokens.append(Token(1, "dot", "."))
            tokens.append(Token(1, "name", name))
    reader = _Reader(tokens)
    try:
        condition = reader.condition()
    except _NotByHand:
        return None
    return condition if reader.at == len(tokens) else None


def _filters(chain: str) -> tuple[tuple[str, tuple[str, ...], tuple[tuple[str, str], ...]], ...] | None:
    """The filters of a field (``| money | upper``), or None when Jinja would read them
    otherwise than as written (an argument after a named one, a name twice)."""
    found = []
    for match in _FILTER_PART.finditer(chain):
        positional: list[str] = []
        named: dict[str, str] = {}
        for argument in _ARGUMENT_PART.finditer(match.group(2) or ""):
            keyword_, value = argument.group(1), argument.group(2)[1:-1]
            if (keyword_ is None and named) or keyword_ in named:
                return None
            if keyword_ is None:
                positional.append(value)
            else:
                named[keyword_] = value
        found.append((match.group(1), tuple(positional), tuple(named.items())))
    return tuple(found)


def _value_path(path: tuple[str, ...]) -> bool:
    name = path[0]
    if name in _NOT_VALUES or name in FORBIDDEN_NAMES or name.startswith(("_", "replykit_")):
        return False
    return all(not a.startswith("_") and a not in FORBIDDEN_ATTRIBUTES for a in path[1:])


class _NotByHand(Exception):
    """The text is more than the hand reads: Jinja compiles it."""


@functools.lru_cache(maxsize=1)
def _lexing() -> jinja2.Environment:
    return jinja2.Environment(**LEXING)


def _read_tokens(text: str) -> tuple[Part, ...] | None:
    """A text with tags, read from the tokens of Jinja's lexer (whitespace control included)."""
    try:
        tokens = list(_lexing()._tokenize(text, None, None))
    except jinja2.TemplateSyntaxError:
        return None
    reader = _Reader(tokens)
    try:
        parts, _ = reader.body(())
    except _NotByHand:
        return None
    return parts


class _Reader:
    """Fields, filters with text arguments and if-branches on values, from Jinja's tokens,
    read as Jinja's parser reads them; anything else is :class:`_NotByHand`."""

    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.at = 0
        self.depth = 0  # branches open
        self.operators = 0  # in the condition being read

    def peek(self, type_: str, value: str | None = None, ahead: int = 0) -> bool:
        at = self.at + ahead
        if at >= len(self.tokens):
            return False
        token = self.tokens[at]
        return token.type == type_ and (value is None or token.value == value)

    def take(self, type_: str, value: str | None = None) -> Any:
        if not self.peek(type_, value):
            raise _NotByHand
        self.at += 1
        return self.tokens[self.at - 1].value

    def body(self, ends: tuple[str, ...]) -> tuple[tuple[Part, ...], str | None]:
        parts: list[Part] = []
        while self.at < len(self.tokens):
            if self.peek("data"):
                parts.append(self.take("data"))
            elif self.peek("variable_begin"):
                self.at += 1
                parts.append(self.field())
                self.take("variable_end")
            elif self.peek("block_begin"):
                self.at += 1
                tag = self.take("name")
                if tag in ends:
                    return tuple(parts), tag
                if tag != "if":
                    raise _NotByHand
                parts.append(self.branch())
            else:
                raise _NotByHand
        if ends:
            raise _NotByHand  # (an unclosed if: Jinja's error)
        return tuple(parts), None

    def branch(self) -> Branch:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _NotByHand
        arms = []
        otherwise: tuple[Part, ...] = ()
        while True:
            condition = self.condition()
            self.take("block_end")
            body, end = self.body(("elif", "else", "endif"))
            arms.append((condition, body))
            if end == "elif":
                continue
            if end == "else":
                self.take("block_end")
                otherwise, end = self.body(("endif",))
            self.take("block_end")
            self.depth -= 1
            return Branch(tuple(arms), otherwise)

    def field(self) -> Field:
        path = self.path()
        filters = []
        while self.peek("pipe"):
            self.at += 1
            name = self.take("name")
            positional: list[str] = []
            named: dict[str, str] = {}
            if self.peek("lparen"):
                self.at += 1
                while not self.peek("rparen"):
                    if positional or named:
                        self.take("comma")
                    if self.peek("name") and self.peek("assign", ahead=1):
                        key = self.take("name")
                        self.at += 1
                        if key in named:
                            raise _NotByHand
                        named[key] = self.take("string")
                    elif named:
                        raise _NotByHand  # (Jinja refuses it)
                    else:
                        positional.append(self.take("string"))
                self.take("rparen")
            filters.append((name, tuple(positional), tuple(named.items())))
        return Field(path, tuple(filters))

    def path(self) -> tuple[str, ...]:
        path: tuple[str, ...] = (self.take("name"),)
        if self.peek("dot"):
            self.at += 1
            path += (self.take("name"),)
        if not _value_path(path):
            raise _NotByHand
        return path

    def condition(self) -> Condition:
        self.operators = 0
        return self.disjunction()

    def operator(self) -> None:
        self.at += 1
        self.operators += 1
        if self.operators > MAX_DEPTH:
            raise _NotByHand

    def disjunction(self) -> Condition:
        left = self.conjunction()
        while self.peek("name", "or"):
            self.operator()
            left = ("or", left, self.conjunction())
        return left

    def conjunction(self) -> Condition:
        left = self.negation()
        while self.peek("name", "and"):
            self.operator()
            left = ("and", left, self.negation())
        return left

    def negation(self) -> Condition:
        if self.peek("name", "not"):
            self.operator()
            return ("not", self.negation())
        return ("value", self.path())


# -- filling ---------------------------------------------------------------------------


def fill_plain(parts: tuple[Part, ...], env: CatalogueSandbox, context: Mapping[str, Any]) -> str | None:
    """Literal text and plain fields (see :func:`is_plain`), each value printed as Jinja
    prints data; None for a value it cannot print so (missing, None, a list, not data)."""
    out = []
    size = 0
    printable = env.data_types
    for part in parts:
        if isinstance(part, str):
            out.append(part)
            size += len(part)
            continue
        assert isinstance(part, Field)
        value = context.get(part.path[0])
        for attribute in part.path[1:]:
            if isinstance(value, Mapping):
                return None
            value = getattr(value, attribute, None)
        if value is None or not isinstance(value, printable):
            return None
        text = value if isinstance(value, str) else str(value)
        out.append(text)
        size += len(text)
    if size > env.limits.max_output:
        return None  # (Jinja refuses it with the reason)
    return "".join(out)


def fill(parts: tuple[Part, ...], env: CatalogueSandbox, context: Mapping[str, Any], name: str) -> str | None:
    """Do what Jinja's code for the text does, call for call, in a context made as Jinja
    makes it (so the same budget): None on any error, which Jinja then reports."""
    jinja_context = new_context(env, name, {}, dict(context), False, env.globals, None)
    out: list[str] = []
    try:
        _emit(parts, env, jinja_context, context, out)
        return env.concat(out)
    except Exception:  # Jinja runs it again, and reports it as it does
        return None


def _emit(parts: tuple[Part, ...], env: CatalogueSandbox, jinja_context: Any, values: Mapping[str, Any],
          out: list[str]) -> None:  # fmt: skip
    for part in parts:
        if isinstance(part, str):
            out.append(part)
        elif isinstance(part, Field):
            value = _value(part.path, env, values)
            for name, args, named in part.filters:
                function = env.filters[name]
                passed = _PassArg.from_obj(function)
                first: tuple[Any, ...] = ()
                if passed is _PassArg.context:
                    first = (jinja_context,)
                elif passed is _PassArg.eval_context:
                    first = (jinja_context.eval_ctx,)
                elif passed is _PassArg.environment:
                    first = (env,)
                value = function(*first, value, *args, **dict(named))
            out.append(str(env.finalize(jinja_context, value)))  # type: ignore[misc]
        else:
            for condition, body in part.arms:
                if _holds(condition, env, values):
                    _emit(body, env, jinja_context, values, out)
                    break
            else:
                _emit(part.otherwise, env, jinja_context, values, out)


def _holds(condition: Condition, env: CatalogueSandbox, values: Mapping[str, Any]) -> bool:
    """As Python's ``if`` tests Jinja's condition: each value's ``bool`` once, left to right, short-circuit."""
    kind = condition[0]
    if kind == "not":
        return not _holds(condition[1], env, values)
    if kind == "and":
        return _holds(condition[1], env, values) and _holds(condition[2], env, values)
    if kind == "or":
        return _holds(condition[1], env, values) or _holds(condition[2], env, values)
    return bool(_value(condition[1], env, values))


def _value(path: tuple[str, ...], env: CatalogueSandbox, values: Mapping[str, Any]) -> Any:
    """A name as Jinja's code resolves it (the render's values, then the globals, else
    undefined), then each attribute through the sandbox's ``getattr``."""
    name = path[0]
    if name in values:
        value = values[name]
    elif name in env.globals:
        raise _NotByHand  # (a global the hand does not print)
    else:
        value = env.undefined(name=name)
    for attribute in path[1:]:
        value = env.getattr(value, attribute)
    return value
