"""One merchant's flood must not slow another (issue 15): per-account rate limits after
authentication, on the all-in-one stack. Merchant B reads at a steady 20/s alone (quiet), then while
merchant A floods GET /v1/charges from 16 clients far past its 100 reads/s; A gets 429s, B's p50 must
stay within 2x of its quiet p50. A random-key flood from one address is limited too."""

from __future__ import annotations

import asyncio
import collections
import statistics
import time
import uuid
from typing import Any

import httpx

from bench.harness import isolated, log, services
from bench.model import Row, RunContext, Scenario, Size, at_least, at_most

FLOOD_CLIENTS = 16
CALM_RATE_PER_S = 20.0
SIZES: dict[Size, dict[str, Any]] = {
    Size.FULL: {"seconds": 10.0},
    Size.QUICK: {"seconds": 5.0},
    Size.SMOKE: {"seconds": 1.5},
}


async def _merchant(http: httpx.AsyncClient, n: int) -> dict[str, str]:
    reply = await http.post("/v1/accounts", data={"email": f"fair{n}@example.com", "business_name": f"Fair {n}"})
    reply.raise_for_status()
    return {"Authorization": f"Bearer {reply.json()['secret_key']}"}


async def _calm(http: httpx.AsyncClient, headers: dict[str, str], seconds: float) -> tuple[list[float], int]:
    """Paced reads (open loop at CALM_RATE_PER_S): latencies in ms, and how many were not 200."""
    latencies: list[float] = []
    refused = 0
    start = time.perf_counter()
    n = 0
    while time.perf_counter() - start < seconds:
        began = time.perf_counter()
        reply = await http.get("/v1/charges", headers=headers)
        if reply.status_code == 200:
            latencies.append((time.perf_counter() - began) * 1000)
        else:
            refused += 1
        n += 1
        await asyncio.sleep(max(0.0, start + n / CALM_RATE_PER_S - time.perf_counter()))
    return latencies, refused


async def _flood(http: httpx.AsyncClient, headers: dict[str, str], stop: asyncio.Event,
                 statuses: collections.Counter[int]) -> None:
    while not stop.is_set():
        statuses[(await http.get("/v1/charges", headers=headers)).status_code] += 1


async def run(ctx: RunContext) -> dict[str, float]:
    seconds = SIZES[ctx.size]["seconds"]
    metrics: dict[str, float] = {}
    async with isolated(ctx.servers) as isolated_settings:
        settings = isolated_settings.with_(account_reads_per_second=100.0, account_writes_per_second=100.0)
        async with services(settings, "all") as started:
            limits = httpx.Limits(max_connections=FLOOD_CLIENTS + 4)
            async with httpx.AsyncClient(base_url=f"http://{started['all'].target}", timeout=30,
                                         limits=limits) as http:
                flooder, calm = await _merchant(http, 0), await _merchant(http, 1)
                await _calm(http, calm, 1.0)  # warm-up
                quiet, quiet_refused = await _calm(http, calm, seconds)

                stop = asyncio.Event()
                statuses: collections.Counter[int] = collections.Counter()
                floods = [asyncio.create_task(_flood(http, flooder, stop, statuses)) for _ in range(FLOOD_CLIENTS)]
                try:
                    await asyncio.sleep(0.5)
                    loaded, loaded_refused = await _calm(http, calm, seconds)
                finally:
                    stop.set()
                    await asyncio.gather(*floods)

                random_keys: collections.Counter[int] = collections.Counter()
                for _ in range(200):
                    guess = {"Authorization": f"Bearer sk_test_{uuid.uuid4().hex}"}
                    random_keys[(await http.get("/v1/charges", headers=guess)).status_code] += 1
    metrics["quiet_p50_ms"] = statistics.median(quiet)
    metrics["loaded_p50_ms"] = statistics.median(loaded)
    metrics["p50_ratio"] = metrics["loaded_p50_ms"] / metrics["quiet_p50_ms"]
    metrics["calm_refused"] = float(quiet_refused + loaded_refused)
    flood_total = sum(statuses.values())
    metrics["flood_429_share"] = statuses[429] / flood_total if flood_total else 0.0
    metrics["flood_ok_per_s"] = statuses[200] / (seconds + 0.5)
    metrics["random_key_429_share"] = random_keys[429] / sum(random_keys.values())
    log(f"  calm merchant p50 {metrics['quiet_p50_ms']:.1f} ms quiet, {metrics['loaded_p50_ms']:.1f} ms during "
        f"the flood ({metrics['p50_ratio']:.2f}x); flood {dict(statuses)}; random keys {dict(random_keys)}")
    metrics["_notes"] = [  # type: ignore[assignment]
        f"All-in-one process (as `ledgermesh up`), per-account limits 100 read + 100 write /s. Merchant B: "
        f"GET /v1/charges paced at {CALM_RATE_PER_S:g}/s for {seconds:g} s alone, then again while merchant A "
        f"floods GET /v1/charges from {FLOOD_CLIENTS} closed-loop clients. Then 200 GETs with random keys from "
        "one address (limited per address after failed authentication).",
    ]
    return metrics


ROWS = (
    Row("quiet_p50_ms", "calm merchant GET p50, alone", "ms"),
    Row("loaded_p50_ms", "calm merchant GET p50, while another merchant floods", "ms"),
    Row("p50_ratio", "calm merchant p50 during the flood / alone", "x", goal=at_most(2.0, "x")),
    Row("calm_refused", "calm merchant calls refused", "calls", goal=at_most(0, "calls")),
    Row("flood_429_share", "share of the flooder's calls answered 429", "", goal=at_least(0.5, "")),
    Row("flood_ok_per_s", "flooder's calls served per second", "/s"),
    Row("random_key_429_share", "share of 200 random-key calls answered 429", "", goal=at_least(0.5, "")),
)

SCENARIO = Scenario("fair_limits", "per-account rate limits: one merchant's flood, another's latency", ROWS, run,
                    budget_s=120.0)
