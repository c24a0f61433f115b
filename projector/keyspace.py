"""Reading, comparing and moving the keys a projection owns (its `key_patterns`) under a prefix.
Everything works in SCAN batches and pipelines, so memory stays bounded by the batch size.

The `*_many` functions serve every projection of a rebuild with one SCAN of each prefix (a SCAN walks the
whole keyspace whatever its MATCH, so one per projection and step cost Redis a walk each: a rebuild of
all projections walked it 45 times), and send their commands packed by hiredis on one connection, a
batch of keys per script call (redis-py's pipeline builds and packs each command in Python)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import hiredis
from redis._parsers.hiredis import NOT_ENOUGH_DATA, _AsyncHiredisParser
from redis.asyncio import Redis
from redis.asyncio.connection import Connection
from redis.exceptions import ConnectionError

from projector.projections.base import Projection
from readmodel.keys import Keys

SCAN_COUNT = 5000
# Keys per script call (each call names them all in KEYS).
SCRIPT_KEYS = 1000
# Keys a switch's transaction moves per second on a loaded machine, at the least: sizes the wait for its
# reply (a quiet machine moves several times more).
SWITCH_KEYS_PER_S = 50_000


def meta_keys(prefix: str, projection: Projection) -> list[str]:
    """The projection's checkpoint (per-aggregate versions): rebuilt and switched with its read models."""
    return [Keys(prefix).projection_versions(projection.name)]


def _glob_regex(prefix: str, patterns: Sequence[str]) -> str:
    return "|".join(re.escape(prefix + pattern).replace(r"\*", ".*") for pattern in patterns)


def _plain_globs(projections: Sequence[Projection]) -> bool:
    """Whether every pattern uses only `*` of the glob syntax (so a regex can stand for them)."""
    return not any(ch in pattern for p in projections for pattern in p.key_patterns for ch in "?[]\\")


def _matcher(prefix: str, patterns: Sequence[str]) -> re.Pattern[str] | None:
    """One regex for the union of glob patterns that use only `*`; None when one uses more of the glob
    syntax (then each pattern is scanned by Redis itself)."""
    if any(ch in pattern for pattern in patterns for ch in "?[]\\"):
        return None
    return re.compile(_glob_regex(prefix, patterns))


async def owned_keys(redis: Redis, prefix: str, projection: Projection) -> AsyncIterator[list[str]]:
    """The read-model keys of `projection` under `prefix`, in batches. One SCAN of the prefix serves all
    the projection's patterns; a key may still come twice, as SCAN may return it twice."""
    async for batches in keys_by_projection(redis, prefix, [projection]):
        yield batches[0]


async def keys_by_projection(redis: Redis, prefix: str, projections: Sequence[Projection],
                             ) -> AsyncIterator[list[list[str]]]:
    """The read-model keys of each of `projections` under `prefix`, a SCAN batch at a time: per batch, one
    list per projection (in their order; an empty one when the batch held none of its keys). One SCAN
    of the prefix for them all (the projections own disjoint keys); a key may come twice, as SCAN may
    return it twice."""
    if not _plain_globs(projections):
        for i, projection in enumerate(projections):
            for pattern in projection.key_patterns:
                batch: list[str] = []
                async for key in redis.scan_iter(match=prefix + pattern, count=SCAN_COUNT):
                    batch.append(key if isinstance(key, str) else key.decode())
                    if len(batch) >= SCAN_COUNT:
                        yield [batch if j == i else [] for j in range(len(projections))]
                        batch = []
                if batch:
                    yield [batch if j == i else [] for j in range(len(projections))]
        return
    # One alternative per projection: the name of the group that matched says whose key it is.
    matcher = re.compile("|".join(f"(?P<p{i}>{_glob_regex(prefix, p.key_patterns)})"
                                  for i, p in enumerate(projections)))
    groups = {f"p{i}": i for i in range(len(projections))}
    batches: list[list[str]] = [[] for _ in projections]
    found = 0
    async for key in redis.scan_iter(match=prefix + "*", count=SCAN_COUNT):
        name = key if isinstance(key, str) else key.decode()
        match = matcher.fullmatch(name)
        if match is not None:
            batches[groups[match.lastgroup or ""]].append(name)
            found += 1
            if found >= SCAN_COUNT:
                yield batches
                batches, found = [[] for _ in projections], 0
    if found:
        yield batches


@asynccontextmanager
async def _connection(redis: Redis) -> AsyncIterator[Connection]:
    """A connection of the client's pool, held for a sequence of packed commands; dropped (not reused)
    when anything fails, since replies may be left unread on it."""
    pool = redis.connection_pool
    connection = await pool.get_connection()  # type: ignore[no-untyped-call]
    try:
        yield connection
    except BaseException:
        await connection.disconnect()
        raise
    finally:
        await pool.release(connection)


async def _send(connection: Connection, commands: Sequence[Sequence[Any]]) -> None:
    await connection.send_packed_command(b"".join(hiredis.pack_command(tuple(c)) for c in commands),
                                         check_health=False)


async def _replies(connection: Connection, count: int, timeout: float | None = None) -> list[Any]:
    """The next `count` replies on the connection. redis-py reads each reply under a timeout of its own
    (most of a rebuild's reading of its write replies went to making them): with its hiredis parser,
    they are taken from hiredis's reader as they come, with the connection's timeout (or `timeout`)
    on each read of the socket instead. An error reply raises (the caller drops the connection)."""
    read_timeout = connection.socket_timeout if timeout is None else timeout
    parser = connection._parser
    reader, stream = getattr(parser, "_reader", None), getattr(parser, "_stream", None)
    if not isinstance(parser, _AsyncHiredisParser) or not isinstance(reader, hiredis.Reader) or stream is None:
        return [await connection.read_response() for _ in range(count)]
    replies: list[Any] = []
    while len(replies) < count:
        reply = reader.gets()
        if reply is NOT_ENOUGH_DATA:
            async with asyncio.timeout(read_timeout):
                data = await stream.read(65536)
            if not data:
                raise ConnectionError("Redis closed the connection")
            reader.feed(data)
            continue
        if isinstance(reply, Exception):
            raise reply
        replies.append(reply)
    return replies


async def run_packed(redis: Redis, commands: Sequence[Sequence[Any]]) -> list[Any]:
    """The replies of `commands`, sent in one write packed by hiredis (redis-py packs each argument in
    Python: a quarter of a rebuild's time when it did) on one connection; an error reply raises."""
    if not commands:
        return []
    async with _connection(redis) as connection:
        await _send(connection, commands)
        return await _replies(connection, len(commands))


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
_DIGEST_FUNCTION = """
local function digest(key)
  local kind = redis.call('TYPE', key)['ok']
  if kind == 'none' then
    return ''
  end
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
  return kind .. ':' .. redis.sha1hex(table.concat(framed, ','))
end
"""

DIGEST_SCRIPT = _DIGEST_FUNCTION + """
local out = {}
for i, key in ipairs(KEYS) do out[i] = digest(key) end
return out
"""

# KEYS: n rebuilt keys, then their n live names. Per pair: 0 the same, 1 changed, 2 no live key.
_COMPARE_SCRIPT = _DIGEST_FUNCTION + """
local n = #KEYS / 2
local out = {}
for i = 1, n do
  local live = digest(KEYS[n + i])
  if live == '' then out[i] = 2 elseif live == digest(KEYS[i]) then out[i] = 0 else out[i] = 1 end
end
return out
"""

# KEYS: n keys, then n names under the other prefix: the (1-based) indexes of the keys whose other
# name does not exist.
_UNMATCHED_SCRIPT = """
local n = #KEYS / 2
local out = {}
for i = 1, n do
  if redis.call('EXISTS', KEYS[n + i]) == 0 then out[#out + 1] = i end
end
return out
"""

# KEYS: n live keys, then their n rebuilt names: UNLINK the live keys the rebuild did not produce.
_UNLINK_UNMATCHED_SCRIPT = """
local n = #KEYS / 2
local unlinked = 0
for i = 1, n do
  if redis.call('EXISTS', KEYS[n + i]) == 0 then unlinked = unlinked + redis.call('UNLINK', KEYS[i]) end
end
return unlinked
"""

# KEYS: n rebuilt keys, then their n live names: RENAME each that exists (SCAN may name a key twice;
# the second time it is already moved).
_MOVE_SCRIPT = """
local n = #KEYS / 2
local moved = 0
for i = 1, n do
  if redis.call('EXISTS', KEYS[i]) == 1 then
    redis.call('RENAME', KEYS[i], KEYS[n + i])
    moved = moved + 1
  end
end
return moved
"""


def _paired(script: str, keys: Sequence[str], others: Sequence[str]) -> list[tuple[Any, ...]]:
    """EVAL commands of `script` over (key, other name) pairs, SCRIPT_KEYS pairs at most per call."""
    commands: list[tuple[Any, ...]] = []
    for i in range(0, len(keys), SCRIPT_KEYS):
        part, other = keys[i:i + SCRIPT_KEYS], others[i:i + SCRIPT_KEYS]
        commands.append(("EVAL", script, 2 * len(part), *part, *other))
    return commands


async def digests(redis: Redis, keys: Sequence[str]) -> list[str]:
    if not keys:
        return []
    found = await redis.register_script(DIGEST_SCRIPT)(keys=list(keys))
    return [d if isinstance(d, str) else d.decode() for d in found]


def _renamed(keys: Sequence[str], old: str, new: str) -> list[str]:
    cut = len(old)
    return [new + key[cut:] for key in keys]


async def diff_many(redis: Redis, live_prefix: str, new_prefix: str, projections: Sequence[Projection],
                    examples: int = 20) -> list[KeyDiff]:
    """diff for each of `projections`, with one SCAN of each prefix for them all."""
    results = [KeyDiff() for _ in projections]
    async for batches in keys_by_projection(redis, new_prefix, projections):
        commands: list[tuple[Any, ...]] = []
        spans: list[tuple[int, list[str], list[str]]] = []
        for i, batch in enumerate(batches):
            if batch:
                live_names = _renamed(batch, new_prefix, live_prefix)
                spans.append((i, batch, live_names))
                commands += _paired(_COMPARE_SCRIPT, batch, live_names)
        replies = iter(await run_packed(redis, commands))
        for i, batch, live_names in spans:
            result = results[i]
            statuses: list[int] = []
            while len(statuses) < len(batch):
                statuses += next(replies)
            changed: list[tuple[str, str]] = []
            for key, name, status in zip(batch, live_names, statuses, strict=True):
                result.compared += 1
                if status == 2:
                    result.only_new += 1
                    result.note(f"+ {name} (only in the rebuild)", examples)
                elif status == 1:
                    result.changed += 1
                    changed.append((key, name))
            # Values only for the differences shown.
            shown = changed[: max(0, examples - len(result.examples))]
            if shown:
                contents = await values(redis, [key for pair in shown for key in pair])
                for (_key, name), new_value, live_value in zip(shown, contents[::2], contents[1::2], strict=True):
                    result.note(f"~ {name}: live {_short(live_value)} != rebuilt {_short(new_value)}", examples)
    async for batches in keys_by_projection(redis, live_prefix, projections):
        commands, spans = [], []
        for i, batch in enumerate(batches):
            for start in range(0, len(batch), SCRIPT_KEYS):
                part = batch[start:start + SCRIPT_KEYS]
                spans.append((i, part, []))
                commands += _paired(_UNMATCHED_SCRIPT, part, _renamed(part, live_prefix, new_prefix))
        for (i, part, _), unmatched in zip(spans, await run_packed(redis, commands), strict=True):
            for index in unmatched:
                results[i].only_live += 1
                results[i].note(f"- {part[int(index) - 1]} (only live)", examples)
    return results


async def diff(redis: Redis, live_prefix: str, new_prefix: str, projection: Projection, examples: int = 20) -> KeyDiff:
    (result,) = await diff_many(redis, live_prefix, new_prefix, [projection], examples)
    return result


def _short(value: Any, width: int = 160) -> str:
    text = repr(value)
    return text if len(text) <= width else text[: width - 3] + "..."


async def delete_prefix_many(redis: Redis, prefix: str, projections: Sequence[Projection]) -> int:
    """Every key of `projections` under `prefix`, their checkpoints and stats: UNLINKed."""
    deleted = 0
    async for batches in keys_by_projection(redis, prefix, projections):
        commands = [("UNLINK", *batch[i:i + SCRIPT_KEYS]) for batch in batches for i in range(0, len(batch), SCRIPT_KEYS)]
        deleted += sum(await run_packed(redis, commands))
    keys = Keys(prefix)
    extra = [name for p in projections
             for name in (*meta_keys(prefix, p), keys.projection_stats(p.name), keys.projection_lags(p.name))]
    return deleted + int(await redis.unlink(*extra))


async def delete_prefix(redis: Redis, prefix: str, projection: Projection) -> int:
    return await delete_prefix_many(redis, prefix, [projection])


async def switch_many(redis: Redis, live_prefix: str, new_prefix: str, projections: Sequence[Projection]) -> list[int]:
    """Make the rebuilt keys of `projections` the live ones in one MULTI/EXEC: readers see either the old
    read models or the new ones, never a mix. Live keys the rebuild did not produce are deleted in the
    same transaction, decided when it runs. The transaction is queued in Redis while the prefixes are
    scanned (on other connections of the pool), a batch of keys per script call, so the client holds one
    batch of key names at a time. Returns the keys moved per projection (checkpoints included)."""
    moved = [0] * len(projections)
    async with _connection(redis) as tx:
        queued: list[int] = []  # per script call queued, the projection its count belongs to (-1: none)

        async def queue(commands: Sequence[tuple[Any, ...]], owner: int) -> None:
            if commands:
                await _send(tx, commands)
                await _replies(tx, len(commands))  # QUEUED; an error raises (and the connection is dropped)
                queued.extend([owner] * len(commands))

        await _send(tx, [("MULTI",)])
        await _replies(tx, 1)
        async for batches in keys_by_projection(redis, live_prefix, projections):
            commands = [c for batch in batches
                        for c in _paired(_UNLINK_UNMATCHED_SCRIPT, batch, _renamed(batch, live_prefix, new_prefix))]
            await queue(commands, -1)
        async for batches in keys_by_projection(redis, new_prefix, projections):
            for i, batch in enumerate(batches):
                await queue(_paired(_MOVE_SCRIPT, batch, _renamed(batch, new_prefix, live_prefix)), i)
        for i, projection in enumerate(projections):
            meta = meta_keys(new_prefix, projection)
            await queue(_paired(_MOVE_SCRIPT, meta, _renamed(meta, new_prefix, live_prefix)), i)
        await _send(tx, [("EXEC",)])
        # Redis runs the whole transaction before its one reply: seconds for millions of keys, more
        # than a connection's timeout per read (redis-py's default is 5 s), so the wait grows with it.
        (replies,) = await _replies(tx, 1, _exec_timeout(tx, len(queued) * SCRIPT_KEYS))
    if replies is None:
        raise RuntimeError("switch: the transaction was aborted")
    failures = [r for r in replies if isinstance(r, Exception)]
    if failures:
        names = ", ".join(p.name for p in projections)
        raise RuntimeError(f"switch of {names}: {len(failures)} script calls failed, first: {failures[0]}")
    for owner, count in zip(queued, replies, strict=True):
        if owner >= 0:
            moved[owner] += int(count)
    return moved


def _exec_timeout(connection: Connection, keys: int) -> float | None:
    """How long the reply of a transaction moving up to `keys` keys may take: the connection's timeout,
    plus a second per SWITCH_KEYS_PER_S keys (a slow machine's rate, several times below a quiet one's)."""
    if connection.socket_timeout is None:
        return None
    return float(connection.socket_timeout) + keys / SWITCH_KEYS_PER_S


async def switch(redis: Redis, live_prefix: str, new_prefix: str, projection: Projection) -> int:
    (moved,) = await switch_many(redis, live_prefix, new_prefix, [projection])
    return moved
