"""Scenario 6: CreateCharge throughput with 1 and with 2 command-service processes sharing one
PostgreSQL schema and JetStream stream; the clients (one process) spread over the servers.

Both configurations run the command servers as their own processes (so neither shares its interpreter
with the load generator), each in a fresh schema; the first runs the relay. No projector runs here:
the command side alone is scaled."""

from __future__ import annotations

import os
from typing import Any

import grpc

from bench.harness import charge_request, closed_loop, create_merchants, isolated, log, merchants_needed, services
from bench.model import Row, RunContext, Scenario, Size, ratio_at_least

SIZES: dict[Size, dict[str, Any]] = {
    Size.FULL: {"clients": 32, "ops": 1500, "max_s": 8.0},
    Size.QUICK: {"clients": 16, "ops": 150, "max_s": 5.0},
    Size.SMOKE: {"clients": 8, "ops": 24, "max_s": 5.0},
}


async def measure(ctx: RunContext, processes: int, sizes: dict[str, Any]) -> dict[str, float]:
    async with isolated(ctx.servers) as settings:
        async with services(settings, *["command"] * processes) as started:
            channels = [grpc.aio.insecure_channel(p.target) for p in started.values()]
            try:
                return await _load(channels, processes, sizes)
            finally:
                for c in channels:
                    await c.close()


async def _load(channels: list[Any], processes: int, sizes: dict[str, Any]) -> dict[str, float]:
    from ledgermesh.payments.v1 import payment_service_pb2_grpc

    stubs = [payment_service_pb2_grpc.PaymentCommandServiceStub(c) for c in channels]
    merchants = await create_merchants(channels[0], merchants_needed(sizes["clients"], sizes["ops"] + 100))

    async def op(n: int) -> None:
        await stubs[n % len(stubs)].CreateCharge(charge_request(n), metadata=merchants[n % len(merchants)].metadata)

    result = await closed_loop(op, clients=sizes["clients"], ops=sizes["ops"], max_seconds=sizes["max_s"],
                               warmup=sizes["clients"] * 2)
    log(f"  {processes} command process(es), {sizes['clients']} clients: {result.throughput:.0f}/s")
    return result.metrics(f"p{processes}")


async def run(ctx: RunContext) -> dict[str, float]:
    sizes = SIZES[ctx.size]
    metrics: dict[str, float] = {}
    for processes in (1, 2):
        metrics.update(await measure(ctx, processes, sizes))
    metrics["scaling"] = metrics["p2_per_s"] / metrics["p1_per_s"] if metrics["p1_per_s"] else float("nan")
    metrics["_notes"] = [  # type: ignore[assignment]
        f"{sizes['clients']} concurrent clients in the bench process, round-robin over the servers; "
        f"{os.cpu_count()} CPUs shared by clients, servers and PostgreSQL."]
    return metrics


ROWS = (
    Row("p2_per_s", "CreateCharge/s, 2 command processes vs 1", "/s", "p1_per_s", "1 process", ratio_at_least(1.6)),
    Row("p1_p99_ms", "CreateCharge p99, 1 process", "ms"),
    Row("p2_p99_ms", "CreateCharge p99, 2 processes", "ms"),
)

SCENARIO = Scenario("scale", "command throughput with 1 and 2 processes", ROWS, run, budget_s=150.0)
