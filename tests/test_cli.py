"""The CLI, in process: output, exit codes and one-line errors."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from catalogues import SIMPLE_EN, SIMPLE_ES, MakeCatalog
from replykit.cli import main


@pytest.fixture
def run() -> Callable[..., Result]:
    runner = CliRunner()

    def invoke(*args: str, env: dict[str, str] | None = None) -> Result:
        result = runner.invoke(main, list(args), env=env, catch_exceptions=False)
        return Result(result.exit_code, result.stdout, result.stderr)

    return invoke


class Result:
    def __init__(self, code: int, out: str, err: str) -> None:
        self.code, self.out, self.err = code, out, err


def test_render_example_in_mexican_spanish(run: Callable[..., Result]) -> None:
    result = run("render", "customs.import_tax", "--locale", "es-MX", "--example")
    assert result.code == 0, result.err
    assert result.out.startswith("Subject: Impuestos de importación de su pedido A-10293\n\nEstimada María:\n")
    assert result.err == "filled from examples: customer, order_id, country, rates_url\n"


def test_render_json(run: Callable[..., Result]) -> None:
    result = run(
        "render", "customs.import_tax", "--locale", "zh-TW", "--channel", "chat", "--example", "--format", "json"
    )
    assert result.code == 0
    data = json.loads(result.out)
    assert {k: data[k] for k in ("key", "locale", "channel", "subject")} == {
        "key": "customs.import_tax",
        "locale": "zh-TW",
        "channel": "chat",
        "subject": None,
    }
    assert "關稅" in data["body"]


def test_render_with_vars_and_data_file(run: Callable[..., Result], tmp_path: Path) -> None:
    data = tmp_path / "order.json"
    data.write_text(json.dumps({"customer": {"first_name": "Lucía", "gender": "female"}, "country": "Chile"}))
    result = run(
        "render",
        "customs.import_tax",
        "--locale",
        "es-CL",
        "--data",
        str(data),
        "--var",
        "order_id=B-77",
        "--var",
        "rates_url=https://x.test/r",
        "--var",
        "customer.last_name=Soto",
    )
    assert result.code == 0, result.err
    assert "Estimada Lucía:" in result.out
    assert "Los envíos a Chile" in result.out
    assert "pedido B-77" in result.out


def test_yaml_data_file(run: Callable[..., Result], tmp_path: Path) -> None:
    data = tmp_path / "order.yaml"
    data.write_text("customer: {name: Sam}\ncountry: Peru\norder_id: C-1\nrates_url: https://x.test\n")
    result = run("render", "customs.import_tax", "--data", str(data), "--channel", "chat", "--opening")
    assert result.code == 0 and "Hi Sam," in result.out


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (
            ["render", "custom.import_tax", "--example"],
            2,
            "Error: custom.import_tax: unknown template key 'custom.import_tax'; did you mean 'customs.import_tax'?",
        ),
        (
            ["render", "customs.import_tax", "--locale", "xx-!!", "--example"],
            2,
            "Error: [xx-!!] malformed locale tag 'xx-!!'",
        ),
        (
            ["render", "customs.import_tax"],
            1,
            "Error: [en-US] customs.import_tax: missing variables 'customer', 'order_id', 'country', 'rates_url'; "
            "give values with --var NAME=VALUE",
        ),
        (["render", "customs.import_tax", "--example", "--var", "order_id"], 2, "expected NAME=VALUE"),
        (
            ["render", "customs.import_tax", "--example", "--channel", "fax"],
            2,
            "'fax' is not one of 'email', 'chat', 'sms'",
        ),
        (["render", "customs.import_tax", "--example", "--data", "/nonexistent.json"], 2, "cannot read"),
        (
            ["render", "customs.import_tax", "--example", "--var", 'customer={"gender": "robot"}'],
            1,
            "gender must be female, male or neutral",
        ),
        (["show", "nope.key"], 2, "unknown template key"),
        (["list", "--group", "custom"], 2, "unknown group 'custom'"),
        (["list", "--language", "fr"], 2, "no templates in language 'fr'"),
        (["render"], 2, "Missing argument 'KEY'"),
    ],
)
def test_errors_are_one_line_with_exit_codes(
    run: Callable[..., Result], args: list[str], code: int, message: str
) -> None:
    result = run(*args)
    assert result.code == code
    assert message in result.err
    assert "Traceback" not in result.err
    if code == 1:
        assert len(result.err.strip().splitlines()) == 1


def test_bad_data_file_content(run: Callable[..., Result], tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    result = run("render", "customs.import_tax", "--data", str(bad))
    assert result.code == 2 and "is not valid JSON" in result.err
    listing = tmp_path / "list.json"
    listing.write_text("[1, 2]")
    assert "must hold an object" in run("render", "customs.import_tax", "--data", str(listing)).err


def test_list_text_and_json(run: Callable[..., Result]) -> None:
    text = run("list", "--group", "customs")
    assert text.code == 0
    assert all(line.startswith("customs.") for line in text.out.splitlines())
    rows = json.loads(run("list", "--format", "json").out)
    row = next(r for r in rows if r["key"] == "customs.import_tax")
    assert {"en", "es", "zh"} <= set(row["languages"]) and "email" in row["channels"]
    assert row["languages"][0] == "en"  # the source first, then translations and regional texts


def test_show_lists_variables_with_examples(run: Callable[..., Result]) -> None:
    result = run("show", "customs.import_tax", "--language", "es")
    assert result.code == 0
    assert "customs.import_tax [es] Impuestos de importación" in result.out
    assert 'country: string  e.g. "España"' in result.out
    assert "--- email body ---" in result.out and "{{ greeting }}" in result.out


def test_catalog_option_and_env(run: Callable[..., Result], make_catalog: MakeCatalog) -> None:
    root = make_catalog({"templates/en/customs.yaml": SIMPLE_EN, "templates/es/customs.yaml": SIMPLE_ES})
    by_option = run("list", "--catalog", str(root))
    by_env = run("list", env={"REPLYKIT_CATALOG": str(root)})
    assert by_option.out == by_env.out
    assert by_option.out.split()[0] == "customs.import_tax" and len(by_option.out.splitlines()) == 1


def test_template_defect_warns_and_strict_fails(run: Callable[..., Result], make_catalog: MakeCatalog) -> None:
    broken = SIMPLE_ES.replace("{{ country }}", "{{ pais }}")
    root = make_catalog({"templates/en/customs.yaml": SIMPLE_EN, "templates/es/customs.yaml": broken})
    result = run("render", "customs.import_tax", "--catalog", str(root), "--locale", "es", "--example")
    assert result.code == 0
    where = root / "templates/es/customs.yaml"  # named from the working folder (here: absolute)
    assert f"warning: fell back to en-US: {where}:4: [es] customs.import_tax: 'pais' is undefined" in result.err
    strict = run("render", "customs.import_tax", "--catalog", str(root), "--locale", "es", "--example", "--strict")
    assert strict.code == 1
    assert strict.err.startswith(f"Error: {where}:4: [es] customs.import_tax: 'pais' is undefined")


def test_unreadable_catalogue_is_usage_error(run: Callable[..., Result], tmp_path: Path) -> None:
    result = run("list", "--catalog", str(tmp_path))
    assert result.code == 2 and "no templates/ folder" in result.err


def test_detect_command(run: Callable[..., Result]) -> None:
    text = run("detect", "請問有現貨嗎")
    assert text.code == 0
    assert text.out.strip() == "zh (Hant)  locale=zh-Hant  confidence=0.99  method=script"
    data = json.loads(run("detect", "ok", "--hint", "es-MX,es;q=0.9", "--format", "json").out)
    assert data == {
        "language": "es",
        "script": None,
        "locale": "es-MX",
        "confidence": 0.5,
        "method": "hint",
        "detected": None,
        "supported": True,
    }
    fr = json.loads(run("detect", "bonjour, où est ma commande ?", "--candidates", "fr,de", "--format", "json").out)
    assert fr["language"] == "fr"
    bad = run("detect", "hi", "--country", "Mexico")
    assert bad.code == 2 and "ISO 3166" in bad.err


def test_render_detect_from(run: Callable[..., Result]) -> None:
    result = run(
        "render", "mid_sale.shipped", "--detect-from", "¿ya enviaron mi pedido?", "--country", "AR",
        "--example", "--channel", "chat", "--format", "json",
    )  # fmt: skip
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert (data["locale"], data["detection"]["method"]) == ("es-AR", "model")
    both = run("render", "mid_sale.shipped", "--detect-from", "hola", "--locale", "es", "--example")
    assert both.code == 2 and "either --locale or --detect-from" in both.err
