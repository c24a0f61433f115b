"""How far each projection is behind the log: in positions (from PostgreSQL) and in time (the ring of
recent commit -> applied lags the Lua apply keeps), and whether it has stopped moving."""

from __future__ import annotations

import time
from dataclasses import dataclass

from redis.asyncio import Redis

from eventlog.store import EventStore
from projector.positions import applied_position
from projector.projections import all_projections
from readmodel.keys import Keys

# A projection that has events to apply but applied nothing for this long is unhealthy.
STALL_SECONDS = 30.0
# A problem the projector reports (it retries by itself) makes the projection unhealthy after this long.
PROBLEM_SECONDS = 5.0
_BEHIND_CAP = 10_000_000


@dataclass(frozen=True)
class ProjectionLag:
    name: str
    position: int
    behind: int
    applied: int
    last_lag_ms: int
    p50_ms: int
    p99_ms: int
    idle_seconds: float | None
    dead_letters: int
    # Why the projector says this projection cannot move (Redis or NATS unreachable, an event failing,
    # an event waiting for its predecessor), and for how long; "" when nothing is wrong.
    problem: str = ""
    problem_seconds: float = 0.0

    @property
    def stalled(self) -> bool:
        return self.behind > 0 and (self.idle_seconds is None or self.idle_seconds > STALL_SECONDS)

    @property
    def healthy(self) -> bool:
        return not self.stalled and not (self.problem and self.problem_seconds > PROBLEM_SECONDS)

    @property
    def health(self) -> str:
        if self.healthy:
            return "ok"
        if self.problem:
            return f"UNHEALTHY: {self.problem} (for {self.problem_seconds:.0f}s)"
        return "UNHEALTHY: events wait and nothing was applied"


def percentile(values: list[int], q: float) -> int:
    if not values:
        return 0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def behind(store: EventStore, position: int) -> int:
    async with store.pool.connection() as conn:
        cur = await conn.execute(
            "SELECT count(*) FROM (SELECT 1 FROM events WHERE global_position > %s LIMIT %s) s",
            (position, _BEHIND_CAP))
        row = await cur.fetchone()
        return int(row[0]) if row else 0


async def lag_report(store: EventStore, redis: Redis, prefix: str) -> list[ProjectionLag]:
    rows = []
    now_ms = time.time() * 1000
    keys = Keys(prefix)
    for projection in all_projections():
        position, stats = await applied_position(store, redis, prefix, projection.name)
        lags = [int(v) for v in await redis.lrange(keys.projection_lags(projection.name), 0, -1)]
        # A rebuild is the projection's latest sign of life when nothing was applied live since.
        last = max((int(stats[k]) for k in ("last_applied_ms", "rebuilt_at_ms") if stats.get(k)), default=None)
        problem_since = stats.get("problem_since_ms")
        rows.append(ProjectionLag(
            name=projection.name, position=position, behind=await behind(store, position),
            applied=int(stats.get("applied", 0)), last_lag_ms=int(stats.get("last_lag_ms", 0)),
            p50_ms=percentile(lags, 0.50), p99_ms=percentile(lags, 0.99),
            idle_seconds=(now_ms - last) / 1000 if last is not None else None,
            dead_letters=await redis.llen(keys.dead_letters(projection.name)),
            problem=stats.get("problem", ""),
            problem_seconds=(now_ms - int(problem_since)) / 1000 if problem_since else 0.0,
        ))
    return rows
