"""The charges already requested, asked of the PostgreSQL event log (migration 3's indexes)."""

from __future__ import annotations

from datetime import datetime

from psycopg_pool import AsyncConnectionPool


class PostgresChargeHistory:
    def __init__(self, pool: AsyncConnectionPool) -> None:
        self._pool = pool

    async def card_charges(self, tenant_id: str, card_fingerprint: str, *, since: datetime, cap: int) -> int:
        # Stops at the cap: an index range scan of bounded length however often the card was used.
        async with self._pool.connection() as conn:
            cur = await conn.execute(
                "SELECT count(*) FROM (SELECT 1 FROM events WHERE event_type = 'ChargeRequested'"
                " AND tenant_id = %(tenant)s AND event_data->'card'->>'fingerprint' = %(card)s"
                " AND created_at > %(since)s LIMIT %(cap)s) c",
                {"tenant": tenant_id, "card": card_fingerprint, "since": since, "cap": cap},
            )
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    async def lapsed_authorizations(self, tenant_id: str, now: datetime, limit: int) -> list[str]:
        async with self._pool.connection() as conn:
            cur = await conn.execute(
                "SELECT a.aggregate_id FROM events a WHERE a.tenant_id = %s AND a.event_type = 'PaymentAuthorized'"
                " AND (a.event_data->>'expires_at')::timestamptz <= %s AND NOT EXISTS ("
                "  SELECT 1 FROM events b WHERE b.aggregate_id = a.aggregate_id"
                "  AND b.event_type IN ('PaymentCaptured', 'AuthorizationExpired'))"
                " ORDER BY a.global_position LIMIT %s",
                (tenant_id, now, limit),
            )
            return [row[0] for row in await cur.fetchall()]
