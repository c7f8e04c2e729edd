"""No command shows a traceback for a user's mistake; exit codes are 1 or 2 as documented."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from replykit.cli import main


@pytest.fixture
def files(tmp_path: Path) -> dict[str, str]:
    bad_json = tmp_path / "bad.json"
    bad_json.write_text("{oops")
    bad_po = tmp_path / "bad.po"
    bad_po.write_text('msgid "x"\nmsgstr "\n')
    empty_dir = tmp_path / "empty"
    empty_dir.mkdir()
    rows = tmp_path / "rows.jsonl"
    rows.write_text('{"a": 1}\n')
    return {
        "bad_json": str(bad_json), "bad_po": str(bad_po), "empty": str(empty_dir), "rows": str(rows),
        "missing": str(tmp_path / "missing.file"), "nodir": str(tmp_path / "no" / "such" / "dir" / "out.jsonl"),
    }  # fmt: skip


CASES = [
    (["nope"], 2),
    (["list", "--format", "xml"], 2),
    (["list", "--catalog", "{empty}"], 2),
    (["list", "--catalog", "{missing}"], 2),
    (["show", "no.such"], 2),
    (["show", "customs.import_tax", "--language", "xx-!!"], 2),
    (["render", "customs.import_tax", "--data", "{bad_json}"], 2),
    (["render", "customs.import_tax", "--data", "{missing}"], 2),
    (["render", "customs.import_tax", "--var", "=x"], 2),
    (["render", "customs.import_tax", "--example", "--var", "customer=[1]"], 1),
    (["render", "customs.import_tax", "--example", "--locale", "zh_!!"], 2),
    (["render", "customs.import_tax", "--example", "--hint", "es"], 2),
    (["detect"], 2),
    (["detect", "hola", "--hint", "xx-!!"], 2),
    (["detect", "hola", "--candidates", ","], 2),
    (["search", "x", "--limit", "0"], 2),
    (["search", "x", "--language", "!!"], 2),
    (["suggest"], 2),
    (["lint", "--select", "nope"], 2),
    (["lint", "--catalog", "{missing}"], 2),
    (["coverage", "--catalog", "{empty}"], 2),
    (["batch", "{missing}", "--key", "customs.import_tax"], 2),
    (["batch", "{rows}"], 2),
    (["batch", "{rows}", "--key", "customs.import_tax", "--out", "{nodir}"], 2),
    (["batch", "{rows}", "--key", "customs.import_tax", "--jobs", "0"], 2),
    (["batch", "{rows}", "--key", "customs.import_tax"], 1),
    (["export-po", "--language", "xx-!!"], 2),
    (["import-po", "{missing}", "--language", "es"], 2),
    (["import-po", "{bad_po}", "--language", "es", "--catalog", "{empty}"], 2),
    (["stamp", "--language", "es", "--catalog", "{empty}"], 2),
    (["new-language", "!!", "--catalog", "{empty}"], 2),
]


@pytest.mark.parametrize(("args", "code"), CASES, ids=[" ".join(a) for a, _ in CASES])
def test_user_errors_never_show_a_traceback(files: dict[str, str], args: list[str], code: int) -> None:
    result = CliRunner().invoke(main, [a.format(**files) for a in args])
    assert result.exit_code == code, (result.output, result.exception)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    assert result.stderr.strip(), "a failure says why on stderr"
