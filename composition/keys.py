"""Key management on the `api_keys` table (PostgreSQL, the truth every interceptor reads): issue a
key of a kind, list an account's keys, revoke one. Configuration with a secret, not history, like
webhook endpoints: the secret is shown once and only its hash is kept."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

import psycopg
from psycopg.types.json import Jsonb
from psycopg_pool import AsyncConnectionPool

from support.api_keys import PLATFORM_ACCOUNT, KeyKind, display_prefix, hash_key, new_key, new_key_id
from support.permissions import Access, format_permissions


@dataclass(frozen=True)
class IssuedKey:
    key_id: str
    account_id: str
    kind: KeyKind
    secret: str


@dataclass(frozen=True)
class KeyListing:
    key_id: str
    kind: KeyKind
    key_prefix: str
    permissions: str
    created_at: datetime
    revoked_at: datetime | None


class UnknownKeyOrAccount(LookupError):
    """A key or account the command names does not exist."""


async def _account_exists(conn: psycopg.AsyncConnection, account_id: str) -> bool:
    cur = await conn.execute(
        "SELECT 1 FROM events WHERE aggregate_id = %s AND event_type = 'AccountOnboarded' LIMIT 1", (account_id,))
    return await cur.fetchone() is not None


async def issue_key(pool: AsyncConnectionPool, kind: KeyKind, account_id: str = "",
                    permissions: Mapping[str, Access] | None = None) -> IssuedKey:
    """A new key; operator keys belong to the platform, the others to an existing account."""
    account = PLATFORM_ACCOUNT if kind is KeyKind.OPERATOR else account_id
    secret = new_key(kind)
    key_id = new_key_id()
    grants = {r: a.value for r, a in (permissions or {}).items()} if kind is KeyKind.RESTRICTED else {}
    async with pool.connection() as conn:
        if kind is not KeyKind.OPERATOR and not await _account_exists(conn, account):
            raise UnknownKeyOrAccount(f"no such account: {account!r}")
        await conn.execute(
            "INSERT INTO api_keys (key_hash, account_id, key_prefix, id, kind, permissions)"
            " VALUES (%s, %s, %s, %s, %s, %s)",
            (hash_key(secret), account, display_prefix(secret), key_id, kind.value, Jsonb(grants)))
    return IssuedKey(key_id, account, kind, secret)


async def list_keys(pool: AsyncConnectionPool, account_id: str) -> list[KeyListing]:
    async with pool.connection() as conn:
        cur = await conn.execute(
            "SELECT id, kind, key_prefix, permissions, created_at, revoked_at FROM api_keys"
            " WHERE account_id = %s ORDER BY created_at, id", (account_id,))
        rows = await cur.fetchall()
    return [KeyListing(str(r[0]), KeyKind(r[1]), str(r[2]),
                       format_permissions({k: Access(v) for k, v in (r[3] or {}).items()}), r[4], r[5])
            for r in rows]


async def revoke_key(pool: AsyncConnectionPool, key_id: str) -> datetime:
    """Revoke at once: every process's cache drops the key on the NOTIFY this update fires."""
    async with pool.connection() as conn:
        cur = await conn.execute(
            "UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE id = %s RETURNING revoked_at",
            (key_id,))
        row = await cur.fetchone()
    if row is None:
        raise UnknownKeyOrAccount(f"no such key: {key_id!r}")
    return row[0]  # type: ignore[no-any-return]


async def key_id_of(pool: AsyncConnectionPool, secret: str) -> str | None:
    async with pool.connection() as conn:
        cur = await conn.execute("SELECT id FROM api_keys WHERE key_hash = %s AND revoked_at IS NULL",
                                 (hash_key(secret),))
        row = await cur.fetchone()
    return str(row[0]) if row else None
