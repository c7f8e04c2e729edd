"""The template sandbox: what a catalogue template may do, and how much.

Jinja's immutable sandbox already refuses private attributes and unsafe calls at
run time. Catalogue templates need far less than Jinja offers, so on top of it:

* a static check when a template is compiled refuses what no reply needs and
  every template-injection payload uses: names such as ``self``, ``config`` or
  ``cycler``, attributes that start with ``_``, ``format`` / ``format_map``,
  method calls outside a short list, the ``attr`` filter and its kin,
  ``include`` / ``import`` / ``extends``, recursive loops and ``autoescape``
  (an HTML text escapes every value, always); the error names the line;
* the same method policy at run time, for every attribute or item that turns
  out to be a method and for every call, however the template reached it;
* one budget per render (:class:`Limits`): calls and filter applications, loop
  iterations and the items filters go through, the template steps loops and
  macros run, and the characters filters and methods work on; every value a
  template builds is measured before or while it is built;
* only data is printed or turned into text: a method, macro, loop or range is
  refused, so no repr reaches a reply or a message.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import itertools
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import astuple, dataclass
from decimal import Decimal
from types import BuiltinMethodType, CodeType, MethodType
from typing import Any, NamedTuple, cast

import jinja2
from jinja2 import filters as jinja_filters
from jinja2 import nodes, pass_context
from jinja2.compiler import CodeGenerator
from jinja2.exceptions import SecurityError as JinjaSecurityError
from jinja2.lexer import Token, TokenStream
from jinja2.parser import Parser
from jinja2.runtime import Context, Macro, Undefined, markup_join
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.utils import _PassArg  # how Jinja marks pass_context & co.; the filters' wrapper passes the same


@dataclass(frozen=True)
class Limits:
    """Resource limits of one library's templates; every render stays within them.

    The counts (calls, iterations, steps, work) are one budget per rendered
    text: they bound the time a render can take, whatever the template does.
    """

    #: Items one ``range()`` may produce.
    max_range: int = 1_000
    #: Loop iterations in one render (all loops together), and items of lists that filters go through.
    max_iterations: int = 10_000
    #: Calls (macros, ``caller``, methods, ``range``) and filter applications in one render.
    max_calls: int = 10_000
    #: Template steps that loops and macros run in one render: each iteration or call counts its body's size.
    max_steps: int = 100_000
    #: Characters and items that filters, methods, ``~``, comparisons and macro or block bodies go over in one render.
    max_work: int = 2_000_000
    #: Characters (or items) any value built by a template may have.
    max_string: int = 200_000
    #: Characters of a rendered text.
    max_output: int = 1_000_000
    #: Bits of an integer a template may build (``2 ** 5000`` is refused).
    max_int_bits: int = 4_096

    def __reduce__(self) -> tuple[Any, ...]:
        # The values only, not the field names: a Library pickles as its path and limits,
        # and stays small to ship to worker processes.
        return (Limits, astuple(self))


#: Names that no catalogue template uses and that template-injection payloads do.
FORBIDDEN_NAMES = frozenset(
    {
        "self", "config", "request", "session", "g", "lipsum", "cycler", "joiner", "namespace",
        "url_for", "get_flashed_messages", "environment", "context", "builtins", "__builtins__",
        "globals", "locals", "vars", "dir", "getattr", "setattr", "delattr", "eval", "exec",
        "compile", "open", "os", "sys", "subprocess", "importlib", "__import__", "loop_controls",
    }
)  # fmt: skip
#: Attributes refused besides every one that starts with "_".
FORBIDDEN_ATTRIBUTES = frozenset(
    {"format", "format_map", "mro", "func_globals", "f_globals", "f_locals", "f_back", "gi_frame",
     "gi_code", "cr_frame", "tb_frame", "tb_next", "co_code", "im_func", "func_code"}
)  # fmt: skip
#: Methods a template may call (everything else is a filter's job).
ALLOWED_METHODS = frozenset(
    {"upper", "lower", "title", "capitalize", "strip", "lstrip", "rstrip", "startswith", "endswith",
     "isdigit", "isalpha", "items", "keys", "values", "get"}
)  # fmt: skip
#: Jinja's built-in filters a template may use (the replykit filters come on top).
#: ``striptags`` is not among them: markupsafe's takes time quadratic in the number of tags.
ALLOWED_FILTERS = frozenset(
    {"upper", "lower", "title", "capitalize", "trim", "default", "d", "length", "count", "first",
     "last", "join", "round", "abs", "int", "float", "string", "truncate", "e", "escape",
     "wordcount", "urlencode", "sort", "unique", "reverse", "min", "max", "sum", "batch"}
)  # fmt: skip
#: Filters that read their value as text: they get it as a template prints it (a list as ``list`` writes it).
TEXT_FILTERS = frozenset(
    {"upper", "lower", "title", "capitalize", "trim", "string", "truncate", "e", "escape", "wordcount"}
)
#: Filters that go over a text character by character: each character counts as an item.
CHARACTER_FILTERS = frozenset({"sort", "unique", "min", "max", "sum", "batch", "join"})
#: Methods and filters whose text arguments are sets of characters: Python's ``strip``
#: takes time proportional to the text times that set.
SHORT_ARGUMENTS = frozenset({"strip", "lstrip", "rstrip", "trim"})
#: Characters such an argument may have.
MAX_SHORT_ARGUMENT = 100
#: The largest power (and rounding precision) a template may ask for.
MAX_POWER = 64
#: Values that are data whatever replykit adds: they print as themselves.
SCALARS: tuple[type, ...] = (str, int, float, Decimal, dt.date, dt.time, dt.timedelta, type(None))
#: What a template prints for anything that is not data.
NOT_PRINTABLE = "only values can be printed or turned into text, not a method, macro, loop, range or mapping"
#: Tags refused, by the name a template writes them with.
_FORBIDDEN_TAGS: dict[type[nodes.Node], str] = {
    nodes.Extends: "extends",
    nodes.Include: "include",
    nodes.Import: "import",
    nodes.FromImport: "from ... import",
    nodes.ScopedEvalContextModifier: "autoescape",
    nodes.EvalContextModifier: "autoescape",
}


class TemplateSecurityError(jinja2.TemplateSyntaxError):
    """Raised at compile time for a construct the sandbox refuses (carries the line)."""


class _Budget:
    """What one render may still spend; it lives on the render's evaluation context."""

    __slots__ = ("calls", "iterations", "limits", "steps", "work")

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.iterations = limits.max_iterations
        self.calls = limits.max_calls
        self.steps = limits.max_steps
        self.work = limits.max_work

    def iterate(self, count: int = 1, steps: int = 0) -> None:
        self.iterations -= count
        if self.iterations < 0:
            raise JinjaSecurityError(
                f"the loops ran more than {self.limits.max_iterations:,} times (items that filters go through count too)"
            )
        if steps:
            self.step(steps)

    def call(self) -> None:
        self.calls -= 1
        if self.calls < 0:
            raise JinjaSecurityError(
                f"the template made more than {self.limits.max_calls:,} calls and filter applications"
            )

    def step(self, count: int) -> None:
        self.steps -= count
        if self.steps < 0:
            raise JinjaSecurityError(f"loops and macros ran more than {self.limits.max_steps:,} template steps")

    def spend(self, count: int) -> None:
        self.work -= count
        if self.work < 0:
            raise JinjaSecurityError(
                f"the template worked on more than {self.limits.max_work:,} characters (filters, methods and joined text)"
            )


def with_strings(code: CodeType, change: Callable[[str], str], filename: str | None = None) -> CodeType:
    """``code`` with ``change`` applied to each of its string constants, those in constant
    tuples and sets and in the code nested in it too (and ``filename`` as its file name)."""

    def changed(value: Any) -> Any:
        if type(value) is str:
            return change(value)
        if type(value) is tuple:
            return tuple(changed(v) for v in value)
        if type(value) is frozenset:
            return frozenset(changed(v) for v in value)
        if isinstance(value, CodeType):
            return with_strings(value, change, filename)
        return value

    consts = tuple(changed(c) for c in code.co_consts)
    return code.replace(co_consts=consts, co_filename=filename or code.co_filename)


def _nodes_in(body: Iterable[nodes.Node]) -> int:
    """How many template nodes ``body`` holds: what one run of it can cost at most."""
    return sum(1 + sum(1 for _ in node.find_all(nodes.Node)) for node in body)


def _call(name: str, *args: nodes.Node) -> nodes.Call:
    return nodes.Call(nodes.Name(name, "load"), list(args), [], None, None)


#: Nodes whose body Jinja joins into a value with ``concat``.
_BUFFERED = (nodes.Macro, nodes.CallBlock, nodes.AssignBlock, nodes.FilterBlock)


class _CodeGenerator(CodeGenerator):
    """Jinja's code generator; in a template with macros, call, set or filter blocks,
    their bodies are joined by the render's own ``concat``, so size and work are counted.
    It notes the names the template reads from its values (what Jinja's
    ``meta.find_undeclared_variables`` finds, from the same symbol tables)."""

    buffered = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.reads: set[str] = set()

    def visit_Template(self, node: nodes.Template, frame: Any = None) -> None:
        self.buffered = any(True for _ in node.find_all(_BUFFERED))
        super().visit_Template(node, frame)

    def enter_frame(self, frame: Any) -> None:
        super().enter_frame(frame)
        for action, param in frame.symbols.loads.values():
            if action == "resolve" and param not in self.environment.globals:
                self.reads.add(param)

    def write_commons(self) -> None:
        super().write_commons()
        if self.buffered:
            self.writeline("concat = environment.concat_for(context)")


class Compiled(NamedTuple):
    """A text's compiled code, and the names it reads from its values."""

    code: CodeType
    reads: frozenset[str]


class _TokenParser(Parser):
    """Jinja's parser, over tokens already read."""

    def __init__(self, environment: jinja2.Environment, tokens: list[Token], name: str) -> None:
        super().__init__(environment, "", name, name)
        self.stream = TokenStream(iter(tokens), name, name)


class CatalogueSandbox(ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox, narrowed and bounded for catalogue templates."""

    intercepted_binops = frozenset({"*", "**", "%", "+", "//"})
    code_generator_class = _CodeGenerator
    #: Shapes of text kept compiled (see :meth:`compile_text`); a large catalogue has a few thousand.
    max_shapes = 4_096

    def __init__(self, limits: Limits | None = None, values: tuple[type, ...] = (), **options: Any) -> None:
        super().__init__(finalize=self.text, **options)
        self.limits = limits or Limits()
        #: What is data: text, numbers, dates and ``values`` (money, customer, ...), which print themselves.
        self.data_types = SCALARS + values
        #: Data, or an undefined value (which raises its own error when it is used).
        self.plain = (*self.data_types, Undefined)
        #: Where compiled code is kept across runs (a ``render.CodeCache``), if anywhere.
        self.code_cache: Any = None
        #: Called after each :meth:`compile_text` with the text and what it reads, or its error.
        self.on_compile: Callable[[str, frozenset[str] | jinja2.TemplateSyntaxError], None] | None = None
        self._shapes: dict[tuple[Any, ...], Compiled] = {}
        # Stands for a piece of literal text in a shape; no template can guess it.
        self._marker = f"\ue000{os.urandom(8).hex()}:"
        self._markers = re.compile(re.escape(self._marker) + "([0-9]+|name)\ue001")

    # -- compile time -----------------------------------------------------------------

    def compile_text(self, source: str, name: str) -> Compiled:
        """``source`` compiled as the template ``name`` (its file name too), and the names it reads.

        Texts of one shape (the same tags and expressions on the same lines; only their
        literal text differs, as in the translations of a reply) are parsed, checked and
        generated once: the shape is compiled with a marker for each piece of literal text,
        and each text's code is that code with the markers replaced by its own pieces and
        names. Jinja copies literal text into the code as string constants and decides
        nothing on what it says, so this is the program compiling the text gives (the tests
        compare the two for every shipped text). Errors are those of compiling the text alone.
        """
        try:
            try:
                found = self._compile_shared(source, name)
            except Exception:  # whatever the shape did, the text alone raises its own error
                found = self._compile_alone(source, name)
        except jinja2.TemplateSyntaxError as exc:
            if self.on_compile is not None:
                self.on_compile(source, exc)
            raise
        if self.on_compile is not None:
            self.on_compile(source, found.reads)
        return found

    def _compile_shared(self, source: str, name: str) -> Compiled:
        tokens = list(self._tokenize(source, name, name))
        pieces: dict[str, int] = {}  # each distinct piece of literal text, by its number
        shape: list[tuple[Any, ...]] = []
        for token in tokens:
            if token.type == "data":
                shape.append((token.lineno, pieces.setdefault(token.value, len(pieces))))
            else:
                shape.append((token.lineno, token.type, token.value))
        key = tuple(shape)
        found = self._shapes.get(key)
        if found is None:
            marked = [
                Token(t.lineno, "data", f"{self._marker}{pieces[t.value]}\ue001") if t.type == "data" else t
                for t in tokens
            ]
            found = self._compile_tokens(marked, f"{self._marker}name\ue001")
            if len(self._shapes) >= self.max_shapes:
                self._shapes.clear()
            self._shapes[key] = found
        texts = {f"{self._marker}{number}\ue001": piece for piece, number in pieces.items()}
        texts[f"{self._marker}name\ue001"] = name

        def fill(value: str) -> str:
            return self._markers.sub(lambda m: texts[m.group(0)], value) if "\ue000" in value else value

        return Compiled(with_strings(found.code, fill, name), found.reads)

    def _compile_alone(self, source: str, name: str) -> Compiled:
        return self._compile_tokens(list(self._tokenize(source, name, name)), name)

    def _compile_tokens(self, tokens: list[Token], name: str) -> Compiled:
        tree = _TokenParser(self, tokens, name).parse()
        self._check_and_bound(tree, name, name)
        source = io.StringIO()
        generator = self.code_generator_class(self, name, name, source, False, self.optimized)
        generator.visit(tree)
        return Compiled(self._compile(source.getvalue(), name), frozenset(generator.reads))

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        tree = super()._parse(source, name, filename)
        self._check_and_bound(tree, name, filename)
        return tree

    def _check_and_bound(self, tree: nodes.Template, name: str | None, filename: str | None) -> None:
        """One walk over the tree: refuse what the policy forbids, route loops, macro
        bodies, ``~`` and assignments through the budget (the ``replykit_*`` globals)."""

        def refuse(node: nodes.Node, what: str) -> None:
            raise TemplateSecurityError(f"{what} is not allowed in a template", node.lineno, name, filename)

        for node in list(tree.find_all(nodes.Node)):
            if type(node) in _FORBIDDEN_TAGS:
                refuse(node, f"{{% {_FORBIDDEN_TAGS[type(node)]} %}}")
            elif isinstance(node, nodes.Name):
                if node.name in FORBIDDEN_NAMES or node.name.startswith(("_", "replykit_")):
                    refuse(node, f"the name {node.name!r}")
            elif isinstance(node, nodes.Getattr):
                if node.attr.startswith("_") or node.attr in FORBIDDEN_ATTRIBUTES:
                    refuse(node, f"the attribute {node.attr!r}")
            elif isinstance(node, nodes.Getitem):
                key = node.arg.value if isinstance(node.arg, nodes.Const) else None
                if isinstance(key, str) and (key.startswith("_") or key in FORBIDDEN_ATTRIBUTES):
                    refuse(node, f"the item {key!r}")
                # A slice copies the container; a key is hashed, and crafted keys can all collide.
                node.node = _call("replykit_weigh", node.node, nodes.Const(False))
                if not isinstance(node.arg, (nodes.Const, nodes.Slice)):
                    node.arg = _call("replykit_weigh", node.arg)
            elif isinstance(node, nodes.Compare):  # ==, <, in ... go over both sides
                node.expr = _call("replykit_weigh", node.expr)
                for operand in node.ops:
                    operand.expr = _call("replykit_weigh", operand.expr)
            elif isinstance(node, nodes.Test):
                node.node = _call("replykit_weigh", node.node)
                node.args = [_call("replykit_weigh", arg) for arg in node.args]
            elif isinstance(node, nodes.Pair) and not isinstance(node.key, nodes.Const):
                node.key = _call("replykit_weigh", node.key)
            elif isinstance(node, nodes.Filter):
                if node.name not in ALLOWED_FILTERS and node.name not in self._replykit_filters:
                    refuse(node, f"the filter {node.name!r}")
            elif isinstance(node, nodes.Call):
                if isinstance(node.node, nodes.Getattr) and node.node.attr not in ALLOWED_METHODS:
                    refuse(node, f"calling {node.node.attr!r}")
            elif isinstance(node, nodes.For):
                if node.recursive:
                    refuse(node, "a recursive loop")
                cost = _nodes_in([*node.body, *([node.test] if node.test else [])])
                node.iter = _call("replykit_loop", node.iter, nodes.Const(cost))
            elif isinstance(node, (nodes.Macro, nodes.CallBlock)):
                cost = _nodes_in([*node.body, *node.defaults])
                node.body.insert(0, nodes.ExprStmt(_call("replykit_steps", nodes.Const(cost)), lineno=node.lineno))
            elif isinstance(node, nodes.Concat):
                node.nodes = [_call("replykit_concat", *node.nodes)]
            elif isinstance(node, nodes.Assign):
                node.node = _call("replykit_sized", node.node)

    _replykit_filters: frozenset[str] = frozenset()

    # -- run time: the budget -----------------------------------------------------------

    def budget(self, context: Context) -> _Budget:
        """The render's budget. Every context of one render (scoped blocks included)
        shares its evaluation context, which no other render sees."""
        budget: _Budget | None = context.eval_ctx.__dict__.get("replykit_budget")
        if budget is None:
            budget = context.eval_ctx.replykit_budget = _Budget(self.limits)  # type: ignore[attr-defined]
        return budget

    def check_length(self, length: int, what: str = "a value") -> None:
        """Refuse to build ``what`` of ``length`` characters (or items) over the limit."""
        if length > self.limits.max_string:
            raise JinjaSecurityError(f"{what} of {length:,} characters exceeds the limit of {self.limits.max_string:,}")

    def measure(self, context: Context, value: Any) -> int:
        """The size of ``value``: characters of text, plus one per item of a list or
        mapping at any depth. Refuses what is not data; going through items is work."""
        if isinstance(value, str):
            return len(value)
        if isinstance(value, self.plain):
            return 1
        if not isinstance(value, (list, tuple, Mapping)):
            raise JinjaSecurityError(NOT_PRINTABLE)
        budget = self.budget(context)
        size = 0
        pending: list[Any] = [value]
        while pending:
            current = pending.pop()
            budget.spend(len(current))
            size += len(current)
            items = itertools.chain.from_iterable(current.items()) if isinstance(current, Mapping) else current
            for item in items:
                if isinstance(item, str):
                    size += len(item)
                elif isinstance(item, (list, tuple, Mapping)):
                    pending.append(item)
                elif not isinstance(item, self.plain):
                    raise JinjaSecurityError(NOT_PRINTABLE)
            self.check_length(size)
        return size

    @pass_context
    def sized(self, context: Context, value: Any) -> Any:
        """``value``, if it is within the size limits."""
        if isinstance(value, str):
            self.check_length(len(value))
        elif isinstance(value, int) and not isinstance(value, bool):
            if value.bit_length() > self.limits.max_int_bits:
                raise JinjaSecurityError(f"a number of {value.bit_length():,} bits exceeds the limit")
        elif not isinstance(value, self.plain) and isinstance(value, (list, tuple, Mapping)):
            self.measure(context, value)
        return value

    @pass_context
    def weigh(self, context: Context, value: Any, deep: bool = True) -> Any:
        """``value``, its size counted as work: comparing or hashing it goes over all of it,
        slicing or looking up an item in it (``deep=False``) over its items at worst."""
        if isinstance(value, str):
            self.budget(context).spend(len(value))
        elif isinstance(value, (list, tuple)):
            self.budget(context).spend(self.measure(context, value) if deep else len(value))
        elif not isinstance(value, self.plain) and isinstance(value, Mapping):
            self.budget(context).spend(len(value))
        return value

    @pass_context
    def text(self, context: Context, value: Any) -> Any:
        """``value`` as a template prints it; a list as the ``list`` filter writes it.

        Also the environment's ``finalize``: printing anything that is not data
        (a method, a macro, a loop, a generator) is refused, so no repr is shown.
        """
        if isinstance(value, str):
            return value
        if isinstance(value, self.data_types):
            self.budget(context).call()  # money, dates, numbers: formatting them is a call to Babel
            return str(value)
        if isinstance(value, (list, tuple)) and "list" in self.filters:
            return self.filters["list"](context, value)
        if isinstance(value, Undefined):
            return str(value)  # raises the undefined value's own error
        raise JinjaSecurityError(NOT_PRINTABLE)

    @pass_context
    def loop(self, context: Context, iterable: Iterable[Any], cost: int = 1) -> Iterator[Any]:
        """``iterable``, each item counted as an iteration and ``cost`` steps."""
        budget = self.budget(context)
        for item in iterable:
            budget.iterate(1, cost)
            yield item

    @pass_context
    def steps(self, context: Context, cost: int) -> None:
        """Count one run of a macro body of ``cost`` steps."""
        self.budget(context).step(cost)

    @pass_context
    def join_values(self, context: Context, *parts: Any) -> str:
        """``a ~ b ~ c``: each part as printed, the length checked before joining."""
        texts = [self.text(context, part) for part in parts]
        length = sum(map(len, texts))
        self.check_length(length, "a joined text")
        self.budget(context).spend(length)
        return markup_join(texts) if context.eval_ctx.autoescape else "".join(texts)

    def concat(self, parts: Iterable[str], budget: _Budget | None = None) -> str:
        """Join output while it is produced, refusing it once it is over ``max_output``;
        with a ``budget``, what is joined counts as work."""
        limit = self.limits.max_output
        out: list[str] = []
        length = 0
        for part in parts:
            length += len(part)
            if length > limit:
                raise JinjaSecurityError(f"the text is over the limit of {limit:,} characters")
            out.append(part)
        if budget is not None:
            budget.spend(length)
        return "".join(out)

    def concat_for(self, context: Context) -> Callable[[Iterable[str]], str]:
        """The ``concat`` of one render's code: the body of every macro, ``caller``,
        set and filter block is bounded and counted as it is joined."""
        return functools.partial(self.concat, budget=self.budget(context))

    def safe_range(self, *args: int) -> range:
        try:
            rng = range(*args)
            length = len(rng)
        except OverflowError:
            length = self.limits.max_range + 1
        if length > self.limits.max_range:
            raise JinjaSecurityError(f"range() of {length:,} items is over the limit of {self.limits.max_range:,}")
        return rng

    # -- run time: attributes, calls, operators ---------------------------------------

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        """The method policy for every attribute or item that turns out to be a method."""
        if callable(value) and attr not in ALLOWED_METHODS:
            return False
        return super().is_safe_attribute(obj, attr, value)

    def wrap_str_format(self, value: Any) -> None:
        """``str.format`` is refused like any method outside the list, never wrapped."""
        return None

    def unsafe_undefined(self, obj: Any, attribute: str) -> Undefined:
        name = f" {attribute!r}" if isinstance(attribute, str) and len(attribute) <= 40 else ""
        return self.undefined(
            f"the attribute or method{name} (methods a template may call: {', '.join(sorted(ALLOWED_METHODS))})",
            name=attribute,
            obj=obj,
            exc=JinjaSecurityError,
        )

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        """Every call a template makes: counted, and only macros, ``range`` and the
        allowed methods of text and mappings, however the template reached them."""
        kwargs.pop("_loop_vars", None)  # Jinja hands these to every call inside a loop or block,
        kwargs.pop("_block_vars", None)  # for functions that take the context; none here needs them
        own = type(__obj) is MethodType and __obj.__self__ is __self
        if own and __obj.__func__ is not CatalogueSandbox.safe_range:  # the budget's own bookkeeping
            return __obj(__context, *args, **kwargs)
        budget = __self.budget(__context)
        budget.call()
        budget.spend(len(args) + len(kwargs))  # f(*items) copies them
        if isinstance(__obj, Undefined):
            return __obj(*args, **kwargs)  # raises the undefined value's own error
        if own or isinstance(__obj, Macro):
            return __context.call(__obj, *args, **kwargs)
        if not (
            isinstance(__obj, (BuiltinMethodType, MethodType))
            and __obj.__name__ in ALLOWED_METHODS
            and isinstance(__obj.__self__, (str, Mapping))
        ):
            raise JinjaSecurityError(
                "only macros, range() and the methods " + ", ".join(sorted(ALLOWED_METHODS)) + " can be called"
            )
        receiver = __obj.__self__
        budget.spend(len(receiver) if isinstance(receiver, str) else 1)
        __self.arguments(__context, __obj.__name__, args, kwargs)
        return __self.sized(__context, __obj(*args, **kwargs))

    def arguments(self, context: Context, name: str, args: Iterable[Any], kwargs: Mapping[str, Any]) -> None:
        """Arguments of a method or filter must be data; their size counts as work."""
        budget = self.budget(context)
        for value in (*args, *kwargs.values()):
            if isinstance(value, str) and name in SHORT_ARGUMENTS and len(value) > MAX_SHORT_ARGUMENT:
                raise JinjaSecurityError(f"{name}() takes at most {MAX_SHORT_ARGUMENT} characters to remove")
            budget.spend(self.measure(context, value))

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        limits = self.limits
        if operator == "%" and isinstance(left, str):
            raise JinjaSecurityError("string formatting with % is not allowed; use the filters")
        if operator == "**" and isinstance(right, (int, float)):
            if abs(right) > MAX_POWER:
                raise JinjaSecurityError(f"the power {right} is over the limit of {MAX_POWER}")
            if isinstance(left, int) and left.bit_length() * right > limits.max_int_bits:
                raise JinjaSecurityError(f"a number of about {left.bit_length() * right:,} bits exceeds the limit")
        if operator == "*":
            for seq, times in ((left, right), (right, left)):
                if isinstance(seq, (str, list, tuple)) and isinstance(times, int):
                    size = self.measure(context, seq) * max(times, 0)
                    if size > limits.max_string:
                        raise JinjaSecurityError(
                            f"repeating a value {times} times exceeds the limit of {limits.max_string:,}"
                        )
        if operator == "+" and isinstance(left, (str, list, tuple)) and isinstance(right, type(left)):
            self.check_length(self.measure(context, left) + self.measure(context, right))
        result = super().call_binop(context, operator, left, right)
        if isinstance(result, str):
            self.budget(context).spend(len(result))
        return self.sized(context, result)


def make_sandbox(
    filters: Mapping[str, Callable[..., Any]],
    *,
    values: tuple[type, ...] = (),
    limits: Limits | None = None,
    autoescape: bool = False,
    **options: Any,
) -> CatalogueSandbox:
    """A sandbox with only the allowed filters, each counted and bounded.

    ``values`` are the types (besides text, numbers and dates) that are data and
    print themselves; a ``list`` filter in ``filters`` is how a list prints.
    """
    env = CatalogueSandbox(limits, values, autoescape=autoescape, **options)
    kept = {name: f for name, f in env.filters.items() if name in ALLOWED_FILTERS}
    kept.update(join=_join, sum=_sum, batch=_batch, round=_round, unique=_unique)
    kept.update(filters)
    env.filters = {name: _bounded(env, name, f) for name, f in kept.items()}
    env._replykit_filters = frozenset(filters)
    env.globals.clear()
    env.globals.update(
        range=env.safe_range,
        replykit_loop=env.loop,
        replykit_steps=env.steps,
        replykit_sized=env.sized,
        replykit_weigh=env.weigh,
        replykit_concat=env.join_values,
    )
    return env


def _bounded(env: CatalogueSandbox, name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    """``function`` as a counted filter: its input gone through item by item (and
    checked to be data) before it runs, its result checked against the size limits."""
    pass_arg = _PassArg.from_obj(function)

    @pass_context
    @functools.wraps(function)
    def bounded(context: Context, value: Any, *args: Any, **kwargs: Any) -> Any:
        budget = env.budget(context)
        budget.call()
        if name in TEXT_FILTERS and not isinstance(value, Undefined):
            value = env.text(context, value)
        if isinstance(value, str):
            if name in CHARACTER_FILTERS:
                budget.iterate(len(value))
        elif not isinstance(value, env.plain) and isinstance(value, Iterable) and not isinstance(value, Mapping):
            value = _consume(env, budget, value)
        budget.spend(env.measure(context, value))
        env.arguments(context, name, args, kwargs)
        if pass_arg is _PassArg.context:
            result = function(context, value, *args, **kwargs)
        elif pass_arg is _PassArg.eval_context:
            result = function(context.eval_ctx, value, *args, **kwargs)
        elif pass_arg is _PassArg.environment:
            result = function(env, value, *args, **kwargs)
        else:
            result = function(value, *args, **kwargs)
        if isinstance(result, str):
            budget.spend(len(result))
        elif isinstance(result, Iterator):  # reverse, batch: a list, so it prints and is measured
            result = list(result)
        return env.sized(context, result)

    return bounded


def _consume(env: CatalogueSandbox, budget: _Budget, iterable: Iterable[Any]) -> list[Any] | tuple[Any, ...]:
    """The items of ``iterable``, each counted as an iteration, refused once over the size limit."""
    if isinstance(iterable, (list, tuple)):
        budget.iterate(len(iterable))
        return iterable
    items: list[Any] = []
    for item in iterable:
        budget.iterate()
        items.append(item)
        if len(items) > env.limits.max_string:
            env.check_length(len(items), "a list")
    return items


def _attributes(env: CatalogueSandbox, items: Iterable[Any], attribute: str | int | None) -> Iterable[Any]:
    return items if attribute is None else map(jinja_filters.make_attrgetter(env, attribute), items)


@pass_context
def _join(context: Context, value: Iterable[Any], d: str = "", attribute: str | int | None = None) -> str:
    """Jinja's ``join``, with each item printed as a value and the length known before joining."""
    env: CatalogueSandbox = context.environment  # type: ignore[assignment]
    pieces = [env.text(context, item) for item in _attributes(env, value, attribute)]
    separator = env.text(context, d)
    length = sum(map(len, pieces)) + len(separator) * max(len(pieces) - 1, 0)
    env.check_length(length, "a joined text")
    env.budget(context).spend(length)
    return jinja_filters.sync_do_join(context.eval_ctx, pieces, separator)


@pass_context
def _unique(
    context: Context, value: list[Any], case_sensitive: bool = False, attribute: str | int | None = None
) -> Iterator[Any]:
    """Jinja's ``unique``. It keeps a set of what it has seen, and crafted numbers can all
    have one hash, so each item may be compared with every one before it: that is its work."""
    env: CatalogueSandbox = context.environment  # type: ignore[assignment]
    env.budget(context).spend(len(value) * (len(value) - 1) // 2)
    return cast("Iterator[Any]", jinja_filters.do_unique(env, value, case_sensitive, attribute))


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, Decimal))


@pass_context
def _sum(context: Context, value: Iterable[Any], attribute: str | int | None = None, start: Any = 0) -> Any:
    """Jinja's ``sum``, of numbers only (adding up lists or texts takes quadratic time)."""
    env: CatalogueSandbox = context.environment  # type: ignore[assignment]
    if not _is_number(start):
        raise JinjaSecurityError("sum adds up numbers only")
    total = start
    for item in _attributes(env, value, attribute):
        if not _is_number(item):
            raise JinjaSecurityError("sum adds up numbers only")
        total = env.sized(context, total + item)
    return total


@pass_context
def _batch(context: Context, value: Iterable[Any], linecount: int, fill_with: Any = None) -> Iterator[list[Any]]:
    """Jinja's ``batch``, with a batch size a render can afford (a fill builds it in full)."""
    env: CatalogueSandbox = context.environment  # type: ignore[assignment]
    if not (isinstance(linecount, int) and 0 < linecount <= env.limits.max_iterations):
        raise JinjaSecurityError(f"batch() takes a size from 1 to {env.limits.max_iterations:,}")
    return jinja_filters.do_batch(value, linecount, fill_with)


def _round(value: float, precision: int = 0, method: str = "common") -> float:
    """Jinja's ``round``, with a precision whose power of ten is cheap to build."""
    if not (isinstance(precision, int) and abs(precision) <= MAX_POWER):
        raise JinjaSecurityError(f"round() takes a precision from -{MAX_POWER} to {MAX_POWER}")
    return jinja_filters.do_round(value, precision, method)  # type: ignore[arg-type]


__all__ = ["CatalogueSandbox", "Limits", "TemplateSecurityError", "make_sandbox", "pass_context"]
