"""Texts of one shape share one compile: each text's code is the program compiling it alone gives."""

from __future__ import annotations

from types import CodeType

import jinja2
import pytest

import replykit
from replykit.render import make_environment

#: What makes a program: all of a code object but the columns of its line table, which
#: only place a traceback's caret (a marker is longer than the text it stands for).
FIELDS = ("co_argcount", "co_posonlyargcount", "co_kwonlyargcount", "co_nlocals", "co_stacksize", "co_flags",
          "co_code", "co_names", "co_varnames", "co_freevars", "co_cellvars", "co_filename", "co_name",
          "co_qualname", "co_firstlineno", "co_exceptiontable")  # fmt: skip


def same_program(a: CodeType, b: CodeType) -> bool:
    if any(getattr(a, f) != getattr(b, f) for f in FIELDS) or list(a.co_lines()) != list(b.co_lines()):
        return False
    if len(a.co_consts) != len(b.co_consts):
        return False
    return all(
        same_program(x, y) if isinstance(x, CodeType) else type(x) is type(y) and x == y
        for x, y in zip(a.co_consts, b.co_consts, strict=True)
    )


MORE = [
    "{% if a %}one{% else %}two{% endif %} and {% if a %}one{% endif %}",  # a piece twice
    "x{# note #}y{{ a }}{%- if b %}  spaced  {% endif -%}\n\n",  # pieces joined, trimmed
    "{% for i in items %}{{ loop.index }}. {{ i }}\n{% endfor %}{% set t %}in a block{% endset %}{{ t }}",
    "{% macro m(x) %}<{{ x }}>{% endmacro %}{{ m('a') }}{{ m(\"é\") }}",
    "{% raw %}{{ not a field }}{% endraw %}{{ 'é' ~ a }}{{ \"'\" }}",
    "{% if a in ('x', 'y') %}in{% endif %}{{ {'k': 'v'}['k'] }}",
    "line one\r\nline two {{ a }}\rline three\n",
]


@pytest.mark.parametrize("autoescape", [False, True], ids=["text", "html"])
def test_every_shipped_text_compiles_to_the_program_its_own_compile_gives(autoescape: bool) -> None:
    lib = replykit.load()
    texts = sorted({t.text for template in lib.catalogue.iter_templates() for t in template.texts.values()})
    env = make_environment(None, autoescape=autoescape)
    for number, text in enumerate([*texts, *MORE]):
        name = f"templates/x.yaml#k{number}"
        assert same_program(env.compile_text(text, name).code, env.compile(text, name, name)), text
    assert 0 < len(env._shapes) < len(texts) + len(MORE)  # some texts shared a shape


def test_texts_of_one_shape_each_print_their_own_text() -> None:
    env = make_environment(None)
    first = env.compile_text("Hi {{ a }}!\n{% if b %}Yes{% endif %}", "en.yaml#k")
    second = env.compile_text("Hola {{ a }}.\n{% if b %}Sí{% endif %}", "es.yaml#k")
    assert len(env._shapes) == 1 and first.reads == second.reads == {"a", "b"}
    assert second.code.co_filename == "es.yaml#k"
    template = env.template_class.from_code(env, second.code, dict(env.globals))
    assert template.render(a="Ana", b=True) == "Hola Ana.\nSí" and template.name == "es.yaml#k"
    lookalike = "\ue000" + "0" * 16 + ":0\ue001 {{ a }}"  # literal text that looks like a marker stays as written
    code = env.compile_text(lookalike, "x").code
    assert env.template_class.from_code(env, code, dict(env.globals)).render(a=1) == lookalike.replace("{{ a }}", "1")


@pytest.mark.parametrize(
    "text", ["Hi {{ a", "{% if a %}x", "{{ a.__class__ }}", "{% include 'x' %}", "{{ a | attr('b') }}"]
)
def test_a_text_that_does_not_compile_raises_its_own_error_and_is_noted(text: str) -> None:
    env = make_environment(None)
    noted = []
    env.on_compile = lambda source, found: noted.append((source, found))
    with pytest.raises(jinja2.TemplateSyntaxError) as shared:
        env.compile_text(text, "t")
    with pytest.raises(jinja2.TemplateSyntaxError) as alone:
        env.compile(text, "t", "t")
    assert (type(shared.value), shared.value.message, shared.value.lineno) == (
        type(alone.value), alone.value.message, alone.value.lineno)  # fmt: skip
    assert noted[-1] == (text, shared.value)


def test_the_shapes_kept_are_bounded() -> None:
    env = make_environment(None)
    env.max_shapes = 3
    for n in range(10):
        env.compile_text("{% if a %}" * n + "x" + "{% endif %}" * n, f"t{n}")
        assert len(env._shapes) <= 3
