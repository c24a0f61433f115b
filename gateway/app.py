"""The gateway: Stripe-shaped REST in, gRPC out. No business rules here."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import uvicorn
from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from ledgermesh.query.v1 import query_service_pb2 as q
from starlette.exceptions import HTTPException as StarletteHTTPException

from gateway.errors import StripeError
from gateway.frame import StripeFrame
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
from gateway.routes.common import backends, call
from gateway.sessions import Sessions
from support.settings import Settings


async def operator_only(request: Request) -> Response | None:
    """The platform's figures are the operator's: a scrape of the public port's /metrics needs the
    operator key, checked by the query service's own rule for platform-wide status."""
    try:
        await call(request, backends(request).query.GetProjectionStatus, q.GetProjectionStatusRequest(), timeout=2)
    except StripeError as exc:
        return exc.response()
    return None


def create_app(command_target: str, query_target: str, settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.backends = Backends.connect(command_target, query_target)
        try:
            yield
        finally:
            await app.state.backends.close()

    # FastAPI's own telemetry is off: with an SDK tracer provider installed (every LedgerMesh process
    # has one) it made a span per request and per operation even when nothing is sampled. When this
    # process traces, opentelemetry-instrumentation-fastapi does (support/telemetry.instrument_gateway).
    app = FastAPI(title="LedgerMesh API", version="2024-06-20", lifespan=lifespan,
                  telemetry={"tracing": False, "metrics": False, "logs": False, "operation_spans": False},
                  description="Stripe-compatible REST over LedgerMesh's gRPC services. Authenticate with "
                              "`Authorization: Bearer sk_test_...`; the platform adds `Stripe-Account: acct_...` "
                              "to act on an account. The dashboard page signs in to a session cookie.")
    app.state.settings = settings
    app.state.sessions = Sessions()
    # Set when the server shuts down: endless responses (the dashboard's event stream) end on it, since
    # uvicorn waits for every open response before it stops.
    app.state.closing = asyncio.Event()

    app.add_middleware(StripeFrame, max_body_bytes=settings.gateway_max_body_bytes)

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
    # The routes are the app's own, as `@app.get` would make them: `include_router` (no prefix, tags or
    # dependencies of its own here) keeps each router behind a layer that re-matches and re-dispatches
    # every request through it (FastAPI 0.16x), a cost per request for nothing.
    for module in (search, charges, refunds, disputes, balance, payouts, accounts, events, webhook_endpoints,
                   dashboard, reports, customers, payment_methods, payment_intents, tokens):
        app.router.routes.extend(module.router.routes)
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
