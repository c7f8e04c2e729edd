"""The template sandbox: what a catalogue template may do, and how much.

Jinja's immutable sandbox already refuses private attributes and unsafe calls at
run time. Catalogue templates need far less than Jinja offers, so on top of it:

* a static check when a template is compiled refuses what no reply needs and
  every template-injection payload uses: names such as ``self``, ``config`` or
  ``cycler``, attributes that start with ``_``, ``format`` / ``format_map``,
  method calls outside a short list, the ``attr`` filter and its kin,
  ``include`` / ``import`` / ``extends``, and ``autoescape`` (an HTML text
  escapes every value, always); the error names the line;
* resource limits (:class:`Limits`) bound loops, ``range``, string and number
  growth and the size of every value and of the output, so no template can burn
  CPU or memory; recursion ends at Python's recursion limit.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import jinja2
from jinja2 import nodes, pass_context
from jinja2.exceptions import SecurityError as JinjaSecurityError
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment


@dataclass(frozen=True)
class Limits:
    """Resource limits of one library's templates; every render stays within them."""

    #: Items one ``range()`` may produce.
    max_range: int = 1_000
    #: Loop iterations in one render (all loops together).
    max_iterations: int = 10_000
    #: Characters (or items) any value built by a template may have.
    max_string: int = 200_000
    #: Characters of a rendered text.
    max_output: int = 1_000_000
    #: Bits of an integer a template may build (``2 ** 5000`` is refused).
    max_int_bits: int = 4_096


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
ALLOWED_FILTERS = frozenset(
    {"upper", "lower", "title", "capitalize", "trim", "default", "d", "length", "count", "first",
     "last", "join", "round", "abs", "int", "float", "string", "truncate", "e", "escape",
     "striptags", "wordcount", "urlencode", "sort", "unique", "reverse", "min", "max", "sum", "batch"}
)  # fmt: skip
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
    """Loop iterations left in one render."""

    def __init__(self, limit: int) -> None:
        self.left = limit


class CatalogueSandbox(ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox, narrowed and bounded for catalogue templates."""

    intercepted_binops = frozenset({"*", "**", "%", "+", "//"})

    def __init__(self, limits: Limits | None = None, **options: Any) -> None:
        super().__init__(**options)
        self.limits = limits or Limits()
        #: Where compiled code is kept across runs (a ``render.CodeCache``), if anywhere.
        self.code_cache: Any = None

    # -- compile time -----------------------------------------------------------------

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        tree = super()._parse(source, name, filename)
        self._check_and_bound(tree, name, filename)
        return tree

    def _check_and_bound(self, tree: nodes.Template, name: str | None, filename: str | None) -> None:
        """One walk over the tree: refuse what the policy forbids, route loops and growth
        through the budget checks (``replykit_loop`` / ``replykit_sized``)."""

        def refuse(node: nodes.Node, what: str) -> None:
            raise TemplateSecurityError(f"{what} is not allowed in a template", node.lineno, name, filename)

        def sized(node: nodes.Node) -> nodes.Expr:
            return nodes.Call(nodes.Name("replykit_sized", "load"), [node], [], None, None)

        for node in list(tree.find_all(nodes.Node)):
            if type(node) in _FORBIDDEN_TAGS:
                refuse(node, f"{{% {_FORBIDDEN_TAGS[type(node)]} %}}")
            elif isinstance(node, nodes.Name):
                if node.name in FORBIDDEN_NAMES or node.name.startswith("_"):
                    refuse(node, f"the name {node.name!r}")
            elif isinstance(node, nodes.Getattr):
                if node.attr.startswith("_") or node.attr in FORBIDDEN_ATTRIBUTES:
                    refuse(node, f"the attribute {node.attr!r}")
            elif isinstance(node, nodes.Getitem):
                key = node.arg.value if isinstance(node.arg, nodes.Const) else None
                if isinstance(key, str) and (key.startswith("_") or key in FORBIDDEN_ATTRIBUTES):
                    refuse(node, f"the item {key!r}")
            elif isinstance(node, nodes.Filter):
                if node.name not in ALLOWED_FILTERS and node.name not in self._replykit_filters:
                    refuse(node, f"the filter {node.name!r}")
            elif isinstance(node, nodes.Call):
                if isinstance(node.node, nodes.Getattr) and node.node.attr not in ALLOWED_METHODS:
                    refuse(node, f"calling {node.node.attr!r}")
            elif isinstance(node, nodes.For):
                node.iter = nodes.Call(nodes.Name("replykit_loop", "load"), [node.iter], [], None, None)
            elif isinstance(node, nodes.Concat):
                node.nodes = [sized(n) for n in node.nodes]
            elif isinstance(node, nodes.Assign):
                node.node = sized(node.node)

    _replykit_filters: frozenset[str] = frozenset()

    # -- run time ---------------------------------------------------------------------

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        limits = self.limits
        if operator == "%" and isinstance(left, str):
            raise JinjaSecurityError("string formatting with % is not allowed; use the filters")
        if operator == "**" and isinstance(right, (int, float)) and abs(right) > 64:
            raise JinjaSecurityError(f"the power {right} is over the limit of 64")
        if operator == "*":
            for seq, times in ((left, right), (right, left)):
                growing = isinstance(seq, (str, list, tuple)) and isinstance(times, int)
                if growing and len(seq) * max(times, 0) > limits.max_string:
                    raise JinjaSecurityError(
                        f"repeating a value {times} times exceeds the limit of {limits.max_string:,}"
                    )
        result = super().call_binop(context, operator, left, right)
        return self.sized(result)

    def sized(self, value: Any) -> Any:
        """``value``, if it is within the size limits."""
        limits = self.limits
        if isinstance(value, (str, list, tuple, dict)) and len(value) > limits.max_string:
            raise JinjaSecurityError(f"a value of {len(value):,} characters exceeds the limit of {limits.max_string:,}")
        if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > limits.max_int_bits:
            raise JinjaSecurityError(f"a number of {value.bit_length():,} bits exceeds the limit")
        return value

    @pass_context
    def loop(self, context: Context, iterable: Iterable[Any]) -> Iterator[Any]:
        """``iterable``, counted against the render's budget.

        The budget lives on the render's evaluation context, which every context
        of one render shares (scoped blocks included) and no other render sees.
        """
        budget = context.eval_ctx.__dict__.get("replykit_budget")
        if budget is None:
            budget = context.eval_ctx.replykit_budget = _Budget(self.limits.max_iterations)  # type: ignore[attr-defined]
        for item in iterable:
            budget.left -= 1
            if budget.left < 0:
                raise JinjaSecurityError(f"the loops ran more than {self.limits.max_iterations:,} times")
            yield item

    def safe_range(self, *args: int) -> range:
        rng = range(*args)
        if len(rng) > self.limits.max_range:
            raise JinjaSecurityError(f"range() of {len(rng):,} items is over the limit of {self.limits.max_range:,}")
        return rng


def make_sandbox(
    filters: Mapping[str, Callable[..., Any]],
    *,
    limits: Limits | None = None,
    autoescape: bool = False,
    **options: Any,
) -> CatalogueSandbox:
    """A sandbox with only the allowed filters, each bounded in what it returns."""
    env = CatalogueSandbox(limits, autoescape=autoescape, **options)
    kept = {name: f for name, f in env.filters.items() if name in ALLOWED_FILTERS}
    kept.update(filters)
    env.filters = {name: _bounded(env, f) for name, f in kept.items()}
    env._replykit_filters = frozenset(filters)
    env.globals.clear()
    env.globals.update(
        range=env.safe_range,
        replykit_loop=env.loop,
        replykit_sized=env.sized,
    )
    return env


def _bounded(env: CatalogueSandbox, function: Callable[..., Any]) -> Callable[..., Any]:
    """``function`` with its result checked against the size limits."""

    @functools.wraps(function)  # also carries Jinja's pass_context marker
    def bounded(*args: Any, **kwargs: Any) -> Any:
        return env.sized(function(*args, **kwargs))

    return bounded


__all__ = ["CatalogueSandbox", "Limits", "TemplateSecurityError", "make_sandbox", "pass_context"]
