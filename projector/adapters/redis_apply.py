"""Applies a projection's writes and its checkpoint in one atomic Lua call.

The checkpoint is per aggregate stream: the last aggregate_version applied. An event at or below it is
a redelivery and changes nothing; an event beyond the next version means an earlier one is still on
its way, so it is refused for later redelivery, which keeps each object's events in order."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections import deque
from collections.abc import Callable, Sequence
from enum import Enum
from typing import Any, NamedTuple

import orjson
from opentelemetry import trace
from redis.asyncio import Redis
from redis.asyncio.connection import AbstractConnection
from redis.exceptions import NoScriptError, ResponseError

from projector.projections.base import Op
from readmodel.keys import Keys

_tracer = trace.get_tracer("ledgermesh.projector")
# What redis-py's instrumentation records for a command (the semantic conventions' database span).
_REDIS_SPAN_ATTRIBUTES = {"db.system": "redis", "db.statement": "EVALSHA", "db.operation.name": "EVALSHA"}

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


# A batch of events for every projection in one atomic call: the one-pass worker's write. Each entry
# is one (event, projection) with the same guard as APPLY_SCRIPT against that projection's own
# checkpoint, so projections stay exact on their own even when one of them fails or falls behind.
# An entry whose writes fail (a Redis error on one of its commands) answers "E:<error>" and leaves
# that projection's checkpoint where it was; the others still apply. An entry with an empty aggregate
# (a dead letter of an undecodable message) runs its writes unguarded. Stats are written once per
# projection per batch. Numbers travel as strings (cjson would make doubles).
APPLY_ALL_SCRIPT = """
local spec = cjson.decode(ARGV[1])
local projections = spec[1]
local n = #projections
local applied, top, top_text, last_ms, last_lag, lags = {}, {}, {}, {}, {}, {}
for p = 1, n do
  applied[p] = 0
  top[p] = tonumber(redis.call('HGET', projections[p][2], 'position') or '0')
  lags[p] = {}
end
local out = {}
for i, e in ipairs(spec[2]) do
  local aggregate, version, position = e[1], tonumber(e[2]), e[3]
  local results = {}
  for j, entry in ipairs(e[7]) do
    local p = entry[1]
    local versions = projections[p][1]
    local result = 1
    if aggregate ~= '' then
      local current = tonumber(redis.call('HGET', versions, aggregate) or '0')
      if version <= current then result = 0 elseif version > current + 1 then result = -1 end
    end
    if result == 1 then
      for _, op in ipairs(entry[2]) do
        local reply = redis.pcall(unpack(op))
        if type(reply) == 'table' and reply.err then result = 'E:' .. reply.err; break end
      end
    end
    if result == 1 and aggregate ~= '' then
      redis.call('HSET', versions, aggregate, e[2])
      applied[p] = applied[p] + 1
      if tonumber(position) > top[p] then top[p] = tonumber(position); top_text[p] = position end
      last_ms[p], last_lag[p] = e[4], e[5]
      if e[6] == '1' then table.insert(lags[p], e[5]) end
    end
    results[j] = result
  end
  out[i] = results
end
for p = 1, n do
  if applied[p] > 0 then
    local stats = projections[p][2]
    redis.call('HINCRBY', stats, 'applied', applied[p])
    if top_text[p] then redis.call('HSET', stats, 'position', top_text[p]) end
    redis.call('HSET', stats, 'last_applied_ms', last_ms[p], 'last_lag_ms', last_lag[p])
    if #lags[p] > 0 then
      redis.call('LPUSH', stats .. ':lags', unpack(lags[p]))
      redis.call('LTRIM', stats .. ':lags', 0, 999)
    end
  end
end
return out
"""


class EventWrites(NamedTuple):
    """One event's writes for several projections (by index into the applier's projections); an
    empty aggregate_id writes unguarded (the dead letter of a message that names no object)."""

    aggregate_id: str
    version: int
    position: int
    now_ms: int
    lag_ms: int
    writes: Sequence[tuple[int, Sequence[Op]]]
    record_lag: bool = True


class EntryResult(NamedTuple):
    outcome: Outcome | None
    # The Redis error of one of the entry's commands (outcome None): that projection did not apply it.
    error: str = ""


class AllProjectionsApplier:
    """Applies a batch of events to every projection in one atomic Lua call, each projection with its
    own checkpoint and stats (the same keys RedisApplier uses, so rebuild, replay and dlq replay keep
    working on them)."""

    def __init__(self, redis: Redis, prefix: str, projections: Sequence[str], *, in_order: bool = False) -> None:
        keys = Keys(prefix)
        self.projections = list(projections)
        self._keys = [[keys.projection_versions(p), keys.projection_stats(p)] for p in self.projections]
        self._script = redis.register_script(APPLY_ALL_SCRIPT)
        # in_order: every call on one connection of its own, sent without waiting for the replies
        # of earlier calls (InOrderCalls); else each call on a pooled connection, one at a time.
        self._in_order = InOrderCalls(redis, APPLY_ALL_SCRIPT) if in_order else None

    async def apply(self, events: Sequence[EventWrites],
                    sent: Callable[[], None] | None = None) -> list[list[EntryResult]]:
        """Apply the batch; `sent` is called once the call is on its way (in_order: the next call
        may be sent then, and Redis runs it after this one)."""
        # orjson, which writes the ops' tuples as arrays itself: json.dumps of the same document, with
        # each op copied to a list first, was a fifth of the worker's CPU.
        spec = orjson.dumps([self._keys, [
            [e.aggregate_id, str(e.version), str(e.position), str(e.now_ms), str(e.lag_ms),
             "1" if e.record_lag else "0", [[index + 1, ops] for index, ops in e.writes]]
            for e in events
        ]])
        if self._in_order is not None:
            if trace.get_current_span().is_recording():
                # Its own connection is not redis-py's instrumented client: the sampled batch's Redis
                # write gets its span here (the consume span's child, the last hop of the trace).
                with _tracer.start_as_current_span("EVALSHA", kind=trace.SpanKind.CLIENT,
                                                   attributes=_REDIS_SPAN_ATTRIBUTES):
                    replies = await self._in_order.call(spec, sent=sent)
            else:
                replies = await self._in_order.call(spec, sent=sent)
        else:
            if sent is not None:
                sent()
            replies = await self._script(keys=[], args=[spec])
        return [[_entry_result(r) for r in reply] for reply in replies]

    async def close(self) -> None:
        if self._in_order is not None:
            await self._in_order.close()


class InOrderCalls:
    """Calls of one Lua script on a Redis connection of their own, each sent without waiting for the
    replies of the calls before it. Redis runs one connection's commands in the order they arrive,
    so the calls take effect in the order they were made, and each caller reads its own reply (they
    come back in that order too). A broken connection fails every call in flight (their callers retry
    them; the version guard makes a repeated apply change nothing) and the next call connects anew."""

    def __init__(self, redis: Redis, script: str) -> None:
        self._pool = redis.connection_pool
        self._script = script
        self._sha = hashlib.sha1(script.encode(), usedforsecurity=False).hexdigest()
        self._conn: AbstractConnection | None = None
        self._loaded = False
        # The callers' replies in the order their calls were sent.
        self._replies: deque[asyncio.Future[Any]] = deque()
        self._sending = asyncio.Lock()
        self._reading = asyncio.Lock()

    async def call(self, *args: str | bytes, sent: Callable[[], None] | None = None) -> Any:
        async with self._sending:
            conn = await self._connected()
            commands: list[tuple[Any, ...]] = [] if self._loaded else [("SCRIPT", "LOAD", self._script)]
            commands.append(("EVALSHA", self._sha, 0, *args))
            replies = [asyncio.get_running_loop().create_future() for _ in commands]
            self._replies.extend(replies)
            try:
                await conn.send_packed_command(conn.pack_commands(commands), check_health=False)
            except BaseException as exc:
                await self._broken(exc)
                raise
            self._loaded = True
        if sent is not None:
            sent()
        mine = replies[-1]
        async with self._reading:
            while not mine.done():
                head = self._replies.popleft()
                try:
                    result = await conn.read_response(disconnect_on_error=False)
                except ResponseError as exc:
                    if isinstance(exc, NoScriptError):
                        self._loaded = False  # flushed meanwhile: the next call loads it again
                    if not head.done():
                        head.set_exception(exc)
                    continue
                except BaseException as exc:
                    self._replies.appendleft(head)
                    await self._broken(exc)
                    raise
                if not head.done():
                    head.set_result(result)
        for reply in replies[:-1]:
            if not reply.cancelled():
                reply.exception()  # SCRIPT LOAD's: retrieved, its failure shows in the call's
        return mine.result()

    async def _connected(self) -> AbstractConnection:
        if self._conn is None:
            conn = self._pool.make_connection()
            await conn.connect()
            self._conn, self._loaded = conn, False
        return self._conn

    async def _broken(self, exc: BaseException) -> None:
        conn, self._conn = self._conn, None
        failed, self._replies = self._replies, deque()
        for reply in failed:
            if not reply.done():
                reply.set_exception(ConnectionError(f"the Redis connection broke: {exc!r}"))
                reply.exception()
        if conn is not None:
            await conn.disconnect(nowait=True)

    async def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            await conn.disconnect()


def _entry_result(reply: int | str | bytes) -> EntryResult:
    if isinstance(reply, bytes):
        reply = reply.decode()
    if isinstance(reply, str):
        return EntryResult(None, reply[2:])
    return EntryResult(Outcome(int(reply)))
