"""Composition root of the query service."""

from __future__ import annotations

from dataclasses import dataclass

import grpc
from ledgermesh.query.v1 import query_service_pb2, query_service_pb2_grpc
from redis.asyncio import Redis

from composition.app import Infrastructure
from query_svc.adapters.read_models import ReadModels
from query_svc.api.servicer import QueryServicer
from support.auth import AuthInterceptor, CachedResolver
from support.grpc_server import build_server
from support.health import HealthWatcher
from support.health import redis as redis_dependency

SERVICE_NAME = query_service_pb2.DESCRIPTOR.services_by_name["QueryService"].full_name


class RedisKeyResolver:
    """API keys as the accounts projection wrote them. A key issued a moment ago may not be projected
    yet, so a miss waits (bounded) before it is refused."""

    def __init__(self, read_models: ReadModels) -> None:
        self._rm = read_models

    async def account_for(self, key_hash: str) -> str | None:
        key = self._rm.keys.api_key(key_hash)
        found: str | None = None

        async def probe() -> bool:
            nonlocal found
            value = await self._rm.redis.get(key)
            found = None if value is None else str(value)
            return found is not None

        await self._rm.wait_until(probe)
        return found


@dataclass
class RunningQueryServer:
    server: grpc.aio.Server
    port: int
    health: HealthWatcher

    async def stop(self) -> None:
        await self.health.stop()
        await self.server.stop(grace=1.0)


async def start_query_server(infra: Infrastructure, redis: Redis | None = None) -> RunningQueryServer:
    s = infra.settings
    read_models = ReadModels(redis or infra.redis, s.redis_prefix, s.read_your_writes_timeout_ms)
    servicer = QueryServicer(read_models)
    server, health, port = build_server(
        [AuthInterceptor(CachedResolver(RedisKeyResolver(read_models)))],
        lambda srv: query_service_pb2_grpc.add_QueryServiceServicer_to_server(servicer, srv),
        [SERVICE_NAME],
        f"{s.host}:{s.query_port}",
    )
    await server.start()
    watcher = await HealthWatcher(health, [SERVICE_NAME], [redis_dependency(read_models.redis)]).start()
    return RunningQueryServer(server, port, watcher)
