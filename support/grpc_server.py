"""Every LedgerMesh gRPC server gets the same furniture: metrics, auth, health checking, reflection."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

import grpc
from grpc_health.v1 import health, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from support.health import UNRESPONSIVE_AFTER_S, Dependency, HealthWatcher
from support.metrics import MetricsInterceptor
from support.unavailable import DependencyGuard


class HandlersByMethod(grpc.aio.ServerInterceptor):
    """The first interceptor: each method's handler is resolved through the interceptors after it once,
    at its first call, and kept. grpc.aio otherwise runs every interceptor's `intercept_service` at
    every call, each wrapping the handler anew. So an interceptor after this one decides nothing per
    call in `intercept_service` (the method name is all it may use there): what depends on the call
    (metadata, peer, a dependency being down) happens in the handler it returns, which gets the call's
    context. Interceptors added in front of the list (OpenTelemetry's, when tracing) still run per call."""

    def __init__(self) -> None:
        self._handlers: dict[str, grpc.RpcMethodHandler] = {}

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        method = handler_call_details.method
        handler = self._handlers.get(method)
        if handler is None:
            handler = await continuation(handler_call_details)
            # An unknown method (None) is not kept: any name a client sends would grow the dict.
            if handler is not None:
                self._handlers[method] = handler
        return handler


def build_server(
    interceptors: Sequence[grpc.aio.ServerInterceptor],
    register: Callable[[grpc.aio.Server], None],
    service_names: Sequence[str],
    address: str,
) -> tuple[grpc.aio.Server, health.aio.HealthServicer, int]:
    """Create a server with the services that `register` adds, plus health and reflection.
    Returns (server, health servicer, bound port)."""
    server = grpc.aio.server(interceptors=[HandlersByMethod(), MetricsInterceptor(), *interceptors])
    register(server)
    health_servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    reflection.enable_server_reflection(
        (*service_names, health.SERVICE_NAME, reflection.SERVICE_NAME), server
    )
    port = server.add_insecure_port(address)
    if port == 0:
        raise OSError(f"cannot bind gRPC server to {address}")
    return server, health_servicer, port


@dataclass
class RunningGrpcServer:
    """A started server, and the watcher that keeps its health status true to its dependencies."""

    server: grpc.aio.Server
    port: int
    health: HealthWatcher
    grace_s: float
    # What the servicers hold open beyond the server (closed after it stopped, last added first).
    closers: list[Callable[[], Awaitable[None]]] = field(default_factory=list)

    async def stop(self) -> None:
        await self.health.stop()
        await self.server.stop(grace=self.grace_s)
        for close in reversed(self.closers):
            await close()


async def start_server(
    interceptors: Sequence[grpc.aio.ServerInterceptor],
    register: Callable[[grpc.aio.Server], None],
    service_names: Sequence[str],
    address: str,
    dependencies: Sequence[Dependency],
    *,
    grace_s: float,
    unresponsive_after_s: float = UNRESPONSIVE_AFTER_S,
) -> RunningGrpcServer:
    """build_server, started, SERVING only while every dependency answers; `stop` waits up to
    `grace_s` for calls in flight. Calls fail fast with UNAVAILABLE while a required dependency is
    down (failed, or silent for `unresponsive_after_s`), and a dependency's failure inside a call is
    answered UNAVAILABLE (support/unavailable.py)."""
    guard = DependencyGuard({d.name for d in dependencies if d.required})
    server, health_servicer, port = build_server([guard, *interceptors], register, service_names, address)
    watcher = HealthWatcher(health_servicer, service_names, dependencies, unresponsive_after=unresponsive_after_s)
    guard.watch(watcher.required_down)
    await server.start()
    await watcher.start()
    return RunningGrpcServer(server, port, watcher, grace_s)
