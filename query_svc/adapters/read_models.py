"""Reads the Redis read models the projector writes (their schema and mappers live in readmodel/)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from ledgermesh.payments.v1 import charge_pb2
from redis.asyncio import Redis

from query_svc.adapters.pages import Pager, PageRequest, ScriptCalls
from query_svc.adapters.redis_link import RedisLink
from readmodel.charges import charge_from_hash
from readmodel.keys import Keys

T = TypeVar("T")

# Hashes read in one call: one round trip, and one script call costs redis-py less than a pipeline.
HASHES_SCRIPT = """
local out = {}
for i, key in ipairs(KEYS) do out[i] = redis.call('HGETALL', key) end
return out
"""


def _as_dict(flat: list[str]) -> dict[str, str]:
    it = iter(flat)
    return dict(zip(it, it, strict=True))


class ReadModels:
    def __init__(self, redis: Redis, prefix: str, wait_timeout_ms: int = 1000) -> None:
        self._redis = redis
        self.keys = Keys(prefix)
        self._wait_timeout = wait_timeout_ms / 1000.0
        # The hot reads (a Get's or a page's one script call) go through one pipelined connection of
        # their own (query_svc/adapters/redis_link.py); the rest through redis-py.
        self._link = RedisLink.like(redis)
        self._scripts = ScriptCalls(redis, self._link)
        self.pager = Pager(redis, self._scripts)
        self._hashes = redis.register_script(HASHES_SCRIPT)

    @property
    def redis(self) -> Redis:
        return self._redis

    def last_answer(self) -> float:
        """When Redis last answered a hot read (time.monotonic; 0 when none went through the link)."""
        return self._link.last_answer if self._link is not None else 0.0

    async def close(self) -> None:
        if self._link is not None:
            await self._link.close()

    async def wait_until(self, probe: Callable[[], Awaitable[bool]]) -> bool:
        """Poll `probe` until it holds or the read-your-writes bound passes."""
        deadline = time.monotonic() + self._wait_timeout
        delay = 0.002
        while True:
            if await probe():
                return True
            if time.monotonic() >= deadline:
                return False
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.05)

    async def checkpoint(self, projection: str) -> int:
        """The highest log position `projection` has applied."""
        return int(await self._redis.hget(self.keys.projection_stats(projection), "position") or 0)

    async def once_projected(self, read: Callable[[], Awaitable[T | None]], projection: str, position: int) -> T | None:
        """`read()` until it finds something, or until `projection` has applied `position` (read
        after the checkpoint, so an object applied meanwhile is seen), within the wait bound."""
        deadline = time.monotonic() + self._wait_timeout
        delay = 0.002
        while True:
            reached = await self.checkpoint(projection) >= position
            found = await read()
            if found is not None or reached or time.monotonic() >= deadline:
                return found
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.05)

    async def hash_at(self, key: str, min_position: int) -> dict[str, str]:
        """A read model hash, waiting (bounded) until it reflects `min_position`."""
        found: dict[str, str] = {}

        async def probe() -> bool:
            nonlocal found
            found = await self._redis.hgetall(key)  # type: ignore[assignment] # decode_responses
            return bool(found) and (min_position <= 0 or int(found.get("position") or 0) >= min_position)

        if min_position > 0:
            await self.wait_until(probe)
        else:
            await probe()
        return found

    async def charge(self, account_id: str, charge_id: str, min_position: int = 0) -> charge_pb2.Charge | None:
        if min_position <= 0:
            # The common read: charge and metadata in one round trip.
            return (await self.charges(account_id, [charge_id]))[0]
        h = await self.hash_at(self.keys.charge(charge_id), min_position)
        if not h or h.get("account_id") != account_id:
            return None
        metadata: dict[str, str] = await self._redis.hgetall(self.keys.charge_metadata(charge_id))  # type: ignore[assignment]
        return charge_from_hash(h, metadata)

    async def owned(self, key: str, account_id: str, min_position: int = 0) -> dict[str, str] | None:
        """A hash that belongs to `account_id`, else None: another tenant's object does not exist."""
        h = await self.hash_at(key, min_position)
        if not h or h.get("account_id") != account_id or "id" not in h:
            return None
        return h

    async def hashes(self, keys: list[str]) -> list[dict[str, str]]:
        if not keys:
            return []
        found = await self._scripts.run(self._hashes, keys)
        return [_as_dict(flat) for flat in found]

    async def owned_many(self, key_of: Callable[[str], str], account_id: str, ids: list[str]) -> list[dict[str, str] | None]:
        found = await self.hashes([key_of(i) for i in ids])
        return [h if h and h.get("account_id") == account_id and "id" in h else None for h in found]

    async def charges(self, account_id: str, ids: list[str]) -> list[charge_pb2.Charge | None]:
        keys: list[str] = []
        for i in ids:
            keys += (self.keys.charge(i), self.keys.charge_metadata(i))
        return self._charges_of(account_id, await self.hashes(keys))

    @staticmethod
    def _charges_of(account_id: str, raw: list[dict[str, str]]) -> list[charge_pb2.Charge | None]:
        charges: list[charge_pb2.Charge | None] = []
        for h, metadata in zip(raw[::2], raw[1::2], strict=True):
            ok = h and h.get("account_id") == account_id and "id" in h
            charges.append(charge_from_hash(h, metadata) if ok else None)
        return charges

    async def charge_page(self, account_id: str, page: PageRequest) -> tuple[list[charge_pb2.Charge], bool]:
        """A page of the account's charges, newest first: the index window and every charge with its
        metadata in one round trip."""
        _ids, has_more, raw = await self.pager.page_with_hashes(
            self.keys.account_charges(account_id), page, self.keys.charge(""), ":metadata")
        return [c for c in self._charges_of(account_id, raw) if c is not None], has_more

    async def owned_page(self, key_of: Callable[[str], str], index: str, account_id: str, page: PageRequest
                         ) -> tuple[list[dict[str, str]], bool]:
        """A page of the account's hashes named `key_of(id)` from `index`, in one round trip."""
        _ids, has_more, raw = await self.pager.page_with_hashes(index, page, key_of(""))
        return [h for h in raw if h and h.get("account_id") == account_id and "id" in h], has_more

    async def strings(self, keys: list[str]) -> list[str | None]:
        return [None if v is None else str(v) for v in await self._redis.mget(keys)] if keys else []
