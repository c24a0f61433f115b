"""The webhook_deliveries table (migration 2): what is still to be sent, to whom, and when to try next."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from psycopg_pool import AsyncConnectionPool


@dataclass(frozen=True)
class PendingDelivery:
    id: int
    endpoint_id: str
    event_id: str
    payload: str
    attempts: int
    next_attempt_at: datetime


class DeliveryOutbox:
    def __init__(self, pool: AsyncConnectionPool) -> None:
        self._pool = pool

    async def enqueue(self, endpoint_ids: list[str], event_id: str, payload: str) -> None:
        """Idempotent: a redelivered bus message adds nothing."""
        async with self._pool.connection() as conn:
            async with conn.transaction():
                for endpoint_id in endpoint_ids:
                    await conn.execute(
                        "INSERT INTO webhook_deliveries (endpoint_id, event_id, payload) VALUES (%s, %s, %s)"
                        " ON CONFLICT ON CONSTRAINT webhook_deliveries_once DO NOTHING",
                        (endpoint_id, event_id, payload))

    async def next_for(self, endpoint_id: str) -> PendingDelivery | None:
        """The oldest pending delivery of the endpoint: deliveries go out in order, one at a time."""
        async with self._pool.connection() as conn:
            cur = await conn.execute(
                "SELECT id, endpoint_id, event_id, payload, attempts, next_attempt_at FROM webhook_deliveries"
                " WHERE endpoint_id = %s AND status = 'pending' ORDER BY id LIMIT 1", (endpoint_id,))
            r = await cur.fetchone()
        return PendingDelivery(r[0], r[1], r[2], r[3], r[4], r[5]) if r else None

    async def endpoints_with_pending(self) -> list[str]:
        async with self._pool.connection() as conn:
            cur = await conn.execute("SELECT DISTINCT endpoint_id FROM webhook_deliveries WHERE status = 'pending'")
            return [r[0] for r in await cur.fetchall()]

    async def delivered(self, delivery_id: int) -> None:
        async with self._pool.connection() as conn:
            await conn.execute("UPDATE webhook_deliveries SET status = 'delivered', attempts = attempts + 1,"
                               " last_error = NULL WHERE id = %s", (delivery_id,))

    async def retry_later(self, delivery_id: int, delay: timedelta, error: str) -> None:
        async with self._pool.connection() as conn:
            await conn.execute("UPDATE webhook_deliveries SET attempts = attempts + 1, last_error = %s,"
                               " next_attempt_at = now() + %s WHERE id = %s", (error[:500], delay, delivery_id))

    async def give_up(self, endpoint_id: str, error: str) -> None:
        """Every pending delivery of an endpoint that is being disabled."""
        async with self._pool.connection() as conn:
            await conn.execute("UPDATE webhook_deliveries SET status = 'failed', last_error = %s"
                               " WHERE endpoint_id = %s AND status = 'pending'", (error[:500], endpoint_id))
