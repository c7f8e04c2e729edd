"""Each lint check on a small catalogue that triggers it: code, file and line."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

import replykit
from catalogues import SIMPLE_EN, SIMPLE_ES, MakeCatalog
from replykit.cli import main
from replykit.lint import CODES, Finding, coverage, lint, sms_segments
from replykit.testing import CatalogueNotOk, assert_catalog_ok

# The small catalogue every check starts from (shared with the render tests).
EN = SIMPLE_EN.lstrip("\n")
ES = SIMPLE_ES.lstrip("\n")


def _lint(make_catalog: MakeCatalog, en: str = EN, es: str = ES, **files: str) -> list[Finding]:
    root = make_catalog({"templates/en/customs.yaml": en, "templates/es/customs.yaml": es, **files})
    return lint(replykit.load(root))


def _only(findings: list[Finding], code: str) -> Finding:
    matching = [f for f in findings if f.code == code]
    assert len(matching) == 1, findings
    return matching[0]


def test_clean_catalogue_has_no_findings(make_catalog: MakeCatalog) -> None:
    assert _lint(make_catalog) == []


def test_shipped_catalogue_lints_clean(lib: replykit.Library) -> None:
    findings = lint(lib)
    assert [f for f in findings if f.severity == "error"] == []
    assert findings == []


def test_yaml_syntax(make_catalog: MakeCatalog) -> None:
    finding = _only(_lint(make_catalog, es=ES.replace("  title: Impuestos", "  title: [Impuestos")), "yaml-syntax")
    assert (finding.file, finding.severity, finding.locale) == ("templates/es/customs.yaml", "error", "es")
    assert finding.line in (2, 3) and "column" in finding.message


def test_schema(make_catalog: MakeCatalog) -> None:
    finding = _only(
        _lint(make_catalog, es=ES.replace("  title: Impuestos", "  title: Impuestos\n  colour: red")), "schema"
    )
    assert (finding.file, finding.line, finding.key) == ("templates/es/customs.yaml", 3, "customs.import_tax")


def test_template_syntax_is_mapped_to_the_yaml_line(make_catalog: MakeCatalog) -> None:
    broken = ES.replace("Puede haber aranceles en {{ country }}.", "Puede haber aranceles en {{ country }.", 1)
    finding = _only(_lint(make_catalog, es=broken), "template-syntax")
    assert (finding.file, finding.line, finding.locale) == ("templates/es/customs.yaml", 8, "es")


def test_undeclared_and_unused_variables(make_catalog: MakeCatalog) -> None:
    en = EN.replace("Duties may apply in {{ country }}.\n", "Duties may apply in {{ country }} ({{ rate }}).\n", 1)
    en = en.replace(
        "    country: {type: string, example: Mexico}",
        "    country: {type: string, example: Mexico}\n    spare: {type: string, example: x}",
    )
    findings = _lint(make_catalog, en=en)
    undeclared = _only(findings, "undeclared-variable")
    assert (undeclared.file, undeclared.line, undeclared.severity) == ("templates/en/customs.yaml", 12, "error")
    assert "'rate'" in undeclared.message
    unused = _only(findings, "unused-variable")
    assert (unused.file, unused.line, unused.severity) == ("templates/en/customs.yaml", 6, "warning")


def test_render_error(make_catalog: MakeCatalog) -> None:
    en = EN.replace("Duties may apply in {{ country }}.\n", "Duties may apply in {{ country | money }}.\n", 1)
    finding = _only(_lint(make_catalog, en=en), "render-error")
    assert (finding.file, finding.line, finding.key) == ("templates/en/customs.yaml", 11, "customs.import_tax")
    assert "expected money" in finding.message


def test_missing_and_orphan_translation(make_catalog: MakeCatalog) -> None:
    extra_en = EN + "\ncustoms.other:\n  title: Other\n  chat: Hello\n"
    extra_es = ES + "\ncustoms.huerfano:\n  title: Huérfano\n  chat: Hola\n"
    findings = _lint(make_catalog, en=extra_en, es=extra_es)
    missing = _only(findings, "missing-translation")
    assert (missing.file, missing.key, missing.locale, missing.severity) == (
        "templates/es/customs.yaml", "customs.other", "es", "warning",
    )  # fmt: skip
    orphan = _only(findings, "orphan-translation")
    assert (orphan.file, orphan.line, orphan.key) == ("templates/es/customs.yaml", 14, "customs.huerfano")


def test_placeholder_and_channel_mismatch(make_catalog: MakeCatalog) -> None:
    es = ES.replace("  chat: |\n    {{ greeting }} Puede haber aranceles en {{ country }}.\n", "")
    es = es.replace("Impuestos para {{ country }}", "Impuestos para {{ customer.first_name }}")
    findings = _lint(make_catalog, es=es)
    mismatch = _only(findings, "placeholder-mismatch")
    assert (mismatch.file, mismatch.line) == ("templates/es/customs.yaml", 4)
    assert "missing country" in mismatch.message and "extra customer" in mismatch.message
    assert _only(findings, "channel-mismatch").line == 1


def test_stale_translation(make_catalog: MakeCatalog) -> None:
    root = make_catalog({"templates/en/customs.yaml": EN, "templates/es/customs.yaml": ES})
    revision = replykit.load(root).template("customs.import_tax").revision()
    current = ES.replace("  title: Impuestos", f"  title: Impuestos\n  source: {revision}")
    assert _lint(make_catalog, es=current) == []
    old = ES.replace("  title: Impuestos", "  title: Impuestos\n  source: 0123456789ab")
    finding = _only(_lint(make_catalog, es=old), "stale-translation")
    assert (finding.file, finding.line, finding.severity) == ("templates/es/customs.yaml", 1, "warning")


def test_unchanged_translation(make_catalog: MakeCatalog) -> None:
    english_chat = "  chat: |\n    {{ greeting }} Duties may apply in {{ country }}.\n"
    es = ES.replace("  title: Impuestos", "  title: Import tax").replace(
        "  chat: |\n    {{ greeting }} Puede haber aranceles en {{ country }}.\n", english_chat
    )
    findings = _lint(make_catalog, es=es)
    assert [(f.code, f.line, f.severity, f.message.split(" is ")[0]) for f in findings] == [
        ("unchanged-translation", 2, "warning", "title"),
        ("unchanged-translation", 11, "warning", "chat"),
    ]
    assert "list it under 'same_as_source'" in findings[0].message
    rows = {r.language: r for r in coverage(replykit.load(make_catalog({"templates/es/customs.yaml": es})))}
    assert (rows["es"].translated, rows["es"].unchanged, rows["es"].percent) == (0, 1, 0.0)
    for same in ("[title, chat]", "true"):
        on_purpose = es.replace("  title: Import tax", f"  title: Import tax\n  same_as_source: {same}")
        assert _lint(make_catalog, es=on_purpose) == []
        rows = {r.language: r for r in coverage(replykit.load(make_catalog({"templates/es/customs.yaml": on_purpose})))}
        assert (rows["es"].translated, rows["es"].unchanged) == (1, 0)


def test_texts_of_placeholders_only_are_not_unchanged(make_catalog: MakeCatalog) -> None:
    en = EN.replace("subject: Import tax for {{ country }}", "subject: '{{ country }}: {{ customer.name }}'")
    es = ES.replace("subject: Impuestos para {{ country }}", "subject: '{{ country }}: {{ customer.name }}'")
    assert _lint(make_catalog, en=en, es=es) == []


@pytest.mark.parametrize("value", ["[title, colour]", "yes please", "{title: true}"])
def test_same_as_source_names_fields(make_catalog: MakeCatalog, value: str) -> None:
    es = ES.replace("  title: Impuestos", f"  title: Impuestos\n  same_as_source: {value}")
    finding = _only(_lint(make_catalog, es=es), "schema")
    assert (finding.line, finding.key) == (3, "customs.import_tax") and "same_as_source" in finding.message


def test_forbidden_phrase(make_catalog: MakeCatalog) -> None:
    es = ES.replace("Puede haber aranceles", "Como ya le dije, puede haber aranceles", 1)
    locale = "fallback: [en]\nforbidden: [como ya le dije]\n"
    finding = _only(_lint(make_catalog, es=es, **{"locales/es.yaml": locale}), "forbidden-phrase")
    assert (finding.file, finding.line) == ("templates/es/customs.yaml", 8)


def test_shipped_chinese_forbidden_list(lib: replykit.Library) -> None:
    forbidden = lib.pipeline.negotiator.plan("zh-CN").attempts[0].settings.forbidden
    for phrase in ("你问我，我问谁", "我也没办法", "我不知道", "刚才已经说过了"):
        assert phrase in forbidden


def test_shouting(make_catalog: MakeCatalog) -> None:
    en = EN.replace(
        "Duties may apply in {{ country }}.\n",
        "PLEASE READ THIS CAREFULLY: duties (VAT, DHL fees) may apply in {{ country }}.\n",
        1,
    )
    finding = _only(_lint(make_catalog, en=en), "shouting")
    assert (finding.file, finding.line) == ("templates/en/customs.yaml", 11)
    assert "PLEASE READ THIS CAREFULLY" in finding.message


def test_too_long_chat_and_sms_segments(make_catalog: MakeCatalog) -> None:
    en = EN + "  sms: |\n    " + "Duties may apply. " * 20 + "\n"
    es = ES + "  sms: Puede haber aranceles.\n"
    locales = {"locales/en.yaml": "limits: {chat: 20, sms: 1}\n"}
    findings = [f for f in _lint(make_catalog, en=en, es=es, **locales) if f.code == "too-long"]
    assert {(f.file, f.line, f.message.split(" text")[0]) for f in findings} == {
        ("templates/en/customs.yaml", 14, "chat"),
        ("templates/es/customs.yaml", 11, "chat"),
        ("templates/en/customs.yaml", 16, "sms"),
    }


@pytest.mark.parametrize(
    ("text", "segments"),
    [("a" * 160, 1), ("a" * 161, 2), ("a" * 306, 2), ("a" * 307, 3), ("€" * 80, 1), ("€" * 81, 2),
     ("您" * 70, 1), ("您" * 71, 2), ("您" * 134, 2), ("您" * 135, 3), ("ñ¿¡" * 10, 1)],
)  # fmt: skip
def test_sms_segments_count_like_phones(text: str, segments: int) -> None:
    assert sms_segments(text) == segments


@pytest.mark.parametrize(
    ("language", "sentence"),
    [
        ("en", "Please leave us a 5-star review!"),
        ("en", "Get a coupon for your review."),
        ("en", "Please don't leave a negative review."),
        ("es", "Déjenos una reseña de cinco estrellas."),
        ("es", "Le damos un cupón a cambio de su reseña."),
        ("zh", "给个五星好评吧"),
        ("zh", "好评返现5元"),
        ("zh", "请不要给差评"),
    ],
)
def test_review_policy(make_catalog: MakeCatalog, language: str, sentence: str) -> None:
    body = f"review_request.request:\n  title: Review\n  chat: |\n    Thanks!\n    {sentence}\n"
    root = make_catalog(
        {f"templates/{language}/review_request.yaml": body, "replykit.yaml": f"source_language: {language}\n"}
    )
    finding = _only(lint(replykit.load(root)), "review-policy")
    assert (finding.file, finding.line, finding.severity) == (f"templates/{language}/review_request.yaml", 5, "error")


def test_honest_review_request_passes(make_catalog: MakeCatalog) -> None:
    body = "review_request.request:\n  title: Review\n  chat: Would you share your honest opinion in a short review?\n"
    assert lint(replykit.load(make_catalog({"templates/en/review_request.yaml": body}))) == []


def test_near_duplicate(make_catalog: MakeCatalog) -> None:
    long_text = "Parcels sent abroad may be subject to import duties or VAT, depending on local rules."
    en = EN.replace("Duties may apply in {{ country }}.", long_text, 1)
    twin = en.replace("customs.import_tax:", "customs.import_tax_copy:").replace("local rules", "local law")
    findings = _lint(make_catalog, en=en + "\n" + twin)
    finding = _only(findings, "near-duplicate")
    assert (finding.key, finding.line, finding.severity) == ("customs.import_tax_copy", 17, "warning")
    assert "the same as 'customs.import_tax'" in finding.message


def test_each_near_duplicate_is_reported_once_against_the_first(make_catalog: MakeCatalog) -> None:
    long_text = "Parcels sent abroad may be subject to import duties or VAT, depending on local rules."
    en = EN.replace("Duties may apply in {{ country }}.", long_text, 1)
    copies = [en.replace("customs.import_tax:", f"customs.import_tax_{n}:") for n in range(1, 4)]
    findings = [f for f in _lint(make_catalog, en="\n".join([en, *copies])) if f.code == "near-duplicate"]
    assert sorted(f.key for f in findings) == ["customs.import_tax_1", "customs.import_tax_2", "customs.import_tax_3"]
    assert all("the same as 'customs.import_tax' " in f.message for f in findings)


def test_punctuation(make_catalog: MakeCatalog) -> None:
    en = EN.replace("Duties may apply in {{ country }}.\n", "Duties may  apply in {{ country }} (see below.   \n", 1)
    zh = "customs.import_tax:\n  title: 关税\n  chat: |\n    {{ greeting }}可能需要缴纳关税,请注意!\n"
    findings = [f for f in _lint(make_catalog, en=en, **{"templates/zh/customs.yaml": zh}) if f.code == "punctuation"]
    messages = {(f.file, f.line, f.message.split(";")[0].split(" in ")[0]) for f in findings}
    assert ("templates/en/customs.yaml", 11, "trailing spaces") in messages
    assert ("templates/en/customs.yaml", 11, "doubled space") in messages
    assert ("templates/en/customs.yaml", 8, "unbalanced ()") in messages
    assert ("templates/zh/customs.yaml", 4, "half-width punctuation") in messages


def test_every_code_is_tested_and_has_a_severity() -> None:
    # review-flag is tested in tests/test_reviews.py
    tested = {
        "yaml-syntax",
        "schema",
        "template-syntax",
        "undeclared-variable",
        "unused-variable",
        "render-error",
        "missing-translation",
        "orphan-translation",
        "placeholder-mismatch",
        "channel-mismatch",
        "stale-translation",
        "forbidden-phrase",
        "shouting",
        "too-long",
        "review-policy",
        "near-duplicate",
        "punctuation",
        "subject-line-break",
        "unchanged-translation",
        "locale-incomplete",
        # tests/test_regional_texts.py
        "han-spacing",
        "closing-tone",
        "avoided-term",
        "ambiguous-currency",
        "link-run-on",
        "review-flag",
    }  # fmt: skip  (tests/test_reviews.py)
    assert set(CODES) == tested
    assert set(CODES.values()) == {"error", "warning"}


def test_select_and_ignore(make_catalog: MakeCatalog) -> None:
    root = make_catalog({"templates/en/customs.yaml": EN + "\ncustoms.other:\n  title: Other\n  chat: Hello\n"})
    lib = replykit.load(root)
    assert {f.code for f in lint(lib)} == set()
    root_es = make_catalog(
        {
            "templates/en/customs.yaml": EN + "\ncustoms.other:\n  title: O\n  chat: Hi\n",
            "templates/es/customs.yaml": ES,
        }
    )
    lib = replykit.load(root_es)
    assert {f.code for f in lint(lib)} == {"missing-translation"}
    assert lint(lib, ignore=["missing-translation"]) == []
    assert lint(lib, select=["shouting"]) == []
    with pytest.raises(ValueError, match="did you mean 'shouting'"):
        lint(lib, select=["shoutin"])


def test_cli_lint_formats_and_exit_codes(make_catalog: MakeCatalog, monkeypatch: pytest.MonkeyPatch) -> None:
    broken = ES.replace("{{ country }}.", "{{ pais }}.", 1)
    root = make_catalog({"templates/en/customs.yaml": EN, "templates/es/customs.yaml": broken})
    monkeypatch.chdir(root)
    runner = CliRunner()
    text = runner.invoke(main, ["lint", "--catalog", str(root)])
    assert text.exit_code == 1
    assert text.stdout.splitlines() == [
        "templates/es/customs.yaml:8: error undeclared-variable [customs.import_tax es] email body uses 'pais', "
        "which the source does not have; use the source's name: country",
        "1 error(s), 0 warning(s)",
    ]
    data = json.loads(runner.invoke(main, ["lint", "--catalog", str(root), "--format", "json"]).stdout)
    assert {"code", "severity", "file", "line", "key", "locale", "message"} <= set(data[0])
    github = runner.invoke(main, ["lint", "--catalog", str(root), "--format", "github"]).stdout
    assert "::error file=templates/es/customs.yaml,line=8,title=undeclared-variable::" in github
    ok = runner.invoke(
        main, ["lint", "--catalog", str(root), "--ignore", "undeclared-variable,placeholder-mismatch,render-error"]
    )
    assert ok.exit_code == 0
    warn_root = make_catalog(
        {"templates/en/customs.yaml": EN + "\ncustoms.o:\n  title: O\n  chat: Hi\n", "templates/es/customs.yaml": ES}
    )
    assert runner.invoke(main, ["lint", "--catalog", str(warn_root)]).exit_code == 0
    assert runner.invoke(main, ["lint", "--catalog", str(warn_root), "--warnings-as-errors"]).exit_code == 1
    assert runner.invoke(main, ["lint", "--catalog", str(root / "nope")]).exit_code == 2


def test_cli_coverage(make_catalog: MakeCatalog) -> None:
    root = make_catalog(
        {"templates/en/customs.yaml": EN + "\ncustoms.o:\n  title: O\n  chat: Hi\n", "templates/es/customs.yaml": ES}
    )
    rows = {r.language: r for r in coverage(replykit.load(root))}
    assert (rows["es"].translated, rows["es"].missing, rows["es"].stale, rows["es"].percent) == (1, 1, 0, 50.0)
    out = CliRunner().invoke(main, ["coverage", "--catalog", str(root)]).stdout
    assert "es                  1        1             0      0          0     50.0%" in out
    data = json.loads(CliRunner().invoke(main, ["coverage", "--catalog", str(root), "--format", "json"]).stdout)
    assert data[1] == {
        "language": "es", "total": 2, "translated": 1, "missing": 1, "untranslated": 0, "stale": 0, "unchanged": 0,
        "percent": 50.0,
    }  # fmt: skip


def test_scaffolded_language_is_reported(make_catalog: MakeCatalog) -> None:
    from replykit.po import new_language

    root = make_catalog({"templates/en/customs.yaml": EN, "templates/es/customs.yaml": ES})
    new_language(root, "fr")
    lib = replykit.load(root)
    finding = _only(lint(lib), "missing-translation")
    assert (finding.file, finding.locale, finding.key) == ("templates/fr/customs.yaml", "fr", "customs.import_tax")
    fr = {r.language: r for r in coverage(lib)}["fr"]
    assert (fr.translated, fr.untranslated, fr.percent) == (0, 1, 0.0)


def test_assert_catalog_ok(make_catalog: MakeCatalog) -> None:
    good = make_catalog({"templates/en/customs.yaml": EN, "templates/es/customs.yaml": ES})
    assert assert_catalog_ok(good) == []
    bad = make_catalog(
        {"templates/en/customs.yaml": EN, "templates/es/customs.yaml": ES.replace("{{ country }}.", "{{ pais }}.", 1)}
    )
    with pytest.raises(CatalogueNotOk, match="undeclared-variable") as info:
        assert_catalog_ok(bad)
    assert all(f.severity == "error" for f in info.value.findings)


def test_pre_commit_hook_runs_lint() -> None:
    import yaml

    from conftest import REPO

    (hook,) = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    assert hook["id"] == "replykit-lint" and hook["entry"].startswith("replykit lint")
    assert hook["language"] == "python" and hook["pass_filenames"] is False


# -- a large catalogue in several processes ----------------------------------------------


@pytest.fixture
def flawed_copy(tmp_path: Path) -> Path:
    """The shipped catalogue with flaws in several groups, and a copy across groups."""
    from replykit.library import shipped_catalogue

    root = tmp_path / "flawed"
    for name in ("templates", "locales", "replykit.yaml"):
        source = shipped_catalogue() / name
        (shutil.copytree if source.is_dir() else shutil.copy)(source, root / name)
    customs = root / "templates/en/customs.yaml"
    text = customs.read_text(encoding="utf-8")
    entry = yaml.safe_load(text)["customs.import_tax"]
    with (root / "templates/en/pre_sale.yaml").open("a", encoding="utf-8") as handle:
        handle.write(yaml.safe_dump({"pre_sale.copied": entry}, allow_unicode=True))  # a copy in another group
    spanish = yaml.safe_load((root / "templates/es/customs.yaml").read_text(encoding="utf-8"))["customs.import_tax"]
    with (root / "templates/es/customs.yaml").open("a", encoding="utf-8") as handle:
        handle.write(yaml.safe_dump({"customs.only_in_spanish": spanish}, allow_unicode=True))
    customs.write_text(text.replace("{{", "{{ undeclared_name }} {{", 1), encoding="utf-8")
    (root / "templates/es/review_request.yaml").write_text("review_request.x: [unclosed\n", encoding="utf-8")
    return root


def test_linting_in_processes_finds_exactly_what_one_process_finds(
    flawed_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import replykit.lint as lint_module

    monkeypatch.setattr(lint_module, "PARALLEL_BYTES", 0)
    library = replykit.load(flawed_copy)
    files = lint_module._Files(library)
    assert len(lint_module._tasks(files.units, 2, files)) > 1
    in_processes = lint(library, jobs=2, cache=False)
    assert not library.catalogue._by_file  # the workers read the templates, not this process
    in_one = lint(replykit.load(flawed_copy), jobs=1, cache=False)
    assert in_processes == in_one
    codes = {f.code for f in in_one}
    assert {"near-duplicate", "undeclared-variable", "yaml-syntax", "orphan-translation"} <= codes
    copied = _only([f for f in in_one if f.locale == "en"], "near-duplicate")
    assert copied.key == "pre_sale.copied" and copied.file == "templates/en/pre_sale.yaml"
    assert "the same as 'customs.import_tax' (templates/en/customs.yaml)" in copied.message


def test_tasks_are_groups_largest_first(flawed_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import replykit.lint as lint_module

    files = lint_module._Files(replykit.load(flawed_copy))
    units = files.units
    assert lint_module._tasks(units, 2, files) == [units]  # small: one process
    monkeypatch.setattr(lint_module, "PARALLEL_BYTES", 0)
    tasks = lint_module._tasks(units, 2, files)
    assert sorted(u.name for task in tasks for u in task) == sorted(u.name for u in units)
    assert all(len({u.group for u in task}) == 1 for task in tasks)  # a group's units read the same files
    sizes = [sum(files.size(u) for u in task) for task in tasks]
    assert sizes == sorted(sizes, reverse=True)  # the largest first: the last to finish is small
    customs = [u for u in units if u.group == "customs"]
    assert len(lint_module._tasks(customs, 2, files)) == len(customs)  # one group: its languages apart


def test_a_limited_catalogue_reads_only_its_groups(flawed_copy: Path) -> None:
    library = replykit.load(flawed_copy)
    library.catalogue.limit_to(["customs"])
    assert {key.split(".")[0] for key in library.keys()} == {"customs"}
    assert library.catalogue.get("en", "pre_sale.copied") is None
    with pytest.raises(RuntimeError, match="before any template file is read"):
        library.catalogue.limit_to(["pre_sale"])


def test_cli_lint_jobs(flawed_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import replykit.lint as lint_module

    monkeypatch.setattr(lint_module, "PARALLEL_BYTES", 0)
    runs = [
        CliRunner().invoke(main, ["lint", "--catalog", str(flawed_copy), "--format", "json", "--no-cache", *jobs])
        for jobs in ([], ["--jobs", "1"], ["--jobs", "3"])
    ]
    assert [r.exit_code for r in runs] == [1, 1, 1]
    assert runs[0].stdout == runs[1].stdout == runs[2].stdout
    assert {f["code"] for f in json.loads(runs[0].stdout)} >= {"yaml-syntax", "near-duplicate"}
    bad = CliRunner().invoke(main, ["lint", "--catalog", str(flawed_copy), "--jobs", "0"])
    assert bad.exit_code == 2 and "--jobs" in bad.output
