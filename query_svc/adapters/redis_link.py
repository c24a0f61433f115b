"""One pipelined connection to Redis for the query service's hot reads (a Get's or a page's one script
call): a command is packed by hiredis, written, and its reply parsed by hiredis and handed to the
caller's future, in order. No connection pool, lock, retry wrapper or per-read timeout task: redis-py's
asyncio client spends about 150 us of CPU around each such call, this about 30 (docs/read-side.md).

Errors are redis-py's, so the dependency guard (support/unavailable.py) answers as before: a refused or
lost connection is a ConnectionError (the next call connects again), a reply slower than `timeout` a
TimeoutError (the connection is dropped: a late reply would answer the wrong caller), an error reply
the exception redis-py raises for it (NoScriptError, BusyLoadingError, ResponseError). Calls in flight
share the connection, so concurrent reads are pipelined."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from typing import Any

import hiredis
from redis._parsers import BaseParser
from redis.asyncio import Redis
from redis.asyncio.connection import Connection, UnixDomainSocketConnection
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

# As redis-py's default socket timeout: a read waits at most this long for Redis.
DEFAULT_TIMEOUT_S = 5.0


class _Wire(asyncio.Protocol):
    """The connection: replies go to the waiting futures in the order their commands were written."""

    def __init__(self, link: RedisLink) -> None:
        self._link = link
        self._reader = hiredis.Reader(encoding=link.encoding)
        # (future, time written) per command whose reply has not come yet.
        self.waiting: deque[tuple[asyncio.Future[Any], float]] = deque()
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self._link.last_answer = time.monotonic()
        reader = self._reader
        reader.feed(data)
        waiting = self.waiting
        while (reply := reader.gets()) is not False:
            if not waiting:  # a reply nobody asked for: the stream is out of step
                self.fail(RedisConnectionError("Unexpected reply from Redis"))
                return
            future, _ = waiting.popleft()
            if future.done():  # its caller was cancelled
                continue
            if isinstance(reply, hiredis.ReplyError):
                future.set_exception(BaseParser.parse_error(str(reply)))
            else:
                future.set_result(reply)

    def connection_lost(self, exc: Exception | None) -> None:
        self._fail_waiting(RedisConnectionError("Connection to Redis lost"))
        self._link.lost(self)

    def _fail_waiting(self, exc: Exception) -> None:
        while self.waiting:
            future, _ = self.waiting.popleft()
            if not future.done():
                future.set_exception(exc)

    def fail(self, exc: Exception) -> None:
        """Fail every call in flight and drop the connection."""
        self._fail_waiting(exc)
        self._link.lost(self)
        if self.transport is not None:
            self.transport.abort()


class RedisLink:
    def __init__(self, host: str = "127.0.0.1", port: int = 6379, *, path: str = "", db: int = 0,
                 username: str | None = None, password: str | None = None, encoding: str = "utf-8",
                 timeout: float = DEFAULT_TIMEOUT_S, connect_timeout: float = DEFAULT_TIMEOUT_S) -> None:
        self._host, self._port, self._path, self._db = host, port, path, db
        self._username, self._password = username, password
        self.encoding = encoding
        self._timeout = timeout
        self._connect_timeout = connect_timeout
        self._wire: _Wire | None = None
        self._connecting: asyncio.Task[_Wire] | None = None
        self._watchdog: asyncio.TimerHandle | None = None
        # When Redis last sent this link anything (time.monotonic; 0 before): the health watcher's
        # evidence that Redis is there while its probe is slow (support/health.py).
        self.last_answer = 0.0

    @classmethod
    def like(cls, redis: Redis) -> RedisLink | None:
        """A link to the server `redis` talks to, with its database and credentials; None when the
        client is one this link does not reproduce (TLS, a cluster or sentinel pool, raw bytes)."""
        pool = redis.connection_pool
        kwargs = pool.connection_kwargs
        if not kwargs.get("decode_responses") or pool.connection_class not in (Connection, UnixDomainSocketConnection):
            return None
        if kwargs.get("credential_provider") is not None:
            return None
        timeout = kwargs.get("socket_timeout", DEFAULT_TIMEOUT_S) or DEFAULT_TIMEOUT_S
        common: dict[str, Any] = {
            "db": int(kwargs.get("db") or 0), "username": kwargs.get("username"), "password": kwargs.get("password"),
            "encoding": kwargs.get("encoding", "utf-8"), "timeout": float(timeout),
            "connect_timeout": float(kwargs.get("socket_connect_timeout") or timeout),
        }
        if pool.connection_class is UnixDomainSocketConnection:
            return cls(path=str(kwargs["path"]), **common)
        return cls(str(kwargs.get("host", "127.0.0.1")), int(kwargs.get("port", 6379)), **common)

    async def call(self, *args: Any) -> Any:
        """Send one command; its reply (or the exception redis-py would raise for it)."""
        wire = self._wire
        if wire is None or wire.transport is None or wire.transport.is_closing():
            wire = await self._connected()
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        wire.waiting.append((future, loop.time()))
        assert wire.transport is not None
        wire.transport.write(hiredis.pack_command(args))
        if self._watchdog is None:
            self._watchdog = loop.call_later(self._timeout, self._check_slow)
        return await future

    def _check_slow(self) -> None:
        """One timer for every call in flight: fails them all once the oldest waited `timeout`."""
        self._watchdog = None
        wire = self._wire
        if wire is None or not wire.waiting:
            return
        loop = asyncio.get_running_loop()
        oldest = wire.waiting[0][1]
        if loop.time() - oldest >= self._timeout:
            wire.fail(RedisTimeoutError("Timeout reading from Redis"))
            return
        self._watchdog = loop.call_at(oldest + self._timeout, self._check_slow)

    async def _connected(self) -> _Wire:
        if self._connecting is None:
            self._connecting = asyncio.ensure_future(self._connect())
        connecting = self._connecting
        try:
            return await asyncio.shield(connecting)
        finally:
            if connecting.done() and self._connecting is connecting:
                self._connecting = None

    async def _connect(self) -> _Wire:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(self._connect_timeout):
                if self._path:
                    _, wire = await loop.create_unix_connection(lambda: _Wire(self), self._path)
                else:
                    _, wire = await loop.create_connection(lambda: _Wire(self), self._host, self._port)
        except TimeoutError as exc:
            raise RedisTimeoutError("Timeout connecting to Redis") from exc
        except OSError as exc:
            raise RedisConnectionError(f"Error connecting to Redis: {exc.strerror or type(exc).__name__}") from exc
        self._wire = wire
        try:
            if self._password:
                await self.call("AUTH", *((self._username,) if self._username else ()), self._password)
            if self._db:
                await self.call("SELECT", self._db)
        except BaseException:
            wire.fail(RedisConnectionError("Redis refused the connection's set-up"))
            raise
        return wire

    def lost(self, wire: _Wire) -> None:
        if self._wire is wire:
            self._wire = None

    async def close(self) -> None:
        if self._watchdog is not None:
            self._watchdog.cancel()
            self._watchdog = None
        if self._connecting is not None and not self._connecting.done():
            self._connecting.cancel()
        wire, self._wire = self._wire, None
        if wire is not None and wire.transport is not None:
            wire.transport.close()
            wire.fail(RedisConnectionError("Connection to Redis closed"))
