"""The fold of the log into a fresh key prefix (a rebuild's build, a replay into a fresh prefix, the read
models as of a position), in one process or split over several.

LogFolder reads the log in large batches and decodes each event once; every projection's writes of a
chunk of events are merged per key in memory (projector.fold), and each key is written once per chunk in
pipelines, with no per-event guard. The per-aggregate guard still runs, in memory: a duplicate or an
out-of-order event is skipped and counted exactly as the Lua guard would, and each projection's
checkpoint (the versions hash) is written per chunk for the aggregates it moved. Writing a chunk
overlaps reading the next one.

With `workers=N` the log is split by tenant into N shares (a hash of the tenant id, evaluated by
PostgreSQL), each folded by its own process into the same prefix: this one and N-1 children started
fresh (spawn), each opening its own connections and key store through `open_worker`. A stream belongs to
one tenant, so each process folds whole streams in their order; and the keys an event writes are its
tenant's (its account's charges, indexes, balances, analytics, dashboard, settlement) or its own
event's, so no two processes write the same hash field or sorted-set member (a checkpoint's field is
its aggregate). The counts are summed, and each projection's stats written once, by this process."""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import time
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field, replace
from datetime import datetime
from multiprocessing.connection import Connection
from multiprocessing.sharedctypes import Synchronized
from typing import Any

from redis.asyncio import Redis

from eventlog.records import StoredEvent
from eventlog.store import EventStore
from projector import keyspace
from projector.fold import Fold
from projector.log_events import projected_from_log
from projector.projections import base as projection_base
from projector.projections import projection_named
from projector.projections.base import Projection
from readmodel.keys import Keys

# Called as (events done, last position read, head position) after each batch.
ProgressCallback = Callable[[int, int, int], None]

# A fold chunk: events folded in memory before their keys are written (bounds memory: the chunk's merged
# keys, a few KB per event, twice while a chunk is written as the next is folded), and commands per
# pipeline round trip. Most keys an event writes are its object's, whose events stand together in the
# log, so a larger chunk merges little more: 5,000 events took 50 MB more at the peak than 2,000.
CHUNK_EVENTS = 2_000
PIPELINE_COMMANDS = 2_000
# Rows per read of the log (one batch is folded while the next is read): decoded rows are much of a
# fold's memory (10,000 took ~100 MB), and progress is reported (and a time cap checked) once per batch.
READ_BATCH = 1_000

# Opens, in a fold's worker process, the event store and Redis client it reads and writes with (with
# the key store installed, as the parent's): a picklable callable (a module-level function, or a
# functools.partial of one) returning an async context manager of (store, redis). Workers are spawned,
# so they import the caller's main module again: a script that folds with workers keeps its work under
# `if __name__ == "__main__":` (the ledgermesh command, pytest and bench.rebuild_worker do).
WorkerOpener = Callable[[], AbstractAsyncContextManager[tuple[EventStore, Redis]]]


@dataclass(frozen=True)
class EventFilter:
    """Which events of the log to read; every condition is evaluated by PostgreSQL."""

    event_types: tuple[str, ...] = ()
    tenant_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    # Upper bound on the global position (inclusive): the log as it stood at that position.
    until_position: int | None = None
    data_sql: str = ""
    data_params: dict[str, Any] = field(default_factory=dict)
    # (i, n): only the events of the i-th of n shares of the tenants (a parallel fold's worker).
    share: tuple[int, int] | None = None


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

    def add(self, other: RunResult) -> None:
        """Counts of another share of the same run."""
        self.events += other.events
        self.applied += other.applied
        self.duplicates += other.duplicates
        self.out_of_order += other.out_of_order
        self.failed += other.failed
        self.errors = (self.errors + other.errors)[:20]


async def head_position(store: EventStore) -> int:
    async with store.pool.connection() as conn:
        cur = await conn.execute("SELECT coalesce(max(global_position), 0) FROM events")
        row = await cur.fetchone()
        return int(row[0]) if row else 0


class LogFolder:
    """Builds projections into a fresh prefix as a fold of the log (see the module's docstring)."""

    def __init__(self, store: EventStore, redis: Redis, projection: Projection | Sequence[Projection], prefix: str, *,
                 force: bool = False, chunk: int = CHUNK_EVENTS, batch: int = READ_BATCH, keep_ids: bool = False,
                 workers: int = 1, open_worker: WorkerOpener | None = None) -> None:
        if workers > 1 and (open_worker is None or keep_ids):
            raise ValueError("a fold over several processes needs open_worker, and keeps no event ids")
        self._store = store
        self._redis = redis
        self._projections = [projection] if not isinstance(projection, Sequence) else list(projection)
        self._prefix = prefix
        self._keys = Keys(prefix)
        self._force = force
        self._chunk = chunk
        self._batch = batch
        self._keep_ids = keep_ids
        self._workers = workers
        self._open_worker = open_worker
        self.results: dict[str, RunResult] = {}

    async def run(self, events_filter: EventFilter, progress: ProgressCallback | None = None) -> RunResult:
        """Returns the result of the first projection; `results` has every projection's."""
        started = time.monotonic()
        head = await head_position(self._store)
        if self._workers > 1:
            top_position = await self._fold_shares(events_filter, head, progress)
        else:
            top_position = await self.fold(events_filter, head, progress)
        applied = self.results[self._projections[0].name].applied
        await self._write_stats(applied, top_position)
        events = self.results[self._projections[0].name].events
        last = max(head, top_position)
        if progress:
            progress(events, last, last)
        for result in self.results.values():
            result.seconds = time.monotonic() - started
        return self.results[self._projections[0].name]

    async def fold(self, events_filter: EventFilter, head: int, progress: ProgressCallback | None = None) -> int:
        """Fold the matching events into the prefix and count them in `results`, stats aside; returns
        the highest position applied."""
        self.results = {p.name: RunResult() for p in self._projections}
        pairs = [(p, self.results[p.name]) for p in self._projections]
        # Per event type, the projections with a handler for it: most see a few types of the log's.
        handling: dict[str, list[tuple[Projection, RunResult]]] = {}
        versions: dict[str, int] = {}
        moved: dict[str, int] = {}
        fold = Fold()
        in_chunk, events, last_position, top_position = 0, 0, 0, 0
        applied = duplicates = out_of_order = 0
        event_ids: list[str] = []
        writing: asyncio.Task[None] | None = None
        keys, force = self._keys, self._force
        f = events_filter
        try:
            async for batch in _read_ahead(self._store.iterate_batches(
                event_types=f.event_types, tenant_id=f.tenant_id, since=f.since, until=f.until,
                until_position=f.until_position, data_filter=f.data_sql, data_params=f.data_params,
                batch_size=self._batch, finished_only=False, share=f.share,
            )):
                for stored in batch:
                    events += 1
                    in_chunk += 1
                    last_position = stored.global_position
                    if self._keep_ids:
                        event_ids.append(str(stored.event_id))
                    aggregate, version = stored.aggregate_id, stored.aggregate_version
                    current = versions.get(aggregate, 0)
                    if not force:
                        if version <= current:
                            duplicates += 1
                            continue
                        if version > current + 1:
                            out_of_order += 1
                            continue
                    event = projected_from_log(stored)
                    handlers = handling.get(event.event_type)
                    if handlers is None:
                        handlers = handling[event.event_type] = [
                            pair for pair in pairs if pair[0].handles(event.event_type)]
                    add = fold.add
                    for projection, result in handlers:
                        try:
                            for op in projection.apply(event, keys):
                                add(op)
                        except Exception as exc:  # noqa: BLE001 - a poison event is counted and stepped over, as live
                            result.failed += 1
                            if len(result.errors) < 20:
                                result.errors.append(
                                    f"{stored.event_id} {stored.event_type}: {type(exc).__name__}: {exc}")
                    applied += 1
                    if version > current:
                        versions[aggregate] = moved[aggregate] = version
                    if event.global_position > top_position:
                        top_position = event.global_position
                    if in_chunk >= self._chunk:
                        if writing is not None:
                            await writing
                        writing = asyncio.create_task(self._write(fold, moved))
                        fold, moved, in_chunk = Fold(), {}, 0
                        _forget_opened()
                if progress:
                    progress(events, last_position, max(head, last_position))
            if writing is not None:
                await writing
                writing = None
            await self._write(fold, moved)
        finally:
            if writing is not None and not writing.done():
                writing.cancel()
        for result in self.results.values():
            result.events, result.event_ids = events, event_ids
            result.applied, result.duplicates, result.out_of_order = applied, duplicates, out_of_order
        return top_position

    async def _fold_shares(self, events_filter: EventFilter, head: int, progress: ProgressCallback | None) -> int:
        """Share 0 folded here, the others by child processes at the same time; their counts added."""
        shares = self._workers
        context = multiprocessing.get_context("spawn")
        names = [p.name for p in self._projections]
        children: list[tuple[multiprocessing.process.BaseProcess, Connection, Synchronized[int]]] = []
        try:
            for share in range(1, shares):
                done: Synchronized[int] = context.Value("q", 0, lock=False)
                receive, send = context.Pipe(duplex=False)
                worker = context.Process(target=_fold_share, daemon=True, args=(
                    self._open_worker, names, self._prefix, self._force, self._chunk, self._batch,
                    replace(events_filter, share=(share, shares)), done, send))
                worker.start()
                send.close()
                children.append((worker, receive, done))

            def overall(events: int, last: int, head_now: int) -> None:
                if progress:
                    progress(events + sum(done.value for _, _, done in children), last, head_now)

            top_position = await self.fold(replace(events_filter, share=(0, shares)), head, overall)
            for child, receive, _ in children:
                outcome = await asyncio.to_thread(_receive, receive)
                if isinstance(outcome, str):
                    raise RuntimeError(f"a fold worker failed: {outcome}")
                results, child_top = outcome
                for name, result in results.items():
                    self.results[name].add(result)
                top_position = max(top_position, child_top)
                await asyncio.to_thread(child.join)
            return top_position
        finally:
            for child, receive, _ in children:
                if child.is_alive():
                    child.terminate()
                    child.join()
                receive.close()

    async def _write(self, fold: Fold, moved: dict[str, int]) -> None:
        commands = fold.commands()
        if moved:
            flat: list[str | int] = []
            for aggregate, version in moved.items():
                flat += (aggregate, version)
            for projection in self._projections:
                versions_key = self._keys.projection_versions(projection.name)
                for i in range(0, len(flat), 2 * PIPELINE_COMMANDS):
                    commands.append(("HSET", versions_key, *flat[i:i + 2 * PIPELINE_COMMANDS]))
        for i in range(0, len(commands), PIPELINE_COMMANDS):
            await keyspace.run_packed(self._redis, commands[i:i + PIPELINE_COMMANDS])

    async def _write_stats(self, applied: int, top_position: int) -> None:
        if not applied:
            return
        pipe = self._redis.pipeline(transaction=False)
        now_ms = int(time.time() * 1000)
        for projection in self._projections:
            stats = self._keys.projection_stats(projection.name)
            pipe.hincrby(stats, "applied", applied)
            pipe.hset(stats, mapping={"position": top_position, "last_applied_ms": now_ms, "last_lag_ms": 0})
        await pipe.execute()


async def _read_ahead(batches: AsyncGenerator[list[StoredEvent], None]) -> AsyncIterator[list[StoredEvent]]:
    """The batches, each next one read from PostgreSQL while the one before is folded (a fold waited
    for every query of the log: a tenth of a rebuild's time, most of it PostgreSQL's)."""
    reading: asyncio.Task[list[StoredEvent]] = asyncio.ensure_future(anext(batches))
    try:
        while True:
            try:
                batch = await reading
            except StopAsyncIteration:
                return
            reading = asyncio.ensure_future(anext(batches))
            yield batch
    finally:
        reading.cancel()  # a batch being read when the fold stopped early; nothing if done
        with contextlib.suppress(Exception, asyncio.CancelledError):
            await reading
        await batches.aclose()


def _forget_opened() -> None:
    """Drop the events the projections opened (projector.projections.base keeps the last 4,096 events
    with personal fields, for the projections applying one event in turn): a fold applies every
    projection to an event before the next, so it needs none of a chunk before, and the 4,096 events
    with their records, payloads and messages were ~45 MB of each fold process (151 MB against 107 MB
    at the peak of a 200,000-event rebuild in one process). Only a memo: an event opened again after
    this is opened the same way."""
    projection_base.forget_opened()


def _receive(connection: Connection) -> Any:
    try:
        return connection.recv()
    except EOFError:
        return "the process ended without a result"


def _fold_share(open_worker: WorkerOpener, names: list[str], prefix: str, force: bool, chunk: int, batch: int,
                events_filter: EventFilter, done: Synchronized[int], send: Connection) -> None:
    """A fold worker process: folds its share of the log, then sends back (results, top position), or
    the error's text."""
    try:
        send.send(asyncio.run(_fold_share_here(open_worker, names, prefix, force, chunk, batch, events_filter, done)))
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, which raises it
        send.send(f"{type(exc).__name__}: {exc}")
    finally:
        send.close()


async def _fold_share_here(open_worker: WorkerOpener, names: list[str], prefix: str, force: bool, chunk: int,
                           batch: int, events_filter: EventFilter, done: Synchronized[int],
                           ) -> tuple[dict[str, RunResult], int]:
    def count(events: int, _last: int, _head: int) -> None:
        done.value = events

    async with open_worker() as (store, redis):
        folder = LogFolder(store, redis, [projection_named(name) for name in names], prefix, force=force,
                           chunk=chunk, batch=batch)
        top_position = await folder.fold(events_filter, 0, count)
        return folder.results, top_position
