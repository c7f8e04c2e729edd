"""Lint in a translator's and a CI's day: stamps, root causes, locale words, paths, the lock."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

import replykit
from conftest import REPO
from replykit import po
from replykit.cli import main
from replykit.lint import Finding, coverage, lint


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def codes(findings: list[Finding]) -> list[tuple[str, str | None, str | None]]:
    return [(f.code, f.key, f.locale) for f in findings]


# -- shipped translations carry source stamps -------------------------------------------


def test_shipped_translations_are_stamped_with_the_current_source(lib: replykit.Library) -> None:
    for language in ("es", "zh"):
        for key in lib.keys():
            assert lib.template(key, language).source == lib.template(key).revision(), (language, key)


def test_editing_an_english_text_makes_its_translations_stale(shipped_copy: Path) -> None:
    edit(shipped_copy / "templates/en/customs.yaml", "Sorry for the wait!", "We apologise for the wait.")
    library = replykit.load(shipped_copy)
    rows = {row.language: row for row in coverage(library)}
    for language in ("es", "zh"):
        assert (rows[language].stale, rows[language].translated) == (1, len(library.keys()) - 1)
        assert po.translation_status(library, language)["customs.inspection_delay"] == "stale"
    stale = [f for f in lint(library) if f.code == "stale-translation"]
    assert codes(stale) == [
        ("stale-translation", "customs.inspection_delay", "es"),
        ("stale-translation", "customs.inspection_delay", "zh"),
    ]
    assert [f.file for f in stale] == ["templates/es/customs.yaml", "templates/zh/customs.yaml"]


# -- one root cause, one finding --------------------------------------------------------


def test_a_misspelt_variable_in_the_source_is_reported_once(shipped_copy: Path) -> None:
    english = shipped_copy / "templates/en/customs.yaml"
    edit(english, '"Your order {{ order_id }} is being checked', '"Your order {{ order_no }} is being checked')
    line = (
        english.read_text(encoding="utf-8")
        .splitlines()
        .index('    subject: "Your order {{ order_no }} is being checked by customs"')
    )
    (finding,) = lint(replykit.load(shipped_copy))
    assert (finding.code, finding.file, finding.line, finding.key, finding.locale) == (
        "undeclared-variable", "templates/en/customs.yaml", line + 1, "customs.inspection_delay", "en",
    )  # fmt: skip
    assert "'order_no', which is not declared" in finding.message and "did you mean 'order_id'?" in finding.message


def test_an_unknown_name_in_a_translation_gets_the_source_name(shipped_copy: Path) -> None:
    spanish = shipped_copy / "templates/es/customs.yaml"
    edit(
        spanish, "la aduana de {{ country }} necesita", "la aduana de {{ pais }} necesita"
    )  # (not overridden in es-MX)
    edit(spanish, "Los envíos a {{ country }}", "Los envíos a {{ contry }}")
    findings = lint(replykit.load(shipped_copy))
    assert codes(findings) == [
        ("undeclared-variable", "customs.import_tax", "es"),
        ("undeclared-variable", "customs.documents_required", "es"),
    ]
    for finding, name in zip(findings, ("contry", "pais"), strict=True):
        assert finding.message.endswith(
            f"uses '{name}', which the source does not have; use the source's name: country"
        )
        assert "declare" not in finding.message


# -- a language needs its own greeting, sign-off and unit words -------------------------


def test_a_scaffolded_language_borrowing_english_words_is_reported(shipped_copy: Path) -> None:
    po.new_language(shipped_copy, "fr")
    (finding,) = [f for f in lint(replykit.load(shipped_copy)) if f.code == "locale-incomplete"]
    assert (finding.file, finding.line, finding.severity, finding.locale) == ("locales/fr.yaml", 1, "error", "fr")
    assert finding.message == (
        "fr replies have no greeting.formal.anonymous, greeting.formal.female, greeting.formal.male, "
        "greeting.formal.neutral, greeting.informal.anonymous, greeting.informal.neutral, sign_off.formal, "
        "units.business_day of their own (only locales/en.yaml has them): a reply never takes another language's "
        "words; write them in fr in locales/fr.yaml (see the other locale files)"
    )  # (chat texts print no sign-off, and CLDR has French words for days and hours)

    (shipped_copy / "locales/fr.yaml").write_text(FRENCH, encoding="utf-8")
    assert [f for f in lint(replykit.load(shipped_copy)) if f.code == "locale-incomplete"] == []


FRENCH = """\
fallback: [en]
greeting:
  formal:
    female: "Chère {{ customer.first_name }},"
    male: "Cher {{ customer.first_name }},"
    neutral: "Bonjour {{ customer.full_name }},"
    anonymous: "Bonjour,"
  informal:
    neutral: "Bonjour {{ customer.name }},"
    anonymous: "Bonjour,"
sign_off:
  formal: |
    Cordialement,
    {{ agent or shop or "Le service client" }}
  informal: "À bientôt !"
units:
  business_day: {one: "{0} jour ouvré", other: "{0} jours ouvrés"}
"""


def test_each_greeting_a_customer_may_get_must_be_the_languages_own(shipped_copy: Path) -> None:
    po.new_language(shipped_copy, "fr")
    (shipped_copy / "locales/fr.yaml").write_text(
        FRENCH.replace('    anonymous: "Bonjour,"\n  informal:', "  informal:").replace("units:\n", "unused:\n"),
        encoding="utf-8",
    )
    library = replykit.load(shipped_copy)
    assert [p.message for p in library.problems if "unused" in p.message]  # the setting is reported and ignored
    (finding,) = [f for f in lint(library) if f.code == "locale-incomplete"]
    assert finding.message.startswith(
        "fr replies have no greeting.formal.anonymous, units.business_day of their own (only locales/en.yaml"
    )


def test_a_language_without_a_locale_file_is_reported_at_its_templates(shipped_copy: Path) -> None:
    po.new_language(shipped_copy, "fr")
    (shipped_copy / "locales/fr.yaml").unlink()
    (finding,) = [f for f in lint(replykit.load(shipped_copy)) if f.code == "locale-incomplete"]
    assert finding.file == "templates/fr/after_sale.yaml" and "in locales/fr.yaml" in finding.message


# -- paths from the working directory ---------------------------------------------------


@pytest.fixture
def subfolder(shipped_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The shipped catalogue in shop/catalog/ with a flaw, and the working directory above it."""
    root = tmp_path / "shop" / "catalog"
    root.parent.mkdir()
    shipped_copy.rename(root)
    edit(root / "templates/es/customs.yaml", "la aduana de {{ country }} necesita", "la aduana de {{ pais }} necesita")
    monkeypatch.chdir(tmp_path)
    return root


def test_lint_output_names_files_from_the_working_directory(subfolder: Path) -> None:
    runner = CliRunner()
    args = ["lint", "--catalog", "shop/catalog"]
    text = runner.invoke(main, args).stdout.splitlines()
    assert text[0].startswith("shop/catalog/templates/es/customs.yaml:")
    (data,) = json.loads(runner.invoke(main, [*args, "--format", "json"]).stdout)
    assert data["file"] == "shop/catalog/templates/es/customs.yaml"
    github = runner.invoke(main, [*args, "--format", "github"]).stdout
    assert github.startswith(f"::error file=shop/catalog/templates/es/customs.yaml,line={data['line']},")
    assert lint(replykit.load(subfolder))[0].file == "templates/es/customs.yaml"  # the API: catalogue-relative
    absolute = runner.invoke(main, ["lint", "--catalog", str(subfolder)]).stdout  # the same folder, named absolutely
    assert absolute.splitlines()[0].startswith("shop/catalog/templates/es/customs.yaml:")


def test_paths_in_messages_and_outside_the_working_directory(subfolder: Path, tmp_path: Path) -> None:
    english = subfolder / "templates/en/customs.yaml"
    edit(
        english, "customs.import_tax:\n", "customs.extra:\n  title: Extra\n  chat: Hello there\n\ncustoms.import_tax:\n"
    )
    runner = CliRunner()
    out = runner.invoke(main, ["lint", "--catalog", "shop/catalog", "--select", "missing-translation"]).stdout
    assert "add 'customs.extra' to shop/catalog/templates/es/customs.yaml" in out
    os.chdir(tmp_path / "shop" / "catalog" / "templates")  # the catalogue is not below it: absolute paths
    out = runner.invoke(main, ["lint", "--catalog", "..", "--select", "missing-translation"]).stdout
    assert out.startswith(f"{subfolder}/templates/es/customs.yaml:1: warning missing-translation")


def test_errors_of_writing_commands_name_files_from_the_working_directory(subfolder: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(main, ["new-language", "fr", "--catalog", "shop/catalog"]).stdout.splitlines()[0] == (
        "created shop/catalog/templates/fr/after_sale.yaml"
    )
    result = runner.invoke(main, ["stamp", "--language", "fr", "customs.import_tax", "--catalog", "shop/catalog"])
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: shop/catalog/templates/fr/customs.yaml:")


def test_a_yaml_error_is_printed_once_with_its_path_from_the_working_directory(subfolder: Path) -> None:
    edit(subfolder / "templates/zh/pre_sale.yaml", "  title: ", "  title ")
    env = {k: v for k, v in os.environ.items() if k != "REPLYKIT_CATALOG"}
    run = subprocess.run(
        [sys.executable, "-m", "replykit", "lint", "--catalog", "shop/catalog", "--select", "yaml-syntax"],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    printed = run.stdout + run.stderr
    assert run.returncode == 1 and printed.count("YAML syntax error") == 1, printed
    assert run.stdout.startswith("shop/catalog/templates/zh/pre_sale.yaml:2: error yaml-syntax ")
    run = subprocess.run(
        [sys.executable, "-m", "replykit", "coverage", "--catalog", "shop/catalog"],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    assert "shop/catalog/templates/zh/pre_sale.yaml:2: " in run.stderr  # the warning names the file too


def test_pre_commit_hook_runs_for_a_catalogue_in_a_subfolder() -> None:
    (hook,) = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    for path in ("templates/es/customs.yaml", "shop/catalog/templates/es/customs.yaml", "locales/es-MX.yaml",
                 "shop/catalog/locales/zh.yml", "replykit.yaml", "shop/catalog/replykit.yaml"):  # fmt: skip
        assert re.search(hook["files"], path), path
    for path in ("docs/notes.yaml", "shop/mytemplates/x.yaml", "templates/en/notes.txt", "my-replykit.yaml"):
        assert not re.search(hook["files"], path), path
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    (example,) = re.findall(r"```yaml\n(# \.pre-commit-config\.yaml.*?)```", readme, flags=re.S)
    (repo,) = yaml.safe_load(example)["repos"]
    assert repo["rev"] == "v0.1.0"
    (used,) = repo["hooks"]
    assert used["id"] == hook["id"] and used["args"] == ["shop/catalog"]
    assert f"{hook['entry']} {used['args'][0]}" == "replykit lint --catalog shop/catalog"


# -- the lock ---------------------------------------------------------------------------


def test_the_lock_pins_every_dependency_and_says_how_it_was_made() -> None:
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+, as CI
    lock = (REPO / "requirements" / "constraints.txt").read_text(encoding="utf-8")
    pins = dict(re.findall(r"^([a-z0-9][a-z0-9._-]*)==(\S+)$", lock, flags=re.M))
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = [*project["dependencies"], *project["optional-dependencies"]["test"],
              *project["optional-dependencies"]["dask"], *project["optional-dependencies"]["server"]]  # fmt: skip
    for requirement in wanted:
        name = re.split(r"[\[<>=!~ ]", requirement, maxsplit=1)[0].lower().replace("_", "-")
        assert name in pins, name
    assert not re.search(r"^--(extra-)?index-url|^--find-links", lock, flags=re.M)  # no machine's own index
    assert "[" not in "".join(pins)
    (command,) = re.findall(r"^#    (pip-compile .*)$", lock, flags=re.M)
    assert command in (REPO / "README.md").read_text(encoding="utf-8")  # how to refresh it
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")  # the suite runs locked, then with the newest releases
    assert re.findall(r"^suite (\w+) ", ci, flags=re.M) == ["locked", "latest"]
    assert 'pip install --quiet -c requirements/constraints.txt -e ".[test,dask,server]"' in ci
    assert 'suite latest pip install --quiet -e ".[test,dask,server]"' in ci


@pytest.mark.parametrize("locale_file", [True, False])
def test_locale_incomplete_is_the_same_in_processes(
    shipped_copy: Path, monkeypatch: pytest.MonkeyPatch, locale_file: bool
) -> None:
    import replykit.lint as lint_module

    po.new_language(shipped_copy, "fr")
    if not locale_file:
        (shipped_copy / "locales/fr.yaml").unlink()
    monkeypatch.setattr(lint_module, "PARALLEL_BYTES", 0)
    in_processes = lint(replykit.load(shipped_copy), jobs=2)
    assert in_processes == lint(replykit.load(shipped_copy), jobs=1)
    assert len([f for f in in_processes if f.code == "locale-incomplete"]) == 1
