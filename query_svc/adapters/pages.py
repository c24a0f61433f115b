"""Stripe cursor pages over a newest-first sorted-set index (score = created time in µs).

Pages walk ranks, not scores, so objects created in the same microsecond are neither skipped nor
repeated (ties are ordered by member, as Redis orders them). Each window is read by one Lua call, so a
window is consistent even while the projector writes. Filters are applied here, over bounded windows:
a page scans at most `max_scan` index entries."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis
from redis.commands.core import AsyncScript
from redis.exceptions import NoScriptError

from query_svc.adapters.redis_link import RedisLink

# Returns up to COUNT members, skipping SKIP, on one side of the cursor, within [GTE, LTE].
# Direction "older" (default, starting_after) walks newest -> oldest; "newer" (ending_before) walks
# oldest -> newest starting right above the cursor. A cursor that is not in the index returns {-1}.
_WINDOW_FUNCTION = """
local function window(key, cursor, direction, gte, lte, skip, count)
  local size = redis.call('ZCARD', key)
  local first = 0
  if lte ~= '+inf' then first = redis.call('ZCOUNT', key, '(' .. lte, '+inf') end
  local last = size - 1
  if gte ~= '-inf' then last = size - 1 - redis.call('ZCOUNT', key, '-inf', '(' .. gte) end
  local at = nil
  if cursor ~= '' then
    at = redis.call('ZREVRANK', key, cursor)
    if not at then return nil end
  end
  if direction == 'newer' then
    local top = (at or (last + 1)) - 1 - skip
    if top > last then top = last end
    local bottom = top - count + 1
    if bottom < first then bottom = first end
    if top < bottom then return {} end
    local members = redis.call('ZREVRANGE', key, bottom, top)
    local reversed = {}
    for i = #members, 1, -1 do reversed[#reversed + 1] = members[i] end
    return reversed
  end
  local start = first
  if at and at + 1 > start then start = at + 1 end
  start = start + skip
  local stop = start + count - 1
  if stop > last then stop = last end
  if stop < start then return {} end
  return redis.call('ZREVRANGE', key, start, stop)
end
"""

WINDOW_SCRIPT = _WINDOW_FUNCTION + """
local members = window(KEYS[1], ARGV[1], ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5]), tonumber(ARGV[6]))
if not members then return {-1} end
return members
"""

# The window and the hashes it names in one call: {members, hash of each member, and with a suffix
# (ARGV[8]) the hash `<object key><suffix>` of each}, hashes as flat field/value lists. Object keys are
# ARGV[7] .. member: the index and its objects share the read model's prefix.
WINDOW_WITH_HASHES_SCRIPT = _WINDOW_FUNCTION + """
local members = window(KEYS[1], ARGV[1], ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5]), tonumber(ARGV[6]))
if not members then return {-1} end
local out = {members}
for _, member in ipairs(members) do
  local key = ARGV[7] .. member
  out[#out + 1] = redis.call('HGETALL', key)
  if ARGV[8] ~= '' then out[#out + 1] = redis.call('HGETALL', key .. ARGV[8]) end
end
return out
"""


def _as_dict(flat: Sequence[str]) -> dict[str, str]:
    it = iter(flat)
    return dict(zip(it, it, strict=True))


@dataclass(frozen=True)
class PageRequest:
    limit: int = 10
    starting_after: str = ""
    ending_before: str = ""
    created_gte_us: int | None = None
    created_lte_us: int | None = None

    @property
    def size(self) -> int:
        return max(1, min(self.limit or 10, 100))


class CursorMissing(Exception):
    """The cursor object is not in the index (unknown id, or another account's)."""


class ScriptCalls:
    """EVALSHA of a registered script through the link (redis-py's client when there is none); a
    NOSCRIPT (a restarted Redis) loads the script through redis-py's Script and runs it."""

    def __init__(self, redis: Redis, link: RedisLink | None) -> None:
        # Straight through execute_command without a link: redis-py's Script object and evalsha's
        # argument checks cost more per call than the command's own encoding.
        self._send = link.call if link is not None else redis.execute_command

    async def run(self, script: AsyncScript, keys: Sequence[str], args: Sequence[str | int] = ()) -> Any:
        try:
            return await self._send("EVALSHA", script.sha, len(keys), *keys, *args)
        except NoScriptError:
            return await script(keys=keys, args=args)


class Pager:
    def __init__(self, redis: Redis, scripts: ScriptCalls | None = None, max_scan: int = 20_000,
                 chunk: int = 200) -> None:
        self._redis = redis
        self._scripts = scripts or ScriptCalls(redis, None)
        self._script = redis.register_script(WINDOW_SCRIPT)
        self._with_hashes = redis.register_script(WINDOW_WITH_HASHES_SCRIPT)
        self._max_scan = max_scan
        self._chunk = chunk

    @staticmethod
    def _window_args(page: PageRequest, skip: int, count: int) -> list[str | int]:
        direction = "newer" if page.ending_before else "older"
        cursor = page.ending_before or page.starting_after
        gte = "-inf" if page.created_gte_us is None else str(page.created_gte_us)
        lte = "+inf" if page.created_lte_us is None else str(page.created_lte_us)
        return [cursor, direction, gte, lte, skip, count]

    async def _window(self, key: str, page: PageRequest, skip: int, count: int) -> list[str]:
        result = await self._scripts.run(self._script, [key], self._window_args(page, skip, count))
        if result and result[0] == -1:
            raise CursorMissing(page.ending_before or page.starting_after)
        return [m if isinstance(m, str) else m.decode() for m in result]

    async def page_with_hashes(self, key: str, page: PageRequest, object_prefix: str, suffix: str = ""
                               ) -> tuple[list[str], bool, list[dict[str, str]]]:
        """`ids` and, read in the same call, the hash of each id (`object_prefix + id`) and, with a
        `suffix`, its second hash (`object_prefix + id + suffix`): [hash, second hash] per id, in the
        order of the ids returned. One round trip for a whole page."""
        args = [*self._window_args(page, 0, page.size + 1), object_prefix, suffix]
        result = await self._scripts.run(self._with_hashes, [key], args)
        if result and result[0] == -1:
            raise CursorMissing(page.ending_before or page.starting_after)
        members = [m if isinstance(m, str) else m.decode() for m in result[0]]
        per = 2 if suffix else 1
        hashes = [_as_dict(flat) for flat in result[1:]]
        has_more = len(members) > page.size
        members, hashes = members[: page.size], hashes[: page.size * per]
        if page.ending_before:
            members.reverse()
            groups = [hashes[i:i + per] for i in range(0, len(hashes), per)]
            hashes = [h for group in reversed(groups) for h in group]
        return members, has_more, hashes

    async def ids(self, key: str, page: PageRequest) -> tuple[list[str], bool]:
        """One unfiltered page of ids, newest first, and whether more follow in that direction."""
        ids = await self._window(key, page, 0, page.size + 1)
        has_more = len(ids) > page.size
        ids = ids[: page.size]
        return (list(reversed(ids)) if page.ending_before else ids), has_more

    async def matching(
        self, key: str, page: PageRequest, load: Callable[[Sequence[str]], Awaitable[list[object | None]]],
        keep: Callable[[object], bool],
    ) -> tuple[list[object], bool]:
        """One page of loaded objects that `keep` accepts, newest first. Objects are loaded a window at
        a time; the scan stops after `max_scan` index entries (has_more then says whether any remain)."""
        found: list[object] = []
        scanned = 0
        while scanned < self._max_scan:
            ids = await self._window(key, page, scanned, self._chunk)
            scanned += len(ids)
            for item in await load(ids):
                if item is not None and keep(item):
                    found.append(item)
                    if len(found) > page.size:
                        break
            if len(found) > page.size or len(ids) < self._chunk:
                break
        has_more = len(found) > page.size or scanned >= self._max_scan
        found = found[: page.size]
        return (list(reversed(found)) if page.ending_before else found), has_more
