"""Hostile templates: one budget bounds the work of a whole render, the method
policy holds however a method is reached, and nothing internal is ever shown."""

from __future__ import annotations

import pickle
import re
import tracemalloc
from collections.abc import Callable
from typing import Any

import pytest

import replykit
from catalogues import PROBE_FILE, PROBE_KEY, MakeCatalog, probe
from replykit.lint import lint

KEY, FILE = PROBE_KEY, PROBE_FILE
MACRO_40 = "{% macro f(n) %}{% if n < 40 %}{{ f(n+1) }}{{ f(n+1) }}{% endif %}{% endmacro %}{{ f(0) }}"
BIG = "{% set big = country * 30000 %}"  # 180,000 characters, within max_string
BIG_LIST = "{% set l = [''] * 199000 %}"
LOOP_10K = "{% for i in range(1000) %}{% for j in range(10) %}"
END_10K = "{% endfor %}{% endfor %}"


def _library(make_catalog: MakeCatalog, chat: str, es: str | None = None, **kwargs: Any) -> replykit.Library:
    return probe(make_catalog, chat, es=es, **kwargs)


def _render(lib: replykit.Library, **values: Any) -> replykit.Reply:
    return lib.render(KEY, channel="chat", strict=True, **{**lib.examples(KEY), **values})


def _refused(lib: replykit.Library, match: str = "", **values: Any) -> replykit.SecurityError:
    """The SecurityError a render ends with, located like every template error."""
    with pytest.raises(replykit.SecurityError, match=match) as info:
        _render(lib, **values)
    error = info.value
    assert (error.key, error.locale, error.file) == (KEY, "en", FILE)
    assert error.line == 2  # the line of the chat text in the YAML file
    assert isinstance(error, replykit.TemplateError)
    return error


def _peak_memory(action: Callable[[], object]) -> int:
    tracemalloc.start()
    try:
        action()
    except replykit.ReplykitError:
        pass
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak


# -- 1. work without a loop: a macro that calls itself twice per level -------------------


def test_a_macro_calling_itself_twice_per_level_is_stopped_by_the_budget(make_catalog: MakeCatalog) -> None:
    _refused(_library(make_catalog, MACRO_40), "template steps|calls and filter applications")


def test_the_call_budget_counts_macros_methods_and_range(make_catalog: MakeCatalog) -> None:
    template = "{% macro f() %}x{% endmacro %}{% for i in range(50) %}{{ f() }}{{ country.upper() }}{% endfor %}"
    root = _library(make_catalog, template).catalogue.root
    assert _render(replykit.load(root, limits=replykit.Limits(max_calls=101))).body == "xMEXICO" * 50
    _refused(replykit.load(root, limits=replykit.Limits(max_calls=100)), "more than 100 calls")


def test_a_hostile_translation_falls_back_and_lint_finishes(make_catalog: MakeCatalog) -> None:
    lib = _library(make_catalog, "Hello {{ country }}", es=MACRO_40)
    reply = lib.render(KEY, locale="es", channel="chat", **lib.examples(KEY))
    assert reply.body == "Hello Mexico" and reply.language == "en"
    (defect,) = reply.defects
    assert isinstance(defect, replykit.SecurityError) and (defect.locale, defect.file) == (
        "es",
        "templates/es/customs.yaml",
    )
    findings = [f for f in lint(lib) if f.code == "render-error"]
    assert findings and all("not allowed in a template" in f.message for f in findings)


@pytest.mark.parametrize(
    "template",
    ["{% if " + "not " * 3000 + "country %}x{% endif %}", "{% if " + " and ".join(["country"] * 3000) + " %}x{% endif %}",
     "{% for a in b %}" * 300 + "x" + "{% endfor %}" * 300, "{{ " + "(" * 3000 + "country" + ")" * 3000 + " }}"],
    ids=["not", "and", "loops", "parentheses"],
)  # fmt: skip
def test_a_template_nested_too_deeply_to_compile_is_a_clear_error(make_catalog: MakeCatalog, template: str) -> None:
    lib = _library(make_catalog, template)
    error = _refused(lib, "nests tags or expressions too deeply")
    assert "Recursion" not in str(error)
    findings = [f for f in lint(lib) if f.code in ("render-error", "template-syntax")]
    assert findings and all(f.file == FILE for f in findings)


# -- 2. filters that go over every item ---------------------------------------------------


def test_batch_then_list_over_a_long_text_is_refused_as_items_are_counted(make_catalog: MakeCatalog) -> None:
    _refused(_library(make_catalog, "{% set s = 'ab' * 100000 %}{{ (s|batch(1))|list }}"), "loops ran more than 10,000")


@pytest.mark.parametrize(
    "template",
    [
        "{% set l = [[1]] * 9000 %}{{ l|sum(start=[]) }}",
        "{{ [[1], [2]]|sum(start=[]) }}",
        "{{ ['a', 'b']|sum(start='') }}",
        "{{ items|sum }}",
    ],
)
def test_sum_adds_up_numbers_only(make_catalog: MakeCatalog, template: str) -> None:
    _refused(_library(make_catalog, template), "sum adds up numbers only")


def test_sum_of_numbers_and_the_item_filters_still_work(make_catalog: MakeCatalog) -> None:
    template = (
        "{{ [1, 2, 3]|sum }} {{ items|join(', ') }} {{ items|sort|first }} {{ items|reverse|join }} "
        "{{ range(4)|batch(2)|length }} {{ items|unique|list }} {{ items|max }}"
    )
    body = _render(_library(make_catalog, template)).body
    assert body == "6 Lamp, Vase, Rug Lamp RugVaseLamp 2 Lamp, Vase, and Rug Vase"


# -- 3. sizes are checked before or while a value is built ---------------------------------


@pytest.mark.parametrize(
    "template",
    [
        BIG + "{% set l = [big] * 1000 %}{{ l|join }}",
        BIG + "{{ [" + ", ".join(["big"] * 100) + "]|join }}",
        BIG + "{% for i in range(1000) %}{{ big }}{% endfor %}",
        BIG + "{% macro f() %}{{ big }}{% endmacro %}{{ " + " ~ ".join(["f()"] * 60) + " }}",
    ],
    ids=["join-repeated", "join-literal", "output", "macro-output"],
)
def test_a_value_over_a_limit_is_refused_before_it_is_built(make_catalog: MakeCatalog, template: str) -> None:
    lib = _library(make_catalog, template)
    _refused(lib, "exceeds the limit|over the limit|worked on more than")
    assert _peak_memory(lambda: _render(lib)) < 10 * 2**20


def test_macro_and_block_bodies_count_as_work(make_catalog: MakeCatalog) -> None:
    # Each level keeps a 900,000-character set block alive while the next one runs.
    template = BIG + (
        "{% macro f(n) %}{% set x %}{{ big }}{{ big }}{{ big }}{{ big }}{{ big }}{% endset %}"
        "{{ f(n + 1) }}{{ x|length }}{% endmacro %}{{ f(0) }}"
    )
    lib = _library(make_catalog, template)
    _refused(lib, "worked on more than 2,000,000 characters")
    assert _peak_memory(lambda: _render(lib)) < 10 * 2**20


# -- 4. the method policy at run time ------------------------------------------------------


@pytest.mark.parametrize(
    ("template", "name"),
    [
        ("{{ country['center'](300000) }}", "center"),
        ("{% set c = country.center %}{{ c(300000) }}", "center"),
        ("{{ '{0}'['for' ~ 'mat'](country) }}", "format"),
        ("{{ '{x}'['format_' ~ 'map']({'x': country}) }}", "format_map"),
        ("{{ when['now']() }}", "now"),
        ("{% set n = when['now'] %}{{ n() }}", "now"),
        ("{{ [items, items]|sort(attribute='pop')|first }}", "pop"),
        ("{{ {'a': 1}['update']({'b': 2}) }}", "update"),
    ],
)
def test_a_method_outside_the_list_is_refused_however_it_is_reached(
    make_catalog: MakeCatalog, template: str, name: str
) -> None:
    _refused(_library(make_catalog, template), f"the attribute or method '{name}'")


def test_only_macros_range_and_the_allowed_methods_can_be_called(make_catalog: MakeCatalog) -> None:
    # A dict value, a loop and a caller-less macro: nothing else is callable.
    _refused(_library(make_catalog, "{% for i in items %}{{ loop() }}{% endfor %}"), "only macros, range")
    _refused(_library(make_catalog, "{{ (items|first).upper.__call__() }}"), "'__call__'")


def test_macros_caller_range_and_the_allowed_methods_keep_working(make_catalog: MakeCatalog) -> None:
    template = (
        "{% macro wrap(x) %}[{{ x }}|{{ caller() }}]{% endmacro %}"
        "{% for item in items %}{% call wrap(loop.index) %}{{ item.upper() }}{% endcall %}{% endfor %}"
        " {{ range(3)|list }} {{ {'a': 1}.get('a') }} {{ country.strip('M').lower() }}"
        " {% for k, v in {'b': 2}.items() %}{{ k }}={{ v }}{% endfor %} {{ customer.full_name.startswith('Ana') }}"
    )
    body = _render(_library(make_catalog, template)).body
    assert body == "[1|LAMP][2|VASE][3|RUG] 0, 1, and 2 1 exico b=2 True"


# -- 5. nothing internal in output or messages ---------------------------------------------

LEAKS = ("object at 0x", "<class", "<bound", "<built-in", "replykit.", "Money", "Customer", "Decimal", "site-packages")
#: Besides those: an address, a repr in angle brackets, a Python exception, view, range or Jinja class.
REPRS = re.compile(r"(?i:0x[0-9a-f]{6}|<\w)|\w+Error\b|dict_(items|keys|values)|range\(\d|LoopContext|Macro|\bobject\b")

HOSTILE = [
    "{{ range }}",
    "{{ country.upper }}",
    "{{ customer.full_name.startswith }}",
    "{{ items.pop }}",
    "{{ '' ~ range }}",
    "{{ [range]|join }}",
    "{{ [country.upper]|list }}",
    "{{ {'k': country.upper}|urlencode }}",
    "{{ range|string }}",
    "{{ country.upper|upper }}",
    "{% macro f() %}{% endmacro %}{{ f }}",
    "{% for i in items %}{{ loop }}{% endfor %}",
    "{{ items|batch(2) }}",
    "{{ {'a': 1}.items() }}",
    "{{ range(3) }}",
    "{{ when.tzinfo }}",
    "{{ when|date(country.upper) }}",
    "{{ amount + 1 }}",
    "{{ amount * amount }}",
    "{{ amount.amount + 'x' }}",
    "{{ amount.amount|round(40) }}",
    "{{ amount.amount / 0 }}",
    "{{ amount.amount|date }}",
    "{{ [amount.amount]|number }}",
    "{{ {'amount': amount.amount, 'currency': 'EURO'}|money }}",
    "{{ customer.nickname }}",
    "{{ customer['nickname'] }}",
    "{{ amount.nope }}",
    "{{ when.nope }}",
    "{{ customer[[1, 2]] }}",
    "{{ customer[country * 1000] }}",
    "{{ country[99] }}",
    "{{ items[9] }}",
    "{{ country.center(5) }}",
    "{{ country['center'] }}",
    "{{ items|sort(attribute='upper')|join }}",
    "{{ items|join(attribute='upper') }}",
    "{{ range(10**100) }}",
    "{{ country.strip(1) }}",
    "{{ 1.5|round(2, 'sideways') }}",
    "{% macro f(a) %}{% endmacro %}{{ f(1, 2, 3) }}",
    "{{ items|first(1) }}",
]


@pytest.mark.parametrize("template", HOSTILE)
def test_no_message_or_output_shows_internals(make_catalog: MakeCatalog, template: str) -> None:
    lib = _library(make_catalog, template)
    try:
        shown = _render(lib).body
    except replykit.TemplateError as exc:
        shown = str(exc)
        assert (exc.key, exc.file) == (KEY, FILE)
    for leak in LEAKS:
        assert leak not in shown, (template, shown)
    assert not REPRS.search(shown), (template, shown)


def test_errors_name_what_is_wrong_in_plain_words(make_catalog: MakeCatalog) -> None:
    def message(template: str) -> str:
        with pytest.raises(replykit.TemplateError) as info:
            _render(_library(make_catalog, template))
        return info.value.message

    assert message("{{ customer.nickname }}") == "customer has no field 'nickname'; check the field name"
    assert message("{{ amount.nope }}") == "money has no field 'nope'; check the field name"
    assert message("{{ amount + 1 }}") == "template failed to render: a value of the wrong kind for this operation"
    assert message("{{ amount.amount|round(40) }}").endswith("a number that this operation cannot handle")
    assert message("{{ amount.amount|date }}") == "expected date, got number"
    assert message("{{ tasas }}") == "'tasas' is undefined; declare the variable under 'variables' or fix its name"
    assert message("{{ country.upper }}").startswith("not allowed in a template: only values can be printed")


# -- neighbours: filter arguments, constructs no reply needs, repeated work ----------------


@pytest.mark.parametrize(
    ("template", "match"),
    [
        ("{{ 1.5|round(10**9, 'ceil') }}", r"round\(\) takes a precision"),
        ("{{ 'x'|batch(10**7, 'y')|list }}", r"batch\(\) takes a size"),
        ("{% set s = '\u4e00' * 199000 %}{{ s.strip(s ~ 'x') }}", r"strip\(\) takes at most 100"),
        ("{% set s = '\u4e00' * 199000 %}{{ s|trim(s ~ 'x') }}", r"trim\(\) takes at most 100"),
        ("{{ when|date('y' * 100000) }}", "a pattern of at most 100 characters"),
        ("{{ 123456789|plural(other='#' * 199000) }}", "a plural form of 2,388,000 characters"),
        ("{{ ([country] * 10000)|list }}", "worked on more than"),
        ("{% set s = '\u4e00' * 199000 %}{{ s|sort|length }}", "loops ran more than"),
        ("{{ range(10**30, 10**30 + 10**20) }}", r"range\(\) of"),
        ("{{ '1e999999'|plural(other='#') }}", "digits is over the limit"),
        ("{{ {'value': '1e999999', 'unit': 'day'}|duration }}", "digits is over the limit"),
    ],
)
def test_arguments_that_would_make_a_filter_or_method_run_away_are_refused(
    make_catalog: MakeCatalog, template: str, match: str
) -> None:
    _refused(_library(make_catalog, template), match)


@pytest.mark.parametrize(
    ("template", "what"),
    [
        ("{{ ('<a>' * 60000)|striptags }}", "the filter 'striptags'"),
        ("{% for x in [1, 2] recursive %}{{ loop([1, 2]) }}{% endfor %}", "a recursive loop"),
        ("{{ replykit_loop(items) }}", "the name 'replykit_loop'"),
        ("{{ replykit_sized }}", "the name 'replykit_sized'"),
    ],
)
def test_constructs_no_reply_needs_are_refused_when_compiled(
    make_catalog: MakeCatalog, template: str, what: str
) -> None:
    _refused(_library(make_catalog, template), f"{what} is not allowed in a template")


@pytest.mark.parametrize(
    "template",
    [
        BIG_LIST + LOOP_10K + "{% if 'z' in l %}{% endif %}" + END_10K,
        BIG_LIST + "{% set m = [''] * 199000 %}" + LOOP_10K + "{% if l == m %}{% endif %}" + END_10K,
        BIG_LIST + LOOP_10K + "{% if l[1:] %}{% endif %}" + END_10K,
        BIG_LIST + LOOP_10K + "{% if 'z' is in l %}{% endif %}" + END_10K,
        "{% set t = ('',) * 199000 %}{% set d = {} %}" + LOOP_10K + "{% if t in d %}{% endif %}" + END_10K,
        "{% set s = 'ab' * 99500 %}" + LOOP_10K + "{% if 'abc' in s %}{% endif %}" + END_10K,
        "{% set s = '\u4e00' * 199000 %}" + LOOP_10K + "{{ s|urlencode|length }}" + END_10K,
        "{% set s = '\u4e00' * 199000 %}{% macro f(n) %}{{ s.title()|length }}{% if n < 30 %}{{ f(n+1) }}{{ f(n+1) }}{% endif %}{% endmacro %}{{ f(0) }}",
        "{% set l = [country * 200] * 150 %}{% for i in range(100) %}{{ l|list|length }}{% endfor %}",
        # numbers that all have one hash: a set or dict of them is searched item by item
        "{% set p = 2**61 - 1 %}{% set l = (range(0, 1000*p, p)|sort) + (range(1000*p, 2000*p, p)|sort)"
        " + (range(2000*p, 3000*p, p)|sort) + (range(3000*p, 4000*p, p)|sort) %}{{ l|unique|length }}",
        "{% set p = 2**61 - 1 %}{% set d = {"
        + ", ".join(f"p*{i}: {i}" for i in range(1, 1001))
        + "} %}"
        + LOOP_10K
        + "{% if d[p*1000] %}{% endif %}"
        + END_10K,
    ],
    ids=[
        "in-list",
        "compare",
        "slice",
        "is-in",
        "hash",
        "in-text",
        "urlencode",
        "title",
        "list-filter",
        "unique-collisions",
        "lookup-collisions",
    ],
)
def test_repeated_work_on_large_values_counts_against_the_budget(make_catalog: MakeCatalog, template: str) -> None:
    _refused(_library(make_catalog, template), "worked on more than 2,000,000 characters")


def test_a_loop_counts_the_size_of_its_body_each_time(make_catalog: MakeCatalog) -> None:
    template = LOOP_10K + "{% set x = country %}" * 200 + END_10K
    _refused(_library(make_catalog, template), "ran more than 100,000 template steps")


def test_printing_money_or_dates_counts_as_calls(make_catalog: MakeCatalog) -> None:
    _refused(_library(make_catalog, LOOP_10K + "{{ amount }}" * 10 + END_10K), "calls and filter applications")


def test_a_list_prints_as_the_locale_writes_it(make_catalog: MakeCatalog) -> None:
    template = "{{ items }}; {{ items|reverse }}; {{ [1, 2]|list('or') }}; {{ 'Items: ' ~ items }}"
    assert _render(_library(make_catalog, template)).body == (
        "Lamp, Vase, and Rug; Rug, Vase, and Lamp; 1 or 2; Items: Lamp, Vase, and Rug"
    )


def test_html_joins_escape_values(make_catalog: MakeCatalog) -> None:
    email = {"subject": "Hi", "body": "{{ country ~ '!' }}", "html": "<p>{{ '<b>' ~ country ~ '</b>' }}</p>"}
    lib = probe(make_catalog, "x", email=email)
    reply = lib.render(KEY, strict=True, **{**lib.examples(KEY), "country": "<i>MX</i>"})
    assert reply.body == "<i>MX</i>!"
    assert reply.html == "<p>&lt;b&gt;&lt;i&gt;MX&lt;/i&gt;&lt;/b&gt;</p>"


def test_limits_are_configurable_and_a_library_still_travels_small(make_catalog: MakeCatalog) -> None:
    limits = replykit.Limits(max_calls=5, max_steps=50, max_work=1_000)
    assert pickle.loads(pickle.dumps(limits)) == limits
    lib = _library(make_catalog, "{{ country }}", limits=limits)
    assert len(pickle.dumps(lib)) < 300
    _refused(_library(make_catalog, "{{ country * 2000 }}", limits=limits), "more than 1,000 characters")
    _refused(_library(make_catalog, "{% for i in range(20) %}{{ i }}{% endfor %}", limits=limits), "more than 5 calls")
