"""The gateway: Stripe-shaped REST in, gRPC out. No business rules here."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import uvicorn
from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from ledgermesh.query.v1 import query_service_pb2 as q
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException

from gateway.errors import StripeError
from gateway.grpc_clients import Backends
from gateway.rate_limit import TokenBuckets, caller_limits
from gateway.refusals import FastRefusals
from gateway.routes import (
    accounts,
    balance,
    charges,
    customers,
    dashboard,
    disputes,
    events,
    payment_intents,
    payment_methods,
    payouts,
    refunds,
    reports,
    search,
    tokens,
    webhook_endpoints,
)
from gateway.routes.common import backends, call, new_request_id
from gateway.sessions import Sessions
from stripe_shapes.objects import API_VERSION
from support.settings import Settings

# Stripe's version names: a date, and since 2024 a release name (`2025-03-31.basil`).
_API_VERSION = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}(\.[a-z_]+)?")


async def operator_only(request: Request) -> Response | None:
    """The platform's figures are the operator's: a scrape of the public port's /metrics needs the
    operator key, checked by the query service's own rule for platform-wide status."""
    try:
        await call(request, backends(request).query.GetProjectionStatus, q.GetProjectionStatusRequest(), timeout=2)
    except StripeError as exc:
        return exc.response()
    return None


class RequestGuard:
    """Every request: its Request-Id, the body size and Stripe-Version checked before any route runs, and
    the Request-Id, Stripe-Version and Idempotency-Key headers on every reply.

    A plain ASGI middleware: Starlette's `@app.middleware("http")` runs each request in a task group with
    memory streams between it and the route, which cost about 8% of the CPU of a REST charge on the
    all-in-one stack (py-spy, docs/write-path.md "The embedded default")."""

    def __init__(self, app: Any, settings: Settings) -> None:
        self.app = app
        self.max_body_bytes = settings.gateway_max_body_bytes

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = new_request_id()
        scope.setdefault("state", {})["request_id"] = request_id
        headers = Headers(scope=scope)
        try:
            length = int(headers.get("content-length") or 0)
        except ValueError:
            length = 0
        version = headers.get("stripe-version")
        refusal: Response | None = None
        if length > self.max_body_bytes:
            refusal = StripeError(413, "invalid_request_error", "Request body too large.",
                                  code="request_too_large").response()
        elif version is not None and not _API_VERSION.fullmatch(version):
            refusal = StripeError(400, "invalid_request_error", f"Invalid Stripe API version: {version[:40]}",
                                  code="api_version_invalid").response()
            version = None
        idempotency_key = headers.get("idempotency-key")

        def mark(reply_headers: MutableHeaders) -> None:
            reply_headers["Request-Id"] = request_id
            # Stripe answers in the version the client pinned (LedgerMesh serves one shape, so it echoes
            # it) and sends the idempotency key back, which clients log beside the Request-Id.
            reply_headers["Stripe-Version"] = version or API_VERSION
            if idempotency_key:
                reply_headers["Idempotency-Key"] = idempotency_key

        if refusal is not None:
            mark(refusal.headers)
            await refusal(scope, receive, send)
            return
        started = False

        async def send_marked(message: dict[str, Any]) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message = {**message, "headers": list(message.get("headers", []))}
                mark(MutableHeaders(raw=message["headers"]))
            await send(message)

        try:
            await self.app(scope, receive, send_marked)
        except StripeError as exc:
            if started:
                raise
            response = exc.response()
            mark(response.headers)
            await response(scope, receive, send)


def create_app(command_target: str, query_target: str, settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.backends = Backends.connect(command_target, query_target)
        try:
            yield
        finally:
            await app.state.backends.close()

    app = FastAPI(title="LedgerMesh API", version="2024-06-20", lifespan=lifespan,
                  description="Stripe-compatible REST over LedgerMesh's gRPC services. Authenticate with "
                              "`Authorization: Bearer sk_test_...`; the platform adds `Stripe-Account: acct_...` "
                              "to act on an account. The dashboard page signs in to a session cookie.")
    app.state.settings = settings
    app.state.sessions = Sessions()
    # Set when the server shuts down: endless responses (the dashboard's event stream) end on it, since
    # uvicorn waits for every open response before it stops.
    app.state.closing = asyncio.Event()

    app.add_middleware(RequestGuard, settings=settings)

    @app.exception_handler(StripeError)
    async def stripe_error(request: Request, exc: StripeError) -> JSONResponse:
        return exc.response()

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        return StripeError(400, "invalid_request_error", str(exc.errors()[0].get("msg", "Invalid request"))).response()

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 404:
            return StripeError(404, "invalid_request_error",
                               f"Unrecognized request URL ({request.method}: {request.url.path}).").response()
        if exc.status_code == 405:
            return StripeError(405, "invalid_request_error",
                               f"Method not allowed ({request.method}: {request.url.path}).").response()
        return StripeError(exc.status_code, "invalid_request_error", str(exc.detail)).response()

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    # Search first: /v1/charges/search must not be taken for the charge with id "search".
    for module in (search, charges, refunds, disputes, balance, payouts, accounts, events, webhook_endpoints,
                   dashboard, reports, customers, payment_methods, payment_intents, tokens):
        app.include_router(module.router)
    return app


def with_fast_refusals(app: FastAPI, settings: Settings) -> FastRefusals:
    """The app behind its outermost layer (gateway/refusals.py): what uvicorn serves."""
    return FastRefusals(app, TokenBuckets(settings.gateway_rate_per_second, settings.gateway_rate_burst),
                        caller_limits(settings))


class GatewayServer(uvicorn.Server):
    """uvicorn's server, telling the app's endless streams to end when shutdown begins."""

    async def shutdown(self, sockets: Any = None) -> None:
        closing = getattr(getattr(self.config.app, "state", None), "closing", None)
        if isinstance(closing, asyncio.Event):
            closing.set()
        await super().shutdown(sockets)
