"""Blue/green rebuild of a projection from the PostgreSQL log, and filtered replay.

Rebuild: replay every event from the log into a fresh key prefix (`{prefix}rb{n}:`) with the same
pure projection and the same atomic Lua apply as the live consumer, compare with the live keys, then
switch in one MULTI/EXEC (keyspace.switch). The live consumer keeps running throughout; after the
switch, the events of the last minutes before the rebuild started are applied again to the live keys
through the per-aggregate version guard: what the rebuild already holds is skipped, what the live
consumer applied to the old keys meanwhile is redone. Memory is bounded by the batch size: the log is
read in keyset batches, each batch applied in one pipeline.

Replay: the same engine over a filtered read (event types, time range, tenant, payload predicates in
SQL), into a fresh prefix (forced: each matching event once, gaps expected) or into the live keys
(guarded: only events not yet applied change anything)."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from redis.asyncio import Redis

from eventlog.envelope import to_envelope
from eventlog.records import StoredEvent
from eventlog.store import EventStore
from projector import keyspace
from projector.adapters.jetstream_consumer import projected_event
from projector.adapters.redis_apply import Application, Outcome, RedisApplier
from projector.projections.base import Keys, Projection

# Called as (events done, last position read, head position) after each batch.
ProgressCallback = Callable[[int, int, int], None]

# How far before the rebuild's start the post-switch catch-up re-reads the log: transactions that
# were still open when the rebuild read past them (they commit late) are covered by it.
CATCH_UP_WINDOW = timedelta(minutes=1)


@dataclass(frozen=True)
class EventFilter:
    """Which events of the log to read; every condition is evaluated by PostgreSQL."""

    event_types: tuple[str, ...] = ()
    tenant_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    data_sql: str = ""
    data_params: dict[str, Any] = field(default_factory=dict)


@dataclass
class RunResult:
    events: int = 0
    applied: int = 0
    duplicates: int = 0
    out_of_order: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    event_ids: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.events / self.seconds if self.seconds > 0 else 0.0


class PredicateError(ValueError):
    """A --where expression this parser does not accept."""


_CLAUSE = re.compile(r"^\s*([A-Za-z_][\w.]*)\s*(>=|<=|!=|=|>|<)\s*(.+?)\s*$")


def parse_where(text: str) -> tuple[str, dict[str, Any]]:
    """`amount>100000 and card.country=US` -> an SQL predicate over event_data with bound parameters.
    Numbers compare numerically; anything else compares as text (= and != only)."""
    if not text.strip():
        return "", {}
    clauses, params = [], {}
    for i, part in enumerate(re.split(r"\s+and\s+", text.strip(), flags=re.IGNORECASE)):
        match = _CLAUSE.match(part)
        if not match:
            raise PredicateError(f"cannot read {part!r}: expected FIELD OP VALUE, OP one of > >= < <= = !=")
        name, op, raw = match.groups()
        params[f"wp{i}"] = name.split(".")
        value = raw.strip("'\"")
        try:
            params[f"wv{i}"] = int(value) if re.fullmatch(r"-?\d+", value) else float(value)
            clauses.append(f"(event_data #>> %(wp{i})s)::numeric {op} %(wv{i})s")
        except ValueError:
            if op not in ("=", "!="):
                raise PredicateError(f"{name}: only = and != compare text") from None
            params[f"wv{i}"] = value
            clauses.append(f"(event_data #>> %(wp{i})s) {'=' if op == '=' else '<>'} %(wv{i})s")
    return " AND ".join(clauses), params


async def head_position(store: EventStore) -> int:
    async with store.pool.connection() as conn:
        cur = await conn.execute("SELECT coalesce(max(global_position), 0) FROM events")
        row = await cur.fetchone()
        return int(row[0]) if row else 0


class LogReplayer:
    """Feeds events read from the log to one projection under one key prefix."""

    def __init__(self, store: EventStore, redis: Redis, projection: Projection, prefix: str, *,
                 force: bool = False, batch: int = 1000, keep_ids: bool = False) -> None:
        self._store = store
        self._redis = redis
        self._projection = projection
        self._keys = Keys(prefix)
        self._applier = RedisApplier(redis, prefix, projection.name)
        self._force = force
        self._batch = batch
        self._keep_ids = keep_ids

    def _application(self, stored: StoredEvent, result: RunResult) -> Application:
        event = projected_event(to_envelope(stored))
        try:
            ops = self._projection.apply(event, self._keys)
        except Exception as exc:  # noqa: BLE001 - a poison event is counted and stepped over, as live
            result.failed += 1
            if len(result.errors) < 20:
                result.errors.append(f"{stored.event_id} {stored.event_type}: {type(exc).__name__}: {exc}")
            ops = []
        return Application(event.aggregate_id, event.aggregate_version, event.global_position, ops,
                           int(time.time() * 1000), 0, force=self._force, record_lag=False)

    async def run(self, events_filter: EventFilter, progress: ProgressCallback | None = None) -> RunResult:
        result = RunResult()
        started = time.monotonic()
        head = await head_position(self._store)
        pending: list[Application] = []
        last_position = 0
        f = events_filter
        async for stored in self._store.iterate(
            event_types=f.event_types, tenant_id=f.tenant_id, since=f.since, until=f.until,
            data_filter=f.data_sql, data_params=f.data_params, batch_size=self._batch, commit_positions=True,
        ):
            result.events += 1
            last_position = stored.global_position
            if self._keep_ids:
                result.event_ids.append(str(stored.event_id))
            pending.append(self._application(stored, result))
            if len(pending) >= self._batch:
                await self._flush(pending, result)
                pending = []
                if progress:
                    progress(result.events, last_position, max(head, last_position))
        await self._flush(pending, result)
        if progress:
            progress(result.events, max(head, last_position), max(head, last_position))
        result.seconds = time.monotonic() - started
        return result

    async def _flush(self, applications: Sequence[Application], result: RunResult) -> None:
        if not applications:
            return
        for outcome in await self._applier.apply_many(applications):
            if outcome is Outcome.APPLIED:
                result.applied += 1
            elif outcome is Outcome.DUPLICATE:
                result.duplicates += 1
            else:
                result.out_of_order += 1


@dataclass
class RebuildResult:
    projection: str
    target_prefix: str
    build: RunResult
    diff: keyspace.KeyDiff
    switched: bool = False
    moved: int = 0
    catch_up: RunResult | None = None


async def next_prefix(redis: Redis, prefix: str, kind: str = "rb") -> str:
    return f"{prefix}{kind}{await redis.incr(f'{prefix}{kind}:seq')}:"


async def rebuild(store: EventStore, redis: Redis, prefix: str, projection: Projection, *, dry_run: bool = False,
                  batch: int = 1000, progress: ProgressCallback | None = None, examples: int = 20) -> RebuildResult:
    """Build `projection` from the whole log into a new prefix, diff it against the live keys, and
    (unless `dry_run`) switch atomically and catch up. The new prefix is removed afterwards."""
    target = await next_prefix(redis, prefix)
    started_at = datetime.now().astimezone()
    try:
        built = await LogReplayer(store, redis, projection, target, batch=batch).run(EventFilter(), progress)
        differences = await keyspace.diff(redis, prefix, target, projection, examples)
        result = RebuildResult(projection.name, target, built, differences)
        if dry_run:
            return result
        result.moved = await keyspace.switch(redis, prefix, target, projection)
        result.switched = True
        result.catch_up = await LogReplayer(store, redis, projection, prefix, batch=batch).run(
            EventFilter(since=started_at - CATCH_UP_WINDOW))
        await redis.hset(f"{prefix}proj:{projection.name}:stats", mapping={"rebuilt_at_ms": int(time.time() * 1000)})
        return result
    finally:
        await keyspace.delete_prefix(redis, target, projection)


async def replay(store: EventStore, redis: Redis, prefix: str, projection: Projection, events_filter: EventFilter, *,
                 into_live: bool = False, batch: int = 1000, progress: ProgressCallback | None = None,
                 keep_ids: bool = False) -> tuple[str, RunResult]:
    """Feed the matching events to `projection`: into the live keys through the version guard, or into
    a fresh prefix (returned) where each matching event is applied once."""
    target = prefix if into_live else await next_prefix(redis, prefix, "replay")
    replayer = LogReplayer(store, redis, projection, target, force=not into_live, batch=batch, keep_ids=keep_ids)
    return target, await replayer.run(events_filter, progress)
