"""One busy merchant: 32 concurrent clients charging one merchant (every capture posts to its one ledger
stream), next to the same load spread over 32 merchants, through gRPC CreateCharge (tok_visa). Every
failed call is counted by its status, and every acknowledged charge must be in the log and in the read
model afterwards."""

from __future__ import annotations

import asyncio
import collections
import time
from typing import Any

import grpc

from bench.harness import (
    Merchant,
    charge_request,
    closed_loop,
    create_merchants,
    isolated,
    log,
    open_bench_pool,
    services,
)
from bench.model import Row, RunContext, Scenario, Size, at_most, ratio_at_least

CLIENTS = 32
SIZES: dict[Size, dict[str, Any]] = {
    Size.FULL: {"charges": 2000, "max_s": 60.0},
    Size.QUICK: {"charges": 2000, "max_s": 40.0},
    Size.SMOKE: {"charges": 64, "max_s": 10.0},
}
# How long the read model may take to show every acknowledged charge once the load stops.
READ_MODEL_TIMEOUT_S = 90.0


async def _load(stub: Any, merchants: list[Merchant], charges: int, max_s: float, prefix: str,
                metrics: dict[str, float], statuses: collections.Counter[str]) -> list[str]:
    """`charges` charges from CLIENTS clients, client i on merchants[i % len(merchants)]: the ids of
    the charges answered as captured. A charge answered but not captured (declined) is counted apart:
    a tok_visa charge has no reason to be declined."""
    acknowledged: list[str] = []
    declined = 0

    async def op(n: int) -> None:
        nonlocal declined
        merchant = merchants[n % CLIENTS % len(merchants)]
        try:
            reply = await stub.CreateCharge(charge_request(n), metadata=merchant.metadata)
        except grpc.aio.AioRpcError as error:
            statuses[error.code().name] += 1
            raise
        if reply.charge.captured:
            acknowledged.append(reply.charge.id)
        else:
            declined += 1

    result = await closed_loop(op, clients=CLIENTS, ops=charges, max_seconds=max_s, warmup=0)
    metrics.update(result.metrics(prefix))
    metrics[f"{prefix}_declined"] = float(declined)
    log(f"  {prefix}: {result.throughput:.0f} charges/s, {result.errors} errors, {declined} declined")
    return acknowledged


async def _missing(settings: Any, charge_ids: list[str]) -> tuple[int, int]:
    """Acknowledged charges missing from the log (no PaymentCaptured), and, after waiting for the
    projector, from the read model (no charge hash at version 4)."""
    from redis.asyncio import Redis

    pool = await open_bench_pool(settings)
    try:
        async with pool.connection() as conn:
            cur = await conn.execute(
                "SELECT count(DISTINCT aggregate_id) FROM events WHERE aggregate_id = ANY(%s)"
                " AND event_type = 'PaymentCaptured'", (charge_ids,))
            row = await cur.fetchone()
        in_log = int(row[0]) if row else 0
    finally:
        await pool.close()
    redis = Redis.from_url(settings.redis_url or "", decode_responses=True)
    try:
        deadline = time.monotonic() + READ_MODEL_TIMEOUT_S
        while True:
            pipe = redis.pipeline(transaction=False)
            for charge_id in charge_ids:
                pipe.hget(f"{settings.redis_prefix}charge:{charge_id}", "version")
            versions = await pipe.execute()
            unseen = sum(1 for v in versions if v is None or int(v) < 4)
            if not unseen or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.2)
    finally:
        await redis.aclose()
    return len(charge_ids) - in_log, unseen


async def run(ctx: RunContext) -> dict[str, float]:
    from ledgermesh.payments.v1 import payment_service_pb2_grpc

    sizes = SIZES[ctx.size]
    metrics: dict[str, float] = {}
    hot_statuses: collections.Counter[str] = collections.Counter()
    spread_statuses: collections.Counter[str] = collections.Counter()
    async with isolated(ctx.servers) as settings, services(settings, "command", "projector") as started:
        channel = grpc.aio.insecure_channel(started["command"].target)
        try:
            stub = payment_service_pb2_grpc.PaymentCommandServiceStub(channel)
            merchants = await create_merchants(channel, CLIENTS + 1)
            hot = await _load(stub, merchants[:1], sizes["charges"], sizes["max_s"], "hot", metrics, hot_statuses)
            spread = await _load(stub, merchants[1:], sizes["charges"], sizes["max_s"], "spread", metrics,
                                 spread_statuses)
        finally:
            await channel.close()
        lost_log, lost_read = await _missing(settings, hot + spread)
    metrics["lost_in_log"] = float(lost_log)
    metrics["lost_in_read_model"] = float(lost_read)
    metrics["_notes"] = [  # type: ignore[assignment]
        f"{CLIENTS} clients in the bench process, {sizes['charges']} CreateCharge (tok_visa, captured) over gRPC "
        "per phase; the command service (with the relay) and the projector in their own processes. gRPC has no "
        "per-key rate limit (the gateway's is a separate, configurable concern). Lost = charges answered as "
        f"captured without PaymentCaptured in the log, or not in the read model {READ_MODEL_TIMEOUT_S:.0f} s "
        "after the load.",
        "failed calls by status: one merchant {" + ", ".join(f"{k}: {v}" for k, v in sorted(hot_statuses.items()))
        + "}, 32 merchants {" + ", ".join(f"{k}: {v}" for k, v in sorted(spread_statuses.items())) + "}",
    ]
    return metrics


ROWS = (
    Row("hot_per_s", "CreateCharge/s, one merchant, 32 clients vs the same load over 32 merchants", "/s",
        "spread_per_s", "32 merchants", ratio_at_least(0.8)),
    Row("hot_p50_ms", "CreateCharge p50, one merchant vs 32 merchants", "ms", "spread_p50_ms", "32 merchants"),
    Row("hot_p99_ms", "CreateCharge p99, one merchant vs 32 merchants", "ms", "spread_p99_ms", "32 merchants"),
    Row("hot_errors", "failed calls (any status), one merchant", "calls", goal=at_most(0, "calls")),
    Row("spread_errors", "failed calls (any status), 32 merchants", "calls", goal=at_most(0, "calls")),
    Row("hot_declined", "tok_visa charges declined, one merchant", "charges", goal=at_most(0, "charges")),
    Row("lost_in_log", "acknowledged charges missing from the log", "charges", goal=at_most(0, "charges")),
    Row("lost_in_read_model", "acknowledged charges missing from the read model", "charges",
        goal=at_most(0, "charges")),
)

SCENARIO = Scenario("hot_merchant", "one busy merchant", ROWS, run, budget_s=300.0)
