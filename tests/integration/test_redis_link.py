"""The query service's pipelined Redis connection (query_svc/adapters/redis_link.py) on a real Redis:
replies reach their callers in order, also when callers are cancelled midway; errors are redis-py's;
a lost or refused connection is a ConnectionError and the next call connects again; a Redis that stops
answering is a TimeoutError, not a hang."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import NoScriptError, ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from composition import servers
from query_svc.adapters.pages import ScriptCalls
from query_svc.adapters.redis_link import RedisLink
from support.settings import Settings


@pytest_asyncio.fixture
async def redis(settings: Settings, cleanup: None) -> AsyncIterator[Redis]:
    client = Redis.from_url(settings.redis_url or "", decode_responses=True)
    yield client
    await client.aclose()


@pytest_asyncio.fixture
async def link(redis: Redis) -> AsyncIterator[RedisLink]:
    made = RedisLink.like(redis)
    assert made is not None
    yield made
    await made.close()


async def test_concurrent_calls_get_their_own_replies_even_when_some_callers_are_cancelled(
        redis: Redis, link: RedisLink, settings: Settings) -> None:
    keys = [f"{settings.redis_prefix}link:{n}" for n in range(50)]
    for n, key in enumerate(keys):
        await redis.hset(key, mapping={"n": str(n), "name": f"object {n}"})

    async def read(n: int) -> dict[str, str]:
        flat = await link.call("HGETALL", keys[n])
        return dict(zip(flat[::2], flat[1::2], strict=True))

    doomed = [asyncio.ensure_future(read(n)) for n in range(0, 50, 5)]
    others = [asyncio.ensure_future(read(n)) for n in range(50) if n % 5]
    await asyncio.sleep(0)
    for task in doomed:
        task.cancel()
    found = await asyncio.gather(*others)
    assert [h["n"] for h in found] == [str(n) for n in range(50) if n % 5]
    assert all(h["name"] == f"object {h['n']}" for h in found)
    assert await link.call("HGET", keys[7], "n") == "7"


async def test_errors_are_redis_pys_and_leave_the_connection_usable(redis: Redis, link: RedisLink,
                                                                    settings: Settings) -> None:
    with pytest.raises(NoScriptError):
        await link.call("EVALSHA", "0" * 40, 0)
    with pytest.raises(ResponseError):
        await link.call("NOSUCHCOMMAND")
    await redis.set(f"{settings.redis_prefix}link:s", "text")
    with pytest.raises(ResponseError):
        await link.call("HGETALL", f"{settings.redis_prefix}link:s")  # WRONGTYPE
    assert await link.call("GET", f"{settings.redis_prefix}link:s") == "text"


async def test_a_script_unknown_to_redis_is_loaded_and_run(redis: Redis, link: RedisLink, settings: Settings) -> None:
    script = redis.register_script(f"return {{KEYS[1], ARGV[1], '{settings.redis_prefix}'}}")
    await redis.script_flush()
    assert await ScriptCalls(redis, link).run(script, ["k"], ["v"]) == ["k", "v", settings.redis_prefix]
    assert await link.call("EVALSHA", script.sha, 1, "k2", "v2") == ["k2", "v2", settings.redis_prefix]


async def test_a_killed_connection_fails_its_calls_and_the_next_call_connects_again(
        redis: Redis, link: RedisLink) -> None:
    own_id = await link.call("CLIENT", "ID")
    waiting = asyncio.ensure_future(link.call("BLPOP", "ledgermesh-link-test-never", 5))
    await asyncio.sleep(0.1)
    # Only this connection: the Redis is shared with other tests.
    assert await redis.client_kill_filter(_id=own_id) == 1
    with pytest.raises(RedisConnectionError):
        await waiting
    assert await link.call("PING") == "PONG"


async def test_redis_away_is_a_connection_error_then_a_timeout_when_it_hangs() -> None:
    folder = Path(tempfile.mkdtemp(prefix="lm-link-"))
    server = servers.start_valkey(folder / "data", append_only=False)
    try:
        client = Redis.from_url(server.url, decode_responses=True, socket_timeout=0.5)
        link = RedisLink.like(client)
        assert link is not None
        assert await link.call("PING") == "PONG"
        pid = server.pid
        os.kill(pid, signal.SIGSTOP)
        try:
            with pytest.raises(RedisTimeoutError):
                await asyncio.wait_for(link.call("PING"), timeout=5)
        finally:
            os.kill(pid, signal.SIGCONT)
        assert await link.call("PING") == "PONG"
        await asyncio.to_thread(server.stop)
        with pytest.raises(RedisConnectionError):
            await link.call("PING")
        with pytest.raises(RedisConnectionError):
            await link.call("PING")
        await link.close()
        await client.aclose()
    finally:
        await asyncio.to_thread(server.stop)
        shutil.rmtree(folder, ignore_errors=True)
