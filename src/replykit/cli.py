"""The ``replykit`` command: parse, call the library, print.

Exit codes: 0 success; 1 findings or a render failure; 2 bad usage or
unreadable input. A ``ReplykitError`` becomes one ``Error: ...`` line on
stderr; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar, cast

import click

from . import errors
from ._paths import from_cwd
from .catalog import Channel
from .errors import (
    CatalogueError,
    DetectionError,
    LocaleError,
    MissingVariableError,
    RenderError,
    ReplykitError,
    UnknownGroupError,
    UnknownKeyError,
    UnknownVariableError,
)
from .library import ENV_VAR, Library, load

F = TypeVar("F", bound=Callable[..., Any])

EXIT_FAILURE = 1
EXIT_USAGE = 2


def exit_code(error: ReplykitError) -> int:
    """2 for what the user asked wrongly or could not be read, 1 for failures."""
    usage = (UnknownKeyError, UnknownGroupError, UnknownVariableError, LocaleError, CatalogueError, DetectionError)
    if isinstance(error, usage) or any(isinstance(e, UnknownVariableError) for e in getattr(error, "errors", ())):
        return EXIT_USAGE
    return EXIT_FAILURE


class _Group(click.Group):
    def main(self, *args: Any, **kwargs: Any) -> Any:
        """Usage mistakes are one ``Error:`` line and exit 2; a closed pipe (``| head``) ends quietly.

        While a command runs, the library's warnings are printed here (naming files
        from the current directory) rather than sent to ``logging``.
        """
        kwargs["standalone_mode"] = False
        errors.warning_sink = _print_warning
        try:
            code = super().main(*args, **kwargs)
        except click.UsageError as exc:
            command = exc.ctx.command_path if exc.ctx is not None else "replykit"
            click.echo(f"Error: {exc.format_message()} (see '{command} --help')", err=True)
            sys.exit(EXIT_USAGE)
        except click.ClickException as exc:
            exc.show()
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo("Aborted!", err=True)
            sys.exit(EXIT_FAILURE)
        except BrokenPipeError:
            _quiet_broken_pipe()
            sys.exit(EXIT_FAILURE)
        finally:
            errors.warning_sink = None
        sys.exit(code if isinstance(code, int) else 0)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ReplykitError as exc:
            click.echo(f"Error: {from_cwd(exc, ctx.meta.get(_FOLDER))}", err=True)
            ctx.exit(exit_code(exc))
        except BrokenPipeError:
            raise
        except OSError as exc:  # a file the user named cannot be read or written
            where = f": {exc.filename}" if exc.filename else ""
            click.echo(f"Error: {exc.strerror or exc}{where}", err=True)
            ctx.exit(EXIT_USAGE)


def _quiet_broken_pipe() -> None:
    """The reader of our output went away: say nothing more (Python's advice for SIGPIPE)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


#: The channels a template may have.
CHANNEL = click.Choice(["email", "chat", "sms"])

#: Parameter types shared by the commands (each click.Path looks up its translated name).
FOLDER = click.Path(file_okay=False, path_type=Path)
FILE = click.Path(dir_okay=False, path_type=Path)


def catalog_option(func: F) -> F:
    """``--catalog PATH`` on every command (also ``$REPLYKIT_CATALOG``)."""
    return click.option(
        "--catalog",
        "catalog",
        type=FOLDER,
        envvar=ENV_VAR,
        help="Catalogue folder (templates/ and locales/). Default: the shipped catalogue.",
    )(func)


def format_option(*choices: str) -> Callable[[F], F]:
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(choices),
        default=choices[0],
        show_default=True,
        help="Output format.",
    )


#: Where the command's catalogue folder is, as named from the current directory (``Context.meta``).
_FOLDER = "replykit.folder"


def _library(catalog: Path | None) -> Library:
    """The command's library; the files it names in messages are named from the current directory."""
    from ._paths import shown_folder

    library = load(catalog)
    ctx = click.get_current_context(silent=True)
    if ctx is not None:
        ctx.meta[_FOLDER] = shown_folder(library.catalogue.root)
    return library


_QUIET, _KEEP = "replykit.quiet", "replykit.keep"


def _print_warning(message: str, args: tuple[object, ...]) -> None:
    """The library's warnings on stderr, naming files from the current directory.

    A fall-back is left out: ``render`` says which locale answered and why itself.
    """
    if message.startswith("falling back"):
        return
    ctx = click.get_current_context(silent=True)
    meta = ctx.meta if ctx is not None else {}
    if meta.get(_QUIET) and any(isinstance(a, CatalogueError) for a in args):
        return  # lint reports it as a finding
    shown = tuple(from_cwd(a, meta.get(_FOLDER), meta.get(_KEEP)) if isinstance(a, ReplykitError) else a for a in args)
    click.echo(f"warning: {message % shown if shown else message}", err=True)


def _library_to_write(catalog: Path | None) -> Library:
    """The library a command writes into: a write that a stopped command left half done is completed first."""
    if catalog is not None:
        from ._lock import complete_interrupted

        complete_interrupted(catalog)
    return load(catalog)


@contextlib.contextmanager
def _namedfrom_cwd(root: Path, *, logged: bool = True, keep: str | None = None) -> Iterator[str]:
    """Name the catalogue's files from the current directory in what the command prints.

    Yields the catalogue folder so named (``lint.shown_folder``). A catalogue problem
    found while reading files is printed as a warning with that path, or not at all
    (``logged=False``, for lint, which reports each as a finding); a ``CatalogueError``
    raised about a catalogue file gets that path too (``keep`` names a file of the
    user's, left as given).
    """
    from ._paths import shown_folder

    folder = shown_folder(root)
    meta = click.get_current_context().meta
    meta.update({_FOLDER: folder, _QUIET: not logged, _KEEP: keep})
    try:
        yield folder
    except CatalogueError as exc:
        raise from_cwd(exc, folder, keep) from None


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="replykit")
def main() -> None:
    """Multilingual canned replies for e-commerce customer service."""


@main.command("list")
@click.option("--group", help="Only keys of this group (e.g. customs).")
@click.option("--language", help="Only keys translated into this language (e.g. es).")
@format_option("text", "json")
@catalog_option
def list_command(group: str | None, language: str | None, fmt: str, catalog: Path | None) -> None:
    """List the template keys with their titles."""
    lib = _library(catalog)
    groups = lib.catalogue.settings.groups
    if group is not None and group not in groups:
        raise click.BadParameter(f"unknown group {group!r}; groups: {', '.join(groups)}", param_hint="--group")
    rows = []
    for key in lib.keys(group=group, language=language):
        template = lib.template(key, language) if language else _any_template(lib, key)
        translated = [lang for lang in lib.languages if key in lib.catalogue.templates.get(lang, {})]
        rows.append({"key": key, "title": template.title, "languages": translated, "channels": list(template.channels)})
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    width = max((len(r["key"]) for r in rows), default=0)
    for row in rows:
        click.echo(f"{row['key']:<{width}}  {row['title']}  [{','.join(row['languages'])}]")


def _any_template(lib: Library, key: str) -> Any:
    for lang in lib.languages:
        found = lib.catalogue.templates.get(lang, {}).get(key)
        if found is not None:
            return found
    return lib.template(key)


@main.command()
@click.argument("key")
@click.option("--language", help="Show this translation instead of the source.")
@catalog_option
def show(key: str, language: str | None, catalog: Path | None) -> None:
    """Show a template: its text, channels and variables with examples."""
    lib = _library(catalog)
    template = lib.template(key, language)
    click.echo(f"{template.key} [{template.language}] {template.title}")
    from ._paths import shown_path

    click.echo(f"file: {shown_path(click.get_current_context().meta[_FOLDER], template.file)}:{template.line}")
    if template.description:
        click.echo(f"about: {template.description}")
    click.echo(f"channels: {', '.join(template.channels)}")
    click.echo("variables:")
    examples = lib.examples(key, language)
    for name, var in lib.variables(key).items():
        flag = "" if var.required else " (optional)"
        example = json.dumps(examples.get(name), ensure_ascii=False)
        click.echo(f"  {name}: {var.type}{flag}  e.g. {example}")
    for (channel, part), text in template.texts.items():
        click.echo(f"\n--- {channel} {part} ---")
        click.echo(text.text.rstrip("\n"))


@main.command()
@click.argument("key")
@click.option("--locale", "locale", help="Customer locale, e.g. es-MX, zh-TW. Default: the catalogue's.")
@click.option("--channel", type=CHANNEL, default="email", show_default=True)
@click.option(
    "--var",
    "variables",
    multiple=True,
    metavar="NAME=VALUE",
    help="A value; dotted names nest (customer.first_name=Ana). Repeatable.",
)
@click.option("--data", "data_file", type=FILE, help="Values from a JSON or YAML file.")
@click.option("--example", is_flag=True, help="Fill every variable not given from its declared example.")
@click.option("--detect-from", "detect_from", metavar="TEXT", help="Reply in the language of this customer message.")
@click.option(
    "--hint",
    "hint",
    metavar="LOCALE",
    help="With --detect-from: the customer's stored locale or an Accept-Language value.",
)
@click.option("--country", metavar="CC", help="With --detect-from: the shipping country (ISO code).")
@click.option("--formality", type=click.Choice(["formal", "informal"]), help="Override the locale's formality.")
@click.option(
    "--opening/--no-opening",
    default=None,
    help="Whether the reply opens the conversation (greets in a chat).  [default: e-mail yes, chat and SMS no]",
)
@click.option("--strict", is_flag=True, help="Fail on a defective translation instead of falling back.")
@format_option("text", "json")
@catalog_option
def render(
    key: str,
    locale: str | None,
    channel: str,
    variables: tuple[str, ...],
    data_file: Path | None,
    example: bool,
    detect_from: str | None,
    hint: str | None,
    country: str | None,
    formality: str | None,
    opening: bool | None,
    strict: bool,
    fmt: str,
    catalog: Path | None,
) -> None:
    """Render a reply for a customer."""
    lib = _library(catalog)
    if detect_from is not None:
        if locale is not None:
            raise click.UsageError("give either --locale or --detect-from, not both")
        detection = lib.detect(detect_from, hints=hints_from(hint, country))
        locale = detection.locale
    elif hint or country:
        raise click.UsageError("--hint and --country go with --detect-from")
    context: dict[str, Any] = read_data_file(data_file) if data_file is not None else {}
    for item in variables:
        name, value = parse_var(item)
        set_dotted(context, name, value)
    try:
        reply = lib.render(
            key,
            locale=locale,
            channel=cast(Channel, channel),
            strict=strict,
            formality=formality,
            examples=example,
            opening=opening,
            values=context,
        )
    except RenderError as exc:
        if any(isinstance(e, MissingVariableError) for e in exc.errors):
            exc.message += (
                f"; give values with --var NAME=VALUE or --data FILE, or --example for samples "
                f"(`replykit show {key}` lists the variables)"
            )
            exc.args = (exc._format(),)
        raise
    if detect_from is not None:
        reply = replace(reply, detection=detection)
    for defect in reply.defects:
        click.echo(
            f"warning: fell back to {reply.locale}: {from_cwd(defect, click.get_current_context().meta.get(_FOLDER))}",
            err=True,
        )
    if reply.requested_locale != reply.locale and not reply.defects:
        click.echo(
            f"note: no replies for {reply.requested_locale} in the catalogue; replied in {reply.locale}", err=True
        )
    if reply.example_values:
        click.echo(f"filled from examples: {', '.join(reply.example_values)}", err=True)
    if fmt == "json":
        click.echo(json.dumps(reply.to_dict(), ensure_ascii=False, indent=2))
        return
    if reply.subject is not None:
        click.echo(f"Subject: {reply.subject}\n")
    click.echo(reply.body)


@main.command()
@click.argument("text")
@click.option("--candidates", help="Comma-separated languages to choose from. Default: the catalogue's.")
@click.option("--hint", "hint", metavar="LOCALE", help="The customer's stored locale or an Accept-Language value.")
@click.option("--country", metavar="CC", help="The shipping country (ISO 3166 code, e.g. MX).")
@format_option("text", "json")
@catalog_option
def detect(
    text: str, candidates: str | None, hint: str | None, country: str | None, fmt: str, catalog: Path | None
) -> None:
    """Detect the language (and Chinese script) of a customer message."""
    hints = hints_from(hint, country)
    if candidates:
        from .detect import detect_language

        detection = detect_language(
            text, candidates=[c.strip() for c in candidates.split(",") if c.strip()], hints=hints
        )
    else:
        detection = _library(catalog).detect(text, hints=hints)
    if fmt == "json":
        click.echo(json.dumps(detection.to_dict(), ensure_ascii=False))
        return
    script = f" ({detection.script})" if detection.script else ""
    foreign = "" if detection.supported else f"  detected={detection.detected} (no templates in it)"
    click.echo(
        f"{detection.language}{script}  locale={detection.locale}  "
        f"confidence={detection.confidence:.2f}  method={detection.method}{foreign}"
    )


def hints_from(hint: str | None, country: str | None) -> dict[str, str]:
    """``--hint`` is a stored locale, or an Accept-Language value when it has , or ;"""
    hints: dict[str, str] = {}
    if hint:
        hints["accept_language" if ("," in hint or ";" in hint) else "locale"] = hint
    if country:
        hints["country"] = country
    return hints


@main.command()
@click.option("--select", help="Only these codes (comma-separated).")
@click.option("--ignore", help="Skip these codes (comma-separated).")
@click.option("--warnings-as-errors", "strict", is_flag=True, help="Exit 1 on warnings too.")
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    help="Processes for a large catalogue.  [default: the number of cores]",
)
@click.option("--no-cache", "no_cache", is_flag=True, help="Check everything again; keep no results.")
@format_option("text", "json", "github")
@catalog_option
def lint(
    select: str | None,
    ignore: str | None,
    strict: bool,
    jobs: int | None,
    no_cache: bool,
    fmt: str,
    catalog: Path | None,
) -> None:
    """Check the whole catalogue: every template renders in every locale, and more.

    Results are kept in the cache folder (see `replykit cache info`), so a run after
    a change checks again only what the change can affect.
    """
    from .lint import fewer_collections
    from .lint import lint as run_lint

    if jobs is None:
        jobs = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    library = _library(catalog)
    try:
        with fewer_collections(), _namedfrom_cwd(library.catalogue.root, logged=False) as folder:
            findings = run_lint(library, select=_codes(select), ignore=_codes(ignore), jobs=jobs, cache=not no_cache)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--select/--ignore") from None
    findings = [finding.under(folder) for finding in findings]
    errors = sum(f.severity == "error" for f in findings)
    warnings = len(findings) - errors
    if fmt == "json":
        click.echo(json.dumps([f.to_dict() for f in findings], ensure_ascii=False, indent=2))
    else:
        for finding in findings:
            click.echo(finding.format_github() if fmt == "github" else finding.format_text())
        click.echo(f"{errors} error(s), {warnings} warning(s)", err=fmt == "github")
    if errors or (strict and warnings):
        sys.exit(EXIT_FAILURE)


def _codes(value: str | None) -> list[str]:
    return [c.strip() for c in value.split(",") if c.strip()] if value else []


@main.group()
def cache() -> None:
    """Where compiled templates and lint results are kept, and clearing them."""


@cache.command("info")
def cache_info() -> None:
    """The cache folder and the size of replykit's files in it."""
    from ._cache import usage

    found = usage()
    if found.folder is None:
        click.echo("cache: off (REPLYKIT_CACHE=off, or no usable folder)")
        return
    click.echo(f"cache: {found.folder}")
    click.echo(f"{found.files} file(s), {found.bytes / 1024 / 1024:.1f} MiB")


@cache.command("clear")
def cache_clear() -> None:
    """Remove replykit's files from the cache folder (other programs' files stay)."""
    from ._cache import clear, folder

    where = folder()
    click.echo(f"removed {clear()} file(s) from {where}" if where is not None else "cache: off; nothing to clear")


@main.command()
@format_option("text", "json")
@catalog_option
def coverage(fmt: str, catalog: Path | None) -> None:
    """Translation progress per language: translated, missing, untranslated, stale, unchanged."""
    from .lint import coverage as run_coverage

    library = _library(catalog)
    with _namedfrom_cwd(library.catalogue.root):
        rows = run_coverage(library)
    if fmt == "json":
        click.echo(json.dumps([r.to_dict() for r in rows], ensure_ascii=False, indent=2))
        return
    click.echo(
        f"{'language':<10}{'translated':>11}{'missing':>9}{'untranslated':>14}{'stale':>7}{'unchanged':>11}"
        f"{'complete':>10}"
    )
    for row in rows:
        click.echo(
            f"{row.language:<10}{row.translated:>11}{row.missing:>9}{row.untranslated:>14}{row.stale:>7}"
            f"{row.unchanged:>11}{row.percent:>9.1f}%"
        )


@main.command()
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on; another than loopback needs REPLYKIT_TOKEN.",
)
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@click.option(
    "--workers", type=click.IntRange(min=1), default=1, show_default=True, help="Worker processes, one library each."
)
@click.option(
    "--helpdesk-origin",
    envvar="REPLYKIT_HELPDESK_ORIGIN",
    metavar="ORIGIN",
    help="The helpdesk that embeds /assist (e.g. https://chat.example.com): its messages are accepted, no other's.",
)
@catalog_option
def serve(host: str, port: int, workers: int, helpdesk_origin: str | None, catalog: Path | None) -> None:
    """Serve the HTTP API, the assist page and the review page (needs replykit[server])."""
    import secrets
    from urllib.parse import urlsplit

    try:
        import uvicorn

        from .server.security import HELPDESK_ENV, TOKEN_ENV, check_bind
    except ImportError:
        raise click.UsageError('replykit serve needs the server extra: pip install "replykit[server]"') from None
    token = os.environ.get(TOKEN_ENV) or None
    refusal = check_bind(host, token)
    if refusal:
        raise click.UsageError(refusal)
    if helpdesk_origin:
        parts = urlsplit(helpdesk_origin)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.path.strip("/") or parts.query:
            raise click.BadParameter(
                f"{helpdesk_origin!r} is not an origin; give scheme and host only, e.g. https://chat.example.com",
                param_hint="--helpdesk-origin",
            )
        os.environ[HELPDESK_ENV] = helpdesk_origin.rstrip("/")
    if catalog is not None:
        _library(catalog)  # a missing or unreadable folder is reported now, not by each worker
        os.environ[ENV_VAR] = str(catalog.resolve())
    else:
        os.environ.pop(ENV_VAR, None)
    if token is None:  # writes (review flags, reload) still need one: made for this run, shown once
        token = secrets.token_urlsafe(24)
        os.environ[TOKEN_ENV] = token
        click.echo(f"review page (with this run's token): http://{host}:{port}/review#token={token}", err=True)
    click.echo(f"assist page: http://{host}:{port}/assist  API: http://{host}:{port}/openapi.json", err=True)
    from .server.logs import LOG_CONFIG

    uvicorn.run(
        "replykit.server.app:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=False,
        log_config=LOG_CONFIG,
        server_header=False,
    )


# -- translator workflow: PO files, source revisions, new languages (see replykit.po) ----


@main.command("export-po")
@click.option("--language", required=True, help="The translation language, e.g. es.")
@click.option("--out", type=FILE, help="Write here instead of stdout.")
@catalog_option
def export_po_command(language: str, out: Path | None, catalog: Path | None) -> None:
    """Export a language as a PO file for translation tools (Poedit, Weblate, ...)."""
    from . import _atomic, po

    library = _library(catalog)
    with _namedfrom_cwd(library.catalogue.root):
        data = po.export_po(library, language)
    if out is None:
        click.echo(data, nl=False)
    else:
        _atomic.atomic_write(out, data)
        click.echo(f"Wrote {out}", err=True)


@main.command("import-po")
@click.argument("po_file", metavar="FILE.po", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--language", required=True, help="The language the PO file translates into, e.g. es.")
@catalog_option
def import_po_command(po_file: Path, language: str, catalog: Path | None) -> None:
    """Write a translated PO file back into the catalogue's YAML files."""
    from . import po
    from ._paths import shown_path

    library = _library_to_write(catalog)
    with _namedfrom_cwd(library.catalogue.root, keep=str(po_file)) as folder:
        report = po.import_po(library, po_file, language)
    for file in report.files:
        fields = [f"{key} {name}" for f, key, name in report.fields if f == file]
        click.echo(f"{shown_path(folder, file)}: {', '.join(fields) or 'source revisions'}")
    click.echo(report.summary())


@main.command()
@click.option("--language", required=True, help="The translation language, e.g. es.")
@click.argument("keys", nargs=-1, metavar="[KEY ...]")
@catalog_option
def stamp(language: str, keys: tuple[str, ...], catalog: Path | None) -> None:
    """Record that translations are up to date with their source (all keys, or KEY ...)."""
    from . import po

    library = _library_to_write(catalog)
    with _namedfrom_cwd(library.catalogue.root):
        stamped = po.stamp(library, language, keys or None)
    for key in stamped:
        click.echo(key)
    click.echo(f"Recorded the source revision of {len(stamped)} key{'' if len(stamped) == 1 else 's'}.")


@main.command("new-language")
@click.argument("tag")
@catalog_option
def new_language_command(tag: str, catalog: Path | None) -> None:
    """Scaffold templates/TAG/ (English texts marked untranslated) and locales/TAG.yaml."""
    from . import po
    from ._paths import shown_path
    from .catalog import shipped_catalogue

    root = catalog if catalog is not None else shipped_catalogue()
    with _namedfrom_cwd(root) as folder:
        created = po.new_language(root, tag)
    for path in created:
        click.echo(f"created {shown_path(folder, str(path.relative_to(root)))}")


@main.command()
@click.option("--locale", "locales", multiple=True, help="A locale to show (repeatable). Default: every locale file's.")
@click.option("--out", "out_dir", type=FOLDER, required=True, help="The folder to write gallery-LOCALE.md files into.")
@catalog_option
def gallery(locales: tuple[str, ...], out_dir: Path, catalog: Path | None) -> None:
    """Write every reply of each locale, with varied data, into one file per locale for review."""
    from ._atomic import atomic_write
    from .gallery import gallery as make_gallery

    lib = _library(catalog)
    chosen = locales or tuple(sorted(lib.catalogue.locale_files))
    out_dir.mkdir(parents=True, exist_ok=True)
    for locale in chosen:
        path = out_dir / f"gallery-{lib.negotiate(locale)}.md"
        atomic_write(path, make_gallery(lib, locale).encode("utf-8"))
        click.echo(f"wrote {path}", err=True)


@main.command()
@click.argument("query")
@click.option("--language", help="Only templates in this language (e.g. es).")
@click.option("--group", help="Only keys of this group (e.g. customs).")
@click.option("--limit", type=click.IntRange(min=1), default=10, show_default=True)
@format_option("text", "json")
@catalog_option
def search(query: str, language: str | None, group: str | None, limit: int, fmt: str, catalog: Path | None) -> None:
    """Find templates by a few words, in any language ("wher is my parcel", "aduana", "退款")."""
    _print_suggestions(_library(catalog).search(query, language=language, group=group, limit=limit), fmt)


@main.command()
@click.argument("message")
@click.option("--limit", type=click.IntRange(min=1), default=3, show_default=True)
@format_option("text", "json")
@catalog_option
def suggest(message: str, limit: int, fmt: str, catalog: Path | None) -> None:
    """Propose replies for a customer's whole message."""
    _print_suggestions(_library(catalog).suggest(message, limit=limit), fmt)


def _print_suggestions(found: list[Any], fmt: str) -> None:
    if fmt == "json":
        click.echo(json.dumps([s.to_dict() for s in found], ensure_ascii=False, indent=2))
        return
    if not found:
        click.echo("no matching template", err=True)
        return
    if not found[0].fits:
        click.echo("no template fits this message well; the closest ones:", err=True)
    width = max(len(s.key) for s in found)
    for s in found:
        click.echo(f"{s.score:5.1f}  {s.key:<{width}}  [{s.language}] {s.title}  ({s.matched})")


@main.command()
@click.argument("input_path", metavar="INPUT", type=FILE)
@click.option("--key", help="The template for every row.")
@click.option("--key-field", help="The field that holds each row's template key.")
@click.option("--locale-field", help="The field that holds each row's locale.")
@click.option("--detect-field", help="Reply in the language of this field (a customer message).")
@click.option("--keep", metavar="FIELD,...", help="Input fields to copy into every output line (e.g. id,email).")
@click.option("--channel", type=CHANNEL, default="email", show_default=True)
@click.option(
    "--input-format",
    type=click.Choice(["jsonl", "csv"]),
    help="Default: by the extension (.jsonl, .ndjson, .csv, .tsv); JSON Lines for -.",
)
@click.option("--delimiter", help="The CSV cell separator. Default: the one the header uses most of , ; tab |.")
@click.option("--out", "out_path", type=FILE, help="Output JSON Lines (default: stdout).")
@click.option(
    "--errors",
    "errors_path",
    type=FILE,
    help="Error lines go here (default: stderr).",
)
@click.option("--jobs", type=click.IntRange(min=1), default=1, show_default=True, help="Worker processes.")
@click.option(
    "--opening/--no-opening",
    default=None,
    help="Whether the reply opens the conversation (greets in a chat).  [default: e-mail yes, chat and SMS no]",
)
@click.option("--strict", is_flag=True, help="A defective translation fails the row instead of falling back.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@catalog_option
def batch(
    input_path: Path,
    key: str | None,
    key_field: str | None,
    locale_field: str | None,
    detect_field: str | None,
    keep: str | None,
    channel: str,
    input_format: str | None,
    delimiter: str | None,
    out_path: Path | None,
    errors_path: Path | None,
    jobs: int,
    opening: bool | None,
    strict: bool,
    quiet: bool,
    catalog: Path | None,
) -> None:
    """Render one reply per row of a JSON Lines or CSV file, in order; nothing is dropped."""
    from ._atomic import AtomicWriter
    from .batch import BatchSpec, CsvRows, JsonlRows, count_rows, field_problems, render_blocks, render_jsonl

    if (key is None) == (key_field is None):
        raise click.UsageError("give --key KEY or --key-field FIELD")
    fmt = _input_format(input_path, input_format)
    if delimiter is not None and (fmt != "csv" or len(delimiter.replace("\\t", "\t")) != 1):
        raise click.UsageError("--delimiter is one character, for CSV input")
    delimiter = delimiter.replace("\\t", "\t") if delimiter else ("\t" if input_path.suffix.lower() == ".tsv" else None)
    stdin = str(input_path) == "-"
    if not stdin and (not input_path.exists() or input_path.is_dir()):  # a pipe is fine: it is read once, in order
        raise click.BadParameter(f"{input_path} is not a readable file", param_hint="INPUT")
    _distinct_files(input_path, out_path, errors_path)
    lib = _library(catalog)
    if key is not None:
        lib.template(key)  # an unknown key is a usage error before any row is read
    kept = tuple(f.strip() for f in (keep or "").split(",") if f.strip())
    folder = click.get_current_context().meta.get(_FOLDER)
    spec = BatchSpec(key, key_field, locale_field, detect_field, cast(Channel, channel), strict, kept, folder, opening)
    source = sys.stdin.buffer if stdin else input_path
    rows: Any = CsvRows(source, delimiter) if fmt == "csv" else JsonlRows(source)
    with rows:
        variables = list(lib.variables(key)) if key is not None else []
        problems = field_problems(spec, rows.fields, csv_header=fmt == "csv", variables=variables)
        if problems:
            raise click.UsageError("; ".join(problems))
        show = not quiet and sys.stderr.isatty()
        total = count_rows(input_path, fmt, delimiter) if show and not stdin else None
        show = show and total is not None  # a bar needs its total: none for a pipe
        blocks = (
            render_blocks(lib, rows, spec, jobs=jobs, start_method="fork")
            if fmt == "csv"
            else render_jsonl(lib, rows, spec, jobs=jobs, start_method="fork")
        )
        done, failed, fell_back, kinds = _write_batch(blocks, out_path, errors_path, show, total, AtomicWriter)
    where = f" (see {errors_path})" if errors_path and failed else ""
    other = f" ({fell_back:,} in another locale than their own)" if fell_back else ""
    click.echo(f"{done:,} rows: {done - failed:,} rendered{other}, {failed:,} failed{where}", err=True)
    if failed and failed == done > 1 and len(kinds) == 1:
        click.echo(
            f"every row failed the same way: {next(iter(kinds))}; check the field names"
            + (" and the cell separator (--delimiter)" if fmt == "csv" else ""),
            err=True,
        )
    if failed:
        sys.exit(EXIT_FAILURE)


def _input_format(path: Path, given: str | None) -> str:
    if given:
        return given
    if str(path) == "-":
        return "jsonl"
    found = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".tsv": "csv"}.get(path.suffix.lower())
    if found is None:
        raise click.BadParameter(
            f"cannot tell the format of {path} from its extension; name it .jsonl or .csv, "
            "or give --input-format jsonl or csv",
            param_hint="INPUT",
        )
    return found


def _distinct_files(source: Path, *outputs: Path | None) -> None:
    """Two outputs, or an output and the input, that are one file would lose rows: refuse before reading."""
    seen: dict[str, str] = {} if str(source) == "-" else {os.path.realpath(source): "INPUT"}
    for option, path in zip(("--out", "--errors"), outputs, strict=True):
        if path is None:
            continue
        real = "-" if str(path) == "-" else os.path.realpath(path)
        if real in seen:
            raise click.UsageError(f"{option} {path} is the same file as {seen[real]}; give each its own file")
        seen[real] = f"{option} {path}"


def _write_batch(
    blocks: Any, out_path: Path | None, errors_path: Path | None, show: bool, total: int | None, writer: Any
) -> tuple[int, int, int, set[str]]:
    """Write the blocks' lines (atomically to files), with a progress bar on a terminal; the counts."""
    out = writer(out_path) if out_path else None
    errors = writer(errors_path) if errors_path else None
    done = failed = fell_back = 0
    kinds: set[str] = set()
    start = time.monotonic()
    bar: Any
    try:
        with click.progressbar(
            length=total or 0, label="rendering", file=sys.stderr, show_pos=total is not None,
            show_eta=total is not None, show_percent=total is not None,
            item_show_func=lambda _: f"{done / max(time.monotonic() - start, 1e-9):,.0f} rows/s",
        ) if show else contextlib.nullcontext() as bar:  # fmt: skip
            for block in blocks:
                if block.replies:
                    out.write(block.replies) if out else click.echo(block.replies, nl=False)
                if block.errors:
                    if errors:
                        errors.write(block.errors)
                    else:
                        if bar is not None:  # errors go above the bar, never glued to it
                            click.echo("\r\033[K", nl=False, err=True)
                        click.echo(block.errors, nl=False, err=True)
                done += block.rows
                failed += block.failed
                fell_back += block.fell_back
                kinds |= block.error_kinds
                if bar is not None:
                    bar.update(block.rows)
    except BaseException:
        for file in (out, errors):
            if file:
                file.abort()
        raise
    for file in (out, errors):
        if file:
            file.commit()
    return done, failed, fell_back, kinds


def read_data_file(path: Path) -> dict[str, Any]:
    """Values from a JSON (``.json``) or YAML (``.yaml``, ``.yml``) file; anything else is a usage error."""
    kind = {".json": "JSON", ".yaml": "YAML", ".yml": "YAML"}.get(path.suffix.lower())
    if kind is None:
        raise click.BadParameter(
            f"{path}: --data takes a JSON (.json) or YAML (.yaml, .yml) file of values; "
            "for a CSV or JSON Lines file of many rows, use `replykit batch`",
            param_hint="--data",
        )
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise click.BadParameter(f"cannot read {path}: {exc}", param_hint="--data") from None
    try:
        if kind == "YAML":
            from ._yaml import parse_yaml

            parsed = parse_yaml(text, str(path))
            if parsed.duplicates:  # a key given twice is an error, not the last one winning
                raise parsed.duplicates[0].error(str(path), "nothing was rendered")
            data = parsed.data
        else:
            data = json.loads(text, object_pairs_hook=_no_duplicates)
    except ReplykitError as exc:
        raise click.BadParameter(
            exc.message.replace("YAML syntax error", "not valid YAML"), param_hint="--data"
        ) from None
    except ValueError as exc:
        raise click.BadParameter(f"{path} is not valid {kind}: {exc}", param_hint="--data") from None
    if not isinstance(data, dict):
        raise click.BadParameter(f"{path} must hold an object of variable values", param_hint="--data")
    return data


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    names = [name for name, _ in pairs]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ValueError(f"{', '.join(map(repr, twice))} given twice in one object")
    return dict(pairs)


def parse_var(item: str) -> tuple[str, Any]:
    """``NAME=VALUE``; VALUE is read as JSON when it is JSON, else as text."""
    name, sep, raw = item.partition("=")
    if not sep or not name.strip():
        raise click.BadParameter(f"expected NAME=VALUE, got {item!r}", param_hint="--var")
    try:
        value: Any = json.loads(raw)
    except ValueError:
        value = raw
    return name.strip(), value


def set_dotted(target: dict[str, Any], name: str, value: Any) -> None:
    """Set ``a.b.c`` inside nested dicts, creating them as needed."""
    *parents, last = name.split(".")
    for part in parents:
        child = target.get(part)
        if not isinstance(child, dict):
            child = {}
            target[part] = child
        target = child
    target[last] = value


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
