"""The delivery side's view of the webhook_endpoints table (written by the command side)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from psycopg_pool import AsyncConnectionPool


@dataclass(frozen=True)
class Endpoint:
    id: str
    account_id: str
    url: str
    enabled_events: frozenset[str]
    secret: str
    created_at: datetime

    def wants(self, stripe_type: str) -> bool:
        return "*" in self.enabled_events or stripe_type in self.enabled_events


class EndpointDirectory:
    def __init__(self, pool: AsyncConnectionPool) -> None:
        self._pool = pool

    async def enabled_for(self, account_ids: Collection[str]) -> dict[str, list[Endpoint]]:
        """The enabled endpoints of each account, in one query for a whole batch of events. Read per
        batch, uncached: an endpoint created a moment ago must get the next event."""
        found: dict[str, list[Endpoint]] = {a: [] for a in account_ids}
        if not found:
            return found
        async with self._pool.connection() as conn:
            cur = await conn.execute(
                "SELECT id, account_id, url, enabled_events, secret, created_at FROM webhook_endpoints"
                " WHERE account_id = ANY(%s) AND status = 'enabled'", (list(found),))
            rows = await cur.fetchall()
        for r in rows:
            found[r[1]].append(Endpoint(r[0], r[1], r[2], frozenset(r[3]), r[4], r[5]))
        return found

    async def current(self, endpoint_id: str) -> Endpoint | None:
        """The endpoint as it is now (URL or secret may have changed), or None if deleted or disabled."""
        async with self._pool.connection() as conn:
            cur = await conn.execute(
                "SELECT id, account_id, url, enabled_events, secret, created_at FROM webhook_endpoints"
                " WHERE id = %s AND status = 'enabled'", (endpoint_id,))
            r = await cur.fetchone()
        return Endpoint(r[0], r[1], r[2], frozenset(r[3]), r[4], r[5]) if r else None

    async def disable(self, endpoint_id: str, reason: str) -> None:
        async with self._pool.connection() as conn:
            await conn.execute("UPDATE webhook_endpoints SET status = 'disabled', disabled_reason = %s WHERE id = %s",
                               (reason[:500], endpoint_id))
