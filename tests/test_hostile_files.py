"""Files from many hands cannot hurt, and no write ever loses or exposes data.

Catalogue files that are pipes, devices, huge or links out of the catalogue;
outputs that are devices, pipes, links, read-only or not files at all; two
writers at once; writers killed midway; malformed PO files; caches that others
can write to.
"""

from __future__ import annotations

import io
import json
import logging
import marshal
import os
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from babel.messages.pofile import read_po, write_po
from click.testing import CliRunner
from jinja2.bccache import bc_magic

import replykit
from catalogues import MakeCatalog
from replykit import po
from replykit._atomic import AtomicWriter
from replykit.cli import main

ROOT_USER = hasattr(os, "geteuid") and os.geteuid() == 0

EN_CUSTOMS = """
customs.import_tax:
  title: Import tax
  variables:
    country: {type: string, example: Mexico}
  chat: Duties may apply in {{ country }}.

customs.held:
  title: Held by customs
  variables:
    country: {type: string, example: Mexico}
  chat: Your parcel is held in {{ country }}.
"""
EN_PRE_SALE = """
pre_sale.stock:
  title: In stock
  chat: It is in stock.
"""
ES_CUSTOMS = """
customs.import_tax:
  title: Impuestos
  chat: Puede haber aranceles en {{ country }}.

customs.held:
  title: Retenido
  chat: Su paquete está retenido en {{ country ~ "" }}.  # (an expression: compiled, not filled by hand)
"""
ES_PRE_SALE = """
pre_sale.stock:
  title: Disponible
  chat: Está disponible.
"""


@pytest.fixture
def root(make_catalog: MakeCatalog) -> Path:
    """en and es, two group files each."""
    return make_catalog(
        {
            "templates/en/customs.yaml": EN_CUSTOMS,
            "templates/en/pre_sale.yaml": EN_PRE_SALE,
            "templates/es/customs.yaml": ES_CUSTOMS,
            "templates/es/pre_sale.yaml": ES_PRE_SALE,
        }
    )


def _po(lib: replykit.Library, strings: dict[str, str], *, only: str | None = None) -> bytes:
    """The es PO file with some msgstr set (by msgctxt), as a PO editor writes it; ``only`` one key's messages."""
    catalog = read_po(io.BytesIO(po.export_po(lib, "es")))
    for message in list(catalog):
        if message.context in strings:
            message.string = strings[message.context]
        if message.id and only is not None and not message.context.startswith(f"{only}:"):
            catalog.delete(message.id, context=message.context)
    out = io.BytesIO()
    write_po(out, catalog, sort_output=False)
    return out.getvalue()


def _titles(root: Path, group: str) -> dict[str, str]:
    data = yaml.safe_load((root / f"templates/es/{group}.yaml").read_text(encoding="utf-8"))
    return {key: entry["title"] for key, entry in data.items()}


def _snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _python(script: str, *args: str, **kwargs: Any) -> subprocess.Popen[str]:
    """A Python process running ``script`` (stdin and stdout are pipes)."""
    return subprocess.Popen(
        [sys.executable, "-c", script, *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,
    )


def _replykit(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "replykit", *args], capture_output=True, text=True, timeout=120, check=False
    )


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def _char_device(tmp_path: Path) -> Path:
    """A character device that writes go nowhere (never the system's own /dev/null when root)."""
    if not ROOT_USER:
        return Path("/dev/null")  # others cannot replace it, whatever the code does
    device = tmp_path / "null"
    os.mknod(device, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    return device


# -- reading catalogue files ------------------------------------------------------------


def _without_hanging(call: Callable[[], Any], fifo: Path, timeout: float = 5.0) -> Any:
    """``call()``, failing (not hanging) when it blocks on the named pipe ``fifo``."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = call()
        except BaseException as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout)
    hung = thread.is_alive()
    if hung:  # let the blocked reader go: a writer that closes at once gives it an end of file
        try:
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        except OSError:
            pass
        thread.join(timeout)
    assert not hung, f"reading {fifo.name} blocked on a named pipe"
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


@pytest.mark.parametrize("rel", ["locales/es.yaml", "replykit.yaml"])
def test_a_named_pipe_in_the_catalogue_is_a_problem_not_a_hang(root: Path, rel: str) -> None:
    (root / rel).unlink(missing_ok=True)
    os.mkfifo(root / rel)
    lib = _without_hanging(lambda: replykit.load(root), root / rel)
    (problem,) = [p for p in lib.problems if p.file == rel]
    assert isinstance(problem, replykit.CatalogueError) and "named pipe" in str(problem)
    assert lib.render("customs.import_tax", locale="en", channel="chat", country="MX").body == "Duties may apply in MX."


LOAD_UNDER_A_MEMORY_LIMIT = """
import json, resource, sys
resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))  # reading /dev/zero whole fails fast
import replykit
lib = replykit.load(sys.argv[1])
reply = lib.render("customs.held", locale="en", channel="chat", country="MX")
print(json.dumps({"problems": [[p.file, str(p)] for p in lib.problems], "body": reply.body}))
"""


@pytest.mark.parametrize("how", ["link to /dev/zero", "device in the catalogue"])
def test_a_device_in_the_catalogue_is_refused_without_reading_it(root: Path, how: str) -> None:
    locale = root / "locales/es.yaml"
    locale.unlink()
    if how == "link to /dev/zero":
        locale.symlink_to("/dev/zero")
    elif ROOT_USER:
        os.mknod(locale, stat.S_IFCHR | 0o644, os.makedev(1, 5))  # what /dev/zero is
    else:
        pytest.skip("making a device needs root")
    process = _python(LOAD_UNDER_A_MEMORY_LIMIT, str(root))
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err[-2000:]
    result = json.loads(out)
    assert [file for file, _ in result["problems"]] == ["locales/es.yaml"]
    assert result["body"] == "Your parcel is held in MX."


@pytest.mark.skipif(not os.path.exists("/proc/self/io"), reason="counts the bytes read through /proc/self/io")
def test_an_oversized_file_is_refused_without_being_read(root: Path) -> None:
    big = root / "templates/en/pre_sale.yaml"
    with big.open("r+b") as handle:
        handle.truncate(64 << 20)  # sparse: 64 MiB that cost no disk

    def bytes_read() -> int:
        with open("/proc/self/io", encoding="ascii") as io_stats:
            return int(next(line for line in io_stats if line.startswith("rchar:")).split()[1])

    before = bytes_read()
    lib = replykit.load(root)
    problems = lib.problems
    assert bytes_read() - before < 1 << 20
    (problem,) = problems
    assert problem.file == "templates/en/pre_sale.yaml" and "over the 8,388,608-byte limit" in str(problem)
    assert lib.render("customs.held", locale="en", channel="chat", country="MX").body == "Your parcel is held in MX."


@pytest.mark.parametrize(
    ("rel", "content"),
    [
        ("replykit.yaml", "shop: Somewhere else\n"),
        ("locales/es.yaml", "fallback: [en]\ncurrency: JPY\n"),
        ("templates/es/customs.yaml", ES_CUSTOMS.replace("Impuestos", "Leído de fuera")),
    ],
)
def test_a_link_out_of_the_catalogue_is_never_read(root: Path, tmp_path: Path, rel: str, content: str) -> None:
    outside = tmp_path / "outside.yaml"
    outside.write_text(content, encoding="utf-8")
    (root / rel).unlink(missing_ok=True)
    (root / rel).symlink_to(outside)
    lib = replykit.load(root)
    (problem,) = lib.problems
    assert isinstance(problem, replykit.CatalogueError)
    assert problem.file == rel and "outside the catalogue folder" in str(problem)
    assert lib.catalogue.settings.shop != "Somewhere else"
    assert "es" not in lib.catalogue.locale_files or rel != "locales/es.yaml"
    assert "Leído de fuera" not in str(lib.catalogue.templates.get("es", {}).get("customs.import_tax"))


def test_a_link_inside_the_catalogue_is_read(root: Path) -> None:
    shared = root / "shared/es-customs.yaml"
    shared.parent.mkdir()
    (root / "templates/es/customs.yaml").rename(shared)
    (root / "templates/es/customs.yaml").symlink_to("../../shared/es-customs.yaml")
    lib = replykit.load(root)
    assert lib.problems == []
    assert lib.render("customs.held", locale="es", channel="chat", country="MX").body.startswith("Su paquete")


def test_writing_never_reads_a_file_swapped_for_a_link_out_of_the_catalogue(root: Path, tmp_path: Path) -> None:
    lib = replykit.load(root)
    data = _po(lib, {"customs.import_tax:title": "Aranceles"})
    outside = tmp_path / "outside.yaml"
    outside.write_bytes((root / "templates/es/customs.yaml").read_bytes())  # the very same text
    (root / "templates/es/customs.yaml").unlink()
    (root / "templates/es/customs.yaml").symlink_to(outside)
    with pytest.raises(replykit.CatalogueError, match="outside the catalogue folder") as info:
        po.import_po(lib, data, "es")
    assert info.value.file == "templates/es/customs.yaml"
    assert (root / "templates/es/customs.yaml").is_symlink() and "Aranceles" not in outside.read_text()


# -- writing: what is not ours is not replaced -----------------------------------------


def test_a_character_device_is_written_to_not_replaced(root: Path, tmp_path: Path) -> None:
    device = _char_device(tmp_path)
    rows = tmp_path / "rows.jsonl"
    rows.write_text('{"country": "MX"}\n', encoding="utf-8")
    for args in (
        ["batch", str(rows), "--key", "customs.held", "--channel", "chat", "--out", str(device)],
        ["export-po", "--language", "es", "--out", str(device)],
    ):
        result = CliRunner().invoke(main, [*args, "--catalog", str(root)])
        assert result.exit_code == 0, result.output
        assert stat.S_ISCHR(os.stat(device).st_mode)
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_a_named_pipe_gets_the_output(tmp_path: Path) -> None:
    fifo = tmp_path / "replies"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # a reader waiting for the replies
    try:
        writer = AtomicWriter(fifo)
        writer.write('{"row": 1}\n')
        writer.commit()
        assert os.read(reader, 1000) == b'{"row": 1}\n'
    finally:
        os.close(reader)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_dash_is_standard_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    monkeypatch.chdir(tmp_path)
    writer = AtomicWriter(Path("-"))
    writer.write("to stdout\n")
    writer.commit()
    assert capsys.readouterr().out == "to stdout\n"
    assert list(tmp_path.iterdir()) == []


def test_a_link_stays_a_link_and_its_target_gets_the_output(root: Path, tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    target = tmp_path / "data/es.po"
    target.write_text("old\n")
    target.chmod(0o640)
    link = tmp_path / "es.po"
    link.symlink_to("data/es.po")
    result = CliRunner().invoke(main, ["export-po", "--language", "es", "--out", str(link), "--catalog", str(root)])
    assert result.exit_code == 0, result.output
    assert link.is_symlink() and os.readlink(link) == "data/es.po"
    assert 'msgctxt "customs.held:title"' in target.read_text(encoding="utf-8")
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["catalog", "data", "es.po"]
    assert [p.name for p in (tmp_path / "data").iterdir()] == ["es.po"]


def test_a_read_only_file_is_refused_and_kept(root: Path, tmp_path: Path) -> None:
    kept = tmp_path / "out.jsonl"
    kept.write_text("keep me\n")
    kept.chmod(0o444)
    with pytest.raises(OSError, match=r"read-only.*chmod u\+w") as info:
        AtomicWriter(kept)
    assert info.value.filename == str(kept)
    rows = tmp_path / "rows.jsonl"
    rows.write_text('{"country": "MX"}\n', encoding="utf-8")
    args = ["batch", str(rows), "--key", "customs.held", "--out", str(kept), "--catalog", str(root)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2 and "read-only" in result.output and str(kept) in result.output
    assert kept.read_text() == "keep me\n" and stat.S_IMODE(kept.stat().st_mode) == 0o444
    assert sorted(p.name for p in tmp_path.iterdir()) == ["catalog", "out.jsonl", "rows.jsonl"]


def test_a_folder_or_a_socket_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    with pytest.raises(OSError, match="folder") as info:
        AtomicWriter(folder)
    assert info.value.filename == str(folder)
    short = Path(tempfile.mkdtemp(prefix="rk"))  # a socket path must be short
    try:
        sock = socket.socket(socket.AF_UNIX)
        sock.bind(str(short / "s"))
        try:
            with pytest.raises(OSError, match="not a regular file"):
                AtomicWriter(short / "s")
            assert stat.S_ISSOCK(os.lstat(short / "s").st_mode) and os.listdir(short) == ["s"]
        finally:
            sock.close()
    finally:
        (short / "s").unlink()
        short.rmdir()


def test_a_catalogue_file_that_is_a_link_stays_a_link(root: Path) -> None:
    shared = root / "shared/es-customs.yaml"
    shared.parent.mkdir()
    (root / "templates/es/customs.yaml").rename(shared)
    (root / "templates/es/customs.yaml").symlink_to("../../shared/es-customs.yaml")
    lib = replykit.load(root)
    po.import_po(lib, _po(lib, {"customs.import_tax:title": "Aranceles"}), "es")
    assert (root / "templates/es/customs.yaml").is_symlink()
    assert "title: Aranceles" in shared.read_text(encoding="utf-8")


def test_a_read_only_catalogue_file_is_refused_and_nothing_is_written(root: Path) -> None:
    lib = replykit.load(root)
    data = _po(lib, {"customs.import_tax:title": "Aranceles", "pre_sale.stock:title": "Hay existencias"})
    (root / "templates/es/pre_sale.yaml").chmod(0o444)
    before = _snapshot(root)
    with pytest.raises(replykit.CatalogueError, match=r"read-only.*chmod u\+w") as info:
        po.import_po(lib, data, "es")
    assert info.value.file == "templates/es/pre_sale.yaml"
    assert _snapshot(root) == before  # customs.yaml is not written either


# -- writing: two writers, and writers cut short ----------------------------------------

IMPORT_WHEN_TOLD = """
import sys
import replykit
from replykit import po
lib = replykit.load(sys.argv[1])
lib.catalogue.templates
print("loaded", flush=True)
sys.stdin.readline()
try:
    print("ok", po.import_po(lib, sys.argv[2], "es").summary(), flush=True)
except replykit.CatalogueError as exc:
    print("refused", exc, flush=True)
"""


def test_two_imports_at_once_never_lose_a_translators_work(root: Path, tmp_path: Path) -> None:
    lib = replykit.load(root)
    edits = {"customs.import_tax:title": "Aranceles", "customs.held:title": "Retenido en aduana"}
    files = []
    for n, (context, text) in enumerate(edits.items()):
        files.append(tmp_path / f"translator{n}.po")
        files[-1].write_bytes(_po(lib, {context: text}, only=context.split(":")[0]))  # each translates one key
    processes = [_python(IMPORT_WHEN_TOLD, str(root), str(f)) for f in files]
    for process in processes:  # both have read the catalogue ...
        assert process.stdout is not None and process.stdout.readline() == "loaded\n", process.stderr
    for process in processes:  # ... before either writes
        assert process.stdin is not None
        process.stdin.write("\n")
        process.stdin.flush()
    outcomes = [p.communicate(timeout=120)[0] for p in processes]
    assert sorted(o.split()[0] for o in outcomes) == ["ok", "refused"], outcomes
    loser = next(n for n, o in enumerate(outcomes) if o.startswith("refused"))
    assert "changed after it was read" in outcomes[loser] and "run the command again" in outcomes[loser]
    winner_context = list(edits)[1 - loser]
    key = winner_context.split(":")[0]
    assert _titles(root, "customs")[key] == edits[winner_context]  # the winner's work is whole
    result = _replykit("import-po", str(files[loser]), "--language", "es", "--catalog", str(root))
    assert result.returncode == 0, result.stderr
    assert _titles(root, "customs") == {"customs.import_tax": "Aranceles", "customs.held": "Retenido en aduana"}


def test_a_file_edited_after_the_library_read_it_is_not_overwritten(root: Path) -> None:
    lib = replykit.load(root)
    data = _po(lib, {"customs.import_tax:title": "Aranceles"})
    edited = ES_CUSTOMS.lstrip().replace("Retenido", "Retenido (revisado)")
    (root / "templates/es/customs.yaml").write_text(edited, encoding="utf-8")  # an editor, meanwhile
    with pytest.raises(replykit.CatalogueError, match="changed after it was read") as info:
        po.import_po(lib, data, "es")
    assert info.value.file == "templates/es/customs.yaml"
    assert (root / "templates/es/customs.yaml").read_text(encoding="utf-8") == edited


KILLED_AT_THE_SECOND_RENAME = """
import os, sys
rename = os.replace
renamed = []

def replace(src, dst, *args, **kwargs):
    if str(dst).endswith(".yaml"):
        if renamed:
            os._exit(9)  # as if killed between two renames
        renamed.append(dst)
    return rename(src, dst, *args, **kwargs)

os.replace = replace
import replykit
from replykit import po
"""


def test_an_import_cut_short_is_completed_by_the_next_write(root: Path, tmp_path: Path) -> None:
    lib = replykit.load(root)
    data = tmp_path / "es.po"
    data.write_bytes(_po(lib, {"customs.import_tax:title": "Aranceles", "pre_sale.stock:title": "Hay existencias"}))
    script = KILLED_AT_THE_SECOND_RENAME + "po.import_po(replykit.load(sys.argv[1]), sys.argv[2], 'es')\n"
    process = _python(script, str(root), str(data))
    process.communicate(timeout=120)
    assert process.returncode == 9
    new = [
        _titles(root, "customs")["customs.import_tax"] == "Aranceles",
        _titles(root, "pre_sale")["pre_sale.stock"] == "Hay existencias",
    ]
    assert sorted(new) == [False, True]  # one file new, the other old: a kill between renames
    result = _replykit("stamp", "--language", "es", "--catalog", str(root))  # the next command that writes
    assert result.returncode == 0, result.stderr
    assert "completed a write that was cut short" in result.stderr
    assert _titles(root, "customs")["customs.import_tax"] == "Aranceles"
    assert _titles(root, "pre_sale")["pre_sale.stock"] == "Hay existencias"
    assert not [p for p in root.rglob("*") if p.name.startswith(".")]  # no journal, no temporary file
    assert replykit.load(root).problems == []


def test_new_language_cut_short_can_be_run_again(root: Path) -> None:
    process = _python(KILLED_AT_THE_SECOND_RENAME + "po.new_language(sys.argv[1], 'fr')\n", str(root))
    process.communicate(timeout=120)
    assert process.returncode == 9
    result = _replykit("new-language", "fr", "--catalog", str(root))
    assert result.returncode == 0, result.stderr
    assert "completed a write that was cut short" in result.stderr
    lib = replykit.load(root)
    assert lib.problems == []
    assert set(lib.keys(language="fr")) == set(lib.keys(language="en"))
    assert (root / "locales/fr.yaml").is_file()
    assert not [p for p in root.rglob("*") if p.name.startswith(".")]


def test_new_language_starts_again_after_a_run_stopped_before_renaming(root: Path) -> None:
    folder = root / "templates/fr"
    folder.mkdir()
    leftover = folder / f".customs.yaml.replykit-{_dead_pid()}-0badc0de.tmp"
    leftover.write_text("half a scaffold")
    created = po.new_language(root, "fr")
    assert root / "templates/fr/customs.yaml" in created and not leftover.exists()
    assert set(replykit.load(root).keys(language="fr")) == {"customs.import_tax", "customs.held", "pre_sale.stock"}


# -- PO files Babel would misread -------------------------------------------------------


@pytest.mark.parametrize(
    ("broken", "problem"),
    [
        ('msgstr "Impuestos de importació', "closing quote is missing"),
        ('msgstr ""\n"Impuestos de importació', "closing quote is missing"),
        ('msgstr "Impuestos "de" importación"', "text after the closing quote"),
        ('msgstr "Impuestos \\q importación"', "unknown escape \\q"),
    ],
    ids=["lost-quote", "lost-quote-continued", "stray-quote", "unknown-escape"],
)
def test_a_malformed_po_string_is_refused_with_its_line(root: Path, broken: str, problem: str) -> None:
    lib = replykit.load(root)
    text = _po(lib, {"customs.import_tax:title": "Impuestos de importación"}).decode("utf-8")
    good = 'msgstr "Impuestos de importación"'
    assert text.count(good) == 1
    line = text[: text.index(good)].count("\n") + 1 + broken.count("\n")
    before = _snapshot(root)
    with pytest.raises(replykit.CatalogueError) as info:
        po.import_po(lib, text.replace(good, broken).encode("utf-8"), "es", name="es.po")
    assert (info.value.file, info.value.line) == ("es.po", line) and problem in str(info.value)
    assert _snapshot(root) == before


# -- caches -----------------------------------------------------------------------------


def _poison(cache: Path, marker: Path) -> None:
    """Replace every compiled template in ``cache`` by code that leaves ``marker`` behind."""
    payload = bc_magic + marshal.dumps(compile(f"open({str(marker)!r}, 'w').close()", "payload", "exec"))
    entries = [p for p in cache.iterdir() if p.name.endswith(".cache")]
    assert entries
    for entry in entries:
        entry.write_bytes(payload)


@pytest.mark.parametrize(
    "how",
    ["folder others can write to", "folder the group can write to", "folder is a link",
     "entry others can write to", "folder of another user", "entry of another user"],
)  # fmt: skip
def test_code_in_an_unsafe_cache_is_never_run(
    root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: Any, how: str
) -> None:
    if "another user" in how and not ROOT_USER:
        pytest.skip("giving a file to another user needs root")
    cache = tmp_path / "cache"
    cache.mkdir(mode=0o700)
    monkeypatch.setenv("REPLYKIT_CACHE", str(cache))
    replykit.load(root).render("customs.held", locale="es", channel="chat", country="MX")  # fills the cache
    marker = tmp_path / "ran"
    _poison(cache, marker)
    if how == "folder others can write to":
        cache.chmod(0o777)
    elif how == "folder the group can write to":
        cache.chmod(0o770)
    elif how == "folder is a link":
        cache.rename(tmp_path / "real-cache")
        cache.symlink_to(tmp_path / "real-cache")
    elif how == "folder of another user":
        os.chown(cache, 65534, 65534)
    for entry in cache.iterdir():
        if how == "entry others can write to":
            entry.chmod(0o666)
        elif how == "entry of another user":
            os.chown(entry, 65534, 65534)
    with caplog.at_level(logging.WARNING, logger="replykit"):
        for _ in range(2):
            reply = replykit.load(root).render("customs.held", locale="es", channel="chat", country="MX")
            assert reply.body == "Su paquete está retenido en MX." and not reply.defects
    assert not marker.exists()
    warnings = [r for r in caplog.records if "REPLYKIT_CACHE" in r.getMessage()]
    assert len(warnings) == (1 if how.startswith("folder") else 0)


def test_a_cache_folder_is_created_private(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from replykit.render import code_cache

    monkeypatch.setenv("REPLYKIT_CACHE", str(tmp_path / "new" / "cache"))
    cache = code_cache()
    assert cache is not None and stat.S_IMODE(os.stat(tmp_path / "new" / "cache").st_mode) == 0o700


def test_the_lint_cache_gets_the_same_checks(root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from replykit.lint import LintCache, lint

    cache = tmp_path / "cache"
    cache.mkdir(mode=0o700)
    monkeypatch.setenv("REPLYKIT_CACHE", str(cache))
    lint(replykit.load(root))
    saved = LintCache.open(root)
    assert saved is not None and saved.units  # our own file is used
    saved.path.chmod(0o666)
    assert LintCache.open(root).units == {}  # type: ignore[union-attr]  # one that others can write is not
    saved.path.chmod(0o600)
    cache.chmod(0o777)
    assert LintCache.open(root) is None  # nor is a folder that others can write to


# -- temporary files --------------------------------------------------------------------


def test_temporary_files_are_private_until_the_commit(tmp_path: Path) -> None:
    umask = os.umask(0)
    try:
        writer = AtomicWriter(tmp_path / "new.jsonl")
        writer.write("customer data\n")
        assert writer.temporary is not None
        assert stat.S_IMODE(os.stat(writer.temporary).st_mode) == 0o600
        writer.commit()
        assert stat.S_IMODE(os.stat(tmp_path / "new.jsonl").st_mode) == 0o666  # 0666 & ~umask
        private = tmp_path / "private.jsonl"
        private.write_text("old\n")
        private.chmod(0o600)
        writer = AtomicWriter(private)
        assert writer.temporary is not None and stat.S_IMODE(os.stat(writer.temporary).st_mode) == 0o600
        writer.write("new\n")
        writer.commit()
        assert stat.S_IMODE(private.stat().st_mode) == 0o600 and private.read_text() == "new\n"
    finally:
        os.umask(umask)


WRITE_AND_WAIT = """
import signal, sys
from pathlib import Path
signal.signal(signal.SIGINT, signal.default_int_handler)  # as in a terminal, even when started in the background
from replykit._atomic import AtomicWriter
writer = AtomicWriter(Path(sys.argv[1]))
writer.write("customer data\\n" * 1000)
writer.handle.flush()
print(writer.temporary, flush=True)
sys.stdin.readline()
"""


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP], ids=lambda s: s.name)
def test_a_stopped_writer_leaves_no_temporary_file(tmp_path: Path, sig: signal.Signals) -> None:
    target = tmp_path / "out.jsonl"
    target.write_text("old\n")
    process = _python(WRITE_AND_WAIT, str(target))
    assert process.stdout is not None
    temporary = Path(process.stdout.readline().strip())
    assert temporary.exists()
    process.send_signal(sig)
    process.communicate(timeout=60)
    assert process.returncode == -sig  # the signal still does what it does
    assert not temporary.exists()
    assert os.listdir(tmp_path) == ["out.jsonl"] and target.read_text() == "old\n"


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # fork() in a process with threads
def test_a_forked_worker_gets_the_usual_signal_handling(tmp_path: Path) -> None:
    writer = AtomicWriter(tmp_path / "out.jsonl")
    try:
        pid = os.fork()
        if pid == 0:  # a batch worker: SIGTERM from Pool.terminate() must end it at once, whatever it waits on
            os._exit(0 if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL else 1)
        assert os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 0
    finally:
        writer.abort()
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # given back once nothing is being written


def test_a_killed_writers_leftover_is_removed_by_the_next_write_to_its_folder(tmp_path: Path) -> None:
    killed = _python(WRITE_AND_WAIT, str(tmp_path / "out.jsonl"))
    alive = _python(WRITE_AND_WAIT, str(tmp_path / "other.jsonl"))
    assert killed.stdout is not None and alive.stdout is not None
    leftover = Path(killed.stdout.readline().strip())
    in_use = Path(alive.stdout.readline().strip())
    killed.kill()
    killed.communicate(timeout=60)
    unrelated = tmp_path / ".notes.tmp"
    unrelated.write_text("not ours")
    try:
        assert leftover.exists()
        writer = AtomicWriter(tmp_path / "report.jsonl")
        writer.write("x\n")
        writer.commit()
        assert not leftover.exists()
        assert in_use.exists() and unrelated.exists()  # a live writer's file, and a file not ours
    finally:
        alive.terminate()
        alive.communicate(timeout=60)
    assert not in_use.exists()


def test_batch_reads_rows_from_a_pipe(root: Path) -> None:
    rows = '{"country": "MX"}\n{"country": "ES"}\n'
    process = _python(
        "import sys; from replykit.cli import main; sys.exit(main())",
        "batch", "-", "--key", "customs.held", "--channel", "chat", "--catalog", str(root),
    )  # fmt: skip
    out, err = process.communicate(rows, timeout=120)
    assert process.returncode == 0, err
    assert [json.loads(line)["body"] for line in out.splitlines()] == [
        "Your parcel is held in MX.",
        "Your parcel is held in ES.",
    ]
