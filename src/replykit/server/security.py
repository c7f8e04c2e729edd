"""What keeps the reply desk safe to run: the token, the headers, the bounds.

- Only loopback without a token: :func:`check_bind` refuses another address
  unless ``REPLYKIT_TOKEN`` is set.
- Writing endpoints need ``Authorization: Bearer <token>``; there are no cookies,
  so a page of another site cannot write through the reviewer's browser (no CSRF).
- Every response carries a Content-Security-Policy without inline script, so a
  value escaped by mistake still cannot run.
- Request bodies are bounded while they are read (:class:`BodyLimit`), before
  any parsing.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import logging
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from .problems import Problem

TOKEN_ENV = "REPLYKIT_TOKEN"
HELPDESK_ENV = "REPLYKIT_HELPDESK_ORIGIN"

#: Bytes of a request body: JSON requests, and a batch of JSON Lines.
MAX_BODY = 1024 * 1024
MAX_BATCH_BODY = 8 * 1024 * 1024
#: Rows of one batch request.
MAX_BATCH_ROWS = 10_000
#: Seconds a render, reply or lookup may take before the caller gets a 503.
MAX_SECONDS = 10.0

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def is_loopback(host: str) -> bool:
    """Whether ``host`` is reachable from this machine only."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_bind(host: str, token: str | None) -> str | None:
    """Why the server must not listen on ``host`` (None when it may)."""
    if is_loopback(host) or token:
        return None
    return (
        f"refusing to listen on {host}, which other machines can reach, without a token; "
        f"set {TOKEN_ENV} to a long random secret (clients send it as 'Authorization: Bearer <token>'), "
        "or listen on 127.0.0.1"
    )


def check_token(authorization: str | None, token: str) -> None:
    """Raise a 401 problem unless ``authorization`` is ``Bearer <token>`` (compared in constant time)."""
    scheme, _, given = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), token.encode()):
        raise Problem(
            401, "unauthorized", "This endpoint writes and needs the server's token",
            "missing or wrong token" if authorization else "no token given",
            "send the header 'Authorization: Bearer <token>' with the token the server was started with "
            f"({TOKEN_ENV}, or the one `replykit serve` printed)",
        )  # fmt: skip


def content_security_policy(helpdesk_origin: str | None) -> str:
    """Scripts and styles from this server only, none inline; framed by the helpdesk alone."""
    ancestors = f"'self' {helpdesk_origin}" if helpdesk_origin else "'self'"
    return (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
        f"base-uri 'none'; form-action 'none'; frame-ancestors {ancestors}"
    )


class SecurityHeaders:
    """Adds the CSP and its companions to every response."""

    def __init__(self, app: ASGIApp, helpdesk_origin: str | None) -> None:
        self.app = app
        self.headers = [
            (b"content-security-policy", content_security_policy(helpdesk_origin).encode()),
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"no-referrer"),
            (b"cross-origin-opener-policy", b"same-origin"),
            (b"cache-control", b"no-store"),
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *self.headers]
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodyLimit:
    """Refuses a request body over its limit with a 413 problem, counting bytes as they arrive."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY, batch_limit: int = MAX_BATCH_BODY) -> None:
        self.app, self.limit, self.batch_limit = app, limit, batch_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.batch_limit if scope["path"] == "/v1/batch" else self.limit
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await _send_problem(send, _too_large(limit))
            return
        seen = 0
        refused = False

        async def counted() -> Message:
            nonlocal seen, refused
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit and not refused:
                    refused = True
                    await _send_problem(send, _too_large(limit))
                    return {"type": "http.disconnect"}  # the app stops reading; its answer is dropped
            return message

        async def guarded(message: Message) -> None:
            if not refused:
                await send(message)

        try:
            await self.app(scope, counted, guarded)
        except Exception:
            if not refused:
                raise


def _too_large(limit: int) -> Problem:
    return Problem(
        413, "too-large", "The request body is too large", f"the body is over the limit of {limit:,} bytes",
        "send less: split a batch into several requests of at most "
        f"{MAX_BATCH_ROWS:,} rows, or shorten the message",
    )  # fmt: skip


async def _send_problem(send: Send, problem: Problem) -> None:
    response = problem.response()
    await send({"type": "http.response.start", "status": response.status_code, "headers": response.raw_headers})
    await send({"type": "http.response.body", "body": response.body})


access_log = logging.getLogger("replykit.access")


class AccessLog:
    """One JSON line per request: method, path (no query: it may hold customer text), status, time."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def watched(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, watched)
        finally:
            if access_log.isEnabledFor(logging.INFO):
                client = scope.get("client")
                record = {
                    "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                    "method": scope["method"],
                    "path": scope["path"],
                    "status": status,
                    "ms": round((time.perf_counter() - start) * 1000, 2),
                    "client": client[0] if client else None,
                }
                access_log.info(json.dumps(record))
