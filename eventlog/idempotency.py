"""Idempotency keys, scoped per tenant, as Stripe defines them.

A key is claimed before the command runs (state in_flight) and completed in the same transaction as
the command's events. A retry with the same parameters gets the first response; different parameters
are refused; a retry while the first is still running is refused. A request that fails validation
releases its key, so it can be corrected and retried with the same key."""

from __future__ import annotations

from datetime import timedelta

from psycopg.types.json import Jsonb
from psycopg_pool import AsyncConnectionPool

from eventlog.errors import IdempotencyKeyInUse, IdempotencyKeyReused
from eventlog.records import IN_FLIGHT_LEASE, Claimed, SavedRefusal, SavedResponse


class IdempotencyKeys:
    def __init__(self, pool: AsyncConnectionPool, ttl: timedelta = timedelta(hours=24)) -> None:
        self._pool = pool
        self._ttl = ttl

    async def claim(
        self, tenant_id: str, key: str, operation: str, request_hash: str
    ) -> Claimed | SavedResponse | SavedRefusal:
        async with self._pool.connection() as conn, conn.transaction():
            # Expired keys (older than the TTL) and abandoned claims are free again.
            await conn.execute(
                "DELETE FROM idempotency_keys WHERE tenant_id = %s AND key = %s AND"
                " (created_at < now() - %s OR (state = 'in_flight' AND locked_until < now()))",
                (tenant_id, key, self._ttl),
            )
            cur = await conn.execute(
                "INSERT INTO idempotency_keys (tenant_id, key, operation, request_hash, state, locked_until)"
                " VALUES (%s, %s, %s, %s, 'in_flight', now() + %s)"
                " ON CONFLICT (tenant_id, key) DO NOTHING RETURNING key",
                (tenant_id, key, operation, request_hash, IN_FLIGHT_LEASE),
            )
            if await cur.fetchone():
                return Claimed()
            cur = await conn.execute(
                "SELECT request_hash, state, response, refusal_kind, refusal_reason, refusal_message,"
                " refusal_field, refusal_metadata FROM idempotency_keys WHERE tenant_id = %s AND key = %s",
                (tenant_id, key),
            )
            row = await cur.fetchone()
        if row is None:
            # Freed between our insert and select: let the caller retry the claim.
            raise IdempotencyKeyInUse("the idempotency key is being used by a concurrent request")
        stored_hash, state, response, kind, reason, message, field, metadata = row
        if stored_hash != request_hash:
            raise IdempotencyKeyReused()
        if state == "in_flight":
            raise IdempotencyKeyInUse()
        if kind is not None:
            return SavedRefusal(kind, reason or "", message or "", field, dict(metadata or {}))
        return SavedResponse(bytes(response or b""))

    async def release(self, tenant_id: str, key: str) -> None:
        """Forget an in-flight claim whose request saved no result (it failed validation)."""
        async with self._pool.connection() as conn:
            await conn.execute(
                "DELETE FROM idempotency_keys WHERE tenant_id = %s AND key = %s AND state = 'in_flight'",
                (tenant_id, key),
            )

    async def save_refusal(self, tenant_id: str, key: str, refusal: SavedRefusal) -> None:
        """Save a refusal decided by the command (not by validation) so retries get it again."""
        async with self._pool.connection() as conn:
            await conn.execute(
                "UPDATE idempotency_keys SET state = 'done', refusal_kind = %s, refusal_reason = %s,"
                " refusal_message = %s, refusal_field = %s, refusal_metadata = %s, locked_until = NULL"
                " WHERE tenant_id = %s AND key = %s",
                (refusal.kind, refusal.reason, refusal.message, refusal.field, Jsonb(dict(refusal.metadata)),
                 tenant_id, key),
            )

    async def purge_expired(self) -> int:
        async with self._pool.connection() as conn:
            cur = await conn.execute(
                "DELETE FROM idempotency_keys WHERE created_at < now() - %s", (self._ttl,)
            )
            return cur.rowcount
