"""Scenario 6: CreateCharge throughput with 1 and with 2 command-service processes sharing one
PostgreSQL schema and JetStream stream; the clients (one process) spread over the servers.

Both configurations run the command servers as their own processes (so neither shares its interpreter
with the load generator), each in a fresh schema; the first runs the relay. No projector runs here:
the command side alone is scaled. Then two processes again, every client charging the SAME merchant (one
ledger stream written from both processes): every conflict must be decided again, never answered as an
error."""

from __future__ import annotations

import collections
import os
from typing import Any

import grpc

from bench.harness import charge_request, closed_loop, create_merchants, isolated, log, merchants_needed, services
from bench.model import Row, RunContext, Scenario, Size, at_most, ratio_at_least

SIZES: dict[Size, dict[str, Any]] = {
    Size.FULL: {"clients": 32, "ops": 1500, "max_s": 8.0},
    Size.QUICK: {"clients": 16, "ops": 150, "max_s": 5.0},
    Size.SMOKE: {"clients": 8, "ops": 24, "max_s": 5.0},
}


async def measure(ctx: RunContext, processes: int, sizes: dict[str, Any], *, one_merchant: bool = False,
                  statuses: collections.Counter[str] | None = None) -> dict[str, float]:
    async with isolated(ctx.servers) as settings:
        if one_merchant:
            # The per-account write limit above the offered load: limiting is a separate concern.
            settings = settings.with_(account_writes_per_second=0.0, account_reads_per_second=0.0)
        async with services(settings, *["command"] * processes) as started:
            channels = [grpc.aio.insecure_channel(p.target) for p in started.values()]
            try:
                return await _load(channels, processes, sizes, one_merchant, statuses)
            finally:
                for c in channels:
                    await c.close()


async def _load(channels: list[Any], processes: int, sizes: dict[str, Any], one_merchant: bool,
                statuses: collections.Counter[str] | None) -> dict[str, float]:
    from ledgermesh.payments.v1 import payment_service_pb2_grpc

    stubs = [payment_service_pb2_grpc.PaymentCommandServiceStub(c) for c in channels]
    merchants = await create_merchants(
        channels[0], 1 if one_merchant else merchants_needed(sizes["clients"], sizes["ops"] + 100))

    async def op(n: int) -> None:
        try:
            await stubs[n % len(stubs)].CreateCharge(charge_request(n), metadata=merchants[n % len(merchants)].metadata)
        except grpc.aio.AioRpcError as exc:
            if statuses is not None:
                statuses[exc.code().name] += 1
            raise

    result = await closed_loop(op, clients=sizes["clients"], ops=sizes["ops"], max_seconds=sizes["max_s"],
                               warmup=sizes["clients"] * 2)
    tag = f"p{processes}" + ("_one_merchant" if one_merchant else "")
    log(f"  {processes} command process(es), {sizes['clients']} clients"
        f"{' on one merchant' if one_merchant else ''}: {result.throughput:.0f}/s, {result.errors} errors")
    return result.metrics(tag)


async def run(ctx: RunContext) -> dict[str, float]:
    sizes = SIZES[ctx.size]
    metrics: dict[str, float] = {}
    for processes in (1, 2):
        metrics.update(await measure(ctx, processes, sizes))
    metrics["scaling"] = metrics["p2_per_s"] / metrics["p1_per_s"] if metrics["p1_per_s"] else float("nan")
    statuses: collections.Counter[str] = collections.Counter()
    metrics.update(await measure(ctx, 2, sizes, one_merchant=True, statuses=statuses))
    metrics["_notes"] = [  # type: ignore[assignment]
        f"{sizes['clients']} concurrent clients in the bench process, round-robin over the servers; "
        f"{os.cpu_count()} CPUs shared by clients, servers and PostgreSQL.",
        "2 processes, one merchant: failed calls by gRPC status: {"
        + ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items())) + "}"]
    return metrics


ROWS = (
    Row("p2_per_s", "CreateCharge/s, 2 command processes vs 1", "/s", "p1_per_s", "1 process", ratio_at_least(1.6)),
    Row("p1_p99_ms", "CreateCharge p99, 1 process", "ms"),
    Row("p2_p99_ms", "CreateCharge p99, 2 processes", "ms"),
    Row("p2_one_merchant_per_s", "CreateCharge/s, 2 command processes, every client on ONE merchant", "/s"),
    Row("p2_one_merchant_errors", "failed calls, 2 command processes on one merchant", "calls",
        goal=at_most(0, "calls")),
)

SCENARIO = Scenario("scale", "command throughput with 1 and 2 processes", ROWS, run, budget_s=220.0)
