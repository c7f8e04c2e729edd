"""The reply desk's routes: parse the request, call the library, format the answer.

``create_app`` builds the whole service (tests and ``replykit serve`` start the
same thing); its state (the library, the token) lives on the app, never in
module globals. Every library call runs in a worker thread under a time bound,
so one slow request never holds up the others.
"""

from __future__ import annotations

import html
import logging
import os
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from importlib.metadata import version
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

import anyio
from fastapi import FastAPI, Header, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, StreamingResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException

from ..batch import BatchSpec, parse_row, render_rows, to_line
from ..errors import LocaleError, ReplykitError
from ..library import ENV_VAR, Library
from ..locales import parse_tag
from ..reviews import Flag, add_flag, read_flags
from .holder import LibraryHolder
from .problems import Problem, from_error, invalid_request, split_message
from .security import (
    HELPDESK_ENV,
    MAX_BATCH_ROWS,
    MAX_SECONDS,
    TOKEN_ENV,
    AccessLog,
    BodyLimit,
    SecurityHeaders,
    check_token,
)

PAGES = Path(__file__).parent / "pages"
T = TypeVar("T")
log = logging.getLogger("replykit.server")

Channel = Literal["email", "chat", "sms"]
Key = Annotated[str, Field(min_length=1, max_length=200, description="A template key, e.g. customs.import_tax")]
Locale = Annotated[str, Field(min_length=1, max_length=64, description="A BCP 47 tag, e.g. es-MX")]
Message = Annotated[str, Field(max_length=100_000, description="The customer's message (read to 4,000 characters)")]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Hints(_Body):
    """What else is known about the customer's language."""

    locale: Locale | None = None
    accept_language: str | None = Field(None, max_length=2000)
    country: str | None = Field(None, min_length=2, max_length=2, description="ISO 3166 code, e.g. MX")


class RenderBody(_Body):
    key: Key
    locale: Locale | None = None
    channel: Channel = "email"
    values: dict[str, Any] = Field(default_factory=dict, description="The customer's values, by variable name")
    formality: Literal["formal", "informal"] | None = None
    opening: bool | None = None
    examples: bool = Field(False, description="Fill what is not given from the template's examples")
    strict: bool = False


class ReplyBody(_Body):
    message: Message
    key: Key | None = Field(None, description="The reply to render; default: the best suggestion that fits")
    values: dict[str, Any] = Field(default_factory=dict)
    hints: Hints | None = None
    channel: Channel = "email"
    formality: Literal["formal", "informal"] | None = None
    opening: bool | None = None
    examples: bool = True
    limit: int = Field(3, ge=1, le=10, description="How many suggestions")
    unknown: Literal["ignore", "error"] = Field(
        "ignore", description="Values the reply does not use: a helpdesk sends what it knows before the key is chosen"
    )


class SuggestBody(_Body):
    message: Message
    limit: int = Field(3, ge=1, le=20)


class DetectBody(_Body):
    text: Message
    hints: Hints | None = None


class FlagBody(_Body):
    key: Key
    locale: Locale
    channel: Channel = "email"
    comment: str = Field(min_length=1, max_length=2000)
    by: str = Field("", max_length=100)


async def _run(call: Callable[[], T], seconds: float = MAX_SECONDS) -> T:
    """``call`` in a worker thread, answered with a 503 problem when it takes over ``seconds``."""
    try:
        with anyio.fail_after(seconds):
            return await anyio.to_thread.run_sync(call, abandon_on_cancel=True)
    except TimeoutError:
        raise Problem(
            503, "too-slow", "The request took too long", f"the answer took over {seconds:g} s",
            "try again; if it keeps happening, check the template for heavy loops (replykit lint)",
        ) from None  # fmt: skip


def _hints(hints: Hints | None) -> dict[str, str]:
    return {name: value for name, value in hints.model_dump().items() if value} if hints else {}


def create_app(catalog: Path | None = None, *, token: str | None = None, helpdesk_origin: str | None = None) -> FastAPI:
    """The reply desk for the catalogue at ``catalog`` (None: the shipped one)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        holder = await anyio.to_thread.run_sync(LibraryHolder, catalog)
        await anyio.to_thread.run_sync(lambda: holder.current().detect("hola, ¿dónde está mi pedido?"))  # warm
        app.state.holder = holder
        yield

    app = FastAPI(
        title="replykit",
        version=version("replykit"),
        summary="Multilingual canned replies for customer service: render, reply, suggest, detect, lint.",
        docs_url=None,  # Swagger UI needs inline script and a CDN; /openapi.json is the contract
        redoc_url=None,
        lifespan=lifespan,
    )

    def library(request: Request) -> Library:
        holder: LibraryHolder = request.app.state.holder
        return holder.current()

    def writer(authorization: str | None) -> None:
        if not token:
            raise Problem(
                403, "read-only", "This server does not accept writes",
                "no token was configured", f"start the server with {TOKEN_ENV} set",
            )  # fmt: skip
        check_token(authorization, token)

    # -- errors -----------------------------------------------------------------------

    @app.exception_handler(Problem)
    async def on_problem(request: Request, exc: Problem) -> Any:
        return exc.response()

    @app.exception_handler(ReplykitError)
    async def on_library_error(request: Request, exc: ReplykitError) -> Any:
        return from_error(exc).response()

    @app.exception_handler(RequestValidationError)
    async def on_invalid(request: Request, exc: RequestValidationError) -> Any:
        return invalid_request(exc.errors()).response()

    @app.exception_handler(HTTPException)
    async def on_http(request: Request, exc: HTTPException) -> Any:
        what = "no such page or endpoint" if exc.status_code == 404 else str(exc.detail)
        how = "see /openapi.json for the endpoints" if exc.status_code in (404, 405) else ""
        return Problem(exc.status_code, "http", str(exc.detail), what, how, where={"path": request.url.path}).response()

    @app.exception_handler(Exception)
    async def on_bug(request: Request, exc: Exception) -> Any:
        log.exception("internal error on %s", request.url.path)
        return Problem(
            500, "internal", "Internal error", "the server failed to answer (a bug in replykit)",
            "the server log has the details; please report it",
        ).response()  # fmt: skip

    # -- service ----------------------------------------------------------------------

    @app.get("/healthz", tags=["service"])
    async def healthz(request: Request) -> dict[str, Any]:
        """Ready: the catalogue is loaded."""
        holder: LibraryHolder = request.app.state.holder
        return {"status": "ok", "generation": holder.generation, "keys": len(holder.current().keys())}

    @app.post("/v1/reload", tags=["service"])
    async def reload(request: Request, authorization: Annotated[str | None, Header()] = None) -> dict[str, Any]:
        """Load the catalogue again now (needs the token); changed files are also picked up by themselves."""
        writer(authorization)
        holder: LibraryHolder = request.app.state.holder
        fresh = await _run(holder.reload, 120)
        problems = [str(p) for p in fresh.problems]
        return {"generation": holder.generation, "keys": len(fresh.keys()), "problems": problems}

    # -- templates --------------------------------------------------------------------

    @app.get("/v1/templates", tags=["templates"])
    async def list_templates(
        request: Request,
        group: Annotated[str | None, Query(max_length=100)] = None,
        language: Annotated[str | None, Query(max_length=64)] = None,
    ) -> list[dict[str, Any]]:
        """Every key with its title, group, languages and channels."""
        lib = library(request)
        return await _run(lambda: _templates(lib, group, language))

    @app.get("/v1/templates/{key}", tags=["templates"])
    async def one_template(
        request: Request,
        key: str,
        locale: Annotated[str | None, Query(max_length=64, description="Examples as this locale's")] = None,
    ) -> dict[str, Any]:
        """One template: its variables, examples, languages (with their texts and status) and locales."""
        lib = library(request)
        return await _run(lambda: _template(lib, key, locale))

    # -- replies ----------------------------------------------------------------------

    @app.post("/v1/render", tags=["replies"])
    async def render(request: Request, body: RenderBody) -> dict[str, Any]:
        """A reply for ``key`` in ``locale`` with the customer's ``values``."""
        lib = library(request)
        reply = await _run(
            lambda: lib.render_values(
                body.key, body.values, locale=body.locale, channel=body.channel, strict=body.strict,
                formality=body.formality, examples=body.examples, opening=body.opening,
            )
        )  # fmt: skip
        return reply.to_dict()

    @app.post("/v1/reply", tags=["replies"])
    async def reply(request: Request, body: ReplyBody) -> dict[str, Any]:
        """Detect the message's language, suggest replies, and render the chosen (or best) one in it."""
        lib = library(request)
        return await _run(lambda: _reply(lib, body))

    @app.post("/v1/suggest", tags=["replies"])
    async def suggest(request: Request, body: SuggestBody) -> list[dict[str, Any]]:
        """The likeliest templates for a customer's message, best first, each saying whether it fits."""
        lib = library(request)
        return [s.to_dict() for s in await _run(lambda: lib.suggest(body.message, limit=body.limit))]

    @app.post("/v1/detect", tags=["replies"])
    async def detect(request: Request, body: DetectBody) -> dict[str, Any]:
        """The language (and Chinese script) of a text, how sure, and whether the catalogue has it."""
        lib = library(request)
        return (await _run(lambda: lib.detect(body.text, hints=_hints(body.hints)))).to_dict()

    @app.post(
        "/v1/batch",
        tags=["replies"],
        response_class=StreamingResponse,
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {"application/x-ndjson": {"schema": {"type": "string", "description": "JSON Lines"}}},
            }
        },
    )
    async def batch(
        request: Request,
        key: Annotated[str | None, Query(max_length=200)] = None,
        key_field: Annotated[str | None, Query(max_length=200)] = None,
        locale_field: Annotated[str | None, Query(max_length=200)] = None,
        detect_field: Annotated[str | None, Query(max_length=200)] = None,
        channel: Channel = "email",
        keep: Annotated[str | None, Query(max_length=1000, description="Fields to copy, e.g. id,email")] = None,
    ) -> StreamingResponse:
        """JSON Lines in, JSON Lines out, streamed: one line per input row, in order, as `replykit batch`."""
        try:
            spec = BatchSpec(
                key, key_field, locale_field, detect_field, channel,
                keep=tuple(f.strip() for f in keep.split(",") if f.strip()) if keep else (),
            )  # fmt: skip
        except ValueError as exc:
            raise Problem(422, "invalid-request", "The batch options do not fit", str(exc),
                          "pass ?key=KEY or ?key_field=FIELD", where={"field": "query.key"}) from None  # fmt: skip
        lines = [line for line in (await request.body()).decode("utf-8", "replace").splitlines() if line.strip()]
        if len(lines) > MAX_BATCH_ROWS:
            raise Problem(
                413, "too-many-rows", "The batch has too many rows", f"{len(lines):,} rows",
                f"send at most {MAX_BATCH_ROWS:,} rows per request",
            )  # fmt: skip
        lib = library(request)

        def output() -> Iterator[str]:
            rows = (parse_row(number, line) for number, line in enumerate(lines, start=1))
            for result in render_rows(lib, rows, spec):
                yield to_line(result)

        return StreamingResponse(output(), media_type="application/x-ndjson")

    # -- catalogue checks ---------------------------------------------------------------

    @app.get("/v1/lint", tags=["catalogue"])
    async def lint(
        request: Request,
        select: Annotated[str | None, Query(max_length=1000)] = None,
        ignore: Annotated[str | None, Query(max_length=1000)] = None,
    ) -> dict[str, Any]:
        """Every finding of ``replykit lint``, with its file and line (catalogue-relative)."""
        from ..lint import lint as run_lint

        lib = library(request)
        codes = [[c.strip() for c in (v or "").split(",") if c.strip()] for v in (select, ignore)]
        try:
            findings = await _run(lambda: run_lint(lib, select=codes[0], ignore=codes[1]), 120)
        except ValueError as exc:
            what, _, how = str(exc).partition("; ")
            raise Problem(422, "unknown-code", "Unknown lint code", what, how, where={"field": "query"}) from None
        errors = sum(f.severity == "error" for f in findings)
        return {"errors": errors, "warnings": len(findings) - errors, "findings": [f.to_dict() for f in findings]}

    @app.get("/v1/coverage", tags=["catalogue"])
    async def coverage(request: Request) -> list[dict[str, Any]]:
        """Translation progress per language: translated, missing, untranslated, stale, unchanged."""
        from ..lint import coverage as run_coverage

        lib = library(request)
        return [row.to_dict() for row in await _run(lambda: run_coverage(lib), 120)]

    @app.get("/v1/reviews", tags=["catalogue"])
    async def reviews(request: Request) -> list[dict[str, Any]]:
        """The review flags of the catalogue (``reviews.yaml``)."""
        root = library(request).catalogue.root
        return [flag.to_dict() for flag in await _run(lambda: read_flags(root))]

    @app.post("/v1/reviews", tags=["catalogue"], status_code=201)
    async def flag(
        request: Request, body: FlagBody, authorization: Annotated[str | None, Header()] = None
    ) -> dict[str, Any]:
        """Flag a rendered reply with a comment (needs the token); written to ``reviews.yaml``."""
        writer(authorization)
        lib = library(request)
        return (await _run(lambda: _add_flag(lib, body))).to_dict()

    # -- pages ------------------------------------------------------------------------

    origin = html.escape(helpdesk_origin or "", quote=True)
    pages = {name: (PAGES / f"{name}.html").read_text("utf-8").replace("{{HELPDESK_ORIGIN}}", origin)
             for name in ("assist", "review")}  # fmt: skip

    @app.get("/", include_in_schema=False)
    async def index() -> HTMLResponse:
        return HTMLResponse(pages["assist"])

    @app.get("/assist", response_class=HTMLResponse, tags=["pages"])
    async def assist() -> HTMLResponse:
        """The agent-assist page (also a Chatwoot Dashboard App)."""
        return HTMLResponse(pages["assist"])

    @app.get("/review", response_class=HTMLResponse, tags=["pages"])
    async def review() -> HTMLResponse:
        """The side-by-side review page."""
        return HTMLResponse(pages["review"])

    app.mount("/static", StaticFiles(directory=PAGES), name="static")

    app.add_middleware(BodyLimit)
    app.add_middleware(SecurityHeaders, helpdesk_origin=helpdesk_origin)
    app.add_middleware(AccessLog)
    return app


def app_from_env() -> FastAPI:
    """The app as ``replykit serve`` configures it, through the environment (one per worker)."""
    catalog = os.environ.get(ENV_VAR)
    return create_app(
        Path(catalog) if catalog else None,
        token=os.environ.get(TOKEN_ENV) or None,
        helpdesk_origin=os.environ.get(HELPDESK_ENV) or None,
    )


# -- what the routes call ---------------------------------------------------------------


def _templates(lib: Library, group: str | None, language: str | None) -> list[dict[str, Any]]:
    if group is not None:
        lib._check_group(group)  # "did you mean" for a misspelt group
    rows = []
    for key in lib.keys(group=group, language=language):
        languages = [lang for lang in lib.languages if key in lib.catalogue.templates.get(lang, {})]
        template = lib.catalogue.get(language or languages[0], key) if languages else None
        rows.append({
            "key": key,
            "group": key.split(".", 1)[0],
            "title": template.title if template else "",
            "languages": languages,
            "channels": list(template.channels) if template else [],
        })  # fmt: skip
    return rows


def _template(lib: Library, key: str, locale: str | None = None) -> dict[str, Any]:
    from ..po import translation_status

    source = lib.template(key)
    examples = lib.examples(key, locale)
    languages: dict[str, Any] = {}
    for lang in lib.languages:
        found = lib.catalogue.get(lang, key)
        if found is None:
            continue
        status = "source" if lang == lib.source_language else translation_status(lib, lang).get(key, "translated")
        languages[lang] = {
            "title": found.title,
            "file": found.file,
            "line": found.line,
            "status": status,
            "texts": {f"{channel}.{part}": text.text for (channel, part), text in found.texts.items()},
        }
    return {
        "key": key,
        "group": source.group,
        "title": source.title,
        "description": source.description,
        "channels": list(source.channels),
        "variables": {
            name: {"type": v.type, "required": v.required, "description": v.description, "example": examples.get(name)}
            for name, v in lib.variables(key).items()
        },
        "examples": examples,
        "languages": languages,
        "locales": sorted(lib.catalogue.locale_files),
    }


def _reply(lib: Library, body: ReplyBody) -> dict[str, Any]:
    detection = lib.detect(body.message, hints=_hints(body.hints))
    suggestions = lib.suggest(body.message, limit=body.limit)
    key = body.key
    if key is None:
        key = next((s.key for s in suggestions if s.fits), None)
    out: dict[str, Any] = {
        "detection": detection.to_dict(),
        "suggestions": [s.to_dict() for s in suggestions],
        "key": key,
        "match": "chosen" if body.key else "best" if key else "none",
        "reply": None,
    }
    if key is not None:
        reply = lib.render_values(
            key, body.values, locale=detection.locale, channel=body.channel, formality=body.formality,
            examples=body.examples, opening=body.opening, unknown=body.unknown,
        )  # fmt: skip
        out["reply"] = reply.to_dict()
    return out


def _add_flag(lib: Library, body: FlagBody) -> Flag:
    from ..po import _check_writable

    lib.template(body.key)  # an unknown key is refused with "did you mean"
    locale = str(parse_tag(body.locale))
    if locale not in lib.catalogue.locale_files and locale not in lib.catalogue.languages:
        raise LocaleError(
            f"no locale {body.locale!r} in the catalogue; flag one of: {', '.join(sorted(lib.catalogue.locale_files))}",
            locale=body.locale,
        )
    root = lib.catalogue.root
    try:
        _check_writable(root)
    except ReplykitError as exc:
        what, how = split_message(exc.message)
        raise Problem(409, "read-only-catalogue", "The catalogue cannot be written", what, how) from None
    return add_flag(root, body.key, locale, body.channel, body.comment, body.by)
