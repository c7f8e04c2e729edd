"""Batch rendering: one line per row, order kept, nothing lost, atomic output."""

from __future__ import annotations

import csv
import datetime as dt
import functools
import json
import os
import pickle
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

import replykit
from replykit._atomic import AtomicWriter
from replykit.batch import BatchResult, expand
from replykit.cli import main

KEY = "review_request.request"


def _rows(lib: replykit.Library, n: int) -> list[dict[str, object]]:
    example = lib.examples(KEY)
    locales = ["en-US", "es-MX", "zh-TW", "es-ES", "de-DE"]
    return [{**example, "id": i, "locale": locales[i % 5], "customer": {"first_name": f"C{i}"}} for i in range(n)]


def test_render_many_one_result_per_row_in_order(lib: replykit.Library) -> None:
    rows: list[object] = _rows(lib, 12)
    rows[3] = {"locale": "es-MX"}  # missing values
    rows[5] = {**rows[4], "locale": "xx-!!"}  # malformed locale  # type: ignore[dict-item]
    rows[7] = "not an object"
    results = list(lib.render_many(rows, key=KEY, locale_field="locale"))  # type: ignore[arg-type]
    assert [r.row for r in results] == list(range(1, 13))
    failed = {r.row: r.error for r in results if not r.ok}
    assert set(failed) == {4, 6, 8}
    assert "missing variable" in failed[4] and "malformed locale tag" in failed[6] and "bad row" in failed[8]
    good = [r for r in results if r.ok]
    assert [r.reply.locale for r in good[:3]] == ["en-US", "es-MX", "zh-TW"]  # type: ignore[union-attr]
    assert "C0" in good[0].reply.body  # type: ignore[union-attr]


def test_key_field_detect_field_and_dotted_names(lib: replykit.Library) -> None:
    example = lib.examples("after_sale.refund_processed")
    rows = [
        {**example, "template": "after_sale.refund_processed", "message": "¿cuándo me devuelven el dinero?",
         "customer.first_name": "Lucía", "customer.gender": "female", "customer.last_name": "Soto"},
        {**example, "template": "after_sale.refund_procesed", "message": "hi"},
    ]  # fmt: skip
    first, second = lib.render_many(rows, key_field="template", detect_field="message")
    assert first.reply is not None and first.reply.locale == "es" and "Estimada Lucía:" in first.reply.body
    assert first.reply.detection.method == "model"
    assert second.error is not None and "did you mean 'after_sale.refund_processed'" in second.error


def test_expand_reads_dotted_names_and_json_cells() -> None:
    row = {"customer.first_name": "Ana", "customer": '{"last_name": "Ruiz"}', "items": '["a", "b"]', "note": "{oops"}
    assert expand(row) == {"customer": {"first_name": "Ana", "last_name": "Ruiz"}, "items": ["a", "b"], "note": "{oops"}
    for blank in ("", None):  # an empty "customer" column, before or after the dotted ones
        assert expand({"customer.first_name": "Ana", "customer": blank}) == {"customer": {"first_name": "Ana"}}
        assert expand({"customer": blank, "customer.first_name": "Ana"}) == {"customer": {"first_name": "Ana"}}


def test_results_pickle_and_serialise(lib: replykit.Library) -> None:
    (result,) = lib.render_many(_rows(lib, 1), key=KEY, locale_field="locale")
    assert pickle.loads(pickle.dumps(result)) == result
    line = result.to_dict()
    assert list(line) == ["row", "key", "locale", "requested_locale", "fell_back", "channel", "subject", "body"]
    assert BatchResult(3, error="boom").to_dict() == {"row": 3, "error": "boom"}


def test_worker_processes_keep_the_order(lib: replykit.Library) -> None:
    rows = _rows(lib, 600)
    single = [r.to_dict() for r in lib.render_many(rows, key=KEY, locale_field="locale")]
    parallel = [r.to_dict() for r in lib.render_many(rows, key=KEY, locale_field="locale", jobs=2)]
    assert parallel == single


def test_workers_use_the_library_clock_and_detector(make_catalog: Callable[..., Path]) -> None:
    soon = """
        pre_sale.soon:
          title: Soon
          variables:
            when: {type: date, example: "2026-03-08"}
          chat: "{{ when | relative }}"
    """
    lib = replykit.load(make_catalog({"templates/en/pre_sale.yaml": soon}))
    lib.clock = functools.partial(dt.datetime, 2026, 3, 5, 9, tzinfo=dt.timezone.utc)
    lib.detector = replykit.LangdetectDetector(seed=7)
    copy = pickle.loads(pickle.dumps(lib))
    assert copy.clock() == lib.clock() and copy.detector.seed == 7  # type: ignore[union-attr]
    rows = [{"when": "2026-03-08"}, {"when": "2026-03-06"}] * 300
    kwargs = {"key": "pre_sale.soon", "channel": "chat"}
    single = [r.to_dict() for r in lib.render_many(rows, **kwargs)]
    assert [(r["row"], r["locale"], r["body"]) for r in single[:2]] == [
        (1, "en-US", "in 3 days"),
        (2, "en-US", "tomorrow"),
    ]
    assert [r.to_dict() for r in lib.render_many(rows, jobs=2, **kwargs)] == single
    lib.clock = lambda: dt.datetime(2026, 3, 5, tzinfo=dt.timezone.utc)
    with pytest.raises(replykit.RenderError, match=r"cannot be pickled.*functools\.partial, or use jobs=1"):
        list(lib.render_many(rows, jobs=2, **kwargs))


def test_library_travels_as_its_path(lib: replykit.Library) -> None:
    data = pickle.dumps(lib)
    assert len(data) < 200
    assert pickle.loads(data) is pickle.loads(data)  # loaded once per process


def test_cli_batch_jsonl(tmp_path: Path, lib: replykit.Library) -> None:
    rows = _rows(lib, 30)
    rows[10] = {"locale": "en-US"}
    source = tmp_path / "rows.jsonl"
    source.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n{broken\n", encoding="utf-8")
    out, errors = tmp_path / "out.jsonl", tmp_path / "errors.jsonl"
    result = CliRunner().invoke(
        main,
        ["batch", str(source), "--key", KEY, "--locale-field", "locale", "--out", str(out), "--errors", str(errors)],
    )
    assert result.exit_code == 1
    assert "31 rows: 29 rendered (6 in another locale than their own), 2 failed" in result.stderr
    lines = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    failures = [json.loads(x) for x in errors.read_text(encoding="utf-8").splitlines()]
    assert sorted([x["row"] for x in lines] + [x["row"] for x in failures]) == list(range(1, 32))
    assert [x["row"] for x in failures] == [11, 31]
    assert "not valid JSON" in failures[1]["error"]
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_cli_batch_csv_with_key_field_to_stdout(tmp_path: Path, lib: replykit.Library) -> None:
    example = lib.examples("customs.import_tax")
    source = tmp_path / "orders.csv"
    with source.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["template", "locale", "customer", "customer.last_name", "order_id", "country", "rates_url"])
        writer.writerow(
            [
                "customs.import_tax",
                "es-MX",
                '{"first_name": "Ana", "gender": "female"}',
                "Ruiz",
                "A-1",
                "México",
                example["rates_url"],
            ]
        )
        writer.writerow(
            [
                "customs.import_tax",
                "zh-HK",
                '{"first_name": "小明", "gender": "male"}',
                "陈",
                "A-2",
                "香港",
                example["rates_url"],
            ]
        )
    result = CliRunner().invoke(
        main,
        ["batch", str(source), "--key-field", "template", "--locale-field", "locale", "--channel", "chat", "--opening"],
    )
    assert result.exit_code == 0, result.stderr
    first, second = (json.loads(x) for x in result.stdout.splitlines())
    assert first["body"].startswith("¡Hola, Ana!") and first["locale"] == "es-MX"
    assert second["body"].startswith("陈先生，你好！") and second["subject"] is None  # (Hong Kong writes 你)


def test_cli_batch_csv_from_excel_keeps_every_row(tmp_path: Path) -> None:
    # Excel's "CSV UTF-8" starts with a byte order mark; one line has a stray cell, one is not UTF-8.
    source = tmp_path / "campaign.csv"
    source.write_bytes(
        b"\xef\xbb\xbfcustomer.first_name,product,review_url,locale\r\n"
        b"Ana,L\xc3\xa1mpara,https://shop.example/r/1,es-MX\r\n"
        b"Ben,Vase,https://shop.example/r/2,en-US,oops\r\n"
        b"\r\n"
        b"Chen,\xff\xfeLamp,https://shop.example/r/3,en-US\r\n"
        b'"Dana ""D""",Rug,https://shop.example/r/4,en-GB\r\n'
    )
    result = CliRunner().invoke(main, ["batch", str(source), "--key", KEY, "--locale-field", "locale"])
    assert result.exit_code == 1
    assert "4 rows: 2 rendered, 2 failed" in result.stderr
    replies = [json.loads(x) for x in result.stdout.splitlines()]
    assert [(r["row"], r["locale"]) for r in replies] == [(1, "es-MX"), (4, "en-GB")]
    assert "Lámpara" in replies[0]["body"] and 'Dana "D"' in replies[1]["body"]
    errors = [json.loads(x) for x in result.stderr.splitlines() if x.startswith("{")]
    assert errors == [
        {
            "row": 2,
            "error": "bad row: line 3 has 5 cells, the header has 4; check for a stray comma or an unclosed quote",
        },
        {"row": 3, "error": "bad row: line 5 is not valid UTF-8; save the file as UTF-8"},
    ]


def test_cli_batch_csv_with_a_column_named_twice_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "campaign.csv"
    source.write_text("product,locale,product\nLamp,en-US,Vase\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["batch", str(source), "--key", KEY])
    assert result.exit_code == 2 and "the header names 'product' twice; rename one" in result.stderr, result.stderr


def test_cli_batch_jsonl_with_a_byte_order_mark(tmp_path: Path, lib: replykit.Library) -> None:
    source = tmp_path / "rows.jsonl"
    source.write_bytes(b"\xef\xbb\xbf" + "\n".join(json.dumps(r) for r in _rows(lib, 2)).encode() + b"\n")
    result = CliRunner().invoke(main, ["batch", str(source), "--key", KEY, "--locale-field", "locale"])
    assert result.exit_code == 0 and "2 rows: 2 rendered, 0 failed" in result.stderr, result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--locale-field", "locale"], "give --key KEY or --key-field FIELD"),
        (["--key", "nope.key"], "unknown template key"),
    ],
)
def test_cli_batch_usage_errors(tmp_path: Path, args: list[str], message: str) -> None:
    source = tmp_path / "rows.jsonl"
    source.write_text("{}\n")
    result = CliRunner().invoke(main, ["batch", str(source), *args])
    assert result.exit_code == 2 and message in result.stderr
    missing = CliRunner().invoke(main, ["batch", str(tmp_path / "none.jsonl"), "--key", KEY])
    assert missing.exit_code == 2


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_cli_batch_in_worker_processes_matches_one_process(tmp_path: Path, lib: replykit.Library, fmt: str) -> None:
    rows = _rows(lib, 1200)  # several blocks and chunks
    rows[700] = {"locale": "es-MX"}  # a row that fails, in a later block
    source = tmp_path / f"rows.{fmt}"
    if fmt == "csv":
        with source.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=sorted({name for row in rows for name in row}))
            writer.writeheader()
            writer.writerows({k: json.dumps(v) if isinstance(v, dict) else v for k, v in r.items()} for r in rows)
    else:
        source.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    outputs = []
    for jobs in ("1", "2"):
        out, errors = tmp_path / f"out{jobs}.jsonl", tmp_path / f"errors{jobs}.jsonl"
        result = CliRunner().invoke(
            main,
            ["batch", str(source), "--key", KEY, "--locale-field", "locale", "--jobs", jobs,
             "--out", str(out), "--errors", str(errors)],
        )  # fmt: skip
        assert (
            result.exit_code == 1
            and "1,200 rows: 1,199 rendered (240 in another locale than their own), 1 failed" in result.stderr
        ), result.stderr
        outputs.append((out.read_bytes(), errors.read_bytes()))
    assert outputs[0] == outputs[1]
    assert [json.loads(x)["row"] for x in outputs[1][0].splitlines()] == [n for n in range(1, 1201) if n != 701]


def test_cli_batch_output_gets_the_usual_permissions(tmp_path: Path, lib: replykit.Library) -> None:
    source = tmp_path / "rows.jsonl"
    source.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in _rows(lib, 3)) + "\n", encoding="utf-8")
    kept = tmp_path / "kept.jsonl"
    kept.write_text("old\n")
    kept.chmod(0o640)
    umask = os.umask(0o022)
    try:
        for out in (tmp_path / "new.jsonl", kept):
            result = CliRunner().invoke(main, ["batch", str(source), "--key", KEY, "--out", str(out)])
            assert result.exit_code == 0, result.output
    finally:
        os.umask(umask)
    assert (tmp_path / "new.jsonl").stat().st_mode & 0o777 == 0o644  # not a temporary file's private 0600
    assert kept.stat().st_mode & 0o777 == 0o640 and kept.read_text().count("\n") == 3


def test_atomic_writer_names_the_target_when_it_cannot_write(tmp_path: Path) -> None:
    target = tmp_path / "missing" / "out.jsonl"
    with pytest.raises(FileNotFoundError) as info:
        AtomicWriter(target)
    assert info.value.filename == str(target)


def test_atomic_writer_leaves_nothing_on_abort(tmp_path: Path) -> None:
    target = tmp_path / "out.jsonl"
    target.write_text("previous\n")
    writer = AtomicWriter(target)
    writer.write('{"row": 1}\n')
    writer.abort()
    assert target.read_text() == "previous\n" and os.listdir(tmp_path) == ["out.jsonl"]
    writer = AtomicWriter(target)
    writer.write('{"row": 1}\n')
    writer.commit()
    assert target.read_text() == '{"row": 1}\n' and os.listdir(tmp_path) == ["out.jsonl"]
