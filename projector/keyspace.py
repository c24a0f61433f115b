"""Reading, comparing and moving the keys a projection owns (its `key_patterns`) under a prefix.
Everything works in SCAN batches and pipelines, so memory stays bounded by the batch size."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from redis.asyncio import Redis

from projector.projections.base import Projection
from readmodel.keys import Keys

SCAN_COUNT = 5000


def meta_keys(prefix: str, projection: Projection) -> list[str]:
    """The projection's checkpoint (per-aggregate versions): rebuilt and switched with its read models."""
    return [Keys(prefix).projection_versions(projection.name)]


def _matcher(prefix: str, patterns: Sequence[str]) -> re.Pattern[str] | None:
    """One regex for the union of glob patterns that use only `*`; None when one uses more of the glob
    syntax (then each pattern is scanned by Redis itself)."""
    if any(ch in pattern for pattern in patterns for ch in "?[]\\"):
        return None
    return re.compile("|".join(re.escape(prefix + pattern).replace(r"\*", ".*") for pattern in patterns))


async def owned_keys(redis: Redis, prefix: str, projection: Projection) -> AsyncIterator[list[str]]:
    """The read-model keys of `projection` under `prefix`, in batches. One SCAN of the prefix serves all
    the projection's patterns (a SCAN walks the whole keyspace whatever its MATCH, so one per pattern
    costs Redis a walk each); a key may still come twice, as SCAN may return it twice."""
    matcher = _matcher(prefix, projection.key_patterns)
    if matcher is None:
        for pattern in projection.key_patterns:
            batch: list[str] = []
            async for key in redis.scan_iter(match=prefix + pattern, count=SCAN_COUNT):
                batch.append(key if isinstance(key, str) else key.decode())
                if len(batch) >= SCAN_COUNT:
                    yield batch
                    batch = []
            if batch:
                yield batch
        return
    batch = []
    async for key in redis.scan_iter(match=prefix + "*", count=SCAN_COUNT):
        name = key if isinstance(key, str) else key.decode()
        if matcher.fullmatch(name):
            batch.append(name)
            if len(batch) >= SCAN_COUNT:
                yield batch
                batch = []
    if batch:
        yield batch


async def values(redis: Redis, keys: Sequence[str]) -> list[Any]:
    """Comparable contents of each key (None when it does not exist)."""
    pipe = redis.pipeline(transaction=False)
    for key in keys:
        pipe.type(key)
    kinds = [k if isinstance(k, str) else k.decode() for k in await pipe.execute()]
    pipe = redis.pipeline(transaction=False)
    for key, kind in zip(keys, kinds, strict=True):
        if kind == "hash":
            pipe.hgetall(key)
        elif kind == "zset":
            pipe.zrange(key, 0, -1, withscores=True)
        elif kind == "list":
            pipe.lrange(key, 0, -1)
        elif kind == "set":
            pipe.smembers(key)
        elif kind == "string":
            pipe.get(key)
        else:
            pipe.exists(key)
    raw = await pipe.execute()
    result: list[Any] = []
    for kind, value in zip(kinds, raw, strict=True):
        if kind == "none":
            result.append(None)
        elif kind == "set":
            result.append((kind, sorted(value)))
        elif kind == "zset":
            result.append((kind, [(m, float(s)) for m, s in value]))
        else:
            result.append((kind, value))
    return result


@dataclass
class KeyDiff:
    """How the keys of one projection differ between two prefixes."""

    compared: int = 0
    changed: int = 0
    only_new: int = 0
    only_live: int = 0
    examples: list[str] = field(default_factory=list)

    @property
    def differences(self) -> int:
        return self.changed + self.only_new + self.only_live

    def note(self, line: str, limit: int) -> None:
        if len(self.examples) < limit:
            self.examples.append(line)


# Per key: "" when it does not exist, else its type and a SHA-1 of its contents in a canonical order
# (hash fields and set members sorted; each part length-prefixed), so a diff moves digests, not values.
DIGEST_SCRIPT = """
local out = {}
for i, key in ipairs(KEYS) do
  local kind = redis.call('TYPE', key)['ok']
  if kind == 'none' then
    out[i] = ''
  else
    local parts = {}
    if kind == 'hash' then
      local flat = redis.call('HGETALL', key)
      local names = {}
      local by_name = {}
      for j = 1, #flat, 2 do names[#names + 1] = flat[j]; by_name[flat[j]] = flat[j + 1] end
      table.sort(names)
      for _, name in ipairs(names) do parts[#parts + 1] = name; parts[#parts + 1] = by_name[name] end
    elseif kind == 'zset' then
      parts = redis.call('ZRANGE', key, 0, -1, 'WITHSCORES')
    elseif kind == 'list' then
      parts = redis.call('LRANGE', key, 0, -1)
    elseif kind == 'set' then
      parts = redis.call('SMEMBERS', key)
      table.sort(parts)
    elseif kind == 'string' then
      parts = {redis.call('GET', key)}
    end
    local framed = {}
    for j, part in ipairs(parts) do framed[j] = #part .. ':' .. part end
    out[i] = kind .. ':' .. redis.sha1hex(table.concat(framed, ','))
  end
end
return out
"""


async def digests(redis: Redis, keys: Sequence[str]) -> list[str]:
    if not keys:
        return []
    found = await redis.register_script(DIGEST_SCRIPT)(keys=list(keys))
    return [d if isinstance(d, str) else d.decode() for d in found]


async def diff(redis: Redis, live_prefix: str, new_prefix: str, projection: Projection, examples: int = 20) -> KeyDiff:
    result = KeyDiff()
    async for batch in owned_keys(redis, new_prefix, projection):
        live_names = [live_prefix + key[len(new_prefix):] for key in batch]
        new_digests, live_digests = await digests(redis, batch), await digests(redis, live_names)
        changed: list[tuple[str, str]] = []
        for key, name, new, live in zip(batch, live_names, new_digests, live_digests, strict=True):
            result.compared += 1
            if not live:
                result.only_new += 1
                result.note(f"+ {name} (only in the rebuild)", examples)
            elif new != live:
                result.changed += 1
                changed.append((key, name))
        # Values only for the differences shown.
        shown = changed[: max(0, examples - len(result.examples))]
        if shown:
            contents = await values(redis, [key for pair in shown for key in pair])
            for (_key, name), new_value, live_value in zip(shown, contents[::2], contents[1::2], strict=True):
                result.note(f"~ {name}: live {_short(live_value)} != rebuilt {_short(new_value)}", examples)
    async for batch in owned_keys(redis, live_prefix, projection):
        new_names = [new_prefix + key[len(live_prefix):] for key in batch]
        pipe = redis.pipeline(transaction=False)
        for name in new_names:
            pipe.exists(name)
        for key, exists in zip(batch, await pipe.execute(), strict=True):
            if not exists:
                result.only_live += 1
                result.note(f"- {key} (only live)", examples)
    return result


def _short(value: Any, width: int = 160) -> str:
    text = repr(value)
    return text if len(text) <= width else text[: width - 3] + "..."


async def delete_prefix(redis: Redis, prefix: str, projection: Projection) -> int:
    deleted = 0
    async for batch in owned_keys(redis, prefix, projection):
        deleted += await redis.unlink(*batch)
    keys = Keys(prefix)
    return deleted + await redis.unlink(*meta_keys(prefix, projection), keys.projection_stats(projection.name),
                                        keys.projection_lags(projection.name))


async def switch(redis: Redis, live_prefix: str, new_prefix: str, projection: Projection) -> int:
    """Make the rebuilt keys the live ones in one MULTI/EXEC: readers see either the old read model
    or the new one, never a mix. Live keys the rebuild did not produce are deleted in the same
    transaction. (The key names travel in one transaction, so its size grows with the key count.)"""
    stale: list[str] = []
    async for batch in owned_keys(redis, live_prefix, projection):
        pipe = redis.pipeline(transaction=False)
        for key in batch:
            pipe.exists(new_prefix + key[len(live_prefix):])
        stale += [key for key, exists in zip(batch, await pipe.execute(), strict=True) if not exists]
    tx = redis.pipeline(transaction=True)
    for key in stale:
        tx.unlink(key)
    moving: set[str] = set()  # SCAN may return a key twice
    async for batch in owned_keys(redis, new_prefix, projection):
        moving.update(batch)
    for key in meta_keys(new_prefix, projection):
        if await redis.exists(key):
            moving.add(key)
    for key in moving:
        tx.rename(key, live_prefix + key[len(new_prefix):])
    failures = [r for r in await tx.execute(raise_on_error=False) if isinstance(r, Exception)]
    if failures:
        raise RuntimeError(f"switch of {projection.name}: {len(failures)} keys failed, first: {failures[0]}")
    return len(moving)
