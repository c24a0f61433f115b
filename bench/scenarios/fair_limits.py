"""One merchant's flood must not slow another (issue 15): the gateway's per-key concurrency and rate
limits in front of the per-account limits after authentication, on the all-in-one stack. Merchant B reads at a steady 20/s alone (quiet), then while
merchant A floods GET /v1/charges from 16 clients far past its 100 reads/s; A gets 429s, B's p50 must
stay within 2x of its quiet p50. A random-key flood from one address is limited too."""

from __future__ import annotations

import asyncio
import collections
import json
import statistics
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

from bench.harness import cpu_seconds, isolated, log, services
from bench.model import Row, RunContext, Scenario, Size, at_least, at_most

FLOOD_CLIENTS = 16
IDLE_SECONDS = 2.0
CALM_RATE_PER_S = 20.0
SIZES: dict[Size, dict[str, Any]] = {
    Size.FULL: {"seconds": 10.0},
    Size.QUICK: {"seconds": 5.0},
    Size.SMOKE: {"seconds": 1.5},
}


async def _merchant(http: httpx.AsyncClient, n: int) -> dict[str, str]:
    reply = await http.post("/v1/accounts", data={"email": f"fair{n}@example.com", "business_profile[name]": f"Fair {n}"})
    reply.raise_for_status()
    return {"Authorization": f"Bearer {reply.json()['secret_key']}"}


async def _calm(http: httpx.AsyncClient, headers: dict[str, str],
                seconds: float) -> tuple[list[float], collections.Counter[int]]:
    """Paced reads, one at a time, CALM_RATE_PER_S at most (a late reply delays the next call rather than
    making it catch up in a burst, which could outrun the account's own rate): latencies in ms, and the
    statuses of those not 200."""
    latencies: list[float] = []
    failed: collections.Counter[int] = collections.Counter()
    start = due = time.perf_counter()
    while time.perf_counter() - start < seconds:
        began = time.perf_counter()
        reply = await http.get("/v1/charges", headers=headers)
        if reply.status_code == 200:
            latencies.append((time.perf_counter() - began) * 1000)
        else:
            failed[reply.status_code] += 1
        due = max(due + 1 / CALM_RATE_PER_S, time.perf_counter())
        await asyncio.sleep(due - time.perf_counter())
    return latencies, failed


# Stripe's live-mode default, then its test-mode rate (docs: 25 read + 25 write per second in test mode).
LIMITS = (100, 25)


async def _measure(ctx: RunContext, limit: int, seconds: float) -> dict[str, float]:
    metrics: dict[str, float] = {}
    async with isolated(ctx.servers) as isolated_settings:
        settings = isolated_settings.with_(account_reads_per_second=float(limit),
                                           account_writes_per_second=float(limit))
        async with services(settings, "all") as started:
            async with httpx.AsyncClient(base_url=f"http://{started['all'].target}", timeout=30) as http:
                flooder, calm = await _merchant(http, 0), await _merchant(http, 1)
                await _calm(http, calm, 1.0)  # warm-up
                pid = started["all"].process.pid
                # What the process spends with no request at all (relay, projector, health probes).
                cpu, began = cpu_seconds(pid), time.perf_counter()
                await asyncio.sleep(IDLE_SECONDS)
                idle_per_s = (cpu_seconds(pid) - cpu) / (time.perf_counter() - began)
                cpu, began = cpu_seconds(pid), time.perf_counter()
                quiet, quiet_failed = await _calm(http, calm, seconds)
                quiet_cpu = cpu_seconds(pid) - cpu - idle_per_s * (time.perf_counter() - began)

                # The flood runs in a process of its own (bench/flood_worker.py): its client-side work must
                # not delay the calm merchant's requests in this event loop.
                base_url = f"http://{started['all'].target}"
                flood = await asyncio.create_subprocess_exec(
                    sys.executable, "-m", "bench.flood_worker", base_url, flooder["Authorization"],
                    str(seconds + 1.0), str(FLOOD_CLIENTS), stdout=asyncio.subprocess.PIPE,
                    cwd=str(Path(__file__).resolve().parents[2]))
                cpu, began = cpu_seconds(pid), time.perf_counter()
                await asyncio.sleep(0.5)
                loaded, loaded_failed = await _calm(http, calm, seconds)
                out, _ = await flood.communicate()
                flood_cpu = cpu_seconds(pid) - cpu - idle_per_s * (time.perf_counter() - began)
                statuses = collections.Counter({int(k): v for k, v in json.loads(out or b"{}").items()})

                random_keys: collections.Counter[int] = collections.Counter()
                if limit == LIMITS[0]:
                    for _ in range(200):
                        guess = {"Authorization": f"Bearer sk_test_{uuid.uuid4().hex}"}
                        random_keys[(await http.get("/v1/charges", headers=guess)).status_code] += 1
    tag = f"_{limit}"
    metrics["quiet_p50_ms" + tag] = statistics.median(quiet)
    metrics["loaded_p50_ms" + tag] = statistics.median(loaded)
    metrics["p50_ratio" + tag] = metrics["loaded_p50_ms" + tag] / metrics["quiet_p50_ms" + tag]
    calm_failed = quiet_failed + loaded_failed
    metrics["calm_refused" + tag] = float(calm_failed[429])
    # Anything else (503 while a dependency's health probe lags on a busy machine) is not a refusal.
    metrics["calm_failed" + tag] = float(calm_failed.total() - calm_failed[429])
    flood_total = sum(statuses.values())
    metrics["flood_429_share" + tag] = statuses[429] / flood_total if flood_total else 0.0
    metrics["flood_ok_per_s" + tag] = statuses[200] / (seconds + 1.0)
    # CPU of the serving process per served GET beyond its idle work (the quiet phase has nothing else).
    per_get = quiet_cpu / max(1, len(quiet) + quiet_failed.total())
    metrics["cpu_ms_per_get" + tag] = per_get * 1000
    if random_keys:
        metrics["random_key_429_share"] = random_keys[429] / sum(random_keys.values())
    log(f"  limit {limit}/s: calm merchant p50 {metrics['quiet_p50_ms' + tag]:.1f} ms quiet, "
        f"{metrics['loaded_p50_ms' + tag]:.1f} ms during the flood ({metrics['p50_ratio' + tag]:.2f}x), "
        f"not 200: {dict(calm_failed)}; "
        f"flood {dict(statuses)}; random keys {dict(random_keys)}; server CPU beyond idle ({idle_per_s:.2f} s/s) {quiet_cpu:.2f} s quiet, "
        f"{flood_cpu:.2f} s during the flood ({per_get * 1000:.2f} ms per served GET)")
    return metrics


async def run(ctx: RunContext) -> dict[str, float]:
    seconds = SIZES[ctx.size]["seconds"]
    metrics: dict[str, float] = {}
    for limit in LIMITS:
        metrics.update(await _measure(ctx, limit, seconds))
    metrics["_notes"] = [  # type: ignore[assignment]
        f"All-in-one process (as `ledgermesh up`), per-account limits {LIMITS[0]} read + {LIMITS[0]} write /s "
        f"(Stripe's live-mode default), then {LIMITS[1]} (Stripe's test-mode rate). Merchant B: GET /v1/charges "
        f"paced at {CALM_RATE_PER_S:g}/s for {seconds:g} s alone, then again while merchant A floods "
        f"GET /v1/charges from {FLOOD_CLIENTS} closed-loop clients in another process. Then 200 GETs with random keys from one "
        "address (limited per address after failed authentication). The gateway's defaults apply: per key 2 requests "
        "in progress, the rest waiting for their own key's turn (32 at most, then 429), one at a time and behind "
        "other keys' requests, and the account's rates mirrored before routing. Server CPU is the all-in-one process's user + "
        "system time beyond what it spends idle, per served GET in the quiet phase.",
    ]
    return metrics


ROWS = (
    Row("quiet_p50_ms_100", "calm merchant GET p50, alone (limits 100/s)", "ms"),
    Row("loaded_p50_ms_100", "calm merchant GET p50 while another floods (limits 100/s)", "ms"),
    Row("p50_ratio_100", "calm p50 during the flood / alone, limits 100/s", "x", goal=at_most(2.0, "x")),
    # How many the flooder gets refused depends on how fast its own process can send: no goal.
    Row("flood_429_share_100", "share of the flooder's calls answered 429 (limits 100/s)", ""),
    Row("flood_ok_per_s_100", "flooder's calls served per second (limits 100/s)", "/s"),
    Row("cpu_ms_per_get_100", "server CPU per served GET, quiet (limits 100/s)", "ms"),
    Row("quiet_p50_ms_25", "calm merchant GET p50, alone (test-mode limits 25/s)", "ms"),
    Row("loaded_p50_ms_25", "calm merchant GET p50 while another floods (limits 25/s)", "ms"),
    Row("p50_ratio_25", "calm p50 during the flood / alone, limits 25/s", "x", goal=at_most(2.0, "x")),
    Row("flood_429_share_25", "share of the flooder's calls answered 429 (limits 25/s)", ""),
    Row("flood_ok_per_s_25", "flooder's calls served per second (limits 25/s)", "/s"),
    Row("calm_refused_100", "calm merchant calls refused 429 (limits 100/s)", "calls", goal=at_most(0, "calls")),
    Row("calm_refused_25", "calm merchant calls refused 429 (limits 25/s)", "calls", goal=at_most(0, "calls")),
    Row("calm_failed_100", "calm merchant calls failed otherwise (limits 100/s)", "calls"),
    Row("calm_failed_25", "calm merchant calls failed otherwise (limits 25/s)", "calls"),
    Row("random_key_429_share", "share of 200 random-key calls answered 429", "", goal=at_least(0.5, "")),
)

SCENARIO = Scenario("fair_limits", "per-account rate limits: one merchant's flood, another's latency", ROWS, run,
                    budget_s=180.0)
