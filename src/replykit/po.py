"""The translator workflow: PO files, source revisions and new languages.

Translators work in PO editors (Poedit, Weblate, Crowdin, Lokalise) that show
the English text beside the translation, keep translation memory and flag
entries "fuzzy" when the English changed. :func:`export_po` turns one catalogue
language into such a file; :func:`import_po` writes the translations back into
the YAML files, changing only the values that changed (through
:mod:`replykit._yamledit`), so a round trip gives a small, reviewable diff and
no edits give no diff at all.

Each translation may record in ``source:`` the :meth:`Template.revision` of the
English it was made from; when the English changes, the translation is
"stale" and is exported as fuzzy. :func:`stamp` records the current revision
when a reviewer confirms translations are up to date. :func:`new_language`
scaffolds a language whose entries are marked ``untranslated: true``, which
rendering skips (falling back to the next language) and coverage reports.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Literal

import jinja2
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import PoFileError, read_po, write_po
from jinja2 import meta

from . import __version__
from ._atomic import AtomicWriter, replace_all
from ._lock import catalogue_lock
from ._yaml import parse_yaml
from ._yamledit import Change, Flow, Value, apply_changes, read_text
from .catalog import TEXT_FIELDS, Template, _read_templates, _template_files, load_catalogue
from .errors import CatalogueError, LocaleError, UnknownKeyError
from .library import Library
from .locales import parse_tag, scaffold

Status = Literal["translated", "missing", "stale", "untranslated", "unchanged"]

#: Text fields by their PO name; the PO name is also the YAML path ("email.body" -> email/body).
_TEXTS = TEXT_FIELDS
#: The order of fields in an entry, for fields that have to be added.
_ENTRY_ORDER = (
    "title",
    "untranslated",
    "description",
    "keywords",
    "phrases",
    "variables",
    "email",
    "chat",
    "sms",
    "notes",
    "same_as_source",
    "source",
)


@dataclass
class ImportReport:
    """What :func:`import_po` wrote."""

    #: ``(file, key, field)`` of every translated field that changed or was added.
    fields: list[tuple[str, str, str]] = field(default_factory=list)
    #: Keys that were new in this language.
    added: list[str] = field(default_factory=list)
    #: Keys whose ``source`` revision was recorded.
    stamped: list[str] = field(default_factory=list)
    #: Files written (catalogue-relative).
    files: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One line for people: ``3 fields in 2 files; 1 new key; ...``."""
        if not self.files:
            return "No changes."
        parts = [f"{_n(len(self.fields), 'field')} in {_n(len(self.files), 'file')}"]
        if self.added:
            parts.append(f"{_n(len(self.added), 'new key')}")
        if self.stamped:
            parts.append(f"source revision recorded for {_n(len(self.stamped), 'key')}")
        return "Updated " + "; ".join(parts) + "."


# -- status -----------------------------------------------------------------------------


def translation_status(library: Library, language: str) -> dict[str, Status]:
    """The state of every source key in ``language``.

    ``missing``: no entry (or one that does not load); ``untranslated``: a
    scaffolded placeholder; ``stale``: made from an older English text (its
    ``source`` differs from the source's revision); ``unchanged``: a field is
    still the English text (and not marked ``same_as_source``); else ``translated``.
    """
    lang = str(parse_tag(language))
    translations = library.catalogue.templates.get(lang, {})
    status: dict[str, Status] = {}
    regional = lang in library.catalogue.regional
    for key, source in _sources(library, lang).items():
        found = translations.get(key)
        if regional and found is None:
            continue  # a region overrides only what differs: nothing is missing
        if found is None:
            status[key] = "missing"
        elif found.untranslated:
            status[key] = "untranslated"
        elif found.made_from_older(source):
            status[key] = "stale"
        elif found is not source and not regional and found.unchanged(source):
            status[key] = "unchanged"
        else:
            status[key] = "translated"
    return status


# -- export -----------------------------------------------------------------------------


def export_po(library: Library, language: str) -> bytes:
    """A PO file (UTF-8) with every translatable field of every source key.

    ``msgctxt`` is ``<key>:<field>``, ``msgid`` the English, ``msgstr`` the
    current translation (empty when missing or still the scaffolded English),
    flagged fuzzy when the translation is stale.
    """
    lang = _translation_language(library, language)
    catalog = Catalog(
        locale=lang.replace("-", "_"),
        project="replykit",
        version=__version__,
        fuzzy=False,
        header_comment=(
            f"# {lang} translations of a replykit catalogue.\n"
            "# Translate each msgstr; keep {{ placeholders }} and {% tags %} as they are.\n"
            "# Clear the fuzzy flag once a translation matches the current English.\n"
            f"# Import with: replykit import-po FILE.po --language {lang}"
        ),
    )
    translations = library.catalogue.templates.get(lang, {})
    for key, source in _sources(library, lang).items():
        translation = translations.get(key)
        current = _fields(translation) if translation is not None else {}
        stale = translation is not None and translation.made_from_older(source)
        doc = library.catalogue.files.get(source.file)
        comments = [line for text in (source.description, source.notes) for line in text.splitlines() if line]
        for name, msgid in _fields(source).items():
            msgstr = current.get(name, "")
            if translation is not None and translation.untranslated and msgstr == msgid:
                msgstr = ""  # still the English placeholder
            line = (doc.line(key, *name.split(".")) if doc else None) or source.line
            message = catalog.add(
                msgid,
                msgstr,
                locations=[(source.file, line)],
                flags=("fuzzy",) if stale and msgstr else (),
                auto_comments=comments,
                context=f"{key}:{name}",
            )
            message.flags -= {"python-format", "python-brace-format"}  # Babel guesses; never right here
    out = io.BytesIO()
    write_po(out, catalog, sort_output=False, ignore_obsolete=True)
    return out.getvalue()


# -- import -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Entry:
    text: str  # the msgstr, "" when untranslated
    current: bool  # not fuzzy and made from the current English
    line: int | None


def import_po(library: Library, po_file: str | Path | bytes, language: str, *, name: str | None = None) -> ImportReport:
    """Write the translations of a PO file into ``templates/<language>/``.

    Only changed fields are rewritten; keys new to the language are appended to
    their group file with the source's layout (English fills the texts still
    untranslated, and the entry is marked ``untranslated: true`` until they
    are). A key whose fields are all translated, none fuzzy and all made from
    the current English gets ``source: <revision>`` when the import changes it,
    completes it or it was stale; a key nothing happened to keeps its bytes.

    Everything is checked before anything is written: bad input raises
    :class:`CatalogueError` naming the PO file and line, and changes nothing.
    The files are written as one, while the catalogue is locked; a file that
    changed after ``library`` read it is not overwritten (run the import again).
    """
    lang = _translation_language(library, language)
    root = library.catalogue.root
    _check_writable(root)
    if isinstance(po_file, bytes):
        data, display = po_file, name or "<PO data>"
    else:
        display = name or str(po_file)
        try:
            data = Path(po_file).read_bytes()
        except OSError as exc:
            raise CatalogueError(f"cannot read the PO file: {exc.strerror}", file=display) from None
    catalog = _read_po(data, display)
    _check_language(catalog, data, display, lang)
    entries = _entries(library, catalog, display, lang)

    report = ImportReport()
    changes: dict[str, list[Change]] = {}
    translations = library.catalogue.templates.get(lang, {})
    sources = _sources(library, lang)
    for key, by_field in entries.items():
        source = sources[key]
        translation = translations.get(key)
        translated = {f: e.text for f, e in by_field.items() if e.text}
        if translated and translation is None:
            _check_not_broken(library, lang, key, by_field, display)
        needed = (
            [f for f in _fields(source) if f in translated] if lang in library.catalogue.regional else _fields(source)
        )
        complete = bool(needed) and all(f in by_field and by_field[f].text and by_field[f].current for f in needed)
        if translation is None:
            if not translated:
                continue
            file = _group_file(library, lang, source.group)
            if lang in library.catalogue.regional:  # a region holds only what it changes
                translated = {n: t for n, t in translated.items() if t != _fields(source).get(n)}
                if not translated:
                    continue
            entry = _new_entry(source, translated, complete, partial=lang in library.catalogue.regional)
            changes.setdefault(file, []).append(Change((key,), entry))
            report.added.append(key)
            report.fields += [(file, key, f) for f in translated]
            if complete:
                report.stamped.append(key)
            continue
        file = translation.file
        planned, new_fields = _field_changes(library, translation, translated, _fields(source), by_field, display)
        report.fields += [(file, key, f) for f in new_fields]
        raw = _raw_entry(library, translation)
        if translation.untranslated and _usable(source, translation, translated):
            planned.append(Change((key, "untranslated"), None))
        stale = translation.made_from_older(source)
        revision = translation.revision_of(source)
        if complete and (new_fields or stale or translation.untranslated) and translation.source != revision:
            planned.append(Change((key, "source"), revision, after=_after(raw, "source")))
            report.stamped.append(key)
        if planned:
            changes.setdefault(file, []).extend(planned)

    report.files = _write(library, lang, changes)
    return report


def _read_po(data: bytes, display: str) -> Catalog:
    _check_po_strings(data, display)
    try:
        return read_po(io.BytesIO(data), abort_invalid=True)
    except PoFileError as exc:
        problem = str(exc).rsplit(" on ", 1)[0]
        raise CatalogueError(f"not a valid PO file: {problem}", file=display, line=exc.lineno + 1) from None
    except UnicodeDecodeError:
        line = next((n for n, raw in enumerate(data.split(b"\n"), 1) if not _is_utf8(raw)), None)
        raise CatalogueError("not valid UTF-8; save the PO file as UTF-8", file=display, line=line) from None
    except (ValueError, LookupError) as exc:
        raise CatalogueError(f"not a valid PO file: {exc}", file=display) from None


_PO_KEYWORDS = ("msgctxt", "msgid", "msgid_plural", "msgstr")
#: The escapes Babel reads back (``\x41`` or ``\101`` would be imported as written).
_PO_ESCAPES = frozenset('\\abfnrtv"')


def _check_po_strings(data: bytes, display: str) -> None:
    """Refuse a string line Babel would misread: it cuts the last character whatever it is,
    so a lost closing quote would import a shortened translation.
    """
    for number, raw in enumerate(data.split(b"\n"), 1):
        line = raw.strip().decode("utf-8", "replace")
        if line.startswith("#~"):  # an obsolete entry: Babel still parses it
            line = line[2:].lstrip()
        if not line or line.startswith("#"):
            continue
        if not line.startswith('"'):
            keyword, _, line = line.partition(" ")
            if keyword.partition("[")[0] not in _PO_KEYWORDS:
                continue  # Babel names an unknown keyword itself
            line = line.strip()
        problem = _po_string_problem(line)
        if problem:
            raise CatalogueError(f"not a valid PO file: {problem}", file=display, line=number)


def _po_string_problem(string: str) -> str | None:
    """What is wrong with one quoted PO string, or None."""
    if not string.startswith('"'):
        return 'expected a text in double quotes, such as msgstr "..."'
    index = 1
    while index < len(string):
        char = string[index]
        if char == "\\":
            escape = string[index + 1 : index + 2]
            if escape not in _PO_ESCAPES:
                return f'unknown escape \\{escape}; write a backslash as \\\\ and a quote as \\"'
            index += 2
        elif char == '"':
            if index != len(string) - 1:
                return 'text after the closing quote; write a quote inside the text as \\"'
            return None
        else:
            index += 1
    return 'the closing quote is missing; end the text with "'


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _check_language(catalog: Catalog, data: bytes, display: str, lang: str) -> None:
    lines = data.decode("utf-8", "replace").splitlines()
    line = next((n for n, text in enumerate(lines, 1) if text.startswith('"Language:')), 1)
    identifier = catalog.locale_identifier
    if not identifier:
        raise CatalogueError(
            f'the PO file has no Language header; add "Language: {lang}\\n" to its header', file=display, line=line
        )
    try:
        found = str(parse_tag(identifier))
    except LocaleError:
        found = identifier
    if found != lang:
        raise CatalogueError(
            f"the PO file is for language {found!r}, not {lang!r}; import it with --language {found}",
            file=display,
            line=line,
        )


def _entries(library: Library, catalog: Catalog, display: str, lang: str) -> dict[str, dict[str, _Entry]]:
    """The PO messages by key and field, checked against the catalogue."""
    sources = _sources(library, lang)
    out: dict[str, dict[str, _Entry]] = {}
    message: Message
    for message in catalog:
        if not message.id:
            continue  # the header

        def fail(problem: str, message: Message = message) -> CatalogueError:
            return CatalogueError(problem, file=display, line=message.lineno)

        key, sep, name = (message.context or "").partition(":")
        if not sep:
            raise fail("the message has no msgctxt '<key>:<field>'; it does not come from `replykit export-po`")
        source = sources.get(key)
        if source is None:
            hint = library.suggest_keys(key)
            raise fail(
                f"unknown key {key!r} in msgctxt"
                + (f"; did you mean {' or '.join(map(repr, hint))}?" if hint else "; export a fresh PO file")
            )
        english = _fields(source)
        if name not in english:
            raise fail(f"{key} has no field {name!r}; fields: {', '.join(english)}")
        if name in out.get(key, {}):
            raise fail(f"msgctxt {message.context!r} appears twice")
        if not isinstance(message.id, str) or not isinstance(message.string, str):
            raise fail("plural forms (msgid_plural) are not used in replykit PO files")
        text = message.string
        if text and name in _TEXTS:
            extra = _names(text, fail) - _names(message.id, None)
            if extra:
                raise fail(
                    f"msgstr uses {', '.join('{{ ' + n + ' }}' for n in sorted(extra))}, which the English "
                    "does not; keep placeholders as they are in msgid"
                )
        current = not message.fuzzy and message.id == english[name]
        out.setdefault(key, {})[name] = _Entry(text, current, message.lineno)
    return out


def _check_not_broken(library: Library, lang: str, key: str, by_field: Mapping[str, _Entry], display: str) -> None:
    """Refuse to import into a translation that does not load (its YAML must be fixed first)."""
    problem = library.catalogue.problem(lang, key)
    if problem is not None:
        line = next(iter(by_field.values())).line
        raise CatalogueError(
            f"cannot import {key}: the translation does not load ({problem}); fix that first",
            file=display,
            line=line,
        )


def _field_changes(
    library: Library,
    translation: Template,
    translated: Mapping[str, str],
    english: Mapping[str, str],
    by_field: Mapping[str, _Entry],
    display: str,
) -> tuple[list[Change], list[str]]:
    """The changes that put ``translated`` into an existing entry, and the fields changed.

    Trailing newlines follow the English (PO editors and ``msgfmt --check``
    expect that), but a difference in trailing newlines alone is no change.
    """
    key = translation.key
    raw = _raw_entry(library, translation)
    current = _fields(translation)
    changes: list[Change] = []
    changed: list[str] = []
    for name, text in translated.items():
        text = _same_trailing_newlines(text, english[name])
        if _same_trailing_newlines(current.get(name, ""), english[name]) == text:
            continue
        path = tuple(name.split("."))
        if path[0] == "email" and not isinstance(raw.get("email"), dict):
            if not ("email.subject" in translated and "email.body" in translated):
                raise CatalogueError(
                    f"{key} has no email in {translation.file} yet; translate both email.subject and "
                    "email.body to add it",
                    file=display,
                    line=by_field[name].line,
                )
            if "email" not in {c.path[1] for c in changes}:
                email: dict[str, Value] = {
                    n.split(".")[1]: _same_trailing_newlines(t, english[n])
                    for n, t in translated.items()
                    if n.startswith("email.")
                }
                changes.append(Change((key, "email"), email, after=_after(raw, "email")))
            changed.append(name)
            continue
        if len(path) > 1:
            after = _after(_mapping(raw.get("email")), path[1], order=("subject", "body", "html"))
        else:
            after = _after(raw, name)
        changes.append(Change((key, *path), _yaml_value(name, text), after=after))
        changed.append(name)
    return changes, changed


def _usable(source: Template, translation: Template, translated: Mapping[str, str]) -> bool:
    """Whether an ``untranslated`` entry has every text translated once the import is written."""
    english = _fields(source)
    current = _fields(translation)
    return all(
        n in translated or current.get(n) not in (None, english[n]) for n in english if n == "title" or n in _TEXTS
    )


def _new_entry(
    source: Template, translated: Mapping[str, str], complete: bool, *, partial: bool = False
) -> dict[str, Value]:
    """A new key in the source's layout; untranslated texts are English and mark the entry.
    A ``partial`` entry (a regional override) holds only the translated fields."""
    english = _fields(source)
    if partial:
        english = {n: t for n, t in english.items() if n in translated}
    text = {n: _same_trailing_newlines(translated.get(n, ""), english[n]) or english[n] for n in english}
    entry: dict[str, Value] = {"title": text["title"]} if "title" in text else {}
    if not partial and not all(n in translated for n in english if n == "title" or n in _TEXTS):
        entry["untranslated"] = True
    for name in ("keywords", "phrases"):
        if name in translated:
            entry[name] = _yaml_value(name, translated[name])
    email: dict[str, Value] = {n.split(".")[1]: text[n] for n in english if n.startswith("email.")}
    if email:
        entry["email"] = email
    for name in ("chat", "sms"):
        if name in text:
            entry[name] = text[name]
    if complete:
        written = {("email", part) for part in email} | {(name, "body") for name in ("chat", "sms") if name in text}
        entry["source"] = source.revision(written if partial else None)
    return entry


# -- stamp and new languages ------------------------------------------------------------


def stamp(library: Library, language: str, keys: Iterable[str] | None = None) -> list[str]:
    """Record the current source revision in translations ("these are up to date").

    Without ``keys``, every translation of ``language`` except untranslated
    placeholders. Returns the keys whose ``source`` changed.
    """
    lang = _translation_language(library, language)
    _check_writable(library.catalogue.root)
    sources = _sources(library, lang)
    translations = library.catalogue.templates.get(lang, {})
    if keys is None:
        chosen = [k for k, t in translations.items() if k in sources and not t.untranslated]
    else:
        chosen = list(dict.fromkeys(keys))
        for key in chosen:
            if key not in sources:
                raise UnknownKeyError(key, library.suggest_keys(key))
            found = translations.get(key)
            if found is None:
                raise CatalogueError(f"no {lang} translation to stamp", key=key, locale=lang)
            if found.untranslated:
                raise CatalogueError(
                    "marked untranslated: translate it and delete 'untranslated: true' first",
                    file=found.file,
                    line=found.line,
                    key=key,
                    locale=lang,
                )
    changes: dict[str, list[Change]] = {}
    stamped: list[str] = []
    for key in chosen:
        translation = translations[key]
        revision = translation.revision_of(sources[key])
        if translation.source != revision:
            after = _after(_raw_entry(library, translation), "source")
            changes.setdefault(translation.file, []).append(Change((key, "source"), revision, after=after))
            stamped.append(key)
    _write(library, lang, changes)
    return stamped


def new_language(root: str | Path, tag: str) -> list[Path]:
    """Scaffold ``templates/<tag>/`` with every source key, and ``locales/<tag>.yaml``.

    Each entry holds the English title and texts as a starting point and
    ``untranslated: true``, so the catalogue loads, replies fall back to the
    next language, and coverage counts the entry as untranslated until a
    translator translates it (by hand, deleting the flag, or with import-po).
    """
    root = Path(root)
    _check_writable(root)
    catalogue = load_catalogue(root)
    source_language = catalogue.settings.source_language
    sources = catalogue.templates.get(source_language, {})
    if not sources:
        raise CatalogueError(f"no templates in the source language {source_language!r} to scaffold from")
    name = str(parse_tag(tag))
    folder = root / "templates" / name
    header = (
        f"# {name} translations, scaffolded by `replykit new-language {name}` from the {source_language} texts.\n"
        "# Translate each entry and delete its 'untranslated: true' line; until then, replies use the\n"
        "# fallback language. Keep {{ placeholders }} and {% tags %} as they are. Or use a PO editor:\n"
        f"# replykit export-po --language {name} --out {name}.po, then replykit import-po {name}.po --language {name}\n"
    )
    by_group: dict[str, list[Change]] = {}
    for key, source in sources.items():
        by_group.setdefault(source.group, []).append(Change((key,), _new_entry(source, {}, complete=False)))
    outputs = {
        f"templates/{name}/{group}.yaml": apply_changes(header, changes, f"templates/{name}/{group}.yaml")
        for group, changes in by_group.items()
    }
    with catalogue_lock(root) as completed:
        existing = {f"templates/{name}/{path.name}" for path in _template_files(folder)}
        if completed and existing == set(outputs) and all(read_text(root / d, d, root) == outputs[d] for d in outputs):
            return [root / display for display in outputs]  # a run of this that was cut short, now completed
        if existing or (folder.exists() and not folder.is_dir()):  # an empty folder is left by a stopped run
            raise CatalogueError(f"{folder} already exists; edit it, or remove it to start over")
        if not os.path.lexists(root / "locales" / f"{name}.yaml"):
            outputs[f"locales/{name}.yaml"] = scaffold(parse_tag(name), source_language)
        _replace(root, outputs)
    return [root / display for display in outputs]


# -- helpers ----------------------------------------------------------------------------


def _sources(library: Library, language: str | None = None) -> dict[str, Template]:
    """The texts a language translates: the source language's; for a regional folder
    (``es-MX``), its language's (``es``), which it overrides."""
    base = library.catalogue.regional.get(language or "") or library.source_language
    return library.catalogue.templates.get(base, {})


def _translation_language(library: Library, language: str) -> str:
    lang = str(parse_tag(language))
    if lang == library.source_language:
        raise CatalogueError(
            f"{lang!r} is the source language; name a translation language (e.g. "
            f"{', '.join(other for other in library.languages if other != lang) or 'es'})"
        )
    if not _sources(library):
        raise CatalogueError(f"the catalogue has no templates in its source language {library.source_language!r}")
    return lang


def _packaged_catalogue() -> Path:
    return Path(__file__).resolve().parent / "catalogue"


def _check_writable(root: Path) -> None:
    """The catalogue installed inside the package is replaced on upgrade: never write there."""
    if Path(root).resolve() == _packaged_catalogue():
        raise CatalogueError(
            "this is the catalogue installed with replykit, which an upgrade would overwrite; copy its "
            "templates/, locales/ and replykit.yaml to a folder of your own and pass --catalog PATH "
            "(or set REPLYKIT_CATALOG)",
            file=str(root),
        )


def _fields(template: Template) -> dict[str, str]:
    """The translatable fields of a template as PO texts, in entry order; empty ones left out."""
    out = {
        "title": template.title,
        "keywords": ", ".join(template.keywords),
        "phrases": "\n".join(template.phrases),
    }
    for name, part in _TEXTS.items():
        if part in template.texts:
            out[name] = template.texts[part].text
    return {name: text for name, text in out.items() if text}


def _yaml_value(name: str, text: str) -> Value:
    """A PO text as the YAML value of its field (keywords and phrases are lists)."""
    if name == "keywords":
        return Flow(word.strip() for word in text.split(",") if word.strip())
    if name == "phrases":
        return [line.strip() for line in text.splitlines() if line.strip()]
    return text


def _raw_entry(library: Library, translation: Template) -> dict[str, object]:
    """The entry as read from its YAML file (to know which fields it spells out)."""
    data = _mapping(library.catalogue.files[translation.file].data)
    return _mapping(data.get(translation.key))


def _mapping(value: object) -> dict[str, object]:
    return value if isinstance(value, dict) else {}


def _after(entry: Mapping[str, object], name: str, order: tuple[str, ...] = _ENTRY_ORDER) -> str | None:
    """The existing field a new field ``name`` goes after, keeping the usual order."""
    before = [n for n in order[: order.index(name)] if n in entry]
    return before[-1] if before else None


def _group_file(library: Library, lang: str, group: str) -> str:
    for suffix in (".yaml", ".yml"):
        display = f"templates/{lang}/{group}{suffix}"
        if (library.catalogue.root / display).exists():
            return display
    return f"templates/{lang}/{group}.yaml"


def _write(library: Library, lang: str, changes: Mapping[str, list[Change]]) -> list[str]:
    """Apply all changes in memory, check the entries still load, then write the files as one.

    The changes were worked out from the files as ``library`` read them, so a
    file that changed since (another import, an editor) is not overwritten.
    """
    root = library.catalogue.root
    outputs: dict[str, str] = {}
    with catalogue_lock(root):
        for display, file_changes in changes.items():
            path = root / display
            exists = os.path.lexists(path)
            old = read_text(path, display, root) if exists else ""
            loaded = library.catalogue.files.get(display)
            if (loaded.text if loaded is not None else None) != (old if exists else None):
                raise CatalogueError(
                    "the file changed after it was read (another command or an editor wrote it); "
                    "nothing was written; run the command again",
                    file=display,
                )
            new = apply_changes(old, file_changes, display)
            if new == old and exists:
                continue
            problems: list[CatalogueError] = []
            _read_templates(
                parse_yaml(new, display),
                display,
                lang,
                Path(display).stem,
                library.catalogue.settings,
                {},
                problems,
                {},
                lang in library.catalogue.regional,
            )
            touched = {c.path[0] for c in file_changes}
            for problem in problems:
                if problem.key in touched:
                    raise problem
            outputs[display] = new
        _replace(root, outputs)
    return list(outputs)


def _replace(root: Path, outputs: Mapping[str, str]) -> None:
    """Write ``outputs`` (catalogue-relative names) into the catalogue: every file or none.

    A file that cannot be written (read-only, a link out of the catalogue, ...)
    is reported before any file changes.
    """
    writers: list[AtomicWriter] = []
    try:
        for display, text in outputs.items():
            path = root / display
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                writer = AtomicWriter(path, binary=True, within=root)
            except OSError as exc:
                raise CatalogueError(f"cannot write the file: {exc.strerror}", file=display) from None
            writers.append(writer)
            writer.write(text.encode("utf-8"))
    except BaseException:
        for writer in writers:
            writer.abort()
        raise
    replace_all(root, writers)


def _same_trailing_newlines(text: str, english: str) -> str:
    """Give a translation the English's trailing newlines (as ``msgfmt --check`` demands)."""
    if not text:
        return text
    return text.rstrip("\n") + "\n" * (len(english) - len(english.rstrip("\n")))


@cache
def _environment() -> jinja2.Environment:
    from .render import make_environment

    return make_environment()


def _names(text: str, fail: Callable[[str], CatalogueError] | None) -> set[str]:
    """The variables a template text uses; a syntax error is the PO file's fault when ``fail`` is given."""
    try:
        return set(meta.find_undeclared_variables(_environment().parse(text)))
    except jinja2.TemplateSyntaxError as exc:
        if fail is not None:
            raise fail(f"msgstr is not a valid template: {exc.message} (line {exc.lineno} of the text)") from None
        return set()


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"
