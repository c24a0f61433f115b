"""The infrastructure `ledgermesh up` runs on: external servers when their URLs are set, embedded ones otherwise.

For each of PostgreSQL, NATS JetStream and Redis: a URL in the settings must answer (else we stop
with a message naming it); no URL means we start the server that pip installed, keeping its data
under `settings.data_dir`, so a second `up` finds the same events, streams and read models.
"""

from __future__ import annotations

import asyncio
import fcntl
import json
import logging
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit, urlunsplit

from composition import servers
from composition.servers import RunningServer
from support.settings import Settings

log = logging.getLogger("ledgermesh.devstack")

PROBE_TIMEOUT_S = 2.0
STACK_FILE = "stack.json"
_LOCK_FILE = "devstack.lock"


class InfrastructureUnavailable(RuntimeError):
    """A server named by a URL in the settings does not answer."""


class DataDirInUse(RuntimeError):
    """Another `ledgermesh up` holds the data folder; two would corrupt each other's servers."""


def redact(url: str) -> str:
    """The URL without its password, fit for logs and error messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = f"{parts.username}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def client_host(host: str) -> str:
    """Where a local client connects to reach a server bound to `host`."""
    return "127.0.0.1" if host in ("", "0.0.0.0", "::") else host


# --- probes: one protocol round trip each, shared with `ledgermesh status` ---


async def probe_postgres(url: str, timeout_s: float = PROBE_TIMEOUT_S) -> str:
    """The server version; raises if PostgreSQL at `url` does not answer `select 1`."""
    import psycopg

    async def check() -> str:
        async with await psycopg.AsyncConnection.connect(url, connect_timeout=max(1, int(timeout_s))) as conn:
            row = await (await conn.execute("show server_version")).fetchone()
            return str(row[0]).split(" ", 1)[0] if row else "?"

    return await asyncio.wait_for(check(), timeout_s)


async def probe_nats(url: str, timeout_s: float = PROBE_TIMEOUT_S) -> str:
    """The server version; raises if NATS at `url` does not answer or has no JetStream."""
    import nats
    from nats.errors import Error as NatsError
    from nats.errors import NoRespondersError
    from nats.errors import TimeoutError as NatsTimeout
    from nats.js.errors import ServiceUnavailableError

    failures: list[Exception] = []

    async def remember(exc: Exception) -> None:
        # Without a callback nats-py prints every failed attempt; we report the last one instead.
        failures.append(exc)

    async def check() -> str:
        nc = await nats.connect(
            servers=url.split(","),
            connect_timeout=timeout_s,
            allow_reconnect=False,
            # 0 would mean "retry forever" to nats-py's initial connect; 1 retry, without its 2 s pause.
            max_reconnect_attempts=1,
            reconnect_time_wait=0.05,
            error_cb=remember,
        )
        try:
            try:
                await nc.jetstream(timeout=timeout_s).account_info()
            except (ServiceUnavailableError, NoRespondersError, NatsTimeout) as exc:
                raise InfrastructureUnavailable("JetStream is not enabled there (start nats-server with -js)") from exc
            version = nc.connected_server_version
            return f"{version.major}.{version.minor}.{version.patch}"
        finally:
            await nc.close()

    try:
        return await asyncio.wait_for(check(), timeout_s)
    except (OSError, TimeoutError, NatsError) as exc:
        if failures:
            raise ConnectionError(str(failures[-1]) or type(failures[-1]).__name__) from exc
        raise


async def probe_redis(url: str, timeout_s: float = PROBE_TIMEOUT_S) -> str:
    """The server version; raises if Redis at `url` does not answer PING."""
    import redis.asyncio as aioredis

    client = aioredis.from_url(url, socket_connect_timeout=timeout_s, socket_timeout=timeout_s)
    try:
        await client.ping()
        info = await client.info("server")
        if "valkey_version" in info:
            return f"Valkey {info['valkey_version']}"
        return str(info.get("redis_version", "?"))
    finally:
        await client.aclose()


Probe = Callable[[str, float], Awaitable[str]]


@dataclass(frozen=True)
class _Part:
    """One piece of infrastructure: how to reach it if external, how to embed it if not."""

    name: str
    env_name: str
    setting: str
    folder: str
    port_setting: str
    probe: Probe
    start: Callable[[Path, int], RunningServer]


_PARTS = (
    _Part(
        name="PostgreSQL",
        env_name="DATABASE_URL",
        setting="database_url",
        folder="postgres",
        port_setting="embedded_postgres_port",
        probe=probe_postgres,
        start=servers.start_postgres,
    ),
    _Part(
        name="NATS",
        env_name="NATS_URL",
        setting="nats_url",
        folder="nats",
        port_setting="embedded_nats_port",
        probe=probe_nats,
        start=servers.start_nats,
    ),
    _Part(
        name="Redis",
        env_name="REDIS_URL",
        setting="redis_url",
        folder="redis",
        port_setting="embedded_redis_port",
        probe=probe_redis,
        start=servers.start_valkey,
    ),
)


@dataclass
class DevStack:
    """What `ensure_infrastructure` started; `stop()` stops it (idempotently) in reverse order."""

    data_dir: Path
    started: list[RunningServer] = field(default_factory=list)
    reused: dict[str, str] = field(default_factory=dict)
    _lock: IO[str] | None = field(default=None, repr=False)

    def stop(self) -> None:
        while self.started:
            server = self.started.pop()
            try:
                server.stop()
            except (OSError, servers.ServerStartError) as exc:
                # Keep stopping the others: one stuck server must not leave the rest running.
                log.error("could not stop %s cleanly: %s", server.name, exc)
            else:
                log.info("stopped %s", server.name)
        if self._lock is not None:
            self._lock.close()
            self._lock = None


def _lock_data_dir(data_dir: Path) -> IO[str]:
    """An exclusive lock on the data folder, released by the kernel even if this process is killed.

    That is what lets a later `up` tell a leftover server (its owner is gone: stop it) from one a
    running `up` still uses (refuse to start).
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    lock = (data_dir / _LOCK_FILE).open("a+")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock.seek(0)
        holder = lock.read().strip() or "?"
        lock.close()
        raise DataDirInUse(f"{data_dir} is in use by another `ledgermesh up` (pid {holder})") from None
    lock.truncate(0)
    lock.write(f"{os.getpid()}\n")
    lock.flush()
    return lock


async def _check_external(part: _Part, url: str) -> str:
    try:
        version = await part.probe(url, PROBE_TIMEOUT_S)
    except Exception as exc:  # noqa: BLE001 - any failure to answer means the same thing to the user
        reason = (
            f"no answer within {PROBE_TIMEOUT_S:g} s"
            if isinstance(exc, TimeoutError)
            else str(exc) or type(exc).__name__
        )
        raise InfrastructureUnavailable(
            f"{part.env_name}={redact(url)} is set but {part.name} there does not answer: {reason}. "
            f"Start it, fix the URL, or unset {part.env_name} to run an embedded {part.name}."
        ) from exc
    log.info("using external %s (%s) at %s, from %s", part.name, version, redact(url), part.env_name)
    return version


async def ensure_infrastructure(settings: Settings) -> tuple[Settings, DevStack]:
    """Settings with every URL filled in, and the DevStack of the servers started for that.

    External URLs are all checked before anything is started, so a typo fails in a second.
    """
    data_dir = settings.data_dir.resolve()
    stack = DevStack(data_dir=data_dir)
    external = [(part, url) for part in _PARTS if (url := getattr(settings, part.setting))]
    for part, url in external:
        await _check_external(part, url)
        stack.reused[part.name] = url
    missing = [part for part in _PARTS if not getattr(settings, part.setting)]
    if not missing:
        return settings.with_(data_dir=data_dir), stack
    stack._lock = await asyncio.to_thread(_lock_data_dir, data_dir)
    urls: dict[str, str] = {}
    try:
        for part in missing:
            port = int(getattr(settings, part.port_setting))
            server = await asyncio.to_thread(part.start, data_dir / part.folder, port)
            stack.started.append(server)
            log.info("started %s (%.2f s)", server.describe(), server.started_in_s)
            urls[part.setting] = server.url
    except BaseException:
        await asyncio.to_thread(stack.stop)
        raise
    return settings.with_(data_dir=data_dir, **urls), stack


# --- stack.json: where `ledgermesh status` finds what `up` runs ---


def stack_file(settings: Settings) -> Path:
    return settings.data_dir / STACK_FILE


def write_stack_file(settings: Settings, stack: DevStack) -> Path:
    """Record URLs and ports of the running stack; private, as a URL may carry a password."""
    path = stack_file(settings)
    record = {
        "pid": os.getpid(),
        "database_url": settings.database_url,
        "nats_url": settings.nats_url,
        "redis_url": settings.redis_url,
        "host": settings.host,
        "command_port": settings.command_port,
        "query_port": settings.query_port,
        "gateway_port": settings.gateway_port,
        "projector_metrics_port": settings.projector_metrics_port,
        "embedded": {
            server.name: {"url": server.url, "data_dir": str(server.data_dir), "pid": server.pid}
            for server in stack.started
        },
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        json.dump(record, out, indent=2)
    return path


def read_stack_file(settings: Settings) -> dict[str, object] | None:
    try:
        record = json.loads(stack_file(settings).read_text())
    except FileNotFoundError:
        return None
    return record if isinstance(record, dict) else None


def settings_from_stack_file(settings: Settings) -> Settings:
    """URLs from the environment win; what `up` recorded fills the gaps, and gives the ports it used."""
    record = read_stack_file(settings)
    if record is None:
        return settings
    changes: dict[str, object] = {}
    for name in ("database_url", "nats_url", "redis_url"):
        if not getattr(settings, name) and isinstance(record.get(name), str):
            changes[name] = record[name]
    for name in ("command_port", "query_port", "gateway_port", "projector_metrics_port"):
        if isinstance(record.get(name), int):
            changes[name] = record[name]
    if isinstance(record.get("host"), str):
        changes["host"] = record["host"]
    return settings.with_(**changes)
