"""Step 2 of a reply: which text answers for each part, compiled once.

For one attempt of a plan (a template language), this picks the template of a
key (skipping a scaffolded placeholder, recording why a translation cannot
answer), and compiles its texts, and the locale files' greeting and sign-off
rules, in the sandbox. Compiled texts are kept for the library's life; Chinese
text is converted to the attempt's script before it is compiled.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from functools import partial
from pathlib import PurePosixPath
from typing import Any

from . import _chinese
from ._sandbox import Limits
from ._yaml import Position, YamlFile
from .catalog import Catalogue, Template, TextField, Variable
from .errors import ReplykitError, TemplateError, UnknownKeyError
from .locales import full_tag, parse_tag
from .negotiate import Attempt
from .render import CompiledText, Where, code_cache, make_environment
from .values import to_plain

#: A key's declared variables, its channels and its required variable names.
Declaration = tuple[dict[str, Variable], tuple[str, ...], tuple[str, ...]]


class Texts:
    """The catalogue's texts as compiled templates, looked up by key, channel and attempt."""

    def __init__(self, catalogue: Catalogue, limits: Limits) -> None:
        self.catalogue = catalogue
        self.limits = limits
        self.env = make_environment(code_cache(), limits=limits)
        self._html_env: Any = None
        self._compiled: dict[tuple[Any, ...], CompiledText | TemplateError | None] = {}
        self._channel_texts: dict[tuple[Any, ...], tuple[tuple[CompiledText, ...], frozenset[str]]] = {}
        self._declarations: dict[str, Declaration] = {}

    def languages(self) -> tuple[str, ...]:
        """The template languages, source first."""
        source = self.catalogue.settings.source_language
        return tuple(sorted(self.catalogue.languages, key=lambda lang: (lang != source, lang)))

    def declaration(self, key: str) -> Declaration:
        """A key's variables, channels and required names, from its source template (cached)."""
        found = self._declarations.get(key)
        if found is None:
            template = self.declaring_template(key)
            required = tuple(n for n, v in template.variables.items() if v.required)
            found = self._declarations[key] = (template.variables, template.channels, required)
        return found

    def tone(self, key: str) -> str:
        """A key's tone, from its source template: translations say the same thing in the same tone."""
        return self.declaring_template(key).tone

    def declaring_template(self, key: str) -> Template:
        """The template whose variables and channels define ``key``: the source's."""
        for lang in self.languages():
            found = self.catalogue.get(lang, key)
            if found is not None:
                return found
        from .search import suggest_keys

        raise UnknownKeyError(key, suggest_keys(key, self.catalogue.keys()))

    def pick(self, attempt: Attempt, key: str, channel: str) -> tuple[Template | None, list[ReplykitError]]:
        """The template answering ``key`` for this attempt, each field from the most specific
        folder that has it (``es-MX`` over ``es``), or None when the next language must answer;
        and the defects met on the way (an entry that does not load, a channel it lacks)."""
        defects: list[ReplykitError] = []
        layers: list[Template] = []
        for folder in attempt.texts:
            template = self.catalogue.get(folder, key)
            if template is None:
                problem = self.catalogue.problem(folder, key)
                if problem is not None:
                    defects.append(problem)
            elif not template.untranslated:  # a scaffolded placeholder: the next folder answers
                layers.append(template)
        if not layers or attempt.language not in {t.language for t in layers}:
            return None, defects  # no text of this language: the next language answers
        merged = merge(layers)
        if channel not in merged.channels:
            defects.append(
                TemplateError(
                    f"no {channel!r} text in this translation; add it or remove the channel from the source",
                    file=merged.file,
                    line=merged.line,
                    key=key,
                    locale=attempt.language,
                )
            )
            return None, defects
        return merged, defects

    def examples(self, key: str, attempt: Attempt | None) -> dict[str, Any]:
        """Example values of every variable, as JSON-compatible data: a translation's own
        examples replace the source's, converted to the attempt's Chinese script."""
        examples = {name: var.example for name, var in self.declaration(key)[0].items()}
        if attempt is not None:
            translated = [t for f in reversed(attempt.texts) if (t := self.catalogue.get(f, key)) is not None]
            for template in translated:  # the language's examples, then the region's
                for name, var in template.variables.items():
                    if name in examples:
                        examples[name] = var.example
            if attempt.convert and not any(self._same_script(attempt, t.language) for t in translated[1:]):
                examples = _convert_data(examples, attempt.convert)
        examples.update(self.catalogue.settings.examples)  # a real signature in previews
        return to_plain(examples)  # type: ignore[no-any-return]

    def channel_texts(
        self, template: Template, channel: str, attempt: Attempt
    ) -> tuple[tuple[CompiledText, ...], frozenset[str]]:
        """A channel's compiled texts (subject, body[, html] or body) and which of greeting /
        sign-off they need (cached). A text written in the other Chinese script is converted."""
        parts: tuple[str, ...] = ("body",)
        if channel == "email":
            parts = ("subject", "body", "html") if ("email", "html") in template.texts else ("subject", "body")
        folders = tuple(template.texts[(channel, part)].language for part in parts)
        cache_key = (folders, template.key, channel, attempt.convert, attempt.script)
        found = self._channel_texts.get(cache_key)
        if found is None:
            texts = tuple(
                self._compile(template, channel, part, self._conversion(attempt, folder))
                for part, folder in zip(parts, folders, strict=True)
            )
            found = (texts, frozenset().union(*(t.names for t in texts)))
            self._channel_texts[cache_key] = found
        return found

    def _conversion(self, attempt: Attempt, folder: str) -> str | None:
        """The conversion a text of ``folder`` needs for the attempt: none in the right script."""
        return None if self._same_script(attempt, folder) else attempt.convert

    @staticmethod
    def _same_script(attempt: Attempt, folder: str) -> bool:
        return attempt.script is None or script_of(folder) == attempt.script

    def _html_environment(self) -> Any:
        if self._html_env is None:
            self._html_env = make_environment(self.env.code_cache, limits=self.limits, autoescape=True)
        return self._html_env

    def _compile(self, template: Template, channel: str, part: str, convert: str | None) -> CompiledText:
        text = template.texts[(channel, part)]
        cache_key = (text.language, template.key, channel, part, convert)
        compiled = self._compiled.get(cache_key)
        if compiled is None:
            source = _chinese.convert_template(text.text, convert) if convert else text.text
            same_text = ("text", text.file, template.key, channel, part, source)  # zh-TW and zh-HK often agree
            compiled = self._compiled.get(same_text)
            if compiled is None and convert and _chinese.statements_unchanged(text.text, convert):
                # the original's code with its text converted: one compile serves every script
                original = self._compiled.get((text.language, template.key, channel, part, None))
                if original is None:
                    try:
                        original = self._compile(template, channel, part, None)
                    except TemplateError:
                        original = None
                if isinstance(original, CompiledText):
                    compiled = original.converted(source, partial(_chinese.convert, name=convert))
            if compiled is None:
                where = Where(text.file, partial(_position_of, text), template.key, text.language)
                env = self._html_environment() if part == "html" else self.env
                try:
                    compiled = CompiledText(env, source, where, f"{template.key}/{channel}/{part}")
                except TemplateError as exc:
                    compiled = exc
            self._compiled[same_text] = compiled
            self._compiled[cache_key] = compiled
        if isinstance(compiled, TemplateError):
            raise compiled
        assert compiled is not None
        return compiled

    def rule(self, attempt: Attempt, path: tuple[str, ...], locale_data: Any) -> CompiledText | None:
        """A greeting or sign-off rule, compiled from the first locale file of the attempt that
        has it (``locale_data`` gives a file's settings by name), or None when none has."""
        cache_key = ("rule", attempt.layers, path, attempt.convert)
        if cache_key in self._compiled:
            found = self._compiled[cache_key]
            if isinstance(found, TemplateError):
                raise found
            return found
        compiled: CompiledText | TemplateError | None = None
        for display in attempt.layers:
            data: Any = locale_data(display)
            for step in path:
                data = data.get(step) if isinstance(data, dict) else None
            if isinstance(data, str):
                doc = self.catalogue.files[display]
                convert = self._conversion(attempt, PurePosixPath(display).stem)
                text = _chinese.convert_template(data, convert) if convert else data  # (words of its script stay)
                where = Where(display, partial(_position_in, doc, path), None, attempt.settings.tag)
                try:
                    compiled = CompiledText(self.env, text, where, "/".join(path))
                except TemplateError as exc:
                    compiled = exc
                break
        self._compiled[cache_key] = compiled
        if isinstance(compiled, TemplateError):
            raise compiled
        return compiled


def merge(layers: list[Template]) -> Template:
    """One template from a key's entries, most specific first: each text, the title and each
    example from the first entry that has it; the rest from the language's own entry."""
    if len(layers) == 1:
        return layers[0]
    base = layers[-1]
    texts = dict(base.texts)
    variables = dict(base.variables)
    for layer in reversed(layers[:-1]):
        texts.update(layer.texts)
        variables.update(
            {n: replace(variables[n], example=v.example) for n, v in layer.variables.items() if n in variables}
        )
    title = next((t.title for t in layers if t.title), base.title)
    return replace(base, title=title, texts=texts, variables=variables)


def script_of(folder: str) -> str:
    """The script a template folder is written in (``zh``: Simplified, ``zh-TW``: Traditional)."""
    tag = full_tag(parse_tag(folder))
    return tag.script or ("Hans" if tag.language == "zh" else "Latn")


def _position_of(text: TextField) -> Position:
    return text.position


def _position_in(doc: YamlFile, path: tuple[str, ...]) -> Position:
    return doc.positions.get(path) or Position(1)


def _convert_data(value: Any, config: str) -> Any:
    if isinstance(value, str):
        return _chinese.convert(value, config)
    if isinstance(value, Mapping):
        return {k: _convert_data(v, config) for k, v in value.items()}
    if isinstance(value, list):
        return [_convert_data(v, config) for v in value]
    return value
