"""Scenario 2: commit -> visible in Redis at half and at 80% of the maximum sustained command rate, and the
projection apply time alone (RedisApplier, no bus) next to raw pipelined Redis writes of the same ops.

Visibility: a poller reads each charge's hash until its version reaches 4 (captured). Lag is measured
from the hash's `created_us`, the clock reading taken just before the events' INSERT, so it also
includes the INSERT and COMMIT: an upper bound of commit -> visible by about one insert."""

from __future__ import annotations

import asyncio
import gc
import os
import time
from typing import Any

import grpc
import nats

from bench.harness import (
    charge_request,
    closed_loop,
    cpu_seconds,
    create_merchants,
    isolated,
    latency_summary,
    log,
    merchants_needed,
    open_bench_pool,
    open_loop,
    services,
)
from bench.model import Row, RunContext, Scenario, Size, at_most

CHARGE_VERSION_CAPTURED = 4
SIZES: dict[Size, dict[str, Any]] = {
    Size.FULL: {"seconds": 8.0, "calibrate_ops": 300, "apply_events": 1500, "visible_timeout": 15.0},
    Size.QUICK: {"seconds": 4.0, "calibrate_ops": 60, "apply_events": 400, "visible_timeout": 15.0},
    Size.SMOKE: {"seconds": 1.5, "calibrate_ops": 24, "apply_events": 60, "visible_timeout": 15.0},
}


class PublishWatcher:
    """A plain NATS subscriber on the event subjects (JetStream publishes reach core subscribers too):
    when each charge's captured event was published, to split commit -> visible into created ->
    published (INSERT, COMMIT, publish after commit) and published -> visible (the projector)."""

    def __init__(self) -> None:
        self.published: dict[str, float] = {}
        self._sub: Any = None

    async def start(self, nc: Any, subject_prefix: str) -> None:
        self._sub = await nc.subscribe(f"{subject_prefix}.payments.>", cb=self._on_message,
                                       pending_msgs_limit=-1, pending_bytes_limit=-1)

    async def _on_message(self, msg: Any) -> None:
        from ledgermesh.events.v1 import envelope_pb2

        envelope = envelope_pb2.EventEnvelope()
        envelope.ParseFromString(msg.data)
        if envelope.aggregate_type == "Charge" and envelope.aggregate_version == CHARGE_VERSION_CAPTURED:
            self.published.setdefault(envelope.aggregate_id, time.time())

    async def stop(self) -> None:
        if self._sub is not None:
            await self._sub.unsubscribe()


class VisibilityPoller:
    """Watches charge hashes until each is fully projected; records created -> visible, and per charge
    (created, visible) for the split against PublishWatcher."""

    def __init__(self, redis: Any, prefix: str) -> None:
        self._redis = redis
        self._prefix = prefix
        self.pending: set[str] = set()
        self.lags: list[float] = []
        self.seen: dict[str, tuple[float, float]] = {}
        self.closing = False

    def watch(self, charge_id: str) -> None:
        self.pending.add(f"{self._prefix}charge:{charge_id}")

    async def run(self, timeout_after_close: float) -> int:
        deadline: float | None = None
        while True:
            if self.closing and deadline is None:
                deadline = time.monotonic() + timeout_after_close
            if deadline is not None and (not self.pending or time.monotonic() > deadline):
                return len(self.pending)
            if self.pending:
                keys = list(self.pending)
                pipe = self._redis.pipeline(transaction=False)
                for key in keys:
                    pipe.hmget(key, "version", "created_us")
                values = await pipe.execute()
                now = time.time()
                for key, (version, created_us) in zip(keys, values, strict=True):
                    if version is not None and int(version) >= CHARGE_VERSION_CAPTURED and created_us:
                        self.lags.append(now - int(created_us) / 1e6)
                        self.seen[key.rsplit(":", 1)[1]] = (int(created_us) / 1e6, now)
                        self.pending.discard(key)
            await asyncio.sleep(0.001)


async def _max_rate(stub: Any, merchants: list[Any], ops: int) -> float:
    async def op(n: int) -> None:
        m = merchants[n % len(merchants)]
        await stub.CreateCharge(charge_request(n), metadata=m.metadata)

    result = await closed_loop(op, clients=16, ops=ops, max_seconds=6.0, warmup=16)
    return result.throughput


async def _apply_alone(settings: Any, redis: Any, limit: int, metrics: dict[str, float]) -> None:
    from bench.scenarios.projection_input import application, projected
    from eventlog.store import EventStore
    from projector.adapters.redis_apply import AllProjectionsApplier, EventWrites, RedisApplier
    from projector.projections import all_projections
    from readmodel.keys import Keys

    pool = await open_bench_pool(settings)
    try:
        events = []
        async for stored in EventStore(pool, None).iterate(batch_size=1000):  # type: ignore[arg-type]
            events.append(projected(stored))
            if len(events) >= limit:
                break
    finally:
        await pool.close()
    projections = all_projections()
    # One event through every projection, one Lua call each: what the live consumers do per event.
    prefix = f"{settings.redis_prefix}apply1:"
    keys = Keys(prefix)
    appliers = [RedisApplier(redis, prefix, p.name) for p in projections]
    latencies = []
    start = time.perf_counter()
    for event in events:
        t0 = time.perf_counter()
        for projection, applier in zip(projections, appliers, strict=True):
            await applier.apply(application(projection, event, keys, replay=True))
        latencies.append(time.perf_counter() - t0)
    elapsed = time.perf_counter() - start
    metrics.update(latency_summary("apply_one", latencies))
    metrics["apply_one_events_per_s"] = len(events) / elapsed
    # Batches of 100 per projection, pipelined (apply_many).
    prefix = f"{settings.redis_prefix}applyN:"
    keys = Keys(prefix)
    appliers = [RedisApplier(redis, prefix, p.name) for p in projections]
    start = time.perf_counter()
    for i in range(0, len(events), 100):
        chunk = events[i:i + 100]
        for projection, applier in zip(projections, appliers, strict=True):
            await applier.apply_many([application(projection, e, keys, replay=True) for e in chunk])
    metrics["apply_batched_events_per_s"] = len(events) / (time.perf_counter() - start)
    # The one-pass worker's write: batches of 100, every projection in one Lua call per batch.
    prefix = f"{settings.redis_prefix}applyAll:"
    keys = Keys(prefix)
    one_pass = AllProjectionsApplier(redis, prefix, [p.name for p in projections])
    start = time.perf_counter()
    for i in range(0, len(events), 100):
        now_ms = int(time.time() * 1000)
        await one_pass.apply([
            EventWrites(e.aggregate_id, e.aggregate_version, e.global_position, now_ms, 0,
                        [(j, p.apply(e, keys)) for j, p in enumerate(projections)], record_lag=False)
            for e in events[i:i + 100]])
    metrics["apply_one_pass_events_per_s"] = len(events) / (time.perf_counter() - start)
    # Baseline: the very same writes as plain pipelined commands, no Lua, no checkpoint.
    prefix = f"{settings.redis_prefix}raw:"
    keys = Keys(prefix)
    start = time.perf_counter()
    for i in range(0, len(events), 100):
        pipe = redis.pipeline(transaction=False)
        for e in events[i:i + 100]:
            for projection in projections:
                for op in projection.apply(e, keys):
                    pipe.execute_command(*op)
        await pipe.execute()
    metrics["raw_redis_batched_events_per_s"] = len(events) / (time.perf_counter() - start)
    metrics["apply_events"] = float(len(events))
    metrics["projections"] = float(len(projections))


# A max command rate given by hand (CreateCharge/s), so that A/B runs of two trees offer the very same
# load instead of each calibrating its own on a shared, noisy machine.
MAX_RATE_ENV = "LEDGERMESH_BENCH_MAX_RATE"


def _fixed_max_rate() -> float | None:
    text = os.environ.get(MAX_RATE_ENV, "")
    return float(text) if text else None


# The load points measured, as fractions of the max command rate, and the suffix of their metrics
# (the half-load point keeps the unsuffixed names of earlier sessions' results).
LOAD_POINTS = ((0.5, ""), (0.8, "_80"))


async def _lag_at(settings: Any, redis: Any, stub: Any, merchants: list[Any], started: Any, rate: float,
                  seconds: float, visible_timeout: float, suffix: str, metrics: dict[str, float]) -> None:
    """One open-loop load point: CreateCharge at `rate` for `seconds`, each charge watched until visible."""
    poller = VisibilityPoller(redis, settings.redis_prefix)
    published = PublishWatcher()
    nc = await nats.connect(settings.nats_url or "")
    await published.start(nc, settings.subject_prefix)
    watcher = asyncio.create_task(poller.run(visible_timeout))
    pids = {role: started[role].process.pid for role in ("command", "projector")}
    cpu_before = {role: cpu_seconds(pid) for role, pid in pids.items()}
    offset = 100_000 if not suffix else 200_000

    async def op(n: int) -> None:
        m = merchants[n % len(merchants)]
        reply = await stub.CreateCharge(charge_request(offset + n), metadata=m.metadata)
        poller.watch(reply.charge.id)

    # The measuring process does not collect garbage while it measures: a full collection of its heap
    # (100-400 ms on a busy machine) held up the poller and the publish watcher, and counted as lag of
    # every charge waiting meanwhile.
    gc.collect()
    gc.freeze()
    gc.disable()
    try:
        result = await open_loop(op, rate=rate, seconds=seconds, max_in_flight=64)
        poller.closing = True
        never = await watcher
    finally:
        gc.enable()
        gc.unfreeze()
    for role, pid in pids.items():
        metrics[f"{role}_cpu_ms_per_charge{suffix}"] = (
            1000 * (cpu_seconds(pid) - cpu_before[role]) / max(1, result.completed))
    await published.stop()
    await nc.close()
    metrics[f"target_rate_per_s{suffix}"] = rate
    metrics[f"achieved_rate_per_s{suffix}"] = result.throughput
    metrics.update(latency_summary(f"command{suffix}", result.latencies_s))
    metrics.update(latency_summary(f"lag{suffix}", poller.lags))
    split = [(published.published[c] - created, visible - published.published[c])
             for c, (created, visible) in poller.seen.items() if c in published.published]
    metrics.update(latency_summary(f"lag_to_publish{suffix}", [s[0] for s in split]))
    metrics.update(latency_summary(f"lag_publish_to_visible{suffix}", [s[1] for s in split]))
    metrics[f"not_visible{suffix}"] = float(never)
    log(f"  {result.completed} commands at {result.throughput:.1f}/s (target {rate:.1f}/s); "
        f"{len(poller.lags)} seen in Redis, lag p99 {metrics[f'lag{suffix}_p99_ms']:.1f} ms")


async def run(ctx: RunContext) -> dict[str, float]:
    from ledgermesh.payments.v1 import payment_service_pb2_grpc
    from redis.asyncio import Redis

    sizes = SIZES[ctx.size]
    metrics: dict[str, float] = {}
    notes = []
    async with isolated(ctx.servers) as settings:
        redis = Redis.from_url(settings.redis_url or "", decode_responses=True)
        try:
            async with services(settings, "command", "projector") as started:
                channel = grpc.aio.insecure_channel(started["command"].target)
                try:
                    stub = payment_service_pb2_grpc.PaymentCommandServiceStub(channel)
                    max_rate = ctx.session.get("command.lm_best_per_s") or _fixed_max_rate()
                    expected = (int((max_rate or 200) * sum(f for f, _ in LOAD_POINTS) * sizes["seconds"])
                                + sizes["calibrate_ops"] + 50)
                    merchants = await create_merchants(channel, merchants_needed(16, expected))
                    if not max_rate or max_rate != max_rate:
                        max_rate = await _max_rate(stub, merchants, sizes["calibrate_ops"])
                        notes.append("max rate calibrated in each run (16 clients, projector running): "
                                     "the command scenario did not run first")
                    else:
                        notes.append("load = half (and 80%) of the command scenario's median best CreateCharge/s"
                                     f" (or of {MAX_RATE_ENV})")
                    metrics["max_rate_per_s"] = max_rate
                    for fraction, suffix in LOAD_POINTS:
                        await _lag_at(settings, redis, stub, merchants, started, max(1.0, max_rate * fraction),
                                      sizes["seconds"], sizes["visible_timeout"], suffix, metrics)
                finally:
                    await channel.close()
            await _apply_alone(settings, redis, sizes["apply_events"], metrics)
        finally:
            await redis.aclose()
    metrics["_notes"] = notes + [  # type: ignore[assignment]
        "command service (with relay) and projector in their own processes; lag = charge hash `created_us` "
        "(taken just before the INSERT) -> the bench's 1 ms poller sees version 4: an upper bound of "
        "commit -> visible. The 80% point runs right after the half-load one, on the same services. "
        "Apply alone: this run's events through every projection, in the bench process."]
    return metrics


ROWS = (
    Row("achieved_rate_per_s", "CreateCharge/s offered (half of max)", "/s", "max_rate_per_s", "max rate"),
    Row("lag_p50_ms", "commit -> visible in Redis p50", "ms"),
    Row("lag_p99_ms", "commit -> visible in Redis p99 at half load", "ms", goal=at_most(25, "ms")),
    Row("lag_max_ms", "commit -> visible in Redis max", "ms"),
    Row("lag_to_publish_p50_ms", "  of which created -> published (INSERT, COMMIT, publish) p50", "ms"),
    Row("lag_to_publish_p99_ms", "  of which created -> published (INSERT, COMMIT, publish) p99", "ms"),
    Row("lag_publish_to_visible_p50_ms", "  of which published -> visible (projector) p50", "ms"),
    Row("lag_publish_to_visible_p99_ms", "  of which published -> visible (projector) p99", "ms"),
    Row("not_visible", "charges never visible within the timeout", "charges"),
    Row("achieved_rate_per_s_80", "CreateCharge/s offered (80% of max)", "/s", "max_rate_per_s", "max rate"),
    Row("lag_80_p50_ms", "commit -> visible in Redis p50 at 80% load", "ms"),
    Row("lag_80_p99_ms", "commit -> visible in Redis p99 at 80% load", "ms", goal=at_most(50, "ms")),
    Row("lag_80_max_ms", "commit -> visible in Redis max at 80% load", "ms"),
    Row("lag_publish_to_visible_80_p99_ms", "  of which published -> visible (projector) p99 at 80% load", "ms"),
    Row("not_visible_80", "charges never visible within the timeout at 80% load", "charges"),
    Row("projector_cpu_ms_per_charge", "projector CPU per charge (5 events; with the webhook dispatcher), half load", "ms"),
    Row("projector_cpu_ms_per_charge_80", "projector CPU per charge at 80% load", "ms"),
    Row("command_cpu_ms_per_charge", "command service CPU per charge (with the relay)", "ms"),
    Row("apply_one_p50_ms", "apply one event, all projections (Lua each), p50", "ms"),
    Row("apply_one_p99_ms", "apply one event, all projections (Lua each), p99", "ms"),
    Row("apply_batched_events_per_s", "apply events/s, batches of 100 (apply_many)", "/s",
        "raw_redis_batched_events_per_s", "raw redis pipeline, same ops"),
    Row("apply_one_pass_events_per_s", "apply events/s, one-pass worker (all projections, one Lua call per 100)",
        "/s", "raw_redis_batched_events_per_s", "raw redis pipeline, same ops"),
)

SCENARIO = Scenario("lag", "end-to-end lag and projection apply", ROWS, run, budget_s=150.0)
