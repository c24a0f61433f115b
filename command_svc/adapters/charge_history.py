"""The charges already requested, asked of the PostgreSQL event log (migration 3's indexes)."""

from __future__ import annotations

from datetime import datetime

from psycopg_pool import AsyncConnectionPool

from command_svc.application.ports import RecentCharges


class PostgresChargeHistory:
    def __init__(self, pool: AsyncConnectionPool) -> None:
        self._pool = pool

    async def recent_charges(
        self, tenant_id: str, card_fingerprint: str, *, card_since: datetime, card_cap: int,
        account_since: datetime, account_cap: int,
    ) -> RecentCharges:
        # Each count stops at its cap: an index range scan of bounded length however busy the account is.
        async with self._pool.connection() as conn:
            cur = await conn.execute(
                "SELECT"
                " (SELECT count(*) FROM (SELECT 1 FROM events WHERE event_type = 'ChargeRequested'"
                "   AND tenant_id = %(tenant)s AND event_data->'card'->>'fingerprint' = %(card)s"
                "   AND created_at > %(card_since)s LIMIT %(card_cap)s) c),"
                " (SELECT count(*) FROM (SELECT 1 FROM events WHERE event_type = 'ChargeRequested'"
                "   AND tenant_id = %(tenant)s AND created_at > %(account_since)s LIMIT %(account_cap)s) a)",
                {"tenant": tenant_id, "card": card_fingerprint, "card_since": card_since, "card_cap": card_cap,
                 "account_since": account_since, "account_cap": account_cap},
            )
            row = await cur.fetchone()
        return RecentCharges(int(row[0]), int(row[1])) if row else RecentCharges(0, 0)

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
