"""gRPC health follows the dependencies: NOT_SERVING while one is down, SERVING again once it is back."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Callable
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from composition import servers
from composition.servers import RunningServer
from composition.system import BACKEND, start_system
from support.settings import Settings
from tests.conftest import eventually
from tests.servers import temp_folder

SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING
PAYMENTS = "ledgermesh.payments.v1.PaymentCommandService"
QUERIES = "ledgermesh.query.v1.QueryService"

# dependency -> (how to start it on a port with its data in a folder, settings field, server that needs it)
DEPENDENCIES: dict[str, tuple[Callable[[Path, int], RunningServer], str, str]] = {
    "redis": (lambda d, p: servers.start_valkey(d, p, append_only=False), "redis_url", "query"),
    "nats": (lambda d, p: servers.start_nats(d, p), "nats_url", "command"),
    "postgresql": (lambda d, p: servers.start_postgres(d, p, database="test", durable=False), "database_url", "command"),
}


async def _status(channel: grpc.aio.Channel, service: str) -> int:
    try:
        reply = await health_pb2_grpc.HealthStub(channel).Check(
            health_pb2.HealthCheckRequest(service=service), timeout=2)
    except grpc.aio.AioRpcError as exc:
        return -exc.code().value[0]
    return int(reply.status)


@pytest.mark.parametrize("dependency", sorted(DEPENDENCIES))
async def test_health_is_not_serving_while_a_dependency_is_down_and_serving_when_it_returns(
        settings: Settings, cleanup: None, dependency: str) -> None:
    start, field, role = DEPENDENCIES[dependency]
    folder = temp_folder(f"lm-health-{dependency}-")
    server = await asyncio.to_thread(start, folder / "data", 0)
    system = None
    try:
        system = await start_system(settings.with_(**{field: server.url}), BACKEND)
        port = system.command_port if role == "command" else system.query_port
        other_port = system.query_port if role == "command" else system.command_port
        service = PAYMENTS if role == "command" else QUERIES
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel, \
                grpc.aio.insecure_channel(f"127.0.0.1:{other_port}") as other:
            assert await _status(channel, service) == SERVING
            assert await _status(channel, "") == SERVING

            await asyncio.to_thread(server.stop)

            async def down() -> bool:
                return await _status(channel, service) == NOT_SERVING and await _status(channel, "") == NOT_SERVING

            await eventually(down, timeout=10, message=f"{role} kept SERVING with {dependency} down")
            # The other server does not need this dependency and keeps serving.
            assert await _status(other, "") == SERVING

            port_before = server.port
            server = await asyncio.to_thread(start, folder / "data", port_before)
            assert server.port == port_before

            async def back() -> bool:
                return await _status(channel, service) == SERVING and await _status(channel, "") == SERVING

            await eventually(back, timeout=15, message=f"{role} did not return to SERVING after {dependency} came back")
    finally:
        if system is not None:
            await system.stop()
        await asyncio.to_thread(server.stop)
        shutil.rmtree(folder, ignore_errors=True)
