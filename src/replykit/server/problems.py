"""Errors as RFC 9457 problem details (``application/problem+json``).

A library error already says what, where and how to fix; a problem carries the
same three as ``what``, ``where`` and ``how_to_fix`` beside the standard
``type``, ``title``, ``status`` and ``detail``. A caller's mistake is a 4xx; a
defect of the catalogue or of the server is a 5xx; no problem ever holds a
stack trace.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from starlette.responses import Response

from ..errors import (
    CatalogueError,
    DetectionError,
    LocaleError,
    MissingVariableError,
    RenderError,
    ReplykitError,
    TemplateError,
    UnknownGroupError,
    UnknownKeyError,
    UnknownVariableError,
)

MEDIA_TYPE = "application/problem+json"

#: (status, type name, title) per error class; the first that matches answers.
_KINDS: list[tuple[type[ReplykitError], int, str, str]] = [
    (UnknownKeyError, 404, "unknown-key", "No template has this key"),
    (UnknownGroupError, 404, "unknown-group", "No scenario group has this name"),
    (UnknownVariableError, 422, "unknown-variable", "A value for a variable the template does not declare"),
    (RenderError, 422, "invalid-values", "The values do not fit the template"),
    (LocaleError, 422, "invalid-locale", "The locale cannot be used"),
    (DetectionError, 422, "invalid-hint", "Language detection cannot use these hints"),
    (CatalogueError, 500, "catalogue-error", "The catalogue entry cannot be used"),
    (TemplateError, 500, "template-error", "The template is defective"),
]

#: What to do when the message itself gives no advice.
_ADVICE = {
    "catalogue-error": "fix the file at the place named, then POST /v1/reload (or wait for the reload on change)",
    "template-error": "fix the template at the place named, or render without strict to fall back",
    "invalid-values": "GET /v1/templates/{key} lists the variables, their types and examples",
}


class Problem(Exception):
    """A problem to answer with: raised by the routes, turned into a response by the app."""

    def __init__(
        self, status: int, kind: str, title: str, what: str, how_to_fix: str, *, where: Mapping[str, Any] | None = None
    ) -> None:
        super().__init__(what)
        self.status, self.kind, self.title = status, kind, title
        self.what, self.how_to_fix, self.where = what, how_to_fix, dict(where or {})
        self.extra: dict[str, Any] = {}

    def to_dict(self) -> dict[str, Any]:
        detail = f"{self.what}; {self.how_to_fix}" if self.how_to_fix else self.what
        body: dict[str, Any] = {
            "type": f"urn:replykit:problem:{self.kind}",
            "title": self.title,
            "status": self.status,
            "detail": detail,
            "what": self.what,
            "where": self.where,
            "how_to_fix": self.how_to_fix,
        }
        return {**body, **self.extra}

    def response(self, headers: Mapping[str, str] | None = None) -> Response:
        body = json.dumps(self.to_dict(), ensure_ascii=False)
        return Response(body, status_code=self.status, media_type=MEDIA_TYPE, headers=headers)


def split_message(message: str) -> tuple[str, str]:
    """``what; how to fix`` as the library writes its messages, in two parts."""
    what, _, how = message.partition("; ")
    return what, how


def _where(error: ReplykitError) -> dict[str, Any]:
    found = {name: getattr(error, name, None) for name in ("file", "line", "key", "locale", "variable")}
    return {name: value for name, value in found.items() if value is not None}


def from_error(error: ReplykitError) -> Problem:
    """The problem for a library error: its class decides the status, its message the rest."""
    status, kind, title = 500, "error", "replykit could not answer"
    for cls, code, name, heading in _KINDS:
        if isinstance(error, cls):
            status, kind, title = code, name, heading
            break
    listed = error.errors if isinstance(error, RenderError) else ()
    several = len(listed) > 1
    what, how = (error.message, "fix each value listed in errors") if several else split_message(error.message)
    problem = Problem(status, kind, title, what, how or _ADVICE.get(kind, ""), where=_where(error))
    suggestions = getattr(error, "suggestions", None)
    if suggestions:
        problem.extra["suggestions"] = list(suggestions)
    if several:
        problem.extra["errors"] = [
            {"what": split_message(e.message)[0], "where": _where(e), "how_to_fix": _advice(e)} for e in listed
        ]
    return problem


def _advice(error: ReplykitError) -> str:
    how = split_message(error.message)[1]
    if how:
        return how
    if isinstance(error, MissingVariableError):
        return "give it in values, or pass examples: true to fill it from the template's examples"
    return _ADVICE.get("invalid-values", "")


def invalid_request(errors: Sequence[Mapping[str, Any]]) -> Problem:
    """A request body or query that does not fit the schema (pydantic's errors, one per field)."""
    listed: list[dict[str, Any]] = []
    for error in errors:
        where = ".".join(str(part) for part in error.get("loc", ()))
        listed.append({"what": str(error.get("msg", "invalid")), "where": {"field": where}})
    field = listed[0]["where"]["field"] if listed else "the request"
    what = f"{field}: {listed[0]['what']}" if listed else "invalid request"
    if len(listed) > 1:
        what += f" (and {len(listed) - 1} more)"
    problem = Problem(
        422, "invalid-request", "The request does not fit the API", what,
        "see /openapi.json for the fields each endpoint takes", where={"field": field},
    )  # fmt: skip
    problem.extra["errors"] = listed
    return problem
