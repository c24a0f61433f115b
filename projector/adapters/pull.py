"""A continuous pull from a durable JetStream consumer: messages are handed over as soon as they
arrive, with no fetch timeout to wait out between batches.

nats-py's `fetch(n, timeout)` keeps a lingering pull open until it has n messages or the timeout, so
a quiet stream makes every new event wait out the timeout. Here, as nats.go's `Consume` does, pull
requests with a long expiry and idle heartbeats keep a window of credit open on the server; the
messages land in a local buffer that the worker drains whenever it is free, and the window is topped
up after each drain. Missing heartbeats (a reconnect, a server restart) reopen the window."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Sequence

from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig
from nats.js.errors import NotFoundError

log = logging.getLogger(__name__)

_STATUS = "Status"
_HEARTBEAT = "100"
_PENDING_MESSAGES = "Nats-Pending-Messages"


class ConsumerGone(Exception):
    """The server says the durable consumer no longer exists (deleted, or its stream was)."""


class ContinuousPull:
    def __init__(self, nc: NATS, js: JetStreamContext, stream: str, config: ConsumerConfig, *, window: int = 256,
                 expires: float = 10.0, heartbeat: float = 2.0, api_prefix: str = "$JS.API") -> None:
        assert config.durable_name
        self.durable = config.durable_name
        self._nc = nc
        self._js = js
        self._stream = stream
        self._config = config
        self._window = window
        self._expires = expires
        self._heartbeat = heartbeat
        self._next_subject = f"{api_prefix}.CONSUMER.MSG.NEXT.{stream}.{self.durable}"
        self._buffer: list[Msg] = []
        self._arrived = asyncio.Event()
        self._credit = 0
        self._last_heard = time.monotonic()
        self._gone = False
        self._sub: Subscription | None = None
        self._inbox = ""

    async def open(self) -> None:
        try:
            await self._js.consumer_info(self._stream, self.durable)
        except NotFoundError:
            await self._js.add_consumer(self._stream, self._config)
        self._inbox = self._nc.new_inbox()
        # The window bounds what the server sends; the local limits only need to hold it.
        self._sub = await self._nc.subscribe(self._inbox, cb=self._on_message,
                                             pending_msgs_limit=-1, pending_bytes_limit=-1)
        self._credit = 0
        self._gone = False
        await self._top_up()

    async def close(self) -> None:
        if self._sub is not None:
            try:
                await self._sub.unsubscribe()
            except Exception:  # noqa: BLE001 - closing a connection that is already gone
                log.debug("unsubscribe failed", exc_info=True)
            self._sub = None

    async def _on_message(self, msg: Msg) -> None:
        self._last_heard = time.monotonic()
        status = (msg.headers or {}).get(_STATUS) if not msg.data else None
        if status is None:
            self._credit -= 1
            self._buffer.append(msg)
            self._arrived.set()
            return
        if status == _HEARTBEAT:
            return
        # 404/408: a request ended (no messages / expired) with this many of its messages undelivered.
        # 409: the server dropped requests (leadership change, consumer deleted, limits): reopen.
        pending = (msg.headers or {}).get(_PENDING_MESSAGES)
        if status in ("404", "408") and pending is not None:
            self._credit -= int(pending)
        else:
            if "deleted" in str((msg.headers or {}).get("Description", "")).lower():
                self._gone = True
            self._credit = 0
        self._arrived.set()

    async def _top_up(self) -> None:
        if self._credit > self._window // 2:
            return
        batch = self._window - max(self._credit, 0)
        request = {"batch": batch, "expires": int(self._expires * 1e9), "idle_heartbeat": int(self._heartbeat * 1e9)}
        await self._nc.publish(self._next_subject, json.dumps(request).encode(), reply=self._inbox)
        self._credit += batch

    async def next_messages(self, limit: int, wait: float) -> list[Msg]:
        """What has arrived, up to `limit`, waiting at most `wait` seconds for the first one."""
        if self._gone:
            raise ConsumerGone(self.durable)
        if not self._buffer:
            self._arrived.clear()
            # Not wait_for: on Python 3.11 it drops a cancellation that comes with a message, and the
            # worker would never stop (support/cancellation.py).
            try:
                async with asyncio.timeout(wait):
                    await self._arrived.wait()
            except TimeoutError:
                pass
        if time.monotonic() - self._last_heard > 2 * self._heartbeat + 1.0:
            # No message nor heartbeat: our pull requests are gone (reconnect, server restart).
            log.info("no heartbeat on %s for %.0fs; reopening the pull window", self.durable,
                     time.monotonic() - self._last_heard)
            self._credit = 0
            self._last_heard = time.monotonic()
        taken, self._buffer = self._buffer[:limit], self._buffer[limit:]
        await self._top_up()
        return taken

    def buffered(self) -> list[Msg]:
        """Messages delivered to us and not taken yet."""
        return list(self._buffer)

    def put_back(self, msgs: Sequence[Msg]) -> None:
        """Messages taken but not handled yet go first in line again."""
        self._buffer[:0] = msgs
