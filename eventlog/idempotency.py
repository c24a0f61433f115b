"""Idempotency keys, scoped per tenant, as Stripe defines them.

A key is claimed before the command runs (state in_flight) and completed in the same transaction as
the command's events. A retry with the same parameters gets the first response; different parameters
are refused; a retry while the first is still running is refused. A request that fails validation
releases its key, so it can be corrected and retried with the same key."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta

from psycopg_pool import AsyncConnectionPool

from eventlog.errors import IdempotencyKeyInUse, IdempotencyKeyReused

# A claim older than this belongs to a process that died mid-request; it may be taken over.
IN_FLIGHT_LEASE = timedelta(seconds=30)


def request_fingerprint(operation: str, canonical_request: bytes) -> str:
    return hashlib.sha256(operation.encode() + b"\x00" + canonical_request).hexdigest()


@dataclass(frozen=True)
class Claimed:
    """The caller owns the key and must run the command."""


@dataclass(frozen=True)
class SavedResponse:
    """The command already ran; this is what it answered."""

    response: bytes | None
    error_code: int | None = None
    error_reason: str | None = None
    error_message: str | None = None


class IdempotencyKeys:
    def __init__(self, pool: AsyncConnectionPool, ttl: timedelta = timedelta(hours=24)) -> None:
        self._pool = pool
        self._ttl = ttl

    async def claim(
        self, tenant_id: str, key: str, operation: str, request_hash: str
    ) -> Claimed | SavedResponse:
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
                "SELECT request_hash, state, response, error_code, error_reason, error_message"
                " FROM idempotency_keys WHERE tenant_id = %s AND key = %s",
                (tenant_id, key),
            )
            row = await cur.fetchone()
        if row is None:
            # Freed between our insert and select: let the caller retry the claim.
            raise IdempotencyKeyInUse("the idempotency key is being used by a concurrent request")
        stored_hash, state, response, code, reason, message = row
        if stored_hash != request_hash:
            raise IdempotencyKeyReused(
                "Keys for idempotent requests can only be used with the same parameters they were first used with."
            )
        if state == "in_flight":
            raise IdempotencyKeyInUse(
                "There is currently another in-progress request using this idempotency key. Retry later."
            )
        return SavedResponse(bytes(response) if response is not None else None, code, reason, message)

    async def release(self, tenant_id: str, key: str) -> None:
        """Forget an in-flight claim whose request saved no result (it failed validation)."""
        async with self._pool.connection() as conn:
            await conn.execute(
                "DELETE FROM idempotency_keys WHERE tenant_id = %s AND key = %s AND state = 'in_flight'",
                (tenant_id, key),
            )

    async def save_error(self, tenant_id: str, key: str, code: int, reason: str, message: str) -> None:
        """Save a refusal decided by the command (not by validation) so retries get it again."""
        async with self._pool.connection() as conn:
            await conn.execute(
                "UPDATE idempotency_keys SET state = 'done', error_code = %s, error_reason = %s,"
                " error_message = %s, locked_until = NULL WHERE tenant_id = %s AND key = %s",
                (code, reason, message, tenant_id, key),
            )

    async def purge_expired(self) -> int:
        async with self._pool.connection() as conn:
            cur = await conn.execute(
                "DELETE FROM idempotency_keys WHERE created_at < now() - %s", (self._ttl,)
            )
            return cur.rowcount
