"""How far a projection has applied the log, as its own records show it: what `ledgermesh lag` and
`reconcile` measure against, so that right after a rebuild both report the truth."""

from __future__ import annotations

from redis.asyncio import Redis

from eventlog.store import EventStore
from readmodel.keys import Keys

_CHECKPOINTED_POSITION = (
    "SELECT coalesce(max(e.global_position), 0) FROM unnest(%s::text[], %s::int[]) AS c(aggregate_id, version)"
    " JOIN events e ON e.aggregate_id = c.aggregate_id AND e.aggregate_version = c.version"
)


async def checkpointed_position(store: EventStore, redis: Redis, keys: Keys, name: str, chunk: int = 5000) -> int:
    """The highest log position the projection's checkpoint (its per-aggregate versions) has applied.
    A rebuild writes the checkpoint with the read models it switches in, not the live stats' position,
    so until the next event this is the truth about a rebuilt projection."""
    top, cursor = 0, 0
    async with store.pool.connection() as conn:
        while True:
            cursor, found = await redis.hscan(keys.projection_versions(name), cursor, count=chunk)
            versions: dict[str, str] = found  # type: ignore[assignment] # decode_responses
            if versions:
                cur = await conn.execute(_CHECKPOINTED_POSITION, (list(versions), [int(v) for v in versions.values()]))
                row = await cur.fetchone()
                top = max(top, int(row[0]) if row else 0)
            if cursor == 0:
                return top


async def applied_position(store: EventStore, redis: Redis, prefix: str, name: str) -> tuple[int, dict[str, str]]:
    """How far the projection has applied the log, and its stats. The stats' position, moved by each
    live apply; after a rebuild (nothing applied live since) the position its checkpoint shows."""
    keys = Keys(prefix)
    stats: dict[str, str] = await redis.hgetall(keys.projection_stats(name))  # type: ignore[assignment]
    position = int(stats.get("position", 0))
    rebuilt, last = stats.get("rebuilt_at_ms"), stats.get("last_applied_ms")
    if rebuilt is not None and int(rebuilt) >= int(last or 0):
        position = max(position, await checkpointed_position(store, redis, keys, name))
    return position, stats
