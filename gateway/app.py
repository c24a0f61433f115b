"""The gateway: Stripe-shaped REST in, gRPC out. No business rules here."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from gateway.grpc_clients import Backends
from gateway.routes import charges
from gateway.routes.common import new_request_id
from gateway.stripe_shapes.errors import StripeError
from runtime.settings import Settings


def create_app(command_target: str, query_target: str, settings: Settings | None = None) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.backends = Backends.connect(command_target, query_target)
        try:
            yield
        finally:
            await app.state.backends.close()

    app = FastAPI(title="LedgerMesh API", version="2024-06-20", lifespan=lifespan,
                  description="Stripe-compatible REST over LedgerMesh's gRPC services.")

    @app.middleware("http")
    async def request_id(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        request.state.request_id = new_request_id()
        try:
            response = await call_next(request)
        except StripeError as exc:
            response = exc.response()
        response.headers["Request-Id"] = request.state.request_id
        return response

    @app.exception_handler(StripeError)
    async def stripe_error(request: Request, exc: StripeError) -> JSONResponse:
        return exc.response()

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        return StripeError(400, "invalid_request_error", str(exc.errors()[0].get("msg", "Invalid request"))).response()

    @app.exception_handler(404)
    async def not_found(request: Request, exc: Exception) -> JSONResponse:
        return StripeError(404, "invalid_request_error",
                           f"Unrecognized request URL ({request.method}: {request.url.path}).").response()

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    app.include_router(charges.router)
    return app
