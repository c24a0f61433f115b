"""Rebuilds every projection from the log in its own process, so its peak RSS is its own:
`python -m bench.rebuild_worker '<json>'` prints one JSON line {events, seconds, peak_rss_mb, engine}
(peak_rss_mb: the largest resident size this process and its fold workers held together, with
`"workers": N` > 1).

The peak is sampled from /proc, not taken from ru_maxrss: Linux carries a process's ru_maxrss across
fork and exec, so this process (started by the bench, ~180 MB) and every fold worker reported at least
the size of the process that started it.

Stops after `max_seconds` (the rate is then measured over the events done so far).
Uses projector's rebuild engine when it exists (projector/rebuild.py: every projection in turn);
otherwise a minimal loop: EventStore.iterate -> every projection's apply -> RedisApplier.apply_many."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import sys
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from typing import Any

BATCH = 500


def _rss_kb(pid: int, field: str = "VmRSS") -> int:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        pass
    return 0


def _descendants(pid: int) -> list[int]:
    found: list[int] = []
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except FileNotFoundError:
        return found
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/children") as children:
                for child in children.read().split():
                    found.append(int(child))
                    found += _descendants(int(child))
        except FileNotFoundError:
            continue
    return found


class PeakResidentSize:
    """The largest sum of resident sizes of this process and its descendants, sampled every 20 ms
    (and this process's own high-water mark, which no sample can miss)."""

    def __init__(self, every: float = 0.02) -> None:
        self.peak_kb = 0
        self._every = every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        me = os.getpid()
        while not self._stop.wait(self._every):
            total = _rss_kb(me) + sum(_rss_kb(child) for child in _descendants(me))
            self.peak_kb = max(self.peak_kb, total)

    def __enter__(self) -> PeakResidentSize:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak_kb = max(self.peak_kb, _rss_kb(os.getpid(), "VmHWM"))


async def minimal_rebuild(database_url: str, schema: str, redis_url: str, prefix: str, max_seconds: float) -> int:
    from psycopg_pool import AsyncConnectionPool
    from redis.asyncio import Redis

    from bench.scenarios.projection_input import application, projected
    from eventlog.store import EventStore
    from projector.adapters.redis_apply import RedisApplier
    from projector.projections import all_projections
    from readmodel.keys import Keys

    pool = AsyncConnectionPool(database_url, min_size=1, max_size=2, open=False,
                               kwargs={"options": f"-c search_path={schema}", "autocommit": True})
    await pool.open(wait=True)
    redis = Redis.from_url(redis_url, decode_responses=True)
    store = EventStore(pool, None)  # type: ignore[arg-type]  # reading only: no signing
    keys = Keys(prefix)
    projections = all_projections()
    appliers = [RedisApplier(redis, prefix, p.name) for p in projections]
    buffers: list[list[Any]] = [[] for _ in projections]
    count = 0
    deadline = time.perf_counter() + max_seconds

    async def flush() -> None:
        await asyncio.gather(*(a.apply_many(b) for a, b in zip(appliers, buffers, strict=True) if b))
        for b in buffers:
            b.clear()

    try:
        async for stored in store.iterate(batch_size=2000):
            event = projected(stored)
            for projection, buffer in zip(projections, buffers, strict=True):
                buffer.append(application(projection, event, keys, replay=True))
            count += 1
            if len(buffers[0]) >= BATCH:
                await flush()
                if time.perf_counter() > deadline:
                    break
        await flush()
    finally:
        await redis.aclose()
        await pool.close()
    return count


def engine_available() -> bool:
    return importlib.util.find_spec("projector.rebuild") is not None


@asynccontextmanager
async def open_bench_side(database_url: str, schema: str, redis_url: str) -> AsyncIterator[tuple[Any, Any]]:
    """The event store (reading only: no signing, no key store) and Redis client of the bench's log: in
    this process and in each fold worker process."""
    from psycopg_pool import AsyncConnectionPool
    from redis.asyncio import Redis

    from eventlog.store import EventStore

    pool = AsyncConnectionPool(database_url, min_size=1, max_size=2, open=False,
                               kwargs={"options": f"-c search_path={schema}", "autocommit": True})
    await pool.open(wait=True)
    redis = Redis.from_url(redis_url, decode_responses=True)
    try:
        yield EventStore(pool, None), redis  # type: ignore[arg-type]
    finally:
        await redis.aclose()
        await pool.close()


class TimeUp(Exception):
    """Raised from the engine's progress callback to stop a rebuild at the time cap."""


async def engine_rebuild(database_url: str, schema: str, redis_url: str, prefix: str, max_seconds: float,
                         workers: int = 1) -> int:
    """projector.rebuild as `ledgermesh rebuild` uses it (build, diff, switch, catch up): rebuild_many
    (the log read once for every projection; folded by `workers` processes) when it exists, else
    rebuild() per projection in turn. Returns log events taken through every projection."""
    from projector import rebuild as engine
    from projector.projections import all_projections

    projections = all_projections()
    deadline = time.perf_counter() + max_seconds
    applications = 0
    current = 0

    def progress(done: int, _last: int, _head: int) -> None:
        nonlocal current
        current = done
        if time.perf_counter() > deadline:
            raise TimeUp

    async with open_bench_side(database_url, schema, redis_url) as (store, redis):
        if hasattr(engine, "rebuild_many"):
            parallel = {"workers": workers, "open_worker": partial(open_bench_side, database_url, schema, redis_url)
                        } if workers > 1 else {}
            try:
                await engine.rebuild_many(store, redis, prefix, projections, progress=progress, **parallel)
            except TimeUp:
                pass
            return current
        for projection in projections:
            current = 0
            try:
                result = await engine.rebuild(store, redis, prefix, projection, progress=progress)
            except TimeUp:
                applications += current
                break
            applications += result.build.events
    return applications // len(projections)


async def main(args: dict[str, Any]) -> dict[str, Any]:
    with PeakResidentSize() as memory:
        return await _rebuild(args, memory)


async def _rebuild(args: dict[str, Any], memory: PeakResidentSize) -> dict[str, Any]:
    start = time.perf_counter()
    use_engine = engine_available() and args.get("engine", "auto") != "minimal"
    if use_engine:
        import projector.rebuild

        engine = ("projector.rebuild.rebuild_many (one read of the log for all projections; build, diff, "
                  "switch, catch-up)" if hasattr(projector.rebuild, "rebuild_many") else
                  "projector.rebuild.rebuild (one pass per projection; build, diff, switch, catch-up)")
        workers = int(args.get("workers", 1))
        if workers > 1:
            engine += f", folded by {workers} processes"
        count = await engine_rebuild(args["database_url"], args["schema"], args["redis_url"], args["prefix"],
                                     args["max_seconds"], workers)
    else:
        engine = "minimal single-pass loop" + ("" if engine_available() else " (projector.rebuild absent)")
        count = await minimal_rebuild(args["database_url"], args["schema"], args["redis_url"], args["prefix"],
                                      args["max_seconds"])
    seconds = time.perf_counter() - start
    return {"events": count, "seconds": seconds, "peak_rss_mb": memory.peak_kb / 1024.0, "engine": engine}


if __name__ == "__main__":
    from bench.harness import ensure_import_paths

    ensure_import_paths()
    print(json.dumps(asyncio.run(main(json.loads(sys.argv[1])))), flush=True)
