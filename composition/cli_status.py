"""`ledgermesh status`: is each part of the running stack healthy? Exit code 1 if any is not."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import grpc
import httpx
from grpc_health.v1 import health_pb2, health_pb2_grpc

from composition.devstack import (
    PROBE_TIMEOUT_S,
    client_host,
    probe_nats,
    probe_postgres,
    probe_redis,
    redact,
    settings_from_stack_file,
)
from composition.subcommand import Subcommand
from support.settings import Settings


@dataclass(frozen=True)
class Health:
    part: str
    where: str
    healthy: bool
    detail: str


async def grpc_health(target: str, timeout_s: float) -> str:
    """Standard gRPC health checking of the whole server (service "")."""
    async with grpc.aio.insecure_channel(target) as channel:
        try:
            response = await health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(service=""), timeout=timeout_s
            )
        except grpc.aio.AioRpcError as exc:
            raise RuntimeError(f"{exc.code().name}: {exc.details()}") from exc
    status = str(health_pb2.HealthCheckResponse.ServingStatus.Name(response.status))
    if response.status != health_pb2.HealthCheckResponse.SERVING:
        raise RuntimeError(status)
    return status


async def http_health(url: str, timeout_s: float) -> str:
    async with httpx.AsyncClient(timeout=timeout_s) as client:
        response = await client.get(url)
    if response.status_code != 200:
        raise RuntimeError(f"HTTP {response.status_code}")
    return f"HTTP {response.status_code}"


async def _check(
    part: str, where: str | None, probe: Callable[[str, float], Awaitable[str]], timeout_s: float
) -> Health:
    if where is None:
        return Health(part, "-", False, "no URL in the environment nor a stack.json: is `ledgermesh up` running?")
    try:
        detail = await asyncio.wait_for(probe(where, timeout_s), timeout_s + 0.5)
    except TimeoutError:
        return Health(part, redact(where), False, f"no answer within {timeout_s:g} s")
    except Exception as exc:  # noqa: BLE001 - whatever the failure, the part is down; say why
        return Health(part, redact(where), False, str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
    return Health(part, redact(where), True, detail)


async def check_all(settings: Settings, timeout_s: float = PROBE_TIMEOUT_S) -> list[Health]:
    host = client_host(settings.host)
    checks = [
        _check("PostgreSQL", settings.database_url, probe_postgres, timeout_s),
        _check("NATS JetStream", settings.nats_url, probe_nats, timeout_s),
        _check("Redis", settings.redis_url, probe_redis, timeout_s),
        _check("command gRPC", f"{host}:{settings.command_port}", grpc_health, timeout_s),
        _check("query gRPC", f"{host}:{settings.query_port}", grpc_health, timeout_s),
        _check("gateway HTTP", f"http://{host}:{settings.gateway_port}/healthz", http_health, timeout_s),
    ]
    return list(await asyncio.gather(*checks))


def _configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--timeout", type=float, default=PROBE_TIMEOUT_S, help="seconds to wait for each part")


def run(args: argparse.Namespace) -> int:
    settings = settings_from_stack_file(Settings.from_env())
    results = asyncio.run(check_all(settings, args.timeout))
    width = max(len(result.part) for result in results)
    for result in results:
        mark = "up  " if result.healthy else "DOWN"
        print(f"{mark}  {result.part:<{width}}  {result.where}  ({result.detail})")
    return 0 if all(result.healthy for result in results) else 1


COMMAND = Subcommand(run=run, configure=_configure)
