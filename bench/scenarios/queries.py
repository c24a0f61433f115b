"""Scenario 3: QueryService GetCharge and ListCharges over gRPC next to an empty gRPC call and raw
redis-py HGETALL of the same hash, and GET /v1/charges/{id} through the REST gateway (httpx)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import grpc
import httpx

from bench import baselines
from bench.harness import charge_request, closed_loop, cpu_seconds, create_merchants, isolated, log, services
from bench.model import Row, RunContext, Scenario, Size, at_most, ratio_at_least

SIZES: dict[Size, dict[str, Any]] = {
    Size.FULL: {"charges": 100, "get": 1500, "get8": 3000, "list": 400, "rest": 600, "max_s": 6.0},
    Size.QUICK: {"charges": 30, "get": 300, "get8": 600, "list": 100, "rest": 150, "max_s": 4.0},
    Size.SMOKE: {"charges": 8, "get": 30, "get8": 40, "list": 20, "rest": 20, "max_s": 4.0},
}


async def _wait_projected(redis: Any, keys: list[str], timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pipe = redis.pipeline(transaction=False)
        for k in keys:
            pipe.hget(k, "version")
        if all(v is not None and int(v) >= 4 for v in await pipe.execute()):
            return
        await asyncio.sleep(0.05)
    raise TimeoutError("charges never reached the read model")


async def _wait_projections_idle(redis: Any, prefix: str, position: int, timeout: float = 60.0) -> None:
    """Every projection's checkpoint has passed `position`: the projector no longer competes for the CPU
    with the reads being measured."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        keys = [k async for k in redis.scan_iter(match=f"{prefix}proj:*:stats", count=1000)]
        positions = [await redis.hget(k, "position") for k in keys]
        if keys and all(p is not None and int(p) >= position for p in positions):
            return
        await asyncio.sleep(0.1)
    log("  projections still behind after 60 s; measuring anyway")


async def run(ctx: RunContext) -> dict[str, float]:
    from redis.asyncio import Redis

    sizes = SIZES[ctx.size]
    max_s = sizes["max_s"]
    metrics: dict[str, float] = {}
    async with isolated(ctx.servers) as settings:
        redis = Redis.from_url(settings.redis_url or "", decode_responses=True)
        try:
            async with services(settings, "command", "projector", "query", "gateway") as started:
                command = grpc.aio.insecure_channel(started["command"].target)
                query = grpc.aio.insecure_channel(started["query"].target)
                http = httpx.AsyncClient(base_url=f"http://{started['gateway'].target}", timeout=15)
                try:
                    pids = {role: started[role].process.pid for role in ("query", "gateway")}
                    await _measure(sizes, settings, redis, command, query, http, metrics, pids)
                finally:
                    await http.aclose()
                    await command.close()
                    await query.close()
            async with baselines.empty_grpc_server(settings) as port:
                for clients, ops in ((1, sizes["get"]), (8, sizes["get8"])):
                    result = await baselines.empty_grpc_load(port, clients=clients, ops=ops, max_seconds=max_s)
                    metrics.update(result.metrics(f"grpc_c{clients}"))
        finally:
            await redis.aclose()
    metrics["_notes"] = ["command, projector, query service and gateway each in their own process, clients in "  # type: ignore[assignment]
                         "the bench process; reads hit charges of one merchant created in the run, after the "
                         "projector caught up. ListCharges returns a page of 10."]
    return metrics


async def _measure(sizes: dict[str, Any], settings: Any, redis: Any, command: Any, query: Any, http: Any,
                   metrics: dict[str, float], pids: dict[str, int]) -> None:
    from ledgermesh.payments.v1 import payment_service_pb2_grpc
    from ledgermesh.query.v1 import query_service_pb2 as q
    from ledgermesh.query.v1 import query_service_pb2_grpc

    merchant = (await create_merchants(command, 1))[0]
    pay = payment_service_pb2_grpc.PaymentCommandServiceStub(command)
    ids: list[str] = []
    gate = asyncio.Semaphore(8)

    async def create(n: int) -> None:
        async with gate:
            reply = await pay.CreateCharge(charge_request(n), metadata=merchant.metadata)
            ids.append(reply.charge.id)
            positions.append(reply.global_position)

    positions: list[int] = []
    await asyncio.gather(*(create(n) for n in range(sizes["charges"])))
    hash_keys = [f"{settings.redis_prefix}charge:{i}" for i in ids]
    await _wait_projected(redis, hash_keys)
    await _wait_projections_idle(redis, settings.redis_prefix, max(positions))
    stub = query_service_pb2_grpc.QueryServiceStub(query)
    md = merchant.metadata

    async def get_charge(n: int) -> None:
        await stub.GetCharge(q.GetChargeRequest(charge_id=ids[n % len(ids)]), metadata=md)

    async def list_charges(_n: int) -> None:
        await stub.ListCharges(q.ListChargesRequest(page=q.Page(limit=10)), metadata=md)

    async def hgetall(n: int) -> None:
        await redis.hgetall(hash_keys[n % len(hash_keys)])

    async def rest_get(n: int) -> None:
        r = await http.get(f"/v1/charges/{ids[n % len(ids)]}", headers=merchant.headers)
        if r.status_code != 200:
            raise RuntimeError(f"GET /v1/charges -> {r.status_code}: {r.text[:200]}")

    plan = [
        ("get_c1", get_charge, 1, sizes["get"]),
        ("get_c8", get_charge, 8, sizes["get8"]),
        ("list_c1", list_charges, 1, sizes["list"]),
        ("redis_c1", hgetall, 1, sizes["get"]),
        ("redis_c8", hgetall, 8, sizes["get8"]),
        ("rest_c1", rest_get, 1, sizes["rest"]),
    ]
    for name, op, clients, ops in plan:
        warmup = min(50, ops)
        cpu_before = {role: cpu_seconds(pid) for role, pid in pids.items()}
        result = await closed_loop(op, clients=clients, ops=ops, max_seconds=sizes["max_s"], warmup=warmup)
        metrics.update(result.metrics(name))
        calls = result.completed + result.errors + warmup
        for role, pid in pids.items():
            metrics[f"{name}_{role}_cpu_ms"] = 1000 * (cpu_seconds(pid) - cpu_before[role]) / calls
        log(f"  {name}: {result.throughput:.0f}/s, p99 {metrics[name + '_p99_ms']:.2f} ms")


ROWS = (
    Row("get_c1_p50_ms", "GetCharge p50, 1 client vs empty gRPC", "ms", "grpc_c1_p50_ms", "empty gRPC"),
    Row("get_c1_p99_ms", "GetCharge p99, 1 client vs empty gRPC", "ms", "grpc_c1_p99_ms", "empty gRPC",
        at_most(2, "ms")),
    Row("get_c1_p99_ms", "GetCharge p99, 1 client vs raw HGETALL", "ms", "redis_c1_p99_ms", "redis-py HGETALL"),
    Row("get_c1_per_s", "GetCharge/s, 1 client vs empty gRPC", "/s", "grpc_c1_per_s", "empty gRPC"),
    Row("get_c8_per_s", "GetCharge/s, 8 clients vs empty gRPC", "/s", "grpc_c8_per_s", "empty gRPC"),
    Row("get_c8_per_s", "GetCharge/s, 8 clients vs raw HGETALL", "/s", "redis_c8_per_s", "redis-py HGETALL",
        ratio_at_least(0.7)),
    Row("list_c1_p50_ms", "ListCharges(10) p50, 1 client", "ms", "grpc_c1_p50_ms", "empty gRPC", at_most(3, "ms")),
    Row("list_c1_p99_ms", "ListCharges(10) p99, 1 client", "ms", "grpc_c1_p99_ms", "empty gRPC"),
    Row("list_c1_per_s", "ListCharges(10)/s, 1 client", "/s", "grpc_c1_per_s", "empty gRPC"),
    Row("rest_c1_p50_ms", "REST GET /v1/charges/{id} p50", "ms", "get_c1_p50_ms", "gRPC GetCharge"),
    Row("rest_c1_p99_ms", "REST GET /v1/charges/{id} p99", "ms", "get_c1_p99_ms", "gRPC GetCharge",
        at_most(5, "ms")),
    Row("get_c8_query_cpu_ms", "query service CPU per GetCharge, 8 clients", "ms"),
    Row("list_c1_query_cpu_ms", "query service CPU per ListCharges(10)", "ms"),
    Row("rest_c1_gateway_cpu_ms", "gateway CPU per REST GET /v1/charges/{id}", "ms"),
    Row("rest_c1_query_cpu_ms", "query service CPU per REST GET /v1/charges/{id}", "ms"),
)

SCENARIO = Scenario("queries", "query latency and throughput", ROWS, run, budget_s=150.0)
