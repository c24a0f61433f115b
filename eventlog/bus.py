"""JetStream: the EVENTS stream, publishing after commit, and the gap-safe relay."""

from __future__ import annotations

import asyncio
import collections
import logging
from collections.abc import Sequence

import nats
from nats.aio.client import Client as NATS
from nats.js import JetStreamContext
from nats.js.api import RetentionPolicy, StorageType, StreamConfig
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
        """Publish a commit's events, all in flight at once: one round trip to JetStream rather than
        one per event. They are sent in order; a consumer that still sees one object's events out
        of order waits for the missing one (the projector's version guard)."""
        in_request = trace.get_current_span().get_span_context().is_valid
        await asyncio.gather(*(self._publish_one(event, in_request) for event in events))

    async def _publish_one(self, event: StoredEvent, in_request: bool) -> None:
        # The fast path publishes inside the command's span; the relay continues the trace the
        # command recorded in the event's metadata instead of starting a new one.
        parent = None if in_request else propagate.extract({"traceparent": event.metadata.get("traceparent", "")})
        with tracer.start_as_current_span(
            f"publish {event.event_type}", context=parent, kind=trace.SpanKind.PRODUCER,
            attributes={"messaging.system": "nats", "messaging.destination.name": self._prefix,
                        "ledgermesh.event_id": str(event.event_id)},
        ):
            headers = headers_for(event)
            # The current (publish) span becomes the consumer's parent.
            propagate.inject(headers)
            await self._js.publish(
                subject_for(self._prefix, event.aggregate_type, event.event_type),
                to_envelope(event).SerializeToString(),
                headers=headers,
            )
        self._remember_published(str(event.event_id))


class Relay:
    """Tails the log from a checkpoint kept in PostgreSQL and republishes everything, so an event
    whose fast-path publish was lost (process died between commit and publish) still arrives."""

    def __init__(self, store: EventStore, publisher: EventPublisher, name: str = "jetstream") -> None:
        self._store = store
        self._publisher = publisher
        self._name = name

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
        position = await self.checkpoint()
        sent = 0
        while True:
            heads = await self._store.read_ids_after(position, batch)
            if not heads:
                return sent
            missing = [event_id for event_id, _ in heads if not self._publisher.was_published(event_id)]
            if missing:
                await self._publisher.publish(await self._store.get_events(missing))
            position = heads[-1][1]
            await self._save(position)
            sent += len(missing)

    async def backlog(self) -> int:
        position = await self.checkpoint()
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
