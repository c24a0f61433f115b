"""Blue/green rebuild of a projection from the PostgreSQL log, and filtered replay.

Rebuild: fold every event of the log into a fresh key prefix (`{prefix}rb{n}:`) with the same pure
projections as the live consumer (projector.log_fold.LogFolder: chunks of events merged per key in
memory, each key written once per chunk in pipelines; the per-aggregate guard runs in memory, so there
is no per-event Lua call; optionally in several processes, each folding its share of the tenants), compare with the live keys, then switch every projection in one MULTI/EXEC (keyspace.switch_many). The live
consumer keeps running throughout; after the switch, the events of the last minutes before the rebuild
started are applied again to the live keys through the per-aggregate version guard: what the rebuild already holds is skipped, what the live
consumer applied to the old keys meanwhile is redone. The log is read without the event store's
gap-safety condition (which one long transaction anywhere in the cluster would stall): an event that
commits late behind the read is within the catch-up window, and anything committing after it reaches
the switched keys through the live consumer and the version guard. Memory is bounded by the chunk
size (plus one int per aggregate for the in-memory guard): the log is read in keyset batches.

Replay: a filtered read (event types, time range, tenant, payload predicates in SQL), folded into a
fresh prefix (forced: each matching event once, gaps expected), or applied into the live keys through
the Lua guard (LogReplayer: only events not yet applied change anything), as the catch-up is."""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from redis.asyncio import Redis

from eventlog.records import StoredEvent
from eventlog.store import EventStore
from projector import keyspace
from projector.adapters.jetstream_consumer import stored_projected_event
from projector.adapters.redis_apply import Application, Outcome, RedisApplier
from projector.log_fold import (
    CHUNK_EVENTS,
    EventFilter,
    LogFolder,
    ProgressCallback,
    RunResult,
    WorkerOpener,
    head_position,
)
from projector.projections.base import Projection
from readmodel.keys import Keys

# How far before the rebuild's start the post-switch catch-up re-reads the log: transactions that
# were still open when the rebuild read past them (they commit late) are covered by it.
CATCH_UP_WINDOW = timedelta(minutes=1)


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


class LogReplayer:
    """Feeds events read once from the log to one or more projections, each under its own key prefix.
    Decoding an event costs far more than projecting it, so a rebuild of every projection reads and
    decodes the log once."""

    def __init__(self, store: EventStore, redis: Redis, projection: Projection | Sequence[Projection], prefix: str, *,
                 force: bool = False, batch: int = 1000, keep_ids: bool = False) -> None:
        self._store = store
        self._projections = [projection] if not isinstance(projection, Sequence) else list(projection)
        self._keys = Keys(prefix)
        self._appliers = [RedisApplier(redis, prefix, p.name) for p in self._projections]
        self._force = force
        self._batch = batch
        self._keep_ids = keep_ids
        self.results: dict[str, RunResult] = {}

    def _applications(self, stored: StoredEvent) -> list[Application]:
        event = stored_projected_event(stored)
        applications = []
        now_ms = int(time.time() * 1000)
        for projection in self._projections:
            try:
                ops = projection.apply(event, self._keys)
            except Exception as exc:  # noqa: BLE001 - a poison event is counted and stepped over, as live
                result = self.results[projection.name]
                result.failed += 1
                if len(result.errors) < 20:
                    result.errors.append(f"{stored.event_id} {stored.event_type}: {type(exc).__name__}: {exc}")
                ops = []
            applications.append(Application(event.aggregate_id, event.aggregate_version, event.global_position, ops,
                                            now_ms, 0, force=self._force, record_lag=False))
        return applications

    async def run(self, events_filter: EventFilter, progress: ProgressCallback | None = None) -> RunResult:
        """Returns the result of the first projection; `results` has every projection's."""
        self.results = {p.name: RunResult() for p in self._projections}
        started = time.monotonic()
        head = await head_position(self._store)
        pending: list[list[Application]] = []
        last_position, events = 0, 0
        event_ids: list[str] = []
        f = events_filter
        async for stored in self._store.iterate(
            event_types=f.event_types, tenant_id=f.tenant_id, since=f.since, until=f.until,
            until_position=f.until_position, data_filter=f.data_sql, data_params=f.data_params, batch_size=self._batch, commit_positions=True,
            finished_only=False,
        ):
            events += 1
            last_position = stored.global_position
            if self._keep_ids:
                event_ids.append(str(stored.event_id))
            pending.append(self._applications(stored))
            if len(pending) >= self._batch:
                await self._flush(pending)
                pending = []
                if progress:
                    progress(events, last_position, max(head, last_position))
        await self._flush(pending)
        if progress:
            progress(events, max(head, last_position), max(head, last_position))
        seconds = time.monotonic() - started
        for result in self.results.values():
            result.events, result.seconds, result.event_ids = events, seconds, event_ids
        return self.results[self._projections[0].name]

    async def _flush(self, pending: Sequence[Sequence[Application]]) -> None:
        if not pending:
            return
        for index, (projection, applier) in enumerate(zip(self._projections, self._appliers, strict=True)):
            result = self.results[projection.name]
            for outcome in await applier.apply_many([apps[index] for apps in pending]):
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


async def rebuild_many(store: EventStore, redis: Redis, prefix: str, projections: Sequence[Projection], *,
                       dry_run: bool = False, batch: int = 1000, progress: ProgressCallback | None = None,
                       examples: int = 20, chunk: int = CHUNK_EVENTS, workers: int = 1,
                       open_worker: WorkerOpener | None = None) -> list[RebuildResult]:
    """Build `projections` from the whole log (read once) into a new prefix, diff each against its live
    keys, and (unless `dry_run`) switch each atomically and catch up. The new prefix is removed after.
    `workers` > 1 folds the log in that many processes (projector.log_fold), opened by `open_worker`."""
    target = await next_prefix(redis, prefix)
    started_at = datetime.now().astimezone()
    try:
        builder = LogFolder(store, redis, projections, target, chunk=chunk, workers=workers, open_worker=open_worker)
        await builder.run(EventFilter(), progress)
        diffs = await keyspace.diff_many(redis, prefix, target, projections, examples)
        results = [RebuildResult(p.name, target, builder.results[p.name], d)
                   for p, d in zip(projections, diffs, strict=True)]
        if dry_run:
            return results
        for result, moved in zip(results, await keyspace.switch_many(redis, prefix, target, projections), strict=True):
            result.moved = moved
            result.switched = True
        catch_up = LogReplayer(store, redis, projections, prefix, batch=batch)
        await catch_up.run(EventFilter(since=started_at - CATCH_UP_WINDOW))
        for projection, result in zip(projections, results, strict=True):
            result.catch_up = catch_up.results[projection.name]
            await redis.hset(Keys(prefix).projection_stats(projection.name), mapping={"rebuilt_at_ms": int(time.time() * 1000)})
        return results
    finally:
        await keyspace.delete_prefix_many(redis, target, projections)


async def rebuild(store: EventStore, redis: Redis, prefix: str, projection: Projection, *, dry_run: bool = False,
                  batch: int = 1000, progress: ProgressCallback | None = None, examples: int = 20,
                  chunk: int = CHUNK_EVENTS) -> RebuildResult:
    """rebuild_many for one projection."""
    (result,) = await rebuild_many(store, redis, prefix, [projection], dry_run=dry_run, batch=batch,
                                   progress=progress, examples=examples, chunk=chunk)
    return result


async def rebuild_as_of(store: EventStore, redis: Redis, prefix: str, projections: Sequence[Projection],
                        as_of: EventFilter, *, batch: int = 1000, progress: ProgressCallback | None = None
                        ) -> tuple[str, dict[str, RunResult]]:
    """Build `projections` from the log up to `as_of`'s bound (`until` a time, `until_position` a
    position) into a prefix of their own, returned and left in place: the read models as they stood
    then, beside the live ones, which are never touched."""
    target = await next_prefix(redis, prefix, "asof")
    builder = LogFolder(store, redis, projections, target)
    await builder.run(as_of, progress)
    return target, builder.results


async def replay(store: EventStore, redis: Redis, prefix: str, projection: Projection, events_filter: EventFilter, *,
                 into_live: bool = False, batch: int = 1000, progress: ProgressCallback | None = None,
                 keep_ids: bool = False) -> tuple[str, RunResult]:
    """Feed the matching events to `projection`: into the live keys through the version guard, or into
    a fresh prefix (returned) where each matching event is applied once."""
    if into_live:
        replayer = LogReplayer(store, redis, projection, prefix, batch=batch, keep_ids=keep_ids)
        return prefix, await replayer.run(events_filter, progress)
    target = await next_prefix(redis, prefix, "replay")
    folder = LogFolder(store, redis, projection, target, force=True, keep_ids=keep_ids)
    return target, await folder.run(events_filter, progress)
