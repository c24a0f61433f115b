"""Dependencies down = fast, clean, retryable errors, at every gRPC server's boundary.

A servicer that meets PostgreSQL, Redis or NATS unreachable raises the driver's exception; the
`DependencyGuard` interceptor turns it into UNAVAILABLE with an ErrorInfo (reason
DEPENDENCY_UNAVAILABLE, the dependency's name and a retry delay) and a message that names no driver
class and quotes no database. While the server's health watcher knows a required dependency is down,
calls are refused at once with the same status instead of waiting for a pool or socket timeout. Any
other unexpected exception is logged here and answered INTERNAL with a generic message."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Collection
from typing import Any

import grpc
import psycopg
import redis.exceptions
from nats import errors as nats_errors

from support.errors import status_with_reason

log = logging.getLogger(__name__)

DEPENDENCY_UNAVAILABLE = "DEPENDENCY_UNAVAILABLE"
INTERNAL_ERROR = "INTERNAL_ERROR"
RETRY_AFTER_S = 1

# Exception classes by the dependency they mean is away. psycopg's OperationalError covers a refused
# or broken connection, AdminShutdown/CrashShutdown/CannotConnectNow (class 57) and psycopg_pool's
# PoolTimeout; InterfaceError a connection already closed under us.
_UNAVAILABLE: tuple[tuple[type[BaseException], str], ...] = (
    (psycopg.OperationalError, "postgresql"),
    (psycopg.InterfaceError, "postgresql"),
    (redis.exceptions.ConnectionError, "redis"),
    (redis.exceptions.TimeoutError, "redis"),
    (redis.exceptions.BusyLoadingError, "redis"),
    (nats_errors.ConnectionClosedError, "nats"),
    (nats_errors.NoServersError, "nats"),
    (nats_errors.TimeoutError, "nats"),
    (nats_errors.StaleConnectionError, "nats"),
)


def unavailable_dependency(exc: BaseException) -> str | None:
    """The dependency whose absence `exc` reports (looking through causes), or None."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        for cls, name in _UNAVAILABLE:
            if isinstance(current, cls):
                return name
        current = current.__cause__ or current.__context__
    return None


def unavailable_status(dependency: str) -> grpc.Status:
    return status_with_reason(
        grpc.StatusCode.UNAVAILABLE, DEPENDENCY_UNAVAILABLE,
        f"A service LedgerMesh depends on ({dependency}) is unavailable; retry the request shortly.",
        {"dependency": dependency, "retry_after_s": str(RETRY_AFTER_S)},
    )


def internal_status() -> grpc.Status:
    return status_with_reason(grpc.StatusCode.INTERNAL, INTERNAL_ERROR, "An unexpected error occurred.")


def _status_for(exc: Exception, method: str) -> grpc.Status:
    dependency = unavailable_dependency(exc)
    if dependency is not None:
        log.warning("%s: %s unavailable: %s", method, dependency, exc)
        return unavailable_status(dependency)
    log.exception("%s failed unexpectedly", method)
    return internal_status()


def _guarded(handler: grpc.RpcMethodHandler, method: str,
             refusal: Callable[[], grpc.Status | None]) -> grpc.RpcMethodHandler:
    if handler.unary_unary:
        inner_uu = handler.unary_unary

        async def unary(request: Any, context: grpc.aio.ServicerContext) -> Any:
            refused = refusal()
            if refused is not None:
                await context.abort_with_status(refused)
            try:
                return await inner_uu(request, context)
            except grpc.aio.AbortError:
                raise
            except Exception as exc:
                await context.abort_with_status(_status_for(exc, method))

        return handler._replace(unary_unary=unary)
    if handler.unary_stream:
        inner_us = handler.unary_stream

        async def stream(request: Any, context: grpc.aio.ServicerContext) -> AsyncIterator[Any]:
            refused = refusal()
            if refused is not None:
                await context.abort_with_status(refused)
            try:
                async for item in inner_us(request, context):
                    yield item
            except grpc.aio.AbortError:
                raise
            except Exception as exc:
                await context.abort_with_status(_status_for(exc, method))

        return handler._replace(unary_stream=stream)
    # Client-streaming methods: none today; they would get neither the fast refusal nor the mapping.
    return handler


class DependencyGuard(grpc.aio.ServerInterceptor):
    """Outermost of a server's own interceptors (before auth, whose key lookup may need a dependency).
    `down` says which dependencies the server's health watcher last found unreachable; calls fail fast
    while one of `required` is among them. Resolved once per method (support/grpc_server.py): the
    check runs in the handler it returns, at every call."""

    def __init__(self, required: Collection[str] = ()) -> None:
        self._required = frozenset(required)
        self._down: Callable[[], Collection[str]] = frozenset

    def watch(self, down: Callable[[], Collection[str]]) -> None:
        self._down = down

    def _refusal(self) -> grpc.Status | None:
        down = self._down()
        if not down:
            return None
        required = self._required.intersection(down)
        # Refused before auth, whose key lookup would wait for the dependency.
        return unavailable_status(sorted(required)[0]) if required else None

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        method = handler_call_details.method
        if method.startswith(("/grpc.health.", "/grpc.reflection.")):
            return await continuation(handler_call_details)
        try:
            handler = await continuation(handler_call_details)
        except Exception as exc:
            # Raised while resolving the method's handler: answered like a servicer's failure.
            return grpc.unary_unary_rpc_method_handler(_abort_with(_status_for(exc, method)))
        if handler is None:
            return handler
        return _guarded(handler, method, self._refusal)


def _abort_with(status: grpc.Status) -> Callable[[Any, grpc.aio.ServicerContext], Awaitable[Any]]:
    async def refuse(request: Any, context: grpc.aio.ServicerContext) -> Any:
        await context.abort_with_status(status)

    return refuse
