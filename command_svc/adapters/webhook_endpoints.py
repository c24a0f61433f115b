"""PostgreSQL table of webhook endpoints (migration 2): the command side's CRUD."""

from __future__ import annotations

import json
from typing import Any

from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool

from command_svc.application.ports import WebhookEndpointChanges, WebhookEndpointRecord

_COLUMNS = "id, account_id, url, enabled_events, status, secret, description, metadata, created_at"


def _record(row: dict[str, Any]) -> WebhookEndpointRecord:
    metadata = row["metadata"]
    return WebhookEndpointRecord(
        id=row["id"], account_id=row["account_id"], url=row["url"], enabled_events=tuple(row["enabled_events"]),
        status=row["status"], secret=row["secret"], description=row["description"], created_at=row["created_at"],
        metadata=dict(metadata if isinstance(metadata, dict) else json.loads(metadata)),
    )


class WebhookEndpointTable:
    def __init__(self, pool: AsyncConnectionPool) -> None:
        self._pool = pool

    async def insert(self, record: WebhookEndpointRecord, idempotency_key: str) -> WebhookEndpointRecord:
        """Insert, or return the endpoint an earlier call with the same idempotency key created."""
        async with self._pool.connection() as conn:
            cur = conn.cursor(row_factory=dict_row)
            await cur.execute(
                f"INSERT INTO webhook_endpoints ({_COLUMNS}, idempotency_key)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
                " ON CONFLICT (account_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING"
                f" RETURNING {_COLUMNS}",
                (record.id, record.account_id, record.url, list(record.enabled_events), record.status,
                 record.secret, record.description, json.dumps(record.metadata), record.created_at,
                 idempotency_key or None),
            )
            row = await cur.fetchone()
            if row is None:
                await cur.execute(
                    f"SELECT {_COLUMNS} FROM webhook_endpoints WHERE account_id = %s AND idempotency_key = %s",
                    (record.account_id, idempotency_key))
                row = await cur.fetchone()
        assert row is not None
        return _record(row)

    async def get(self, account_id: str, endpoint_id: str) -> WebhookEndpointRecord | None:
        async with self._pool.connection() as conn:
            cur = conn.cursor(row_factory=dict_row)
            await cur.execute(f"SELECT {_COLUMNS} FROM webhook_endpoints WHERE id = %s AND account_id = %s",
                                     (endpoint_id, account_id))
            row = await cur.fetchone()
        return _record(row) if row else None

    async def update(
        self, account_id: str, endpoint_id: str, changes: WebhookEndpointChanges
    ) -> WebhookEndpointRecord | None:
        columns: dict[str, Any] = {
            "url": changes.url, "status": changes.status, "description": changes.description,
            "enabled_events": None if changes.enabled_events is None else list(changes.enabled_events),
        }
        setting = {name: value for name, value in columns.items() if value is not None}
        if not setting:
            return await self.get(account_id, endpoint_id)
        assignments = ", ".join(f"{name} = %s" for name in setting)
        values = list(setting.values())
        if changes.status == "enabled":
            assignments += ", disabled_reason = NULL"
        async with self._pool.connection() as conn:
            cur = conn.cursor(row_factory=dict_row)
            await cur.execute(
                f"UPDATE webhook_endpoints SET {assignments} WHERE id = %s AND account_id = %s RETURNING {_COLUMNS}",
                (*values, endpoint_id, account_id))
            row = await cur.fetchone()
        return _record(row) if row else None

    async def delete(self, account_id: str, endpoint_id: str) -> bool:
        async with self._pool.connection() as conn:
            cur = await conn.execute("DELETE FROM webhook_endpoints WHERE id = %s AND account_id = %s",
                                     (endpoint_id, account_id))
            return cur.rowcount == 1

    async def page(self, account_id: str, limit: int, starting_after: str, ending_before: str
                   ) -> tuple[list[WebhookEndpointRecord], bool]:
        """Newest first, Stripe cursors by id."""
        async with self._pool.connection() as conn:
            cur = conn.cursor(row_factory=dict_row)
            if ending_before:
                await cur.execute(
                    f"SELECT {_COLUMNS} FROM webhook_endpoints WHERE account_id = %s AND seq >"
                    " (SELECT seq FROM webhook_endpoints WHERE id = %s AND account_id = %s)"
                    " ORDER BY seq ASC LIMIT %s", (account_id, ending_before, account_id, limit + 1))
                rows = await cur.fetchall()
                has_more = len(rows) > limit
                return [_record(r) for r in reversed(rows[:limit])], has_more
            if starting_after:
                await cur.execute(
                    f"SELECT {_COLUMNS} FROM webhook_endpoints WHERE account_id = %s AND seq <"
                    " (SELECT seq FROM webhook_endpoints WHERE id = %s AND account_id = %s)"
                    " ORDER BY seq DESC LIMIT %s", (account_id, starting_after, account_id, limit + 1))
            else:
                await cur.execute(
                    f"SELECT {_COLUMNS} FROM webhook_endpoints WHERE account_id = %s ORDER BY seq DESC LIMIT %s",
                    (account_id, limit + 1))
            rows = await cur.fetchall()
        return [_record(r) for r in rows[:limit]], len(rows) > limit
