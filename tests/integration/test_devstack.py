"""`ledgermesh up`'s embedded infrastructure, with real servers: it answers, it keeps its data, it
recovers from a killed run, and a wrong URL fails clearly.

Every URL is unset and every embedded port is 0, so the machine's own servers are never touched.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import nats
import psycopg
import pytest
from redis.asyncio import Redis

from composition.devstack import DataDirInUse, InfrastructureUnavailable, ensure_infrastructure
from composition.servers import free_port, is_running
from support.settings import Settings
from tests.servers import temp_folder

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def data_dir() -> Iterator[Path]:
    folder = temp_folder("lm-devstack-")
    yield folder / "data"
    shutil.rmtree(folder, ignore_errors=True)


def embedded_settings(data_dir: Path, **changes: object) -> Settings:
    return Settings(data_dir=data_dir, embedded_postgres_port=0, embedded_nats_port=0, embedded_redis_port=0).with_(
        **changes
    )


async def write_a_row_a_key_and_a_stream(settings: Settings) -> None:
    assert settings.database_url and settings.redis_url and settings.nats_url
    async with await psycopg.AsyncConnection.connect(settings.database_url, autocommit=True) as conn:
        assert await (await conn.execute("select 1")).fetchone() == (1,)
        await conn.execute("create table charges (id text primary key)")
        await conn.execute("insert into charges values ('ch_1')")
    redis = Redis.from_url(settings.redis_url)
    try:
        assert await redis.ping()
        await redis.set("lm:balance", "4999")
    finally:
        await redis.aclose()
    nc = await nats.connect(settings.nats_url)
    try:
        js = nc.jetstream()
        await js.account_info()
        await js.add_stream(name="EVENTS", subjects=["ledgermesh.events.>"])
        await js.publish("ledgermesh.events.charge", b"captured")
    finally:
        await nc.close()


async def read_the_row_the_key_and_the_stream(settings: Settings) -> tuple[object, object, int]:
    assert settings.database_url and settings.redis_url and settings.nats_url
    async with await psycopg.AsyncConnection.connect(settings.database_url) as conn:
        row = await (await conn.execute("select id from charges")).fetchone()
    redis = Redis.from_url(settings.redis_url)
    try:
        balance = await redis.get("lm:balance")
    finally:
        await redis.aclose()
    nc = await nats.connect(settings.nats_url)
    try:
        messages = (await nc.jetstream().stream_info("EVENTS")).state.messages
    finally:
        await nc.close()
    return row, balance, messages


async def test_embedded_servers_answer_and_keep_their_data_across_restarts(data_dir: Path) -> None:
    settings, stack = await ensure_infrastructure(embedded_settings(data_dir))
    try:
        assert sorted(server.name for server in stack.started) == ["NATS", "PostgreSQL", "Redis"]
        assert settings.database_url and settings.database_url.endswith("/ledgermesh")
        await write_a_row_a_key_and_a_stream(settings)
    finally:
        stack.stop()
    stack.stop()
    assert not any(is_running(server.pid) for server in stack.started)
    assert sorted(p.name for p in data_dir.iterdir() if p.is_dir()) == ["nats", "postgres", "redis"]

    settings, stack = await ensure_infrastructure(embedded_settings(data_dir))
    try:
        assert await read_the_row_the_key_and_the_stream(settings) == (("ch_1",), b"4999", 1)
    finally:
        stack.stop()


@pytest.mark.parametrize(
    ("setting", "env_name", "url"),
    [
        ("database_url", "DATABASE_URL", "postgresql://postgres:s3cret@127.0.0.1:{port}/ledgermesh"),
        ("nats_url", "NATS_URL", "nats://127.0.0.1:{port}"),
        ("redis_url", "REDIS_URL", "redis://127.0.0.1:{port}/0"),
    ],
)
async def test_a_set_but_unreachable_url_fails_naming_it_before_starting_anything(
    data_dir: Path, setting: str, env_name: str, url: str
) -> None:
    dead_url = url.format(port=free_port())

    with pytest.raises(InfrastructureUnavailable) as failure:
        await ensure_infrastructure(embedded_settings(data_dir, **{setting: dead_url}))

    message = str(failure.value)
    assert f"{env_name}={dead_url.replace('s3cret', '***')} is set but" in message
    assert "s3cret" not in message
    assert not data_dir.exists()


def _start_stack_in_a_child(data_dir: Path) -> tuple[subprocess.Popen[str], dict[str, int]]:
    script = f"""
import asyncio, json
from pathlib import Path
from composition.devstack import ensure_infrastructure
from support.settings import Settings

async def main() -> None:
    settings = Settings(data_dir=Path({str(data_dir)!r}), embedded_postgres_port=0, embedded_nats_port=0, embedded_redis_port=0)
    _, stack = await ensure_infrastructure(settings)
    print(json.dumps({{server.name: server.pid for server in stack.started}}), flush=True)
    await asyncio.Event().wait()

asyncio.run(main())
"""
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, env=env)
    assert child.stdout is not None
    return child, json.loads(child.stdout.readline())


async def test_servers_left_by_a_killed_run_are_replaced_and_a_live_run_is_not_disturbed(data_dir: Path) -> None:
    child, leftover_pids = await asyncio.to_thread(_start_stack_in_a_child, data_dir)
    try:
        with pytest.raises(DataDirInUse, match=f"pid {child.pid}"):
            await ensure_infrastructure(embedded_settings(data_dir))
        assert all(is_running(pid) for pid in leftover_pids.values())
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()

    settings, stack = await ensure_infrastructure(embedded_settings(data_dir))
    try:
        assert not any(is_running(pid) for pid in leftover_pids.values())
        await write_a_row_a_key_and_a_stream(settings)
    finally:
        stack.stop()


async def test_a_stale_postmaster_pid_from_a_crashed_postgres_does_not_block_the_next_start(data_dir: Path) -> None:
    settings, stack = await ensure_infrastructure(embedded_settings(data_dir))
    await write_a_row_a_key_and_a_stream(settings)
    postgres = next(server for server in stack.started if server.name == "PostgreSQL")
    os.kill(postgres.pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while is_running(postgres.pid) and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    stack.stop()
    assert (data_dir / "postgres" / "postmaster.pid").exists()

    settings, stack = await ensure_infrastructure(embedded_settings(data_dir))
    try:
        row, _, _ = await read_the_row_the_key_and_the_stream(settings)
        assert row == ("ch_1",)
    finally:
        stack.stop()
