"""A user's mistake is a clear error, never a silent default; nothing is lost."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

import replykit
from catalogues import MakeCatalog
from replykit.cli import main

REFUND = "after_sale.refund_processed"
REVIEW = "review_request.request"


def run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), input=stdin)
    return result.exit_code, result.stdout, result.stderr


def _review_rows(lib: replykit.Library, n: int, **extra: object) -> list[dict[str, object]]:
    example = lib.examples(REVIEW)
    return [{"id": f"c{i}", **example, "locale": "es-MX", **extra} for i in range(n)]


def _jsonl(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


# -- batch: outputs, fields, formats --------------------------------------------------


@pytest.mark.parametrize("spelling", ["same", "dot-slash", "link"])
def test_two_outputs_that_are_one_file_are_refused_before_any_row(
    tmp_path: Path, lib: replykit.Library, spelling: str
) -> None:
    source = _jsonl(tmp_path / "rows.jsonl", _review_rows(lib, 3))
    out = tmp_path / "same.jsonl"
    other = {"same": out, "dot-slash": Path(f"{tmp_path}/./same.jsonl"), "link": tmp_path / "link.jsonl"}[spelling]
    if spelling == "link":
        out.write_text("")
        other.symlink_to(out)
    code, stdout, stderr = run("batch", str(source), "--key", REVIEW, "--out", str(out), "--errors", str(other))
    assert code == 2 and "is the same file as --out" in stderr and stdout == ""
    assert not out.exists() or out.read_text() == ""


def test_an_output_that_is_the_input_is_refused(tmp_path: Path, lib: replykit.Library) -> None:
    source = _jsonl(tmp_path / "rows.jsonl", _review_rows(lib, 2))
    before = source.read_bytes()
    code, _, stderr = run("batch", str(source), "--key", REVIEW, "--out", str(source))
    assert code == 2 and "same file as INPUT" in stderr and source.read_bytes() == before


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
@pytest.mark.parametrize(
    ("option", "name", "hint"),
    [("--locale-field", "lcale", "did you mean 'locale'"), ("--detect-field", "mesage", "did you mean 'message'")],
)
def test_a_misspelled_field_is_refused_with_the_fields_there_are(
    tmp_path: Path, lib: replykit.Library, fmt: str, option: str, name: str, hint: str
) -> None:
    rows = _review_rows(lib, 3, message="hola")
    if fmt == "csv":
        source = tmp_path / "rows.csv"
        header = ["id", "locale", "message", "product", "review_url", "customer.first_name"]
        lines = [",".join(header)] + [f"c{i},es-MX,hola,Lamp,https://x.example/r,Ana" for i in range(3)]
        source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    else:
        source = _jsonl(tmp_path / "rows.jsonl", rows)
    code, stdout, stderr = run("batch", str(source), "--key", REVIEW, option, name, "--quiet")
    where = "the header" if fmt == "csv" else "the first 100 rows"
    assert code == 2 and f"{option}: " in stderr and f"{name!r} is not in {where}" in stderr and hint in stderr
    assert stdout == ""


def test_a_column_spelled_like_a_variable_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "rows.csv"
    source.write_text("custmer.first_name,product,review_url\nAna,Lamp,https://x.example/r\n", encoding="utf-8")
    code, _, stderr = run("batch", str(source), "--key", REVIEW)
    assert code == 2 and "column 'custmer.first_name' is not a variable" in stderr and "'customer'" in stderr


def test_a_semicolon_csv_is_read_and_keep_carries_the_id(tmp_path: Path) -> None:
    source = tmp_path / "excel.csv"
    source.write_text(
        "id;customer.first_name;product;review_url;amount\n7;Ana;Lámpara;https://x.example/r;1,5\n",
        encoding="utf-8",
    )
    code, stdout, stderr = run("batch", str(source), "--key", REVIEW, "--keep", "id", "--quiet")
    assert code == 0, stderr
    (line,) = [json.loads(x) for x in stdout.splitlines()]
    assert line["input"] == {"id": "7"} and "Lámpara" in line["body"]


def test_when_every_row_fails_alike_the_batch_says_so(tmp_path: Path) -> None:
    source = tmp_path / "rows.csv"
    source.write_text("first_name,product\nAna,Lamp\nBen,Vase\nCy,Rug\n", encoding="utf-8")
    code, _, stderr = run("batch", str(source), "--key", REVIEW, "--keep", "first_name")
    assert code == 1 and "every row failed the same way: " in stderr and "--delimiter" in stderr
    errors = [json.loads(x) for x in stderr.splitlines() if x.startswith("{")]
    assert [e["input"] for e in errors] == [{"first_name": "Ana"}, {"first_name": "Ben"}, {"first_name": "Cy"}]


def test_rows_from_standard_input_and_unknown_extensions(tmp_path: Path, lib: replykit.Library) -> None:
    text = "".join(json.dumps(r) + "\n" for r in _review_rows(lib, 2))
    code, stdout, _ = run("batch", "-", "--key", REVIEW, stdin=text)
    assert code == 0 and len(stdout.splitlines()) == 2
    odd = tmp_path / "rows.txt"
    odd.write_text(text)
    code, _, stderr = run("batch", str(odd), "--key", REVIEW)
    assert code == 2 and "cannot tell the format of" in stderr and "--input-format" in stderr
    code, stdout, _ = run("batch", str(odd), "--key", REVIEW, "--input-format", "jsonl")
    assert code == 0 and len(stdout.splitlines()) == 2


def test_batch_lines_say_which_locale_answered_and_the_summary_counts_fall_backs(
    tmp_path: Path, lib: replykit.Library
) -> None:
    rows = [{**r, "locale": locale} for r, locale in zip(_review_rows(lib, 3), ["es-MX", "fr-FR", "mx"], strict=True)]
    code, stdout, stderr = run(
        "batch", str(_jsonl(tmp_path / "r.jsonl", rows)), "--key", REVIEW, "--locale-field", "locale"
    )
    lines = [json.loads(x) for x in stdout.splitlines()]
    assert [(x["requested_locale"], x["locale"], x["fell_back"]) for x in lines] == [
        ("es-MX", "es-MX", False),
        ("fr-FR", "en-US", True),
        ("mx", "en-US", True),
    ]
    assert code == 0 and "3 rows: 3 rendered (2 in another locale than their own), 0 failed" in stderr


def test_the_progress_total_of_a_csv_counts_rows_not_lines(tmp_path: Path) -> None:
    from replykit.batch import count_rows

    path = tmp_path / "rows.csv"
    path.write_text('a,b\n1,"two\nlines"\n3,4\n', encoding="utf-8")
    assert count_rows(path, "csv") == 2


# -- render: names, examples, locales ---------------------------------------------------


def test_a_misspelled_value_name_is_an_error_with_did_you_mean(lib: replykit.Library) -> None:
    with pytest.raises(replykit.UnknownVariableError) as info:
        lib.render(REFUND, examples=True, amunt=5)
    assert info.value.variable == "amunt" and info.value.suggestions[0] == "amount"
    code, _, stderr = run("render", REFUND, "--example", "--var", "amunt=5")
    assert code == 2 and "unknown variable 'amunt'; did you mean 'amount'" in stderr


def test_values_taken_from_examples_are_named(tmp_path: Path, lib: replykit.Library) -> None:
    given = {"customer": {"first_name": "Ana"}, "order_id": "Z-1"}
    reply = lib.render(REFUND, examples=True, **given)
    assert reply.example_values == ("amount", "method", "days") and "Z-1" in reply.body
    assert reply.to_dict()["example_values"] == ["amount", "method", "days"]
    assert lib.render(REFUND, **lib.examples(REFUND)).example_values == ()
    data = tmp_path / "partial.json"
    data.write_text(json.dumps(given))
    code, stdout, stderr = run("render", REFUND, "--data", str(data), "--example")
    assert code == 0 and "Z-1" in stdout and "filled from examples: amount, method, days" in stderr


def test_every_missing_and_invalid_value_is_reported_at_once(lib: replykit.Library) -> None:
    with pytest.raises(replykit.RenderError) as info:
        lib.render(REFUND, customer={"first_name": "Ana"}, amount="12.345 USD", days={"min": 5, "max": 2})
    problems = {e.variable: type(e) for e in info.value.errors}
    assert problems == {
        "order_id": replykit.MissingVariableError,
        "method": replykit.MissingVariableError,
        "amount": replykit.InvalidValueError,
        "days": replykit.InvalidValueError,
    }
    assert str(info.value).count("variable") >= 4 and info.value.key == REFUND
    with pytest.raises(replykit.MissingVariableError) as missing:
        lib.render(REFUND, customer={"name": "A"}, amount="1 USD", days=3)
    assert {e.variable for e in missing.value.errors} == {"order_id", "method"}
    assert str(missing.value).endswith("missing variables 'order_id', 'method'")


def test_the_cli_names_the_key_and_speaks_cli(tmp_path: Path) -> None:
    code, _, stderr = run("render", "customs.import_tax", "--var", "country=MX")
    assert code == 1 and stderr.count("\n") == 1
    assert "--var NAME=VALUE" in stderr and "replykit show customs.import_tax" in stderr and "pass " not in stderr


def test_an_unserved_locale_is_said_on_stderr(lib: replykit.Library) -> None:
    for locale in ("mx", "fr-FR"):
        code, stdout, stderr = run("render", REFUND, "--locale", locale, "--example")
        assert code == 0 and f"note: no replies for {locale} in the catalogue; replied in en-US" in stderr
        assert stdout.startswith("Subject:")
    _, _, stderr = run("render", REFUND, "--locale", "es-MX", "--example")
    assert "note:" not in stderr


def test_reply_to_keeps_options_apart_from_values(lib: replykit.Library) -> None:
    key = "pre_sale.welcome"
    order = {name: "x" for name in ("locale", "key", "channel", "hints", "customer_message")}
    with pytest.raises(replykit.UnknownVariableError):  # a ReplykitError, not a TypeError
        lib.reply_to("hola, una pregunta", key, values={**lib.examples(key), **order})
    reply = lib.reply_to("hola, una pregunta", key, values=lib.examples(key), channel="chat")
    assert reply.language == "es" and reply.channel == "chat"
    with pytest.raises(replykit.UnknownVariableError, match="'key'"):
        lib.render(key, key="x", **lib.examples(key))  # key is positional only: here it is a value


# -- values: types are checked ----------------------------------------------------------

VALUES = """
customs.check:
  title: Check
  variables:
    sender: {type: customer, required: false, example: {first_name: Bo}}
    customer: {type: customer, example: {first_name: Ana}}
    link: {type: url, example: "https://shop.example/x", required: false}
    mail: {type: email, example: a@example.com, required: false}
    items: {type: list, example: [Lamp], required: false}
    day: {type: date, example: "2026-03-12", required: false}
    at: {type: datetime, example: "2026-03-12T14:30:00-05:00", required: false}
    total: {type: money, example: "12.50 USD", required: false}
    note: {type: string, example: x}
  email:
    subject: Check
    body: |
      {{ greeting }}
      {{ link }} {{ mail }} {{ items }} {{ day }} {{ at }} {{ total }} {{ note }}
    html: <a href="{{ link }}">{{ note }}</a>
  chat: "{{ greeting }} {{ link }} {{ items }} {{ day }} {{ at }} {{ total }} {{ note }}"
"""


@pytest.fixture
def check_lib(make_catalog: MakeCatalog) -> replykit.Library:
    return replykit.load(make_catalog({"templates/en/customs.yaml": VALUES}))


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("link", "not a url", "web address"),
        ("link", "javascript:alert(1)", "web address"),
        ("link", "data:text/html,<script>x</script>", "web address"),
        ("link", "https://", "web address"),
        ("mail", "ana at example", "e-mail address"),
        ("items", "ID", "expected a list"),
        ("items", "Rug 1,5 m x 2 m", "expected a list"),
        ("day", "2026-03-123", "ISO date"),
        ("day", "2026-03-12 garbage", "ISO date"),
        ("at", "2026-03-12T10:00 tomorrow", "ISO date-time"),
        ("total", "192.29 USX", "ISO 4217"),
        ("total", {"amount": 3, "currency": "XYZ"}, "ISO 4217"),
        ("total", "1.234 EUR", r"if the dot separates thousands \(1234\)"),
        ("total", "12.345 USD", "has 3 decimals and USD has 2"),
        ("total", "-0.001 USD", "has 3 decimals"),
        ("total", "100.5 JPY", "JPY has none"),
    ],
)
def test_values_are_checked_by_type(check_lib: replykit.Library, name: str, value: object, message: str) -> None:
    with pytest.raises(replykit.InvalidValueError, match=message) as info:
        check_lib.render("customs.check", channel="chat", customer={"first_name": "Ana"}, note="n", **{name: value})
    assert info.value.variable == name


@pytest.mark.parametrize("invisible", ["\u200b", "\u2060", "\ufeff", "\u00ad", " \u200b\u200d "])
def test_a_value_of_invisible_characters_is_no_value(check_lib: replykit.Library, invisible: str) -> None:
    with pytest.raises(replykit.MissingVariableError, match="'note' is empty"):
        check_lib.render("customs.check", channel="chat", customer={"first_name": "Ana"}, note=invisible)
    reply = check_lib.render("customs.check", customer={"first_name": invisible, "last_name": ""}, note="n")
    assert reply.body.startswith("Hello,")  # not "Dear \u200b,"


def test_the_greeting_is_for_the_customer_not_the_first_person_declared(check_lib: replykit.Library) -> None:
    reply = check_lib.render(
        "customs.check",
        channel="chat",
        opening=True,
        customer={"first_name": "Ana"},
        sender={"first_name": "Bo"},
        note="n",
    )
    assert reply.body.startswith("Hi Ana,")


def test_a_date_time_shows_its_offset(check_lib: replykit.Library) -> None:
    reply = check_lib.render(
        "customs.check", channel="chat", customer={"name": "A"}, note="n", at="2026-03-12T14:30:00-05:00"
    )
    assert "Mar 12, 2026, 2:30:00\u202fPM GMT-05:00" in reply.body
    plain = check_lib.render(
        "customs.check", channel="chat", customer={"name": "A"}, note="n", at=dt.datetime(2026, 3, 12)
    )
    assert "GMT" not in plain.body


def test_html_links_only_take_web_addresses(check_lib: replykit.Library) -> None:
    reply = check_lib.render("customs.check", customer={"name": "A"}, note="n", link="https://shop.example/a?b=1&c=2")
    assert reply.html == '<a href="https://shop.example/a?b=1&amp;c=2">n</a>'


def test_a_csv_column_order_never_drops_a_currency() -> None:
    from replykit.batch import expand

    for row in ({"amount.currency": "EUR", "amount": "12.50"}, {"amount": "12.50", "amount.currency": "EUR"}):
        assert expand(row) == {"amount": {"value": "12.50", "currency": "EUR"}}
    lib = replykit.load()
    example = lib.examples(REFUND)
    reply = lib.render(REFUND, **{**example, "amount": expand({"amount.currency": "EUR", "amount": "12.50"})["amount"]})
    assert "€12.50" in reply.body


def test_a_translation_cannot_relabel_an_amounts_currency(make_catalog: MakeCatalog) -> None:
    from replykit.lint import lint

    en = {
        "customs.fee": {
            "title": "Fee",
            "variables": {"fee": {"type": "money", "example": "12.50 USD"}},
            "chat": "The fee is {{ fee }}.",
        }
    }
    es = {"customs.fee": {"title": "Tasa", "chat": "La tasa es {{ fee | money('EUR') }}."}}
    root = make_catalog(
        {"templates/en/customs.yaml": yaml.safe_dump(en), "templates/es/customs.yaml": yaml.safe_dump(es)}
    )
    lib = replykit.load(root)
    reply = lib.render("customs.fee", locale="es", channel="chat", fee="12.50 USD")
    assert reply.language == "en" and "$12.50" in reply.body and reply.defects
    assert any(f.code == "render-error" and f.locale == "es" for f in lint(lib))


def test_traditional_conversion_leaves_comparisons_alone(make_catalog: MakeCatalog) -> None:
    zh = """
        customs.pay:
          title: 付款
          variables:
            method: {type: string, example: 支付宝}
          chat: "{% if method == '支付宝' %}已通过支付宝付款{% else %}其他方式{% endif %}"
    """
    root = make_catalog({"templates/zh/customs.yaml": zh, "replykit.yaml": "source_language: zh\n"}, locales=False)
    lib = replykit.load(root)
    body = lib.render("customs.pay", locale="zh-TW", channel="chat", method="支付宝").body
    assert body.startswith("已") and body.endswith("支付寶付款")  # the comparison held: the first branch


# -- CLI usage ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["render", REFUND, "--example", "--channel", "fax"],
        ["render", REFUND, "--nope"],
        ["batch"],
        ["render", REFUND, "--formality", "rude"],
    ],
)
def test_every_usage_mistake_is_one_error_line_and_exit_2(args: list[str]) -> None:
    code, stdout, stderr = run(*args)
    assert code == 2 and stdout == ""
    assert stderr.startswith("Error: ") and stderr.count("\n") == 1 and "Usage:" not in stderr


def test_data_names_the_formats_it_takes(tmp_path: Path) -> None:
    data = tmp_path / "data.csv"
    data.write_text("a,b\n1,2\n")
    code, _, stderr = run("render", REFUND, "--data", str(data))
    assert code == 2 and "--data takes a JSON (.json) or YAML (.yaml, .yml) file" in stderr


def test_a_closed_pipe_is_not_an_error_message(tmp_path: Path) -> None:
    import subprocess
    import sys

    script = "import sys; from replykit.cli import main; sys.argv = ['replykit', 'list']; main()"
    process = subprocess.run(
        f'{sys.executable} -c "{script}" | head -n 1', shell=True, capture_output=True, text=True, check=False
    )
    assert process.stdout.count("\n") == 1 and "Broken pipe" not in process.stderr and "Error" not in process.stderr


# -- the public API -----------------------------------------------------------------------


def test_dir_shows_the_public_api_and_batch_results_are_importable() -> None:
    assert set(dir(replykit)) == {*replykit.__all__, "__version__"}
    assert replykit.BatchResult.__name__ == "BatchResult" and "BatchResult" in replykit.__all__
    reply = replykit.load().render("pre_sale.welcome", **replykit.load().examples("pre_sale.welcome"))
    assert {"fell_back", "html", "example_values"} <= set(dir(reply)) and reply.to_dict()["fell_back"] is False


@pytest.mark.parametrize(
    ("name", "text"), [("d.yaml", "country: MX\ncountry: ES\n"), ("d.json", '{"country": "MX", "country": "ES"}')]
)
def test_a_value_given_twice_in_a_data_file_is_refused(tmp_path: Path, name: str, text: str) -> None:
    data = tmp_path / name
    data.write_text(text)
    code, stdout, stderr = run("render", "customs.import_tax", "--data", str(data), "--example")
    assert code == 2 and "'country'" in stderr and "twice" in stderr and stdout == ""


def test_every_command_names_catalogue_files_from_the_working_folder(
    make_catalog: MakeCatalog, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    broken = {"customs.fee": {"title": "Tasa", "chat": "{{ nope }}"}}
    en = {"customs.fee": {"title": "Fee", "chat": "Hello {{ shop }}"}}
    root = make_catalog(
        {"templates/en/customs.yaml": yaml.safe_dump(en), "templates/es/customs.yaml": yaml.safe_dump(broken)}
    )
    monkeypatch.chdir(root.parent)
    shown = f"{root.name}/templates/es/customs.yaml"
    code, _, stderr = run("render", "customs.fee", "--catalog", root.name, "--locale", "es", "--channel", "chat")
    assert code == 0 and f"warning: fell back to en-US: {shown}:2:" in stderr
    _, stdout, _ = run("show", "customs.fee", "--catalog", root.name)
    assert f"file: {root.name}/templates/en/customs.yaml:1" in stdout
    rows = tmp_path / "rows.jsonl"
    rows.write_text('{"locale": "es"}\n')
    code, _, stderr = run("batch", str(rows), "--catalog", root.name, "--key", "customs.fee", "--channel", "chat",
                          "--locale-field", "locale", "--strict")  # fmt: skip
    assert code == 1 and f"{shown}:2:" in stderr


def test_a_new_language_gets_what_cldr_knows_and_the_rest_is_marked(make_catalog: MakeCatalog) -> None:
    from replykit import po
    from replykit.lint import lint

    root = make_catalog({"templates/en/customs.yaml": SIMPLE_EN_DAYS})
    po.new_language(root, "fr")
    text = (root / "locales" / "fr.yaml").read_text(encoding="utf-8")
    assert 'day: {other: "{0}\u00a0jours", one: "{0}\u00a0jour"}' in text and "TRANSLATE" in text
    lib = replykit.load(root)
    assert not lib.problems  # the scaffold is a valid locale file
    # Translate the entry: its duration now reads in French, and lint still asks for the greeting.
    fr = (root / "templates" / "fr" / "customs.yaml").read_text(encoding="utf-8")
    fr = fr.replace("  untranslated: true\n", "").replace("Arrives in", "Arrive dans")
    (root / "templates" / "fr" / "customs.yaml").write_text(fr, encoding="utf-8")
    lib = replykit.load(root)
    reply = lib.render("customs.eta", locale="fr", channel="chat", customer={"name": "Ana"}, days=3)
    assert "3\u00a0jours" in reply.body
    assert any(f.code == "locale-incomplete" and f.locale == "fr" for f in lint(lib))


SIMPLE_EN_DAYS = """
customs.eta:
  title: ETA
  variables:
    customer: {type: customer, example: {name: Ana}}
    days: {type: duration, example: 3}
  chat: "{{ greeting }} Arrives in {{ days }}."
"""
