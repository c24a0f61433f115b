"""Every LedgerMesh gRPC server gets the same furniture: metrics, auth, health checking, reflection."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from support.metrics import MetricsInterceptor


def build_server(
    interceptors: Sequence[grpc.aio.ServerInterceptor],
    register: Callable[[grpc.aio.Server], None],
    service_names: Sequence[str],
    address: str,
) -> tuple[grpc.aio.Server, health.aio.HealthServicer, int]:
    """Create a server with the services that `register` adds, plus health and reflection.
    Returns (server, health servicer, bound port)."""
    server = grpc.aio.server(interceptors=[MetricsInterceptor(), *interceptors])
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


async def set_serving(health_servicer: health.aio.HealthServicer, names: Sequence[str], serving: bool) -> None:
    status = health_pb2.HealthCheckResponse.SERVING if serving else health_pb2.HealthCheckResponse.NOT_SERVING
    for name in ("", *names):
        await health_servicer.set(name, status)
