"""The lint cache: the same findings as checking everything, and only what a change affects checked again."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

import replykit
import replykit.lint as lint_module
from replykit import _cache
from replykit.cli import main
from replykit.library import shipped_catalogue
from replykit.lint import LintCache, lint


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    folder.mkdir(mode=0o700)
    monkeypatch.setenv("REPLYKIT_CACHE", str(folder))
    monkeypatch.setattr(_cache, "_tidied", set())
    return folder


@pytest.fixture
def flawed(tmp_path: Path) -> Path:
    """The shipped catalogue with flaws across groups and languages: an undeclared name, a
    copy, orphans, a broken file, a group with no Chinese file (its keys fall back to
    English), a scaffold, a greeting that fails in one region, and a relative date."""
    root = tmp_path / "flawed"
    for name in ("templates", "locales", "replykit.yaml"):
        source = shipped_catalogue() / name
        (shutil.copytree if source.is_dir() else shutil.copy)(source, root / name)
    for regional in (root / "templates").glob("*-*"):  # three languages; regions have a test of their own
        shutil.rmtree(regional)
    customs = root / "templates/en/customs.yaml"
    entry = yaml.safe_load(customs.read_text(encoding="utf-8"))["customs.import_tax"]
    with (root / "templates/en/pre_sale.yaml").open("a", encoding="utf-8") as handle:
        handle.write(yaml.safe_dump({"pre_sale.copied": entry}, allow_unicode=True))
    spanish = yaml.safe_load((root / "templates/es/customs.yaml").read_text(encoding="utf-8"))["customs.import_tax"]
    for language in ("es", "zh"):
        with (root / f"templates/{language}/customs.yaml").open("a", encoding="utf-8") as handle:
            handle.write(yaml.safe_dump({"customs.only_here": spanish}, allow_unicode=True))
    _edit(customs, "{{", "{{ undeclared_name }} {{")
    _edit(
        root / "templates/en/mid_sale.yaml", "{{ order_id }}", "{{ order_id | number }} {{ delivery_date | relative }}"
    )
    (root / "templates/es/review_request.yaml").write_text("review_request.x: [unclosed\n", encoding="utf-8")
    (root / "templates/zh/out_of_stock.yaml").unlink()
    _edit(root / "locales/en-GB.yaml", "{{ customer.last_name }}", "{{ customer.last_name | money }}")
    after = root / "templates/es/after_sale.yaml"
    _edit(after, "\n  title:", "\n  untranslated: true\n  title:")
    return root


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _units(*names: str) -> tuple[str, ...]:
    return tuple(sorted(names))


def test_findings_are_the_same_with_and_without_the_cache_in_one_or_two_processes(
    flawed: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(lint_module, "PARALLEL_BYTES", 0)
    plain = lint(replykit.load(flawed), cache=False)
    assert {"render-error", "near-duplicate", "orphan-translation", "yaml-syntax", "missing-translation"} <= {
        f.code for f in plain
    }
    assert lint(replykit.load(flawed), jobs=2) == plain  # an empty cache: all checked, in two processes
    assert lint_module.last_run.reused == ()
    assert lint(replykit.load(flawed), jobs=1) == plain  # all taken from the cache
    assert lint_module.last_run.checked == () and lint_module.last_run.compiled == 0
    assert lint(replykit.load(flawed), jobs=2, select=["render-error"]) == [
        f for f in plain if f.code == "render-error"
    ]
    runs = [
        CliRunner().invoke(main, ["lint", "--catalog", str(flawed), "--format", "json", *options])
        for options in (["--no-cache"], ["--jobs", "1"], ["--jobs", "2"])
    ]
    assert runs[0].exit_code == 1 and runs[0].stdout == runs[1].stdout == runs[2].stdout


def test_an_edit_checks_again_only_what_depends_on_the_file(flawed: Path, cache: Path) -> None:
    lint(replykit.load(flawed))

    _edit(flawed / "templates/es/pre_sale.yaml", "Gracias por escribirnos", "Muchas gracias por escribirnos")
    found = lint(replykit.load(flawed))
    assert lint_module.last_run.checked == ("es/pre_sale",)
    assert lint_module.last_run.rendered == ("es/pre_sale pre_sale.welcome",)  # the other keys keep their outcome
    assert found == lint(replykit.load(flawed), cache=False)

    _edit(flawed / "templates/en/pre_sale.yaml", "\n  title:", "\n  notes: a note for translators\n  title:")
    found = lint(replykit.load(flawed))
    assert lint_module.last_run.checked == _units("en/pre_sale", "es/pre_sale", "zh/pre_sale")  # (its translations)
    welcome = tuple(f"{language}/pre_sale pre_sale.welcome" for language in ("en", "es", "zh"))
    assert lint_module.last_run.rendered == welcome  # its texts moved in the entry; the keys below only moved
    assert found == lint(replykit.load(flawed), cache=False)

    _edit(flawed / "locales/es-MX.yaml", "fallback: [es]", "fallback: [es]\ncurrency: MXN")
    lint(replykit.load(flawed))  # every render may read a locale file
    assert len(lint_module.last_run.checked) == 18
    assert len(lint_module.last_run.rendered) == 3 * len(replykit.load(flawed).keys(language="en"))


def test_near_duplicates_and_missing_translations_follow_an_edit(flawed: Path, cache: Path) -> None:
    lint(replykit.load(flawed))
    _edit(flawed / "templates/en/pre_sale.yaml", "pre_sale.copied:", "pre_sale.copied_too:")
    found = lint(replykit.load(flawed))
    assert found == lint(replykit.load(flawed), cache=False)
    copies = [f for f in found if f.code == "near-duplicate" and f.locale == "en"]
    assert [f.key for f in copies] == ["pre_sale.copied_too"]
    missing = {f.key for f in found if f.code == "missing-translation" and f.locale == "zh"}
    assert "pre_sale.copied_too" in missing and "pre_sale.copied" not in missing


def test_an_orphan_depends_on_the_other_translations(flawed: Path, cache: Path) -> None:
    lint(replykit.load(flawed))
    _edit(flawed / "templates/es/customs.yaml", "customs.only_here:", "customs.only_there:")
    found = lint(replykit.load(flawed))
    assert lint_module.last_run.checked == _units("es/customs", "zh/customs")  # zh's orphan was declared by es
    assert found == lint(replykit.load(flawed), cache=False)


def test_a_regional_text_is_checked_with_its_language(flawed: Path, cache: Path) -> None:
    mexico = flawed / "templates/es-MX"
    mexico.mkdir()
    chat = "{{ greeting }} Aquí puede consultar su cotización: {{ order_id }}"
    (mexico / "customs.yaml").write_text(f'customs.import_tax:\n  chat: "{chat}"\n', encoding="utf-8")
    lint(replykit.load(flawed))
    lint(replykit.load(flawed))
    assert lint_module.last_run.checked == ()
    _edit(mexico / "customs.yaml", "{{ order_id }}", "{{ no_such_value }}")
    found = lint(replykit.load(flawed))
    checked = set(lint_module.last_run.checked)
    assert {"es-MX/customs", "es/customs"} <= checked  # es renders es-MX's texts
    assert checked <= {"es-MX/customs", "es/customs", "zh/customs"}  # (zh's orphans are declared by es)
    assert found == lint(replykit.load(flawed), cache=False)
    assert any(f.file == "templates/es-MX/customs.yaml" and "no_such_value" in f.message for f in found)


def test_a_relative_date_is_checked_again_on_another_day(flawed: Path, cache: Path) -> None:
    def library(day: int) -> replykit.Library:
        found = replykit.load(flawed)
        found.clock = lambda: dt.datetime(2026, 3, day, tzinfo=dt.timezone.utc)
        return found

    lint(library(1))
    lint(library(1))
    assert lint_module.last_run.checked == ()
    lint(library(2))
    assert lint_module.last_run.checked == _units("en/mid_sale", "es/mid_sale", "zh/mid_sale")


def test_results_of_another_version_or_policy_are_never_used(
    flawed: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lint(replykit.load(flawed))
    monkeypatch.setattr(lint_module, "_versions_found", ["another replykit or sandbox policy"])
    lint(replykit.load(flawed))
    assert len(lint_module.last_run.checked) == 18
    monkeypatch.setattr(_cache, "LINT_PREFIX", "replykit-lint-s9-c1-")  # another policy: another file
    lint(replykit.load(flawed))
    assert len(lint_module.last_run.checked) == 18


@pytest.mark.parametrize(
    "damage", ["not json", "[1, 2]", "findings of another shape", "an unknown code", "others may write it"]
)
def test_a_damaged_or_foreign_cache_file_only_costs_a_check(flawed: Path, cache: Path, damage: str) -> None:
    expected = lint(replykit.load(flawed))
    saved = LintCache.open(flawed)
    assert saved is not None and saved.path.exists()
    data = json.loads(saved.path.read_text(encoding="utf-8"))
    for entry in data["units"].values():
        findings = entry["result"]["findings"]
        if damage == "findings of another shape":
            findings.append(["templates/en/customs.yaml", "line one", "schema"])
        elif damage == "an unknown code":
            findings.append(["templates/en/customs.yaml", 1, "planted", "error", None, None, "planted"])
    text = {"not json": "{not json", "[1, 2]": "[1, 2]"}.get(damage, json.dumps(data))
    saved.path.write_text(text, encoding="utf-8")
    if damage == "others may write it":
        saved.path.chmod(0o666)
    assert lint(replykit.load(flawed)) == expected
    assert len(lint_module.last_run.checked) == 18


def test_files_of_other_versions_are_removed_when_the_cache_is_opened(flawed: Path, cache: Path) -> None:
    old = ["__replykit_s1_abc.cache", "__replykit_s2_def.cache", "replykit-lint-s2-3.1.6.json",
           "replykit-lint-s3-3.1.6.json", ".replykit-interrupted"]  # fmt: skip
    others = ["__jinja2_abc.cache", "notes.txt"]
    current = f"{_cache.CODE_PREFIX}abc.cache"
    for name in (*old, *others, current):
        (cache / name).write_text("x", encoding="utf-8")
    os.utime(cache / ".replykit-interrupted", (0, 0))
    lint(replykit.load(flawed))
    left = {p.name for p in cache.iterdir()}
    assert not left & set(old) and set(others) <= left
    assert any(name.startswith(_cache.LINT_PREFIX) for name in left) and current in left


def test_the_cache_is_bounded(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    now = 1_000_000_000.0
    for n in range(6):
        path = cache / f"{_cache.CODE_PREFIX}{n}.cache"
        path.write_bytes(b"x" * 1000)
        os.utime(path, (now - n * 3600, now - n * 3600))  # file n was last used n hours ago
    stale = cache / f"{_cache.LINT_PREFIX}old.json"
    stale.write_text("{}", encoding="utf-8")
    os.utime(stale, (now - _cache.MAX_AGE - 1, now - _cache.MAX_AGE - 1))
    monkeypatch.setattr(_cache, "MAX_BYTES", 3500)
    _cache.tidy(cache, now=now)
    assert sorted(p.name for p in cache.iterdir() if not p.name.startswith("replykit-tidied")) == [
        f"{_cache.CODE_PREFIX}{n}.cache" for n in range(3)
    ]  # the unused lint file and the oldest code files are gone


def test_cache_info_and_clear(flawed: Path, cache: Path) -> None:
    lint(replykit.load(flawed))
    (cache / "__jinja2_abc.cache").write_text("Jinja's own", encoding="utf-8")
    info = CliRunner().invoke(main, ["cache", "info"])
    assert info.exit_code == 0 and str(cache) in info.stdout and "MiB" in info.stdout
    cleared = CliRunner().invoke(main, ["cache", "clear"])
    assert cleared.exit_code == 0 and "removed" in cleared.stdout
    assert [p.name for p in cache.iterdir()] == ["__jinja2_abc.cache"]  # only replykit's files
    assert _cache.usage().files == 0
    lint(replykit.load(flawed))
    assert len(lint_module.last_run.checked) == 18


def test_cache_commands_when_the_cache_is_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REPLYKIT_CACHE", "off")
    assert "off" in CliRunner().invoke(main, ["cache", "info"]).stdout
    assert "off" in CliRunner().invoke(main, ["cache", "clear"]).stdout


def test_what_a_compile_notes_is_what_a_parse_finds(flawed: Path, cache: Path) -> None:
    """Lint takes each text's variables from the library's own compile instead of parsing it again."""
    library = replykit.load(flawed)
    noted = lint_module.Analyses()
    noted.note_compiles(library)
    texts = {t.text for template in library.catalogue.iter_templates() for t in template.texts.values()}
    texts |= {"{% for item in items %}{{ item }}{% endfor %}{{ item }}", "{{ a | plural(one=b) }}{% set c = 1 %}{{ c }}",
              "{{ broken", "{{ x.__class__ }}"}  # fmt: skip
    for text in texts:
        try:
            library.pipeline.texts.env.compile_text(text, "x")
        except Exception:  # a syntax or policy error is noted too
            pass
    parsed = lint_module.Analyses()
    assert all(noted.compiled[text] == parsed._parse(text) for text in texts)


def test_equivalent_locales_are_rendered_once(flawed: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """zh, zh-CN, zh-HK and zh-TW all answer in English for a group without Chinese: one render."""
    renders: list[tuple[str, str | None]] = []
    render = replykit.Library.render

    def counted(self: replykit.Library, key: str, /, **options: object) -> replykit.Reply:
        renders.append((key, options.get("locale")))  # type: ignore[arg-type]
        return render(self, key, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(replykit.Library, "render", counted)
    shared = lint(replykit.load(flawed), cache=False)
    fallbacks = [locale for key, locale in renders if key.startswith("out_of_stock.") and locale.startswith("zh")]
    once = len(fallbacks)
    renders.clear()
    monkeypatch.setattr(lint_module, "_render_class", lambda ctx, key, locale: (None, locale))
    assert lint(replykit.load(flawed), cache=False) == shared
    fallbacks = [locale for key, locale in renders if key.startswith("out_of_stock.") and locale.startswith("zh")]
    assert once < len(fallbacks)
