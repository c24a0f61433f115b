"""The webhook_deliveries table (migration 2): what is still to be sent, to whom, and when to try next."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import psycopg
from psycopg_pool import AsyncConnectionPool

from eventcodec.personal import REDACTED, ErasedField
from stripe_shapes import events


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

    @staticmethod
    async def redact(conn: psycopg.AsyncConnection[Any], erased: Sequence[ErasedField]) -> int:
        """Overwrite the erased fields in every delivery of their events, and of later events of their
        objects (a webhook's `data.object` is the whole object as it stood, e.g. a `charge.captured`
        still shows the description of ChargeRequested), sent or not (crypto-shredding: a payload kept
        in clear would outlive the key), in the caller's transaction; how many rows changed."""
        by_event: dict[str, list[ErasedField]] = {}
        by_object: dict[str, list[ErasedField]] = {}
        for field in erased:
            by_event.setdefault(events.event_id(field.event_id), []).append(field)
            by_object.setdefault(field.aggregate_id, []).append(field)
        if not by_event:
            return 0
        # The object ids are found in the payloads: a scan, which a rare `forget` can afford.
        cur = await conn.execute(
            "SELECT id, event_id, payload FROM webhook_deliveries WHERE event_id = ANY(%s)"
            " OR payload::jsonb #>> '{data,object,id}' = ANY(%s) FOR UPDATE", (sorted(by_event), sorted(by_object)))
        changed = 0
        for delivery_id, event_id, payload in await cur.fetchall():
            document = json.loads(payload)
            data_object = document.get("data", {}).get("object", {})
            for field in (*by_event.get(event_id, ()), *by_object.get(str(data_object.get("id", "")), ())):
                _redact(data_object, field)
            redacted = json.dumps(document, separators=(",", ":"))
            if redacted != payload:
                await conn.execute("UPDATE webhook_deliveries SET payload = %s WHERE id = %s", (redacted, delivery_id))
                changed += 1
        return changed

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


def _redact(data_object: dict[str, Any], field: ErasedField) -> None:
    """Overwrite one erased field where the payload holds it: dotted fields are nested
    (`address.line1`), a map value is under its key."""
    *parents, leaf = field.field.split(".")
    node: Any = data_object
    for name in parents:
        node = node.get(name) if isinstance(node, dict) else None
    if not isinstance(node, dict):
        return
    if field.map_key is None:
        if leaf in node:
            node[leaf] = REDACTED
    elif isinstance(node.get(leaf), dict) and field.map_key in node[leaf]:
        node[leaf][field.map_key] = REDACTED
