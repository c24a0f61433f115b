"""What every gateway response carries and every request is checked for before routing: a Request-Id
(also sent to the services), the Stripe-Version answered in (Stripe echoes the one the client pinned;
LedgerMesh serves one shape), the Idempotency-Key sent back (clients log it beside the Request-Id), a
body size limit and a well-formed Stripe-Version.

A plain ASGI middleware: as Starlette's BaseHTTPMiddleware (`@app.middleware("http")`) it ran every
request in a task of its own with memory streams between the two, about a twentieth of the gateway's
CPU per GET (py-spy, bench/results/profile-gateway.txt)."""

from __future__ import annotations

import re
import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from gateway.errors import StripeError
from stripe_shapes.objects import API_VERSION

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# Stripe's version names: a date, and since 2024 a release name (`2025-03-31.basil`).
_API_VERSION = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}(\.[a-z_]+)?")
# The headers this layer sets on a response, replacing any the route set.
_OWN = frozenset({b"request-id", b"stripe-version", b"idempotency-key"})


def new_request_id() -> str:
    return "req_" + secrets.token_hex(7)


class StripeFrame:
    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self._max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = new_request_id()
        # request.state is this dict (Starlette keeps a request's state in its scope).
        scope.setdefault("state", {})["request_id"] = request_id
        length_text = version_raw = idempotency = b""
        for key, value in scope.get("headers") or ():
            if key == b"content-length":
                length_text = value
            elif key == b"stripe-version":
                version_raw = value
            elif key == b"idempotency-key":
                idempotency = value
        try:
            length = int(length_text or 0)
        except ValueError:
            length = 0
        version = version_raw.decode("latin-1") if version_raw else None
        refusal: StripeError | None = None
        if length > self._max_body_bytes:
            refusal = StripeError(413, "invalid_request_error", "Request body too large.", code="request_too_large")
        elif version is not None and not _API_VERSION.fullmatch(version):
            refusal = StripeError(400, "invalid_request_error", f"Invalid Stripe API version: {version[:40]}",
                                  code="api_version_invalid")
            version = None
        own = [(b"request-id", request_id.encode()),
               (b"stripe-version", version.encode("latin-1") if version else API_VERSION.encode())]
        if idempotency:
            own.append((b"idempotency-key", idempotency))
        started = False

        async def framed(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message["headers"] = [(k, v) for k, v in message.get("headers") or () if k.lower() not in _OWN] + own
            await send(message)

        if refusal is not None:
            await refusal.response()(scope, receive, framed)
            return
        try:
            await self.app(scope, receive, framed)
        except StripeError as exc:
            # Raised past the app's exception handlers (by a middleware inside this one).
            if started:
                raise
            await exc.response()(scope, receive, framed)
