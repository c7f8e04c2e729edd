"""Hostile locale files, customer values and messages: refused clearly, bounded, nothing leaks."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

import replykit
from catalogues import SIMPLE_EN, MakeCatalog
from replykit import _chinese

SECRET = "SHOP_API_TOKEN=s3cr3t"

ZH = """
customs.import_tax:
  title: 进口税
  email:
    subject: 关于{{ country }}的进口税
    body: |
      {{ greeting }}
      软件和信息。
      {{ sign_off }}
  chat: 软件和信息：{{ country }}
"""


def _leaky_opencc_config(folder: Path) -> Path:
    """An OpenCC config whose dictionary maps 软件 to a secret, as a hostile locale file would name."""
    (folder / "leak.txt").write_text(f"软件\t{SECRET}\n", encoding="utf-8")
    dictionary = {"type": "text", "file": str(folder / "leak.txt")}
    config = {
        "name": "leak",
        "segmentation": {"type": "mmseg", "dict": dictionary},
        "conversion_chain": [{"dict": dictionary}],
    }
    path = folder / "leak.json"
    path.write_text(json.dumps(config), encoding="utf-8")
    return path


@pytest.mark.parametrize("convert", ["locales/leak.json", "LEAK", "/proc/self/environ", "s2twp.json", "../s2t"])
def test_a_locale_file_cannot_name_a_conversion_file(make_catalog: MakeCatalog, convert: str) -> None:
    root = make_catalog(
        {
            "templates/en/customs.yaml": SIMPLE_EN,
            "templates/zh/customs.yaml": ZH,
            "locales/zh.yaml": "fallback: [en]\n",
            "locales/zh-TW.yaml": f"fallback: [zh]\nconvert: {json.dumps(convert)}\n",
        }
    )
    _leaky_opencc_config(root / "locales")
    lib = replykit.load(root)
    (problem,) = [p for p in lib.problems if p.file == "locales/zh-TW.yaml"]
    assert problem.line == 2 and "built-in conversion" in problem.message
    reply = lib.render("customs.import_tax", locale="zh-TW", channel="chat", **lib.examples("customs.import_tax"))
    assert SECRET not in reply.body and "軟體" in reply.body  # the region's default conversion answers


def test_a_conversion_file_in_the_working_folder_is_never_loaded(
    lib: replykit.Library, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    leak = _leaky_opencc_config(tmp_path)
    for name in ("s2twp.json", "s2hk.json", "t2s.json"):  # what OpenCC would look for in the current folder
        (tmp_path / name).write_text(leak.read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    _chinese._converter.cache_clear()
    try:
        assert _chinese.convert("软件", "s2twp") == "軟體"
        reply = lib.render("pre_sale.welcome", locale="zh-HK", **lib.examples("pre_sale.welcome", "zh-HK"))
        assert SECRET not in reply.body
    finally:
        _chinese._converter.cache_clear()


def test_only_built_in_conversions_convert() -> None:
    with pytest.raises(replykit.ReplykitError, match="unknown Chinese conversion") as info:
        _chinese.convert("软件", "/etc/passwd")
    assert "/etc/passwd" in str(info.value) and "s2twp" in str(info.value)


@pytest.mark.parametrize(
    ("setting", "line", "message"),
    [
        ("numbers: {minimum_grouping_digits: abc}", 2, "minimum_grouping_digits must be a whole number"),
        ("numbers:\n  minimum_grouping_digits: 9", 3, "from 1 to 4"),
        ("currency: USX", 2, "ISO 4217"),
        ("formality: {email: polite}", 2, "formal or informal"),
        ("greeting:\n  formal:\n    female: [1, 2]", 3, "greeting.formal.female must be text"),
        ("units:\n  day: {other: days}", 3, "{0}"),
        ("units:\n  fortnight: {other: '{0} x'}", 3, "unknown entry 'fortnight'"),
        ("limits: {chat: -5}", 2, "above 0"),
        ("sign_off: {formal: 5}", 2, "must be text"),
        ("fallbak: [en]", 2, "did you mean 'fallback'"),
        ("forbidden: no", 2, "list of phrases"),
    ],
)
def test_a_bad_locale_setting_is_a_problem_and_the_rest_of_the_file_still_works(
    make_catalog: MakeCatalog, setting: str, line: int, message: str
) -> None:
    root = make_catalog(
        {
            "templates/en/customs.yaml": SIMPLE_EN,
            "locales/en-GB.yaml": "fallback: [en]\n" + setting + "\nname: British\n",
        }
    )
    lib = replykit.load(root)
    (problem,) = lib.problems
    assert isinstance(problem, replykit.CatalogueError)
    assert (problem.file, problem.line, problem.locale) == ("locales/en-GB.yaml", line, "en-GB")
    assert message in problem.message and "ignored" in problem.message
    reply = lib.render("customs.import_tax", locale="en-GB", **lib.examples("customs.import_tax"))
    assert reply.locale == "en-GB" and "Dear Ms. Ruiz," in reply.body


def test_locale_problems_are_lint_errors(make_catalog: MakeCatalog) -> None:
    from replykit.lint import lint

    root = make_catalog(
        {"templates/en/customs.yaml": SIMPLE_EN, "locales/en-GB.yaml": "numbers: {minimum_grouping_digits: abc}\n"}
    )
    (finding,) = lint(replykit.load(root))
    assert (finding.file, finding.line, finding.code, finding.severity) == ("locales/en-GB.yaml", 1, "schema", "error")


def test_every_shipped_locale_file_is_valid(lib: replykit.Library) -> None:
    assert not [p for p in lib.problems if (p.file or "").startswith("locales/")]


def _yaml(data: object) -> str:
    return yaml.safe_dump(data, allow_unicode=True)


TYPED = {
    "customs.typed": {
        "title": "Typed",
        "variables": {
            "n": {"type": "integer", "example": 3, "required": False},
            "x": {"type": "number", "example": 1.5, "required": False},
            "p": {"type": "percent", "example": 15, "required": False},
            "m": {"type": "money", "example": "12.50 USD", "required": False},
            "d": {"type": "duration", "example": {"min": 3, "max": 5}, "required": False},
            "items": {"type": "list", "example": ["Lamp"], "required": False},
            "day": {"type": "date", "example": "2026-03-05", "required": False},
            "s": {"type": "string", "example": "x", "required": False},
            "customer": {"type": "customer", "example": {"name": "Ana"}, "required": False},
        },
        "chat": "{{ n }} {{ x }} {{ p }} {{ m }} {{ d }} {{ items }} {{ day }} {{ s }} {{ customer }}",
    }
}


HOSTILE_VALUES = [
    ("n", "1e999999999", "under 10^15"),
    ("n", "1e999999", "under 10^15"),
    ("n", 10**100_000, "larger number"),
    ("n", 1e308, "under 10^15"),
    ("n", "9" * 100_000, "100,000 characters"),
    ("x", "NaN", "finite"),
    ("x", float("inf"), "finite"),
    ("x", "1e-99999999", "decimals"),
    ("p", "1e999", "under 10^15"),
    ("p", "-Infinity", "finite"),
    ("m", {"amount": "1e999999999", "currency": "USD"}, "under 10^15"),
    ("m", "1" * 200 + " USD", "expected money"),
    ("d", {"min": 1, "max": 10**12}, "from 0 to 100,000"),
    ("d", {"value": -3}, "from 0 to 100,000"),
    ("items", ["x" * 1000] * 1001, "1,001 items"),
    ("items", ["x" * 100_000, "y"], "characters in all"),
    ("items", [["nested"]], "texts or numbers"),
    ("day", "2026-03-05" + " " * 1_000_000, "expected an ISO date"),
    ("s", "x" * 1_000_001, "1,000,001 characters"),
    ("customer", {"first_name": "x" * 1_000_001}, "first_name"),
    ("customer", {"first_name": ["a"]}, "must be text"),
]


@pytest.mark.parametrize(
    ("name", "value", "message"), HOSTILE_VALUES, ids=[f"{n}-{i}" for i, (n, _, _) in enumerate(HOSTILE_VALUES)]
)
def test_a_hostile_value_is_the_callers_error_naming_the_variable(
    make_catalog: MakeCatalog, name: str, value: object, message: str
) -> None:
    lib = replykit.load(make_catalog({"templates/en/customs.yaml": _yaml(TYPED)}))
    with pytest.raises(replykit.InvalidValueError) as info:
        lib.render("customs.typed", channel="chat", **{name: value})
    error = info.value
    assert not isinstance(error, replykit.TemplateError)
    assert f"variable {name!r}" in str(error) and message in str(error)
    assert len(str(error)) < 300  # the value is never echoed whole


def test_a_megabyte_list_in_a_shipped_template_is_refused(lib: replykit.Library) -> None:
    key = next(k for k in lib.keys() if any(v.type == "list" for v in lib.variables(k).values()))
    name = next(n for n, v in lib.variables(key).items() if v.type == "list")
    values = {**lib.examples(key), name: [f"item number {i}" for i in range(80_000)]}
    with pytest.raises(replykit.InvalidValueError, match="over the limit"):
        lib.render(key, **values)


def test_values_within_bounds_still_render(make_catalog: MakeCatalog) -> None:
    lib = replykit.load(make_catalog({"templates/en/customs.yaml": _yaml(TYPED)}))
    reply = lib.render(
        "customs.typed",
        channel="chat",
        n=10**14,
        x="0.000000000001",
        p="99.5%",
        m={"amount": "999999999999999", "currency": "JPY"},
        d={"min": 0, "max": 100_000},
        items=["x"] * 1000,
        day="2026-03-05",
        s="y" * 100_000,
        customer={"first_name": "Ana"},
    )
    assert "100,000,000,000,000" in reply.body and "99.5%" in reply.body and "¥999,999,999,999,999" in reply.body


# -- messages: detection and search read a bounded part, with patterns that cannot backtrack


@pytest.mark.parametrize(
    "message",
    ["a" * 20_000 + " 1", "a" * 20_000 + " @", "x1" * 50_000 + "é", "#" * 30_000 + "a", "www." * 20_000],
    ids=["letters-digit", "letters-at", "one-long-code", "hashes", "www"],
)
def test_crafted_messages_are_read_in_linear_time(lib: replykit.Library, message: str) -> None:
    from replykit.detect import remove_noise

    assert len(remove_noise(message)) <= len(message) + 1
    assert lib.detect(message).language in lib.languages
    lib.suggest(message)
    lib.search(message)


def test_only_the_start_of_a_long_message_is_read(lib: replykit.Library) -> None:
    from replykit.detect import MAX_MESSAGE_CHARS

    spanish = "hola, quiero saber dónde está mi pedido, gracias. " * 100
    message = spanish[:MAX_MESSAGE_CHARS] + " hello, where is my parcel? thank you" * 10_000
    assert lib.detect(message).language == "es"
    assert lib.detect(message[:MAX_MESSAGE_CHARS]) == lib.detect(message)
    assert lib.suggest(message) == lib.suggest(message[:MAX_MESSAGE_CHARS])


def _retained(work: Callable[[], None]) -> int:
    import gc
    import tracemalloc

    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        work()
        gc.collect()
        return tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()


def test_caches_do_not_keep_customer_text(lib: replykit.Library) -> None:
    lib.suggest("warm up the index")

    def many_messages() -> None:
        for i in range(30):
            lib.suggest(f"{i} " + "where is my parcel " * 10_000)

    def many_tags() -> None:
        for i in range(30):
            with pytest.raises(replykit.LocaleError):
                lib.render("pre_sale.welcome", locale=f"es-{i}" + "x" * 200_000, **lib.examples("pre_sale.welcome"))

    def many_shops() -> None:
        for i in range(30):
            lib.render("pre_sale.welcome", **{**lib.examples("pre_sale.welcome"), "shop": f"{i}" + "S" * 99_000})

    for work in (many_messages, many_tags, many_shops):
        assert _retained(work) < 2_000_000, work.__name__  # 30 inputs of 100-800 kB each: none is kept


def test_a_huge_locale_or_key_is_refused_without_being_repeated(lib: replykit.Library) -> None:
    with pytest.raises(replykit.LocaleError) as info:
        lib.negotiate("es-" + "x" * 1_000_000)
    assert len(str(info.value)) < 400
    with pytest.raises(replykit.UnknownKeyError) as key_info:
        lib.render("pre_sale." + "x" * 1_000_000)
    assert len(str(key_info.value)) < 400 and key_info.value.suggestions == ()
    with pytest.raises(replykit.DetectionError) as hint_info:
        lib.detect("hola", hints={"country": "M" * 1_000_000})
    assert len(str(hint_info.value)) < 400


def test_a_huge_accept_language_header_is_read_in_part(lib: replykit.Library) -> None:
    header = "es-MX," + ",".join(f"x{i}" for i in range(200_000))
    assert lib.detect("ok", hints={"accept_language": header}).locale == "es-MX"


# -- subjects are one header line


@pytest.mark.parametrize("value", ["Mexico\r\nBcc: everyone@evil.example", "a\u2028b", "a\x85b", "a\x0bb", "a\x00b"])
def test_a_value_cannot_put_a_line_break_into_a_subject(make_catalog: MakeCatalog, value: str) -> None:
    lib = replykit.load(make_catalog({"templates/en/customs.yaml": SIMPLE_EN}))
    with pytest.raises(replykit.InvalidValueError, match="variable 'country' puts a line break") as info:
        lib.render("customs.import_tax", customer={"name": "Ana"}, country=value)
    assert info.value.key == "customs.import_tax"
    body = lib.render("customs.import_tax", channel="chat", customer={"name": "Ana"}, country=value).body
    assert value in body  # chat and bodies keep what the customer wrote


def test_a_translation_whose_subject_breaks_falls_back_and_lint_reports_it(make_catalog: MakeCatalog) -> None:
    from replykit.lint import lint

    es = SIMPLE_EN.replace("subject: Import tax for {{ country }}", 'subject: "Impuestos\\nBcc: x@evil.example"')
    root = make_catalog({"templates/en/customs.yaml": SIMPLE_EN, "templates/es/customs.yaml": es})
    lib = replykit.load(root)
    reply = lib.render("customs.import_tax", locale="es", customer={"name": "Ana"}, country="MX")
    assert reply.language == "en" and "\n" not in (reply.subject or "")
    (defect,) = reply.defects
    assert isinstance(defect, replykit.TemplateError) and defect.file == "templates/es/customs.yaml"
    codes = {(f.code, f.file, f.line) for f in lint(lib)}
    assert ("subject-line-break", "templates/es/customs.yaml", 7) in codes


@pytest.mark.parametrize("field", ["shop", "agent"])
def test_shop_and_agent_are_checked_like_any_value(make_catalog: MakeCatalog, field: str) -> None:
    lib = replykit.load(make_catalog({"templates/en/customs.yaml": SIMPLE_EN}))
    with pytest.raises(replykit.InvalidValueError, match=f"variable '{field}'.*lone surrogate"):
        lib.render("customs.import_tax", customer={"name": "Ana"}, country="MX", **{field: "bad \ud800"})
    with pytest.raises(replykit.InvalidValueError, match=f"variable '{field}'.*text"):
        lib.render("customs.import_tax", customer={"name": "Ana"}, country="MX", **{field: {"x": 1}})


# -- batch: every input row gives exactly one output or error line, whatever it holds


def _batch(
    tmp_path: Path, name: str, data: bytes, *args: str
) -> tuple[list[dict[str, object]], list[dict[str, object]], str]:
    from click.testing import CliRunner

    from replykit.cli import main

    source = tmp_path / name
    source.write_bytes(data)
    out, errors = tmp_path / "out.jsonl", tmp_path / "errors.jsonl"
    result = CliRunner().invoke(
        main, ["batch", str(source), "--out", str(out), "--errors", str(errors), "--quiet", *args]
    )
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    read = lambda p: [json.loads(line) for line in p.read_text(encoding="utf-8").splitlines()]  # noqa: E731
    return read(out), read(errors), result.stderr


def test_a_hostile_jsonl_row_is_that_rows_error(tmp_path: Path, lib: replykit.Library) -> None:
    good = {**lib.examples("pre_sale.welcome"), "key": "pre_sale.welcome"}
    rows = [
        json.dumps(good),
        '{"a": ' * 1000 + "1" + "}" * 1000,
        json.dumps({**good, "shop": "\ud800"}),
        json.dumps({**good, "agent": "\ud800"}),
        json.dumps({**good, "locale": "\ud800"}),
        json.dumps({**good, "key": "pre_sale.\ud800"}),
        json.dumps({**good, "customer": {"first_name": "\udfff"}}),
        "[" * 100_000,
        json.dumps(good),
    ]
    data = "\n".join(rows).encode() + b"\n"
    replies, errors, stderr = _batch(tmp_path, "rows.jsonl", data, "--key-field", "key", "--locale-field", "locale")
    assert [r["row"] for r in replies] == [1, 9]
    assert sorted([r["row"] for r in replies] + [e["row"] for e in errors]) == list(range(1, 10))
    assert "9 rows: 2 rendered, 7 failed" in stderr
    messages = [str(e["error"]) for e in errors]
    assert "nested too deeply" in messages[0] and "lone surrogate" in messages[1] and "lone surrogate" in messages[2]
    assert "malformed locale tag" in messages[3] and "unknown template key" in messages[4]


def test_a_jsonl_line_over_the_size_limit_is_skipped_not_kept(
    tmp_path: Path, lib: replykit.Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    from replykit import batch

    monkeypatch.setattr(batch, "MAX_ROW_BYTES", 1_000_000)
    good = json.dumps(lib.examples("pre_sale.welcome"))
    data = f'{good}\n{{"x": "{"y" * 3_000_000}"}}\n{good}\n'.encode()
    replies, errors, _ = _batch(tmp_path, "rows.jsonl", data, "--key", "pre_sale.welcome")
    assert [r["row"] for r in replies] == [1, 3]
    assert errors == [{"row": 2, "error": "bad row: line is over the limit of 1,000,000 bytes"}]


def test_an_unclosed_quote_in_a_csv_never_merges_customers(tmp_path: Path) -> None:
    header = "customer.first_name,product,review_url\n"
    lines = [
        "Ana,Vase,https://shop.example/r/1\n",
        'Ben,"Lamp,https://shop.example/r/2\n',  # the quote is never closed here...
        "Cy,Rug,https://shop.example/r/3\n",
        "Di,Cup,https://shop.example/r/4\n",
        "Ed,Pot,https://shop.example/r/5\n",
        'Fi,Mug",https://shop.example/r/6\n',  # ...but here, five lines later
    ]
    replies, errors, stderr = _batch(
        tmp_path, "c.csv", (header + "".join(lines)).encode(), "--key", "review_request.request"
    )
    assert "6 rows: 4 rendered, 2 failed" in stderr
    assert [(r["row"], r["body"].count("Cy")) for r in replies][:1] == [(1, 0)]
    names = [next(n for n in ("Ana", "Cy", "Di", "Ed") if n in r["body"]) for r in replies]
    assert names == ["Ana", "Cy", "Di", "Ed"]  # each customer gets their own reply, nobody gets another's data
    assert [e["row"] for e in errors] == [2, 6]
    assert "line 3 has a quoted cell that runs on to line 7" in str(errors[0]["error"])
    assert "line 7 has a stray quote" in str(errors[1]["error"])


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('Ana,"Lamp\nBen,Vase,https://shop.example/r/2\n', "line 2 has a quote that is never closed"),
        ('Ana,"' + "x" * 140_000 + '",u\nBen,Vase,https://shop.example/r/2\n', "cell over 131,072 characters"),
        ('Ana,"La"mp,u\nBen,Vase,https://shop.example/r/2\n', "quote that ends in the middle of a cell"),
    ],
    ids=["never-closed", "huge-cell", "mid-cell"],
)
def test_a_malformed_csv_line_is_its_rows_error_and_reading_goes_on(tmp_path: Path, body: str, message: str) -> None:
    header = "customer.first_name,product,review_url\n"
    replies, errors, _ = _batch(tmp_path, "c.csv", (header + body).encode(), "--key", "review_request.request")
    assert [e["row"] for e in errors] == [1] and message in str(errors[0]["error"])
    assert [r["row"] for r in replies] == [2] and "Ben" in str(replies[0]["body"])


def test_a_multi_line_cell_is_still_one_row(tmp_path: Path) -> None:
    header = "customer.first_name,product,review_url\n"
    body = 'Ana,"Lamp\nwith shade",https://shop.example/r/1\nBen,Vase,https://shop.example/r/2\n'
    replies, errors, _ = _batch(
        tmp_path, "c.csv", (header + body).encode(), "--key", "review_request.request", "--channel", "chat"
    )
    assert errors == [] and [r["row"] for r in replies] == [1, 2] and "Lamp\nwith shade" in str(replies[0]["body"])


@pytest.mark.parametrize(
    "key", ["../../../../../../../../tmp/replykit-outside/pre_sale.x", "pre_sale/../../x.y", "nogroup.x", "a" * 10_000]
)
def test_a_key_never_names_a_file_to_read(lib: replykit.Library, key: str, monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[str] = []
    real_open = Path.open

    def spy(self: Path, *args: object, **kwargs: object) -> object:
        opened.append(str(self))
        return real_open(self, *args, **kwargs)  # type: ignore[call-overload]

    lib.keys()  # every catalogue file is read now
    monkeypatch.setattr(Path, "open", spy)
    monkeypatch.setattr(Path, "is_file", lambda self: opened.append(str(self)) or False)
    with pytest.raises(replykit.UnknownKeyError):
        lib.render(key, channel="chat")
    assert opened == []


@pytest.mark.parametrize(
    ("setting", "message"),
    [("currency: USX", "ISO 4217"), ("groups: [pre_sale, ../../etc]", "is not a group name")],
)
def test_catalogue_settings_are_checked(make_catalog: MakeCatalog, setting: str, message: str) -> None:
    lib = replykit.load(make_catalog({"templates/en/customs.yaml": SIMPLE_EN, "replykit.yaml": setting + "\n"}))
    assert any(p.file == "replykit.yaml" and message in p.message for p in lib.problems)


@pytest.mark.parametrize("kind", ["fifo", "broken-link"])
def test_a_template_file_that_cannot_be_read_is_reported_not_skipped(make_catalog: MakeCatalog, kind: str) -> None:
    import os

    from replykit.lint import lint

    root = make_catalog({"templates/en/pre_sale.yaml": "pre_sale.ok:\n  title: OK\n  chat: fine\n"})
    target = root / "templates" / "en" / "customs.yaml"
    if kind == "fifo":
        os.mkfifo(target)
    else:
        target.symlink_to(root / "templates" / "en" / "missing.yaml")
    lib = replykit.load(root)
    assert [p.file for p in lib.problems] == ["templates/en/customs.yaml"]
    assert lib.render("pre_sale.ok", channel="chat").body == "fine"
    assert [f.file for f in lint(lib, jobs=2)] == ["templates/en/customs.yaml"]
