"""Applies a projection's writes and its checkpoint in one atomic Lua call.

The checkpoint is per aggregate stream: the last aggregate_version applied. An event at or below it is
a redelivery and changes nothing; an event beyond the next version means an earlier one is still on
its way, so it is refused for later redelivery, which keeps each object's events in order."""

from __future__ import annotations

import json
from collections.abc import Sequence
from enum import Enum
from typing import NamedTuple

from redis.asyncio import Redis

from projector.projections.base import Op
from readmodel.keys import Keys

APPLY_SCRIPT = """
local versions = ARGV[1]
local stats = ARGV[2]
local aggregate = ARGV[3]
local version = tonumber(ARGV[4])
local force = ARGV[9] == '1'
local current = tonumber(redis.call('HGET', versions, aggregate) or '0')
if not force then
  if version <= current then return 0 end
  if version > current + 1 then return -1 end
end
for _, op in ipairs(cjson.decode(ARGV[8])) do
  redis.call(unpack(op))
end
if version > current then redis.call('HSET', versions, aggregate, version) end
redis.call('HINCRBY', stats, 'applied', 1)
local position = tonumber(ARGV[5])
if position > tonumber(redis.call('HGET', stats, 'position') or '0') then
  redis.call('HSET', stats, 'position', position)
end
redis.call('HSET', stats, 'last_applied_ms', ARGV[6], 'last_lag_ms', ARGV[7])
if ARGV[10] == '1' then
  -- a ring of recent lags, for p50/p99 in `ledgermesh lag`
  redis.call('LPUSH', stats .. ':lags', ARGV[7])
  redis.call('LTRIM', stats .. ':lags', 0, 999)
end
return 1
"""


# Many events for one projection in one call: the same guard and writes as APPLY_SCRIPT, applied in
# order, with the stats written once per batch. Numbers travel as strings (cjson would make doubles).
APPLY_BATCH_SCRIPT = """
local versions = ARGV[1]
local stats = ARGV[2]
local out = {}
local applied = 0
local top = tonumber(redis.call('HGET', stats, 'position') or '0')
local top_text = nil
local last_ms, last_lag = nil, nil
for i, a in ipairs(cjson.decode(ARGV[3])) do
  local aggregate, version = a[1], tonumber(a[2])
  local current = tonumber(redis.call('HGET', versions, aggregate) or '0')
  if version <= current then
    out[i] = 0
  elseif version > current + 1 then
    out[i] = -1
  else
    for _, op in ipairs(a[6]) do
      redis.call(unpack(op))
    end
    redis.call('HSET', versions, aggregate, a[2])
    applied = applied + 1
    if tonumber(a[3]) > top then top = tonumber(a[3]); top_text = a[3] end
    last_ms, last_lag = a[4], a[5]
    if a[7] == '1' then redis.call('LPUSH', stats .. ':lags', a[5]) end
    out[i] = 1
  end
end
if applied > 0 then
  redis.call('HINCRBY', stats, 'applied', applied)
  if top_text then redis.call('HSET', stats, 'position', top_text) end
  redis.call('HSET', stats, 'last_applied_ms', last_ms, 'last_lag_ms', last_lag)
  redis.call('LTRIM', stats .. ':lags', 0, 999)
end
return out
"""


class Outcome(Enum):
    APPLIED = 1
    DUPLICATE = 0
    OUT_OF_ORDER = -1


class Application(NamedTuple):
    """One event's writes for one projection. (A named tuple: a rebuild makes one per event and
    projection, and a tuple is built several times faster than a frozen dataclass.)"""

    aggregate_id: str
    version: int
    position: int
    ops: Sequence[Op]
    now_ms: int
    lag_ms: int
    force: bool = False
    # Rebuilds and replays are not live traffic: their lag would pollute the ring of recent lags.
    record_lag: bool = True


class RedisApplier:
    def __init__(self, redis: Redis, prefix: str, projection: str) -> None:
        self._redis = redis
        self._script = redis.register_script(APPLY_SCRIPT)
        self._batch_script = redis.register_script(APPLY_BATCH_SCRIPT)
        keys = Keys(prefix)
        self.versions_key = keys.projection_versions(projection)
        self.stats_key = keys.projection_stats(projection)
        self.lags_key = keys.projection_lags(projection)

    def _args(self, a: Application) -> list[str | int]:
        return [
            self.versions_key, self.stats_key, a.aggregate_id, a.version, a.position,
            a.now_ms, a.lag_ms, json.dumps([list(op) for op in a.ops]), "1" if a.force else "0",
            "1" if a.record_lag else "0",
        ]

    async def apply(self, application: Application) -> Outcome:
        result = await self._script(keys=[], args=self._args(application))
        return Outcome(int(result))

    async def apply_many(self, applications: Sequence[Application]) -> list[Outcome]:
        """Many events in one round trip. Guarded events go through one batch script call, applied
        in order exactly as one call each would; forced ones (replays into a fresh prefix) keep one
        atomic call each in a pipeline, so a failure can never apply a forced event twice. (A pipeline
        with a script costs redis-py a SCRIPT EXISTS round trip first, so a single event goes alone.)"""
        if len(applications) == 1:
            return [await self.apply(applications[0])]
        if applications and not any(a.force for a in applications):
            batch = json.dumps([
                [a.aggregate_id, str(a.version), str(a.position), str(a.now_ms), str(a.lag_ms),
                 [list(op) for op in a.ops], "1" if a.record_lag else "0"]
                for a in applications
            ])
            results = await self._batch_script(keys=[], args=[self.versions_key, self.stats_key, batch])
            return [Outcome(int(r)) for r in results]
        pipe = self._redis.pipeline(transaction=False)
        for a in applications:
            await self._script(keys=[], args=self._args(a), client=pipe)
        return [Outcome(int(r)) for r in await pipe.execute()]
