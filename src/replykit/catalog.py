"""Loading and checking a catalogue folder.

A catalogue is a folder with ``templates/<language>/<group>.yaml`` files of
scenario-keyed templates, ``locales/<tag>.yaml`` settings files and an
optional ``replykit.yaml``. Loading never stops at the first bad file: every
problem becomes a :class:`CatalogueError` with file, line, key and locale in
``Catalogue.problems``, and the rest of the catalogue stays usable.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from ._yaml import Position, YamlFile, read_yaml
from .errors import CatalogueError, LocaleError, log_warning
from .locales import DURATION_UNITS, TONES, is_currency_code, load_locale_file, parse_tag
from .values import TYPES

GROUPS = ("pre_sale", "mid_sale", "after_sale", "customs", "out_of_stock", "review_request")
#: The channels a template may have.
Channel = Literal["email", "chat", "sms"]
CHANNELS: tuple[Channel, ...] = ("email", "chat", "sms")
_TAGS = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
_LETTER = re.compile(r"[^\W\d_]")
_KEY_RE = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")
_NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_GROUP_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_MAX_KEY = 200
_TEMPLATE_FIELDS = {
    "title": str,
    "description": str,
    "keywords": list,
    "phrases": list,
    "variables": dict,
    "email": dict,
    "chat": str,
    "sms": str,
    "source": str,
    "notes": str,
    "untranslated": bool,
    "tone": str,
    "same_as_source": object,  # true, or a list of field names: checked in _read_same_as_source
}
#: The texts of a template by the field names that PO files and ``same_as_source`` use.
TEXT_FIELDS = {
    "email.subject": ("email", "subject"),
    "email.body": ("email", "body"),
    "email.html": ("email", "html"),
    "chat": ("chat", "body"),
    "sms": ("sms", "body"),
}
#: The fields a reader sees, which a translation must translate (or mark ``same_as_source``).
TRANSLATED_FIELDS = ("title", *TEXT_FIELDS)
_EMAIL_FIELDS = ("subject", "body", "html")
_VARIABLE_FIELDS = {"type", "example", "required", "description"}
_SETTINGS = {
    "shop": str,
    "agent": str,
    "default_locale": str,
    "currency": str,
    "currency_display": str,
    "source_language": str,
    "groups": list,
    "examples": dict,
}


@dataclass(frozen=True)
class Variable:
    """A declared template variable: its type, example and whether it is required."""

    name: str
    type: str
    example: Any
    required: bool = True
    description: str = ""


class TextField:
    """One piece of template text; where it starts in its file is looked up on demand."""

    __slots__ = ("_doc", "_path", "language", "text")

    def __init__(self, text: str, doc: YamlFile, path: tuple[str, ...], language: str = "") -> None:
        self.text = text
        self._doc = doc
        self._path = path
        #: The template folder it was written in (a regional one, ``es-MX``, for an override).
        self.language = language

    @property
    def file(self) -> str:
        """The catalogue-relative file the text is written in."""
        return self._doc.display

    @property
    def position(self) -> Position:
        return self._doc.positions.get(self._path) or Position(self._doc.line(*self._path) or 1)

    def __repr__(self) -> str:
        return f"TextField({self.text!r})"


@dataclass
class Template:
    """One key in one language, as written in the catalogue."""

    key: str
    language: str
    title: str
    file: str
    doc: YamlFile = field(repr=False, compare=False)
    keywords: tuple[str, ...] = ()
    phrases: tuple[str, ...] = ()
    description: str = ""
    notes: str = ""
    source: str | None = None
    #: A placeholder (``new-language`` scaffold): rendering skips it like a missing translation.
    untranslated: bool = False
    #: How the reply reads (``apology``, ``good_news``, ...): the locale closes it accordingly.
    tone: str = "neutral"
    #: Fields that are the same as the source's on purpose (a brand name, say): not "unchanged".
    same_as_source: frozenset[str] = frozenset()
    #: An entry of a regional folder (``es-MX``): it holds only the texts it overrides.
    regional: bool = False
    variables: dict[str, Variable] = field(default_factory=dict)
    texts: dict[tuple[str, str], TextField] = field(default_factory=dict)

    @property
    def group(self) -> str:
        return self.key.split(".", 1)[0]

    @property
    def line(self) -> int:
        """The line of the key in its file."""
        return self.doc.line(self.key) or 1

    @property
    def channels(self) -> tuple[Channel, ...]:
        return tuple(c for c in CHANNELS if (c, "body") in self.texts)

    def revision(self, only: Collection[tuple[str, str]] | None = None) -> str:
        """A short hash of the texts (or of the ``only`` ones); a translation records its source's revision."""
        digest = hashlib.sha256()
        for (channel, part), text in sorted(self.texts.items()):
            if only is None or (channel, part) in only:
                digest.update(f"{channel}.{part}\0{text.text}\0".encode())
        return digest.hexdigest()[:12]

    def revision_of(self, source: Template) -> str:
        """The revision of ``source`` this translation records: for a regional override, of the
        texts it overrides only (a change elsewhere does not make it stale)."""
        return source.revision(self.texts.keys() if self.regional else None)

    def unchanged(self, source: Template) -> list[str]:
        """The fields of this translation still the same as ``source``'s, as Weblate's "unchanged
        translation" check finds them: a reader would get the source language there.

        Fields listed in ``same_as_source`` and texts with no letters outside ``{{ }}``,
        ``{% %}`` and ``{# #}`` (only placeholders) are left out.
        """
        mine, theirs = self.field_texts(), source.field_texts()
        return [
            name
            for name, text in mine.items()
            if name not in self.same_as_source
            and theirs.get(name, "").strip() == text.strip()
            and _LETTER.search(_TAGS.sub("", text))
        ]

    def field_texts(self) -> dict[str, str]:
        """The title and each text, by field name."""
        texts = {name: self.texts[part].text for name, part in TEXT_FIELDS.items() if part in self.texts}
        return {"title": self.title, **texts}

    def made_from_older(self, source: Template) -> bool:
        """True for a translation stamped with an earlier revision of ``source`` (stale).

        A translation without a stamp is not stale: nothing says what it was made from.
        """
        return self.source is not None and self.source != self.revision_of(source)


@dataclass
class Settings:
    """The catalogue-wide settings of ``replykit.yaml``."""

    shop: str = ""
    agent: str = ""
    default_locale: str = "en-US"
    currency: str | None = None
    #: How an amount shows its currency: ``auto`` (the sign, or the code where the sign would
    #: be read as the customer's own currency), ``symbol`` or ``code``.
    currency_display: str = "auto"
    source_language: str = "en"
    #: Example shop and agent names for previews and lint (``{shop: Lumen Home, agent: Ana}``),
    #: so a preview shows a real signature.
    examples: dict[str, str] = field(default_factory=dict)
    groups: tuple[str, ...] = GROUPS


class Catalogue:
    """Everything read from one catalogue folder, with the problems found.

    Template files are read on first need, one group file at a time: rendering
    one reply reads only its group's files; listing, searching and lint read all.
    """

    def __init__(
        self,
        root: Path,
        settings: Settings,
        folders: dict[str, Path],
        locale_files: dict[str, tuple[str, dict[str, Any]]],
        files: dict[str, YamlFile],
        problems: list[CatalogueError],
    ) -> None:
        self.root = root
        self.settings = settings
        self.locale_files = locale_files
        self.files = files
        self._folders = folders
        self._problems = problems
        self._by_file: dict[tuple[str, str], dict[str, Template]] = {}
        self._templates: dict[str, dict[str, Template]] | None = None
        #: (language, group) -> the problem that made a whole file unusable
        self._broken_files: dict[tuple[str, str], CatalogueError] = {}
        #: (language, key) -> the problem that made a key unusable
        self._broken_keys: dict[tuple[str, str], CatalogueError] = {}
        self._lock = threading.RLock()
        self._only_groups: frozenset[str] | None = None

    @property
    def languages(self) -> tuple[str, ...]:
        """Every template folder: the languages and their regional overrides (``es-MX``)."""
        return tuple(self._folders)

    @property
    def regional(self) -> dict[str, str]:
        """Regional folders (``es-MX``, ``zh-TW``, ``zh-Hant``) and the language each overrides
        (``es``, ``zh``): their entries hold only what differs, field by field."""
        found = {}
        for name in self._folders:
            base = name.split("-", 1)[0]
            if base != name and base in self._folders:
                found[name] = base
        return found

    @property
    def base_languages(self) -> tuple[str, ...]:
        """The languages, without their regional overrides."""
        return tuple(name for name in self._folders if name not in self.regional)

    def get(self, language: str, key: str) -> Template | None:
        """The template of ``key`` in ``language``, reading only its group's file."""
        group = self._group_of(key)
        if group is None:
            return None
        if (language, group) not in self._by_file:
            self._read_group(language, group)
        return self._by_file.get((language, group), {}).get(key)

    def problem(self, language: str, key: str) -> CatalogueError | None:
        """Why ``key`` is unusable in ``language`` (its entry or its whole file), if it is."""
        group = self._group_of(key)
        if group is None:
            return None
        if (language, group) not in self._by_file:
            self._read_group(language, group)
        return self._broken_keys.get((language, key)) or self._broken_files.get((language, group))

    def _group_of(self, key: str) -> str | None:
        """The group of a well-formed key of a known group; a key comes from callers, so
        nothing else may name a file to read."""
        if not (isinstance(key, str) and len(key) <= _MAX_KEY and _KEY_RE.match(key)):
            return None
        group = key.split(".", 1)[0]
        return group if group in self.settings.groups else None

    @property
    def templates(self) -> dict[str, dict[str, Template]]:
        """Every template, by language and key (reads every file)."""
        if self._templates is None:
            with self._lock:
                if self._templates is None:
                    self._templates = self._read_all()
        return self._templates

    @property
    def problems(self) -> list[CatalogueError]:
        self.templates  # noqa: B018 - every file must have been read
        return self._problems

    @property
    def broken_keys(self) -> dict[tuple[str, str], CatalogueError]:
        self.templates  # noqa: B018
        return self._broken_keys

    @property
    def broken_files(self) -> dict[tuple[str, str], CatalogueError]:
        self.templates  # noqa: B018
        return self._broken_files

    def keys(self) -> list[str]:
        seen: set[str] = set()
        for by_key in self.templates.values():
            seen.update(by_key)
        return sorted(seen)

    def iter_templates(self) -> Iterator[Template]:
        for by_key in self.templates.values():
            yield from by_key.values()

    def group_sizes(self) -> dict[str, int]:
        """Each template group and the bytes of its files over all languages (nothing is parsed)."""
        sizes: dict[str, int] = {}
        for folder in self._folders.values():
            for path in _template_files(folder):
                sizes[path.stem] = (
                    sizes.get(path.stem, 0) + path.lstat().st_size
                )  # a broken link is read (and reported) later
        return dict(sorted(sizes.items()))

    def limit_to(self, groups: Iterable[str]) -> None:
        """Read only these groups' files from now on (lint shares a catalogue out this way)."""
        with self._lock:
            if self._by_file:
                raise RuntimeError("limit_to() must come before any template file is read")
            self._only_groups = frozenset(groups)

    def _paths(self, language: str, group: str) -> list[Path]:
        folder = self._folders[language]
        # Whatever is there is read, so that a pipe or a broken link is reported, not skipped.
        return [p for p in (folder / f"{group}.yaml", folder / f"{group}.yml") if os.path.lexists(p)]

    def _read_group(self, language: str, group: str) -> None:
        with self._lock:
            if (language, group) in self._by_file:
                return
            by_key: dict[str, Template] = {}
            if language in self._folders and (self._only_groups is None or group in self._only_groups):
                for path in self._paths(language, group):
                    self._read_file(language, path, by_key)
            self._by_file[(language, group)] = by_key

    def _read_file(self, language: str, path: Path, by_key: dict[str, Template]) -> None:
        display = f"templates/{self._folders[language].name}/{path.name}"
        group = path.stem
        try:
            doc = read_yaml(path, display, self.root)
        except CatalogueError as exc:
            exc.locale = language
            exc.args = (exc._format(),)
            self._problems.append(exc)
            self._broken_files[(language, group)] = exc
            log_warning("%s", exc)
            return
        self.files[display] = doc
        before = len(self._problems)
        regional = language in self.regional
        _read_templates(
            doc, display, language, group, self.settings, by_key, self._problems, self._broken_keys, regional
        )
        for problem in self._problems[before:]:
            log_warning("%s", problem)

    def _read_all(self) -> dict[str, dict[str, Template]]:
        templates: dict[str, dict[str, Template]] = {}
        for language, folder in self._folders.items():
            groups = sorted({p.stem for p in _template_files(folder)})
            by_language = templates.setdefault(language, {})
            for group in groups:
                self._read_group(language, group)
                by_language.update(self._by_file[(language, group)])
        return templates


def _template_files(folder: Path) -> list[Path]:
    """A language folder's group files (``customs.yaml``; ``.yml`` is read too)."""
    return [*folder.glob("*.yaml"), *folder.glob("*.yml")]


def shipped_catalogue() -> Path:
    """The folder of the catalogue that ships with replykit."""
    here = Path(__file__).resolve().parent
    packaged = here / "catalogue"
    if (packaged / "templates").is_dir():
        return packaged
    checkout = here.parent.parent  # src/replykit -> project root (editable installs)
    if (checkout / "templates").is_dir() and (checkout / "pyproject.toml").is_file():
        return checkout
    raise CatalogueError("the shipped catalogue is missing from this installation; reinstall replykit")


def load_catalogue(root: Path) -> Catalogue:
    """Open a catalogue folder; raise only when the folder itself is unusable.

    Settings and locale files are read now; template files when first needed.
    """
    root = Path(root)
    templates_dir = root / "templates"
    if not templates_dir.is_dir():
        raise CatalogueError(
            f"no templates/ folder in {str(root)!r}; a catalogue folder holds "
            "templates/<language>/*.yaml and locales/<tag>.yaml",
            file=str(root),
        )
    problems: list[CatalogueError] = []
    files: dict[str, YamlFile] = {}
    settings = _load_settings(root, problems, files)
    folders: dict[str, Path] = {}
    for lang_dir in sorted(p for p in templates_dir.iterdir() if p.is_dir()):
        try:
            folders[str(parse_tag(lang_dir.name))] = lang_dir
        except LocaleError:
            problems.append(
                CatalogueError(
                    f"folder name {lang_dir.name!r} is not a language tag; name it like 'es' or 'zh-Hant'",
                    file=f"templates/{lang_dir.name}",
                )
            )
    source = settings.source_language
    if source not in folders and folders:
        problems.append(
            CatalogueError(
                f"source language {source!r} has no templates/{source}/ folder; set source_language in replykit.yaml",
                file="replykit.yaml",
            )
        )
    locale_files = _load_locale_files(root, problems, files)
    return Catalogue(root, settings, folders, locale_files, files, problems)


def _load_settings(root: Path, problems: list[CatalogueError], files: dict[str, YamlFile]) -> Settings:
    path = root / "replykit.yaml"
    settings = Settings()
    if not path.exists():
        return settings
    try:
        doc = read_yaml(path, "replykit.yaml", root)
    except CatalogueError as exc:
        problems.append(exc)
        return settings
    files["replykit.yaml"] = doc
    data = doc.data or {}
    if not isinstance(data, dict):
        problems.append(CatalogueError("replykit.yaml must be a mapping of settings", file="replykit.yaml", line=1))
        return settings
    duplicated = doc.duplicated_entries()
    for name, value in data.items():
        expected = _SETTINGS.get(name)
        if name in duplicated:
            problems.append(duplicated[name].error("replykit.yaml", "the setting is ignored"))
        elif expected is None:
            problems.append(
                CatalogueError(
                    f"unknown setting {name!r}; known: {', '.join(sorted(_SETTINGS))}",
                    file="replykit.yaml",
                    line=doc.line(str(name)),
                )
            )
        elif not isinstance(value, expected):
            problems.append(
                CatalogueError(
                    f"setting {name!r} must be a {'list' if expected is list else 'mapping' if expected is dict else 'string'}",
                    file="replykit.yaml",
                    line=doc.line(name),
                )
            )
        elif name == "groups":
            bad = [g for g in value if not (isinstance(g, str) and _GROUP_RE.match(g))]
            if bad:
                problems.append(
                    CatalogueError(
                        f"group {bad[0]!r} is not a group name; use lower case letters, digits and underscores",
                        file="replykit.yaml",
                        line=doc.line(name),
                    )
                )
            settings.groups = tuple(g for g in value if g not in bad)
        elif name == "examples" and not (
            set(value) <= {"shop", "agent"} and all(isinstance(v, str) for v in value.values())
        ):
            problems.append(
                CatalogueError(
                    "examples gives example names for shop and agent, such as {shop: Lumen Home, agent: Ana}",
                    file="replykit.yaml",
                    line=doc.line(name),
                )
            )
        elif name == "currency_display" and value not in ("auto", "symbol", "code"):
            problems.append(
                CatalogueError(
                    f"currency_display must be auto, symbol or code, got {value!r}",
                    file="replykit.yaml",
                    line=doc.line(name),
                )
            )
        elif name == "currency" and not is_currency_code(value.upper()):
            problems.append(
                CatalogueError(
                    f"currency must be an ISO 4217 code such as USD or EUR, got {value!r}",
                    file="replykit.yaml",
                    line=doc.line(name),
                )
            )
        elif name in ("default_locale", "source_language"):
            try:
                setattr(settings, name, str(parse_tag(value)))
            except LocaleError as exc:
                problems.append(CatalogueError(exc.message, file="replykit.yaml", line=doc.line(name)))
        else:
            setattr(settings, name, value.upper() if name == "currency" else value)
    return settings


def _load_locale_files(
    root: Path, problems: list[CatalogueError], files: dict[str, YamlFile]
) -> dict[str, tuple[str, dict[str, Any]]]:
    out: dict[str, tuple[str, dict[str, Any]]] = {}
    folder = root / "locales"
    if not folder.is_dir():
        return out
    for path in sorted(folder.glob("*.yaml")):
        display = f"locales/{path.name}"
        try:
            tag, data, doc, found = load_locale_file(path, display, root)
        except CatalogueError as exc:
            problems.append(exc)
            continue
        problems.extend(found)
        files[display] = doc
        out[str(tag)] = (display, data)
    return out


def _read_templates(
    doc: YamlFile,
    display: str,
    language: str,
    group: str,
    settings: Settings,
    by_key: dict[str, Template],
    problems: list[CatalogueError],
    broken_keys: dict[tuple[str, str], CatalogueError],
    regional: bool = False,
) -> None:
    """Read the entries of one template file into ``by_key``; ``regional`` for a file of a
    regional folder (``es-MX``), whose entries override their language's field by field."""
    data = doc.data
    if data is None:
        return
    if not isinstance(data, dict):
        problems.append(
            CatalogueError(
                "a template file must be a mapping of keys to templates", file=display, line=1, locale=language
            )
        )
        return
    duplicated = doc.duplicated_entries()
    for key, entry in data.items():
        key = str(key)
        try:
            if key in duplicated:
                raise duplicated[key].error(display, "the entry is skipped", key=key, locale=language)
            template = _read_template(doc, display, language, group, settings, key, entry, regional)
        except CatalogueError as exc:
            problems.append(exc)
            broken_keys[(language, key)] = exc
            continue
        if key in by_key:
            problems.append(
                CatalogueError(
                    f"key defined twice; the first is in {by_key[key].file}:{by_key[key].line}",
                    file=display,
                    line=doc.line(key),
                    key=key,
                    locale=language,
                )
            )
            continue
        by_key[key] = template


def _read_template(
    doc: YamlFile,
    display: str,
    language: str,
    group: str,
    settings: Settings,
    key: str,
    entry: Any,
    regional: bool = False,
) -> Template:
    def fail(message: str, *path: str) -> CatalogueError:
        return CatalogueError(message, file=display, line=doc.line(key, *path), key=key, locale=language)

    if not _KEY_RE.match(key):
        raise fail("a key is '<group>.<name>' in lower case with underscores, e.g. 'customs.import_tax'")
    key_group = key.split(".", 1)[0]
    if key_group not in settings.groups:
        raise fail(f"unknown group {key_group!r}; groups: {', '.join(settings.groups)}")
    if key_group != group:
        raise fail(f"key of group {key_group!r} is in {group}.yaml; move it to {key_group}.yaml")
    if not isinstance(entry, dict):
        raise fail("a template is a mapping with title, variables and channels (email, chat, sms)")
    for name, value in entry.items():
        expected = _TEMPLATE_FIELDS.get(str(name))
        if expected is None:
            raise fail(f"unknown field {name!r}; fields: {', '.join(_TEMPLATE_FIELDS)}", str(name))
        if not isinstance(value, expected):
            kind = {str: "text", list: "list", dict: "mapping", bool: "true or false"}[expected]
            raise fail(f"field {name!r} must be {kind}, got {type(value).__name__}", str(name))
    if "title" not in entry and not regional:
        raise fail("missing field 'title'; add a short title in this language")
    for name in ("keywords", "phrases"):
        if not all(isinstance(v, (str, int, float)) for v in entry.get(name, [])):
            raise fail(f"{name} must be a list of short texts", name)

    texts: dict[tuple[str, str], TextField] = {}
    email = entry.get("email")
    if email is not None:
        for part, value in email.items():
            if part not in _EMAIL_FIELDS:
                raise fail(
                    f"unknown email field {part!r}; email has subject, body and optional html", "email", str(part)
                )
            if not isinstance(value, str):
                raise fail(f"email {part} must be text", "email", part)
        for part in ("subject", "body"):
            if part not in email and not regional:  # a regional text may override one part only
                raise fail(f"email needs a {part}", "email")
        for part, value in email.items():
            texts[("email", part)] = TextField(value, doc, (key, "email", part), language)
    for channel in ("chat", "sms"):
        if channel in entry:
            texts[(channel, "body")] = TextField(entry[channel], doc, (key, channel), language)
    if not texts and not regional:
        raise fail("no channel; add an email (subject + body) or a chat text")

    variables: dict[str, Variable] = {}
    for name, spec in (entry.get("variables") or {}).items():
        if not isinstance(name, str):
            raise fail(
                f"variable name {name!r} is not text (YAML reads on/off/yes/no as true/false "
                "and digits as numbers); put it in quotes or rename it",
                "variables",
            )
        variables[name] = _read_variable(name, spec, fail)

    tone = entry.get("tone", "neutral")
    if tone not in TONES:
        raise fail(f"unknown tone {tone!r}; use one of {', '.join(TONES)}", "tone")
    return Template(
        key=key,
        tone=tone,
        language=language,
        title=entry.get("title", ""),
        file=display,
        doc=doc,
        keywords=tuple(str(k) for k in entry.get("keywords", [])),
        phrases=tuple(str(p) for p in entry.get("phrases", [])),
        description=entry.get("description", ""),
        notes=entry.get("notes", ""),
        source=entry.get("source"),
        untranslated=entry.get("untranslated", False),
        same_as_source=_read_same_as_source(entry.get("same_as_source", False), fail),
        regional=regional,
        variables=variables,
        texts=texts,
    )


def _read_same_as_source(value: Any, fail: Any) -> frozenset[str]:
    """``true`` (every field) or a list of field names that are the same as the source's on purpose."""
    if isinstance(value, bool):
        return frozenset(TRANSLATED_FIELDS) if value else frozenset()
    known = ", ".join(TRANSLATED_FIELDS)
    if not isinstance(value, list):
        raise fail(f"same_as_source must be true or a list of fields ({known})", "same_as_source")
    for name in value:
        if name not in TRANSLATED_FIELDS:
            raise fail(f"same_as_source: unknown field {name!r}; fields: {known}", "same_as_source")
    return frozenset(value)


def _read_variable(name: str, spec: Any, fail: Any) -> Variable:
    where = ("variables", name)
    if not _NAME_RE.match(name):
        raise fail(f"variable name {name!r} must be letters, digits and underscores", *where)
    if name in ("greeting", "sign_off", "shop", "agent", "locale", "ship_to"):
        raise fail(f"{name!r} is provided by replykit; choose another variable name", *where)
    if not isinstance(spec, Mapping):
        raise fail(f"variable {name!r} needs a mapping such as {{type: string, example: ...}}", *where)
    unknown = set(spec) - _VARIABLE_FIELDS
    if unknown:
        raise fail(f"variable {name!r} has unknown field(s) {', '.join(sorted(map(str, unknown)))}", *where)
    type_ = spec.get("type")
    if type_ not in TYPES:
        raise fail(f"variable {name!r} needs a type, one of: {', '.join(TYPES)}", *where)
    if "example" not in spec:
        raise fail(f"variable {name!r} needs an example value (used by lint and previews)", *where)
    if type_ == "duration" and isinstance(spec["example"], Mapping):
        unit = spec["example"].get("unit", "day")
        if unit not in DURATION_UNITS:
            raise fail(f"unknown duration unit {unit!r}; use one of {', '.join(DURATION_UNITS)}", *where)
    required = spec.get("required", True)
    if not isinstance(required, bool):
        raise fail(f"'required' of variable {name!r} must be true or false", *where)
    return Variable(name, type_, spec["example"], required, str(spec.get("description", "")))
