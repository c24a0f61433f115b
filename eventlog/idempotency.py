"""Idempotency keys, scoped per tenant, as Stripe defines them.

A key is claimed before the command runs (state in_flight) and completed in the same transaction as
the command's events. A retry with the same parameters gets the first response; different parameters
are refused; a retry while the first is still running is refused. A request that fails validation
releases its key, so it can be corrected and retried with the same key.

A claim is held by its process, not by a timer alone: the row names the owner (one id per command
process, which beats in idempotency_owners from a PostgreSQL session it holds) and a lease token.
When the owner's session ends (kill -9: the kernel closes its socket, PostgreSQL ends the backend)
its keys are free at once; when it stops beating (SIGSTOP, a partition) they are free after
`stale_after`. So a client's retry succeeds instead of meeting 409 idempotency_key_in_use for the
old 30 s; the commit saves its response only
under the lease it claimed with (eventlog.group_commit), so a paused process that wakes up after its
key was taken over cannot answer it twice. A release that fails while PostgreSQL is away is retried
by the heartbeat, so after an outage no key stays locked by a request that ended."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

import psycopg
from psycopg.types.json import Jsonb
from psycopg_pool import AsyncConnectionPool

from eventlog.errors import IdempotencyKeyInUse, IdempotencyKeyReused
from eventlog.records import IN_FLIGHT_LEASE, Claimed, SavedRefusal, SavedResponse

log = logging.getLogger(__name__)

# Free: expired keys (older than the TTL), claims past their lease, and claims whose owner stopped
# beating (a NULL owner is a row from before owners; the lease alone frees it).
_FREE_ABANDONED = (
    "DELETE FROM idempotency_keys k WHERE k.tenant_id = %(tenant)s AND k.key = %(key)s AND"
    " (k.created_at < now() - %(ttl)s OR (k.state = 'in_flight' AND (k.locked_until < now()"
    "  OR (k.owner_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM idempotency_owners o"
    "      WHERE o.owner_id = k.owner_id AND o.heartbeat_at > now() - %(stale)s"
    "      AND (o.backend_pid IS NULL OR EXISTS (SELECT 1 FROM pg_stat_activity a"
    "           WHERE a.pid = o.backend_pid AND a.backend_start = o.backend_start)))))))"
)
# The claim of a key nobody holds (every request's first try): one statement, committed on its own
# without waiting for its WAL to reach the disk (`set_config(..., true)` holds for this statement's own
# transaction only; the claim is visible to every session at its commit all the same). PostgreSQL writes
# WAL out in order, so anything the claimed command makes durable later (its events and response, in
# the batch's synchronous commit, or its refusal) makes the claim durable with it: a claim lost in a
# PostgreSQL crash belongs to a command that wrote nothing and told its client nothing, and the client's
# retry claims the key afresh. A key that exists takes the path below, synchronous as before (a take-over,
# a saved answer), as do release and save_refusal, whose callers answer their clients right after
# them. docs/write-path.md, "How each guarantee is kept", says why in full.
_CLAIM_NEW = (
    "WITH no_flush_wait AS (SELECT set_config('synchronous_commit', 'off', true))"
    " INSERT INTO idempotency_keys (tenant_id, key, operation, request_hash, state, locked_until, owner_id, lease)"
    " SELECT %(tenant)s, %(key)s, %(operation)s, %(hash)s, 'in_flight', now() + %(lease_for)s, %(owner)s, %(lease)s"
    " FROM no_flush_wait ON CONFLICT (tenant_id, key) DO NOTHING RETURNING key"
)
_CLAIM = (
    "INSERT INTO idempotency_keys (tenant_id, key, operation, request_hash, state, locked_until, owner_id, lease)"
    " VALUES (%(tenant)s, %(key)s, %(operation)s, %(hash)s, 'in_flight', now() + %(lease_for)s, %(owner)s, %(lease)s)"
    " ON CONFLICT (tenant_id, key) DO NOTHING RETURNING key"
)
# Transactions of owners that stopped beating (paused, cut off) and that hold locks someone waits for:
# ended, so a paused process cannot hold a busy merchant's stream locks for as long as it sleeps. Its
# sessions carry its name (session_name); when it wakes, its commit fails and its caller retries.
_END_STALE_HOLDERS = (
    "SELECT count(pg_terminate_backend(a.pid)) FROM pg_stat_activity a JOIN idempotency_owners o"
    " ON a.application_name = 'ledgermesh:' || o.owner_id"
    " WHERE o.heartbeat_at < now() - %s AND a.xact_start IS NOT NULL AND a.pid <> pg_backend_pid()"
    " AND a.pid IN (SELECT unnest(pg_blocking_pids(w.pid)) FROM pg_stat_activity w WHERE w.wait_event_type = 'Lock')"
)


def session_name(owner_id: str) -> str:
    """The application_name of a process's PostgreSQL sessions: how its stale transactions are found."""
    return f"ledgermesh:{owner_id}"


# Beaten from the owner's own session, which it names: that session's end is the owner's death.
_BEAT = ("INSERT INTO idempotency_owners (owner_id, heartbeat_at, backend_pid, backend_start)"
         " SELECT %s, now(), pid, backend_start FROM pg_stat_activity WHERE pid = pg_backend_pid()"
         " ON CONFLICT (owner_id) DO UPDATE SET heartbeat_at = now(), backend_pid = excluded.backend_pid,"
         " backend_start = excluded.backend_start")


# What a retry of a request whose saved response was erased gets instead (a kept refusal: the request
# was carried out, and running it again would do it twice).
ERASED_REASON = "IDEMPOTENT_RESPONSE_ERASED"
_ERASE_RESPONSES = (
    "UPDATE idempotency_keys SET response = NULL, refusal_kind = 'failed_precondition', refusal_reason = %s,"
    " refusal_message = %s, refusal_field = NULL, refusal_metadata = '{}'"
    " WHERE state = 'done' AND response IS NOT NULL AND aggregate_ids && %s::text[]"
)


async def erase_responses(conn: psycopg.AsyncConnection[Any], aggregate_ids: Iterable[str]) -> int:
    """Erase the saved responses of the commits that wrote to these streams, in the caller's
    transaction (`forget`: a response shows the objects as they were, personal fields in clear); how
    many. A retry under such a key is refused (ERASED_REASON), never run a second time."""
    cur = await conn.execute(_ERASE_RESPONSES, (
        ERASED_REASON, "The response saved under this idempotency key was erased with the personal data it held"
        " (a data subject was forgotten); the request was carried out. Read the object instead.",
        sorted(set(aggregate_ids))))
    return cur.rowcount


class IdempotencyKeys:
    def __init__(self, pool: AsyncConnectionPool, ttl: timedelta = timedelta(hours=24), *,
                 owner_id: str | None = None, stale_after: timedelta = timedelta(seconds=3)) -> None:
        self._pool = pool
        self._ttl = ttl
        # Without an owner (tools, tests of the table alone) a claim is held by its lease time only.
        self._owner = owner_id
        self._stale_after = stale_after
        # In-flight claims this process ended but could not forget (PostgreSQL was away).
        self._unreleased: set[tuple[str, str, str]] = set()
        # The session the owner beats from, taken from the pool and held while the process lives.
        self._session: psycopg.AsyncConnection[Any] | None = None

    async def claim(
        self, tenant_id: str, key: str, operation: str, request_hash: str
    ) -> Claimed | SavedResponse | SavedRefusal:
        lease = uuid.uuid4().hex
        params = {"tenant": tenant_id, "key": key, "operation": operation, "hash": request_hash,
                  "ttl": self._ttl, "stale": self._stale_after, "lease_for": IN_FLIGHT_LEASE,
                  "owner": self._owner, "lease": lease}
        async with self._pool.connection() as conn:
            cur = await conn.execute(_CLAIM_NEW, params)
            if await cur.fetchone():
                return Claimed(lease)
        async with self._pool.connection() as conn, conn.transaction():
            await conn.execute(_FREE_ABANDONED, params)
            cur = await conn.execute(_CLAIM, params)
            if await cur.fetchone():
                return Claimed(lease)
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

    async def release(self, tenant_id: str, key: str, lease: str = "") -> None:
        """Forget an in-flight claim whose request saved no result (it failed validation, or a
        dependency failed under it); only the claim under `lease` when one is given."""
        try:
            await self._release(tenant_id, key, lease)
        except psycopg.OperationalError:
            self._unreleased.add((tenant_id, key, lease))
            raise

    async def _release(self, tenant_id: str, key: str, lease: str) -> None:
        async with self._pool.connection() as conn:
            await conn.execute(
                "DELETE FROM idempotency_keys WHERE tenant_id = %s AND key = %s AND state = 'in_flight'"
                " AND (%s = '' OR lease = %s)",
                (tenant_id, key, lease, lease),
            )

    async def beat(self) -> None:
        """Show this process alive (its claims stay held), and forget the claims whose release failed."""
        if self._owner is None:
            return
        if self._session is not None and (self._session.closed or self._session.broken):
            await self._pool.putconn(self._session)
            self._session = None
        if self._session is None:
            self._session = await self._pool.getconn()
        try:
            await self._session.execute(_BEAT, (self._owner,))
        except psycopg.OperationalError:
            await self._pool.putconn(self._session)
            self._session = None
            raise
        ended = await self._session.execute(_END_STALE_HOLDERS, (self._stale_after,))
        row = await ended.fetchone()
        if row and row[0]:
            log.warning("ended %d transactions of stopped processes that held locks others waited for", row[0])
        for pending in list(self._unreleased):
            await self._release(*pending)
            self._unreleased.discard(pending)

    async def keep_alive(self, stop: asyncio.Event, interval: float = 0.5) -> None:
        """Beat every `interval` until `stop`; then give this process's claims up at once."""
        while not stop.is_set():
            try:
                await self.beat()
            except psycopg.Error as exc:  # PostgreSQL away: beat again when it is back
                log.debug("idempotency heartbeat failed: %s", exc)
            try:
                await asyncio.wait_for(stop.wait(), timeout=interval)
            except TimeoutError:
                pass
        if self._owner is not None:
            try:
                async with self._pool.connection() as conn:
                    await conn.execute("DELETE FROM idempotency_owners WHERE owner_id = %s", (self._owner,))
            except psycopg.Error as exc:
                log.info("could not give up this process's idempotency claims: %s", exc)
        if self._session is not None:
            await self._pool.putconn(self._session)
            self._session = None

    async def save_refusal(self, tenant_id: str, key: str, refusal: SavedRefusal, lease: str = "") -> None:
        """Save a refusal decided by the command (not by validation) so retries get it again; only
        under `lease` when one is given (a claim taken over since keeps its new owner's answer)."""
        async with self._pool.connection() as conn:
            await conn.execute(
                "UPDATE idempotency_keys SET state = 'done', refusal_kind = %s, refusal_reason = %s,"
                " refusal_message = %s, refusal_field = %s, refusal_metadata = %s, locked_until = NULL"
                " WHERE tenant_id = %s AND key = %s AND (%s = '' OR (state = 'in_flight' AND lease = %s))",
                (refusal.kind, refusal.reason, refusal.message, refusal.field, Jsonb(dict(refusal.metadata)),
                 tenant_id, key, lease, lease),
            )

    async def purge_expired(self) -> int:
        async with self._pool.connection() as conn:
            cur = await conn.execute(
                "DELETE FROM idempotency_keys WHERE created_at < now() - %s", (self._ttl,)
            )
            return cur.rowcount
