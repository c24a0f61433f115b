"""API keys as every service's interceptor resolves them: from PostgreSQL's `api_keys` table (the truth,
never a read model that can be lost), behind a short cache that revocation empties at once.

Any change to a key (revoked, deleted, its grants; eventlog/migrations.py, 7 and 11) fires NOTIFY
ledgermesh_api_keys; each process LISTENs and drops the key from its cache. While that listening
connection is proven alive (a round trip on it at most a TTL ago, which also delivered every
notification sent before it), a known key is answered from the cache without asking PostgreSQL again:
a revocation reaches it by notification. When the connection is down or silent, the TTL bounds
staleness as before, so a revoked key is refused within the TTL either way. Unknown keys are cached for
the TTL only (a key issued later must work at once), so a flood of random keys costs one indexed lookup
per key, as a known key does."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import psycopg
from psycopg_pool import AsyncConnectionPool

from support.api_keys import KeyKind
from support.cancellation import cancel_and_wait
from support.permissions import Access

log = logging.getLogger(__name__)

# Closing the listening connection is quick; a process that is stopping does not wait longer than this.
_FOLLOWER_STOP_S = 2.0

REVOCATION_CHANNEL = "ledgermesh_api_keys"


@dataclass(frozen=True)
class ApiKeyRecord:
    key_id: str
    account_id: str
    kind: KeyKind
    key_prefix: str
    permissions: Mapping[str, Access] = field(default_factory=dict)


class KeyLookup(Protocol):
    async def lookup(self, key_hash: str) -> ApiKeyRecord | None: ...

    async def account_exists(self, account_id: str) -> bool:
        """Whether an account was ever onboarded (its first key is written in the onboarding commit)."""
        ...

    def known(self, key_hash: str) -> ApiKeyRecord | None:
        """A key this process has seen valid (and not seen revoked), without asking anyone; else None."""
        ...


def record_from_row(row: tuple[Any, ...]) -> ApiKeyRecord:
    key_id, account_id, kind, key_prefix, permissions = row
    raw = permissions if isinstance(permissions, dict) else json.loads(permissions or "{}")
    return ApiKeyRecord(str(key_id), str(account_id), KeyKind(kind), str(key_prefix),
                        {str(r): Access(a) for r, a in raw.items()})


class PostgresKeys:
    def __init__(self, pool: AsyncConnectionPool) -> None:
        self._pool = pool

    async def lookup(self, key_hash: str) -> ApiKeyRecord | None:
        async with self._pool.connection() as conn:
            cur = await conn.execute(
                "SELECT id, account_id, kind, key_prefix, permissions FROM api_keys"
                " WHERE key_hash = %s AND revoked_at IS NULL", (key_hash,))
            row = await cur.fetchone()
        return record_from_row(row) if row else None

    def known(self, key_hash: str) -> ApiKeyRecord | None:
        return None

    async def account_exists(self, account_id: str) -> bool:
        async with self._pool.connection() as conn:
            cur = await conn.execute("SELECT 1 FROM api_keys WHERE account_id = %s LIMIT 1", (account_id,))
            return await cur.fetchone() is not None


class CachedKeys:
    """Answers (also "no such key") kept `ttl_seconds`, at most `max_entries`, dropped on revocation.
    A known key is kept longer (up to `vouched_max_seconds`) while the revocation follower vouches
    for it: see `vouch`."""

    def __init__(self, inner: KeyLookup, ttl_seconds: float = 1.0, max_entries: int = 100_000, *,
                 vouched_max_seconds: float = 30.0) -> None:
        self._inner = inner
        self._ttl = ttl_seconds
        self._max = max_entries
        # Even a follower that never misses a notification does not keep a key for good: a change the
        # trigger does not announce is still seen within this bound.
        self._vouched_max = max(vouched_max_seconds, ttl_seconds)
        # key hash -> (answer, expires: end of its TTL, trusted until: end of its vouched life)
        self._cache: OrderedDict[str, tuple[ApiKeyRecord | None, float, float]] = OrderedDict()
        # Bumped by every invalidation: a lookup that started before one must not cache its answer.
        self._generation = 0
        # Every revocation committed before this moment (monotonic) has reached `forget`.
        self._vouched_at = float("-inf")
        self._accounts: set[str] = set()
        self._missing_accounts: dict[str, float] = {}

    @property
    def ttl_seconds(self) -> float:
        return self._ttl

    def vouch(self, delivered_before: float) -> None:
        """The follower's word: every revocation committed before `delivered_before` (time.monotonic)
        has been forgotten. A key known valid stays answered from the cache while that word is less
        than a TTL old, so a revocation after it is seen within the TTL in any case."""
        self._vouched_at = max(self._vouched_at, delivered_before)

    def unvouch(self) -> None:
        """The follower lost its connection: only the TTL counts until it vouches again."""
        self._vouched_at = float("-inf")

    def _fresh(self, hit: tuple[ApiKeyRecord | None, float, float], now: float) -> bool:
        if hit[1] > now:
            return True
        return hit[0] is not None and hit[2] > now and now - self._vouched_at < self._ttl

    async def lookup(self, key_hash: str) -> ApiKeyRecord | None:
        now = time.monotonic()
        hit = self._cache.get(key_hash)
        if hit is not None and self._fresh(hit, now):
            return hit[0]
        generation = self._generation
        record = await self._inner.lookup(key_hash)
        if generation == self._generation:
            self._cache[key_hash] = (record, now + self._ttl, now + self._vouched_max)
            self._cache.move_to_end(key_hash)
            while len(self._cache) > self._max:
                self._cache.popitem(last=False)
        return record

    def known(self, key_hash: str) -> ApiKeyRecord | None:
        # Expired answers count: revocation removes entries (forget / clear), and whoever asks still
        # looks the key up afresh; this only tells a key seen valid from a guess.
        hit = self._cache.get(key_hash)
        return hit[0] if hit is not None else None

    async def account_exists(self, account_id: str) -> bool:
        """Accounts are never deleted: a yes is kept for good, a no only as long as any answer."""
        now = time.monotonic()
        if account_id in self._accounts:
            return True
        missing_until = self._missing_accounts.get(account_id)
        if missing_until is not None and missing_until > now:
            return False
        exists = await self._inner.account_exists(account_id)
        if exists:
            self._accounts.add(account_id)
            self._missing_accounts.pop(account_id, None)
        elif len(self._missing_accounts) < self._max:
            self._missing_accounts[account_id] = now + self._ttl
        return exists

    def forget(self, key_hash: str) -> None:
        self._generation += 1
        if not key_hash:  # api_keys truncated: no key can be named
            self._cache.clear()
            return
        self._cache.pop(key_hash, None)

    def clear(self) -> None:
        self._generation += 1
        self._cache.clear()


async def follow_revocations(conninfo: str, cache: CachedKeys, *, ready: asyncio.Event | None = None,
                             interval: float = 0.25) -> None:
    """LISTEN for revoked keys until cancelled; on a lost connection, forget everything and listen again.

    Every `interval` the listening connection makes a round trip. PostgreSQL sends a listener the
    notifications of transactions committed before a statement ahead of that statement's answer, so
    once the answer is in (and what came with it forgotten), every revocation committed before the
    round trip began has been seen: the follower vouches for the cache up to that moment. A connection
    that stops answering (a silent network cut) stops vouching, and the cache's TTL rules again."""
    backoff = 0.1
    while True:
        try:
            async with await psycopg.AsyncConnection.connect(conninfo, autocommit=True) as conn:
                await conn.execute(f"LISTEN {REVOCATION_CHANNEL}")
                # Whatever was revoked while we were not listening.
                cache.clear()
                backoff = 0.1
                if ready is not None:
                    ready.set()
                while True:
                    sent = time.monotonic()
                    # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow the cancellation
                    # that stops the follower when the round trip ends at the same moment.
                    async with asyncio.timeout(max(2.0, 8 * interval)):
                        await conn.execute("SELECT 1")
                    # The notifications that arrived ahead of the answer, then those to come until the
                    # next round trip.
                    async for note in conn.notifies(timeout=0):
                        cache.forget(note.payload)
                    cache.vouch(sent)
                    async for note in conn.notifies(timeout=interval):
                        cache.forget(note.payload)
        except asyncio.CancelledError:
            cache.unvouch()
            raise
        except (psycopg.Error, TimeoutError) as exc:
            cache.unvouch()
            log.warning("api key revocations: listening connection lost (%s); retrying", exc or type(exc).__name__)
            cache.clear()
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 2.0)


@dataclass
class RevocationFollower:
    """The listening task of one process, started and stopped by the composition root."""

    task: asyncio.Task[None]

    @classmethod
    async def start(cls, conninfo: str, cache: CachedKeys) -> RevocationFollower:
        ready = asyncio.Event()
        # Several round trips per TTL, so a vouch never ages out between two of them on a busy host.
        interval = min(0.25, cache.ttl_seconds / 4)
        task = asyncio.create_task(follow_revocations(conninfo, cache, ready=ready, interval=interval))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(ready.wait(), 5.0)
        return cls(task)

    async def stop(self) -> None:
        await cancel_and_wait([self.task], _FOLLOWER_STOP_S, "api key revocation follower")
