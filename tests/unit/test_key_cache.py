"""The key cache's own rule for how long a known key is answered without PostgreSQL: while its
revocation follower vouches for it (a round trip less than a TTL ago), else for its TTL only."""

from __future__ import annotations

import asyncio
import time

from support.api_keys import KeyKind
from support.key_store import ApiKeyRecord, CachedKeys

TTL = 0.05


class TableOfKeys:
    """The api_keys table as a dict (the lookup's truth), counting the lookups that reach it."""

    def __init__(self) -> None:
        self.rows: dict[str, ApiKeyRecord] = {}
        self.lookups = 0

    async def lookup(self, key_hash: str) -> ApiKeyRecord | None:
        self.lookups += 1
        return self.rows.get(key_hash)

    async def account_exists(self, account_id: str) -> bool:
        return any(r.account_id == account_id for r in self.rows.values())

    def known(self, key_hash: str) -> ApiKeyRecord | None:
        return None


def _record() -> ApiKeyRecord:
    return ApiKeyRecord("key_1", "acct_1", KeyKind.SECRET, "sk_test_abc")


async def _past_the_ttl() -> None:
    deadline = time.monotonic() + 3 * TTL
    while time.monotonic() < deadline:
        await asyncio.sleep(TTL / 2)


async def test_a_vouched_key_is_answered_past_its_ttl_and_a_revoked_one_is_refused_once_forgotten() -> None:
    table = TableOfKeys()
    table.rows["h1"] = _record()
    cache = CachedKeys(table, ttl_seconds=TTL)
    assert await cache.lookup("h1") == _record()
    await _past_the_ttl()
    cache.vouch(time.monotonic())
    assert await cache.lookup("h1") == _record() and table.lookups == 1
    del table.rows["h1"]
    cache.forget("h1")
    assert await cache.lookup("h1") is None and table.lookups == 2


async def test_a_follower_that_went_silent_vouches_no_longer_than_a_ttl() -> None:
    table = TableOfKeys()
    table.rows["h1"] = _record()
    cache = CachedKeys(table, ttl_seconds=TTL)
    await cache.lookup("h1")
    # Its last round trip, then silence: the revocation's notification never comes.
    cache.vouch(time.monotonic())
    del table.rows["h1"]
    await _past_the_ttl()
    assert await cache.lookup("h1") is None and table.lookups == 2


async def test_unknown_keys_are_kept_for_their_ttl_only_even_when_vouched() -> None:
    table = TableOfKeys()
    cache = CachedKeys(table, ttl_seconds=TTL)
    assert await cache.lookup("h2") is None
    table.rows["h2"] = _record()  # issued after a first try: it must work within the TTL
    await _past_the_ttl()
    cache.vouch(time.monotonic())
    assert await cache.lookup("h2") == _record()


async def test_a_lost_follower_and_an_emptied_table_leave_nothing_trusted() -> None:
    table = TableOfKeys()
    table.rows["h1"] = _record()
    cache = CachedKeys(table, ttl_seconds=TTL)
    await cache.lookup("h1")
    cache.vouch(time.monotonic())
    cache.unvouch()
    await _past_the_ttl()
    await cache.lookup("h1")
    assert table.lookups == 2
    cache.vouch(time.monotonic())
    table.rows.clear()
    cache.forget("")  # TRUNCATE api_keys announces no key
    assert await cache.lookup("h1") is None
