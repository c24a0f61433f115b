"""JetStream: the EVENTS stream, publishing after commit, and the gap-safe relay."""

from __future__ import annotations

import asyncio
import collections
import contextvars
import logging
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import nats
from nats.aio.client import Client as NATS
from nats.js import JetStreamContext
from nats.js.api import PubAck, RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import NotFoundError
from opentelemetry import propagate, trace

from eventlog.envelope import headers_for, subject_for, to_envelope
from eventlog.records import LogPosition, StoredEvent
from eventlog.store import EventStore

log = logging.getLogger(__name__)
tracer = trace.get_tracer("ledgermesh.bus")


async def connect(url: str, name: str) -> NATS:
    """Connect to NATS; `url` may list several servers of a cluster separated by commas."""
    servers = [u.strip() for u in url.split(",") if u.strip()]
    return await nats.connect(servers=servers, name=name, max_reconnect_attempts=-1, reconnect_time_wait=0.5)


async def ensure_stream(
    js: JetStreamContext, stream: str, subject_prefix: str, dedup_seconds: int, replicas: int = 1
) -> None:
    config = StreamConfig(
        name=stream,
        subjects=[f"{subject_prefix}.>"],
        storage=StorageType.FILE,
        retention=RetentionPolicy.LIMITS,
        duplicate_window=float(dedup_seconds),
        num_replicas=replicas,
    )
    try:
        await js.stream_info(stream)
        await js.update_stream(config)
    except NotFoundError:
        await js.add_stream(config)


class EventPublisher:
    """Publishes stored events to JetStream; Nats-Msg-Id = event_id makes republishing harmless."""

    def __init__(self, js: JetStreamContext, subject_prefix: str, remember: int = 200_000) -> None:
        self._js = js
        self._prefix = subject_prefix
        # Events this process has published (acknowledged by JetStream), so its relay skips them.
        self._published: collections.OrderedDict[str, None] = collections.OrderedDict()
        self._remember = remember

    def was_published(self, event_id: object) -> bool:
        return str(event_id) in self._published

    def _remember_published(self, event_id: str) -> None:
        self._published[event_id] = None
        if len(self._published) > self._remember:
            self._published.popitem(last=False)

    async def publish(self, events: Sequence[StoredEvent]) -> None:
        """Publish events, all in flight at once, and wait until JetStream has them all. They are sent
        in order; a consumer that still sees one object's events out of order waits for the missing
        one (the projector's version guard)."""
        acks = [await self.send(event) for event in events]
        await asyncio.gather(*acks)

    async def send(self, event: StoredEvent) -> asyncio.Future[PubAck]:
        """Send one event; the future resolves when JetStream acknowledged it."""
        headers = headers_for(event)
        traceparent = event.metadata.get("traceparent", "")
        if _sampled(traceparent):
            # The span continues the trace the command recorded in the event's metadata (its gRPC
            # call) and becomes the consumer's parent. An unsampled trace passes on as it came.
            with tracer.start_as_current_span(
                f"publish {event.event_type}", context=propagate.extract({"traceparent": traceparent}),
                kind=trace.SpanKind.PRODUCER,
                attributes={"messaging.system": "nats", "messaging.destination.name": self._prefix,
                            "ledgermesh.event_id": str(event.event_id)},
            ):
                propagate.inject(headers)
        ack: asyncio.Future[PubAck] = await self._js.publish_async(
            subject_for(self._prefix, event.aggregate_type, event.event_type, event.aggregate_id),
            to_envelope(event).SerializeToString(),
            headers=headers,
        )
        event_id = str(event.event_id)
        ack.add_done_callback(lambda done: None if done.cancelled() or done.exception()
                              else self._remember_published(event_id))
        return ack


class BackgroundPublisher:
    """The command side's fast path: a committed command's events are queued and the command answers
    at once; a background task sends them to JetStream in commit order, many in flight. Whatever it
    cannot send (the process dies, JetStream is away) the relay sends from the log."""

    def __init__(self, publisher: EventPublisher) -> None:
        self._publisher = publisher
        self._queue: collections.deque[StoredEvent] = collections.deque()
        self._sender: asyncio.Task[None] | None = None

    @property
    def publisher(self) -> EventPublisher:
        return self._publisher

    async def publish(self, events: Sequence[StoredEvent]) -> None:
        self.enqueue(events)

    def enqueue(self, events: Sequence[StoredEvent]) -> None:
        """Queue events for sending (a store's `when_durable` callback: it cannot wait)."""
        self._queue.extend(events)
        if self._sender is None or self._sender.done():
            # Not part of any one request: each event's span continues its own command's trace.
            self._sender = asyncio.create_task(self._send_queued(), name="publish", context=contextvars.Context())

    async def _send_queued(self) -> None:
        while self._queue:
            event = self._queue.popleft()
            try:
                ack = await self._publisher.send(event)
            except Exception:
                log.warning("publish after commit failed; the relay will deliver %s", event.event_id, exc_info=True)
                continue
            ack.add_done_callback(_log_failed_ack)

    async def close(self, timeout: float = 2.0) -> None:
        """Send what is queued (the relay sends it otherwise)."""
        if self._sender is not None and not self._sender.done():
            try:
                await asyncio.wait_for(asyncio.shield(self._sender), timeout)
            except TimeoutError:
                log.info("stopping with %d events unpublished; the relay will deliver them", len(self._queue))


def _sampled(traceparent: str) -> bool:
    """Whether a W3C traceparent (version-trace-parent-flags) has its sampled flag set."""
    if not traceparent:  # no trace at all (the usual case when nothing samples): no exception to raise
        return False
    try:
        return bool(int(traceparent[-2:], 16) & 0x01) and traceparent.count("-") == 3
    except ValueError:
        return False


def _log_failed_ack(ack: asyncio.Future[PubAck]) -> None:
    if not ack.cancelled() and ack.exception() is not None:
        log.warning("JetStream refused an event; the relay will deliver it: %s", ack.exception())


class Relay:
    """Tails the log from a checkpoint kept in PostgreSQL and republishes everything, so an event
    whose fast-path publish was lost (process died between commit and publish) still arrives."""

    def __init__(self, store: EventStore, publisher: EventPublisher, name: str = "jetstream", *,
                 grace: timedelta = timedelta(0)) -> None:
        self._store = store
        self._publisher = publisher
        self._name = name
        # Events younger than this are left to the fast path of this process, which is still sending
        # them: relaying them too would send most events twice.
        self._grace = grace
        # Where this relay last saved its checkpoint: read from PostgreSQL once, not every round.
        self._saved: LogPosition | None = None

    async def checkpoint(self) -> LogPosition:
        async with self._store.pool.connection() as conn:
            cur = await conn.execute(
                "SELECT tx_id::text::bigint, position FROM relay_checkpoints WHERE name = %s", (self._name,)
            )
            row = await cur.fetchone()
        return LogPosition(row[0], row[1]) if row else LogPosition()

    async def _save(self, position: LogPosition) -> None:
        async with self._store.pool.connection() as conn:
            await conn.execute(
                "INSERT INTO relay_checkpoints (name, tx_id, position) VALUES (%s, %s::text::xid8, %s)"
                " ON CONFLICT (name) DO UPDATE SET tx_id = excluded.tx_id, position = excluded.position,"
                " updated_at = now()",
                (self._name, position.tx_id, position.position),
            )

    async def run_once(self, batch: int = 2000) -> int:
        """Publish everything finished since the checkpoint that this process has not already
        published on its fast path; return how many events were sent."""
        position = self._saved if self._saved is not None else await self.checkpoint()
        sent = 0
        while True:
            heads = await self._store.read_ids_after(
                position, batch, written_before=datetime.now(UTC) - self._grace if self._grace else None)
            if not heads:
                return sent
            missing = [event_id for event_id, _ in heads if not self._publisher.was_published(event_id)]
            if missing:
                await self._publisher.publish(await self._store.get_events(missing))
            position = heads[-1][1]
            await self._save(position)
            self._saved = position
            sent += len(missing)
            if len(heads) < batch:
                # A short page is the end of what is finished (or of what is old enough) for now.
                return sent

    async def backlog(self) -> int:
        position = self._saved if self._saved is not None else await self.checkpoint()
        async with self._store.pool.connection() as conn:
            cur = await conn.execute(
                "SELECT count(*) FROM events WHERE (tx_id, global_position) > (%s::text::xid8, %s)",
                (position.tx_id, position.position),
            )
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    async def run(self, stop: asyncio.Event, interval: float = 0.2) -> None:
        while not stop.is_set():
            try:
                await self.run_once()
            except Exception:  # keep relaying; the next round retries from the checkpoint
                log.exception("relay round failed; retrying")
            try:
                await asyncio.wait_for(stop.wait(), timeout=interval)
            except TimeoutError:
                pass
