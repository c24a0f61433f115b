"""The embedded default: REST CreateCharge on the stack as `ledgermesh up` (and so `make run`) runs it,
a supervisor with one child process per service (composition.supervisor): 16 clients over 16 merchants for a while, then the time until every
projection's lag is back to 0."""

from __future__ import annotations

import asyncio
import collections
import time
from typing import Any

import httpx

from bench.harness import closed_loop, isolated, log, open_bench_pool, services
from bench.model import Row, RunContext, Scenario, Size, at_least, at_most
from bench.rest_client import RestClients

CLIENTS = 16
SIZES: dict[Size, dict[str, Any]] = {
    Size.FULL: {"seconds": 30.0},
    Size.QUICK: {"seconds": 30.0},
    Size.SMOKE: {"seconds": 2.0},
}
CATCH_UP_TIMEOUT_S = 120.0


async def rest_merchants(http: httpx.AsyncClient, count: int = CLIENTS) -> list[dict[str, str]]:
    """`count` merchants signed up over REST: the headers of their secret keys."""
    headers = []
    for n in range(count):
        reply = await http.post("/v1/accounts", data={"email": f"rest{n}@example.com",
                                                  "business_profile[name]": f"Shop {n}"})
        reply.raise_for_status()
        headers.append({"Authorization": f"Bearer {reply.json()['secret_key']}"})
    return headers


async def _caught_up_after(settings: Any, timeout: float) -> float:
    """Seconds until every projection has applied everything in the log."""
    from redis.asyncio import Redis

    from eventlog.integrity import Signer
    from eventlog.store import EventStore
    from projector.lag import lag_report

    pool = await open_bench_pool(settings)
    redis = Redis.from_url(settings.redis_url or "", decode_responses=True)
    store = EventStore(pool, Signer.generate())
    started = time.monotonic()
    try:
        while time.monotonic() - started < timeout:
            if all(p.behind == 0 for p in await lag_report(store, redis, settings.redis_prefix)):
                return time.monotonic() - started
            await asyncio.sleep(0.05)
        return float("inf")
    finally:
        await redis.aclose()
        await pool.close()


async def run(ctx: RunContext) -> dict[str, float]:
    sizes = SIZES[ctx.size]
    metrics: dict[str, float] = {}
    statuses: collections.Counter[int] = collections.Counter()
    async with isolated(ctx.servers) as isolated_settings:
        # The per-key rate limit above the offered load: limiting is a separate, configurable concern.
        settings = isolated_settings.with_(gateway_rate_per_second=100_000.0, gateway_rate_burst=100_000,
                                              account_reads_per_second=0.0, account_writes_per_second=0.0)
        async with services(settings, "all") as started:
            target = started["all"].target
            async with httpx.AsyncClient(base_url=f"http://{target}", timeout=30) as http:
                merchants = await rest_merchants(http)
            host, _, port = target.rpartition(":")
            # The load on lean keep-alive connections: httpx cost the bench process more CPU per charge
            # than the gateway spent serving it, on the same two cores (bench/rest_client.py).
            async with RestClients(host, int(port), CLIENTS) as clients:

                async def op(n: int) -> None:
                    reply = await clients.post("/v1/charges", headers=merchants[n % CLIENTS], data={
                        "amount": str(1_000 + n % 4_000), "currency": "usd", "source": "tok_visa",
                        "description": f"bench order {n}", "metadata[order_id]": f"o-{n}"})
                    if reply.status_code != 200:
                        statuses[reply.status_code] += 1
                        raise RuntimeError(f"HTTP {reply.status_code}: {reply.text[:200]}")

                result = await closed_loop(op, clients=CLIENTS, ops=10**9, max_seconds=sizes["seconds"],
                                           warmup=CLIENTS)
                metrics.update(result.metrics("rest"))
                log(f"  REST CreateCharge on `ledgermesh up`: {result.throughput:.0f}/s, {result.errors} errors")
                metrics["catch_up_s"] = await _caught_up_after(settings, CATCH_UP_TIMEOUT_S)
                log(f"  every projection caught up {metrics['catch_up_s']:.2f} s after the load stopped")
    metrics["_notes"] = [  # type: ignore[assignment]
        f"As `ledgermesh up` runs it: a supervisor (reconciliation) and one child process each for the command "
        f"service with its relay, the query service, the projector and the gateway; {CLIENTS} keep-alive clients in the bench process "
        f"(bench/rest_client.py), each on its "
        f"own merchant, POST /v1/charges (tok_visa) for {sizes['seconds']:g} s; per-key rate limit above the load. "
        "Catch-up = load stopped -> every projection's checkpoint at the log's head (projector.lag.lag_report).",
        "failed calls by HTTP status: {" + ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items())) + "}",
    ]
    return metrics


ROWS = (
    Row("rest_per_s", "REST CreateCharge/s sustained, 16 clients over 16 merchants, `ledgermesh up`", "/s",
        goal=at_least(200, "/s")),
    Row("rest_p50_ms", "REST CreateCharge p50", "ms"),
    Row("rest_p99_ms", "REST CreateCharge p99", "ms"),
    Row("rest_errors", "failed REST calls", "calls", goal=at_most(0, "calls")),
    Row("catch_up_s", "load stopped -> every projection's lag back to 0", "s", goal=at_most(2, "s")),
)

SCENARIO = Scenario("embedded_rest", "REST on the all-in-one stack", ROWS, run, budget_s=300.0)
