"""Keys as the interceptors read them: PostgreSQL behind a short cache that revocation empties at once."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest_asyncio

from composition.infrastructure import open_pool
from support.api_keys import KeyKind, display_prefix, hash_key, new_key, new_key_id
from support.key_store import CachedKeys, PostgresKeys, RevocationFollower
from support.settings import Settings
from tests.conftest import eventually


@pytest_asyncio.fixture
async def pool(settings: Settings, cleanup: None) -> AsyncIterator[object]:
    opened = await open_pool(settings, min_size=1, max_size=4)
    try:
        yield opened
    finally:
        await opened.close()


async def _issue(pool, account: str = "acct_1") -> str:  # type: ignore[no-untyped-def]
    secret = new_key(KeyKind.SECRET)
    async with pool.connection() as conn:
        await conn.execute("INSERT INTO api_keys (key_hash, account_id, key_prefix, id, kind) VALUES (%s, %s, %s, %s,"
                           " 'secret')", (hash_key(secret), account, display_prefix(secret), new_key_id()))
    return secret


async def test_a_revoked_key_leaves_every_cache_at_once_and_unknown_keys_are_answered_from_the_cache(
        pool, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    cache = CachedKeys(PostgresKeys(pool), ttl_seconds=3600)
    follower = await RevocationFollower.start(settings.database_url or "", cache)
    try:
        secret = await _issue(pool)
        record = await cache.lookup(hash_key(secret))
        assert record is not None and record.account_id == "acct_1" and record.kind is KeyKind.SECRET
        unknown = hash_key("sk_test_never_issued")
        assert await cache.lookup(unknown) is None

        async with pool.connection() as conn:
            await conn.execute("UPDATE api_keys SET revoked_at = now() WHERE key_hash = %s", (hash_key(secret),))

        async def refused() -> bool:
            return await cache.lookup(hash_key(secret)) is None

        # Far inside the hour-long TTL: the NOTIFY, not the clock, emptied the cache.
        await eventually(refused, timeout=1.0, message="the revoked key stayed in the cache")
        assert await cache.account_exists("acct_1") and not await cache.account_exists("acct_nobody")
    finally:
        await follower.stop()


class CountedKeys:
    """PostgresKeys, counting the lookups that reach PostgreSQL."""

    def __init__(self, inner: PostgresKeys) -> None:
        self.inner = inner
        self.lookups = 0

    async def lookup(self, key_hash: str):  # type: ignore[no-untyped-def]
        self.lookups += 1
        return await self.inner.lookup(key_hash)

    async def account_exists(self, account_id: str) -> bool:
        return await self.inner.account_exists(account_id)

    def known(self, key_hash: str) -> None:
        return None


async def test_a_known_key_is_not_looked_up_again_while_the_follower_listens_and_its_revocation_still_counts(
        pool, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    ttl = 0.2
    counted = CountedKeys(PostgresKeys(pool))
    cache = CachedKeys(counted, ttl_seconds=ttl)
    follower = await RevocationFollower.start(settings.database_url or "", cache)
    secret, other = await _issue(pool), await _issue(pool)
    try:
        assert await cache.lookup(hash_key(secret)) is not None
        deadline = time.monotonic() + 5 * ttl
        while time.monotonic() < deadline:  # five TTLs of calls with the key
            assert await cache.lookup(hash_key(secret)) is not None
            await asyncio.sleep(ttl / 4)
        assert counted.lookups == 1

        async with pool.connection() as conn:
            await conn.execute("UPDATE api_keys SET revoked_at = now() WHERE key_hash = %s", (hash_key(secret),))

        async def refused() -> bool:
            return await cache.lookup(hash_key(secret)) is None

        await eventually(refused, timeout=1.0, message="the revoked key stayed in the cache")
        assert await cache.lookup(hash_key(other)) is not None
    finally:
        await follower.stop()
    # Nobody listens any more: the TTL alone bounds how long a revoked key is still answered.
    async with pool.connection() as conn:
        await conn.execute("UPDATE api_keys SET revoked_at = now() WHERE key_hash = %s", (hash_key(other),))

    async def other_refused() -> bool:
        return await cache.lookup(hash_key(other)) is None

    await eventually(other_refused, timeout=1.0, message="without a follower, the TTL did not expire the key")
