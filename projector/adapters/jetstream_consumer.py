"""One durable JetStream pull consumer per projection: fetch, apply atomically, then ack.

A failing event is retried with backoff; after max_deliver attempts it goes to the dead-letter list
with its error and the consumer moves on. Nothing stops silently."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache

from ledgermesh.events.v1 import envelope_pb2
from nats.aio.msg import Msg
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import FetchTimeoutError
from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from redis.asyncio import Redis

from eventcodec.codec import message_json, payload_json, payload_message, unpack_payload
from eventlog.envelope import envelope_metadata
from eventlog.records import StoredEvent
from projector.adapters.redis_apply import Application, Outcome, RedisApplier
from projector.metrics import PROJECTOR_METRICS
from projector.projections.base import Projection
from readmodel.events import ProjectedEvent
from readmodel.keys import Keys

log = logging.getLogger(__name__)
tracer = trace.get_tracer("ledgermesh.projector")


@lru_cache(maxsize=4096)
def decode(msg_data: bytes) -> tuple[ProjectedEvent, envelope_pb2.EventEnvelope]:
    """Every projection's consumer receives the same message; in one process it is decoded once.
    (Projections are pure and never mutate the event, so sharing the decoded objects is safe.)"""
    envelope = envelope_pb2.EventEnvelope()
    envelope.ParseFromString(msg_data)
    return projected_event(envelope), envelope


def projected_event(envelope: envelope_pb2.EventEnvelope) -> ProjectedEvent:
    """What a projection sees of an envelope; rebuilds from the log go through here too, so a rebuilt
    read model is byte-for-byte the live one."""
    payload = unpack_payload(envelope)
    return ProjectedEvent(
        event_id=envelope.event_id,
        event_type=envelope.event_type,
        aggregate_id=envelope.aggregate_id,
        aggregate_type=envelope.aggregate_type,
        aggregate_version=envelope.aggregate_version,
        global_position=envelope.global_position,
        tenant_id=envelope.tenant_id,
        created_at=envelope.occurred_at.ToDatetime(tzinfo=UTC),
        payload=payload,
        payload_json=payload_json(payload),
        metadata=message_json(envelope.metadata),
        commit_position=envelope.commit_position or envelope.global_position,
    )


def stored_projected_event(stored: StoredEvent) -> ProjectedEvent:
    """projected_event(to_envelope(stored)) without building, packing and unpacking the envelope,
    for rebuilds and replays: the payload still goes through its message, which normalizes it
    exactly as the bus does."""
    created = stored.created_at
    payload = payload_message(stored.event_type, stored.data)
    return ProjectedEvent(
        event_id=str(stored.event_id),
        event_type=stored.event_type,
        aggregate_id=stored.aggregate_id,
        aggregate_type=stored.aggregate_type,
        aggregate_version=stored.aggregate_version,
        global_position=stored.global_position,
        tenant_id=stored.tenant_id,
        # As a Timestamp round trip gives it: the same instant, in UTC.
        created_at=created.astimezone(UTC) if created.tzinfo else created.replace(tzinfo=UTC),
        payload=payload,
        payload_json=payload_json(payload),
        metadata=message_json(envelope_metadata(stored)),
        commit_position=stored.commit_position or stored.global_position,
    )


# A transaction's events are published together, so the rest of one is at most milliseconds behind;
# a fetch that waits for it must not linger for new traffic (nats-py waits out its timeout).
_REST_OF_TRANSACTION_WAIT = 0.02


def whole_transactions(msgs: Sequence[Msg]) -> int:
    """How many of `msgs` (in stream order) to apply now: all but a tail that starts with an event
    whose transaction's last event (position == commit position) is not among them. A read that
    waits for a command's position then never sees part of the command applied."""
    events = [_decoded(msg) for msg in msgs]
    complete = {e.commit_position for e in events if e is not None and e.global_position == e.commit_position}
    for i, event in enumerate(events):
        if event is not None and event.commit_position not in complete:
            return i
    return len(msgs)


def _decoded(msg: Msg) -> ProjectedEvent | None:
    try:
        return decode(msg.data)[0]
    except Exception:  # noqa: BLE001 - an undecodable message is dead-lettered by handle_batch
        return None


@dataclass(frozen=True)
class ConsumerOptions:
    stream: str
    subject_prefix: str
    durable_prefix: str = "lm"
    batch: int = 100
    max_deliver: int = 5
    # Redelivery delays after a failure (seconds); the last repeats.
    backoff: tuple[float, ...] = (0.2, 1.0, 5.0)
    # Delay before redelivering an event whose predecessor has not been applied yet.
    out_of_order_delay: float = 0.05
    # Seconds before JetStream redelivers a message a crashed consumer never acknowledged.
    ack_wait: float = 30.0


class ProjectionConsumer:
    def __init__(
        self, js: JetStreamContext, redis: Redis, prefix: str, projection: Projection, options: ConsumerOptions
    ) -> None:
        self._js = js
        self._redis = redis
        self._projection = projection
        self._keys = Keys(prefix)
        self._prefix = prefix
        self._options = options
        self._applier = RedisApplier(redis, prefix, projection.name)
        self.durable = f"{options.durable_prefix}-{projection.name}"

    async def _subscribe(self):  # type: ignore[no-untyped-def]
        config = ConsumerConfig(
            durable_name=self.durable,
            ack_policy=AckPolicy.EXPLICIT,
            deliver_policy=DeliverPolicy.ALL,
            max_deliver=-1,  # we count deliveries ourselves and dead-letter; never drop silently
            ack_wait=self._options.ack_wait,
            max_ack_pending=10_000,
            filter_subject=f"{self._options.subject_prefix}.>",
        )
        return await self._js.pull_subscribe(
            f"{self._options.subject_prefix}.>", durable=self.durable, stream=self._options.stream, config=config
        )

    async def run(self, stop: asyncio.Event) -> None:
        sub = await self._subscribe()
        # The tail of a fetch that ends inside a transaction waits (one short fetch) for the rest of it.
        held: list[Msg] = []
        while not stop.is_set():
            try:
                msgs = await sub.fetch(self._options.batch, timeout=_REST_OF_TRANSACTION_WAIT if held else 0.5)
            except (FetchTimeoutError, NatsTimeoutError, TimeoutError):
                _raise_if_cancelled()
                if held:
                    await self.handle_batch(held)
                    held = []
                continue
            except Exception:
                _raise_if_cancelled()
                if stop.is_set():
                    return
                log.exception("fetch failed for %s; retrying", self.durable)
                await asyncio.sleep(0.5)
                continue
            batch = held + msgs
            ready = max(len(held), whole_transactions(batch))
            held = batch[ready:]
            await self.handle_batch(batch[:ready])

    async def handle_batch(self, msgs: list[Msg]) -> None:
        """A fetched batch is applied in one Redis round trip, each event still its own atomic Lua
        call, in order, so an object's events apply in sequence; the write is traced under the first
        event's span. If the pipeline fails, each event is applied alone under its own span: the
        version guard makes the ones already applied duplicates."""
        prepared = [p for p in [await self._prepare(msg) for msg in msgs] if p is not None]
        if not prepared:
            return
        outcomes: list[Outcome] = []

        async def apply_all() -> None:
            outcomes.extend(await self._applier.apply_many([app for _, _, _, app in prepared]))

        try:
            await self._traced(prepared[0][0], prepared[0][1], apply_all())
        except Exception:  # noqa: BLE001 - fall back to one at a time, where each failure is handled alone
            log.warning("batch apply failed for %s; applying one at a time", self.durable, exc_info=True)
            for msg, event, envelope, app in prepared:
                await self._traced(msg, event, self._apply_one(msg, event, envelope, app))
            return
        for (msg, event, envelope, app), outcome in zip(prepared, outcomes, strict=True):
            await self._settle(msg, event, envelope, app, outcome)

    async def handle(self, msg: Msg) -> None:
        prepared = await self._prepare(msg)
        if prepared is not None:
            msg, event, envelope, app = prepared
            await self._traced(msg, event, self._apply_one(msg, event, envelope, app))

    async def _prepare(
        self, msg: Msg
    ) -> tuple[Msg, ProjectedEvent, envelope_pb2.EventEnvelope, Application] | None:
        """Decode and project one message; a failure goes to retry / dead letter and gives None."""
        if msg.metadata and msg.metadata.num_delivered > 1:
            PROJECTOR_METRICS.redeliveries.labels(self._projection.name).inc()
        try:
            event, envelope = decode(msg.data)
        except Exception as exc:
            await self._failed(msg, None, exc)
            return None
        try:
            app = self._application(event, msg)
        except Exception as exc:
            await self._failed(msg, event, exc)
            return None
        return msg, event, envelope, app

    async def _traced(self, msg: Msg, event: ProjectedEvent, work: Awaitable[None]) -> None:
        # The consume span continues the producer's trace; the Redis write is its child.
        token = otel_context.attach(propagate.extract(dict(msg.headers or {})))
        try:
            with tracer.start_as_current_span(
                f"project {self._projection.name} {event.event_type}", kind=trace.SpanKind.CONSUMER,
                attributes={"ledgermesh.projection": self._projection.name, "ledgermesh.event_id": event.event_id},
            ):
                await work
        finally:
            otel_context.detach(token)

    def _application(self, event: ProjectedEvent, msg: Msg) -> Application:
        ops = self._projection.apply(event, self._keys)
        now = time.time()
        committed = event.created_at.timestamp()
        return Application(
            aggregate_id=event.aggregate_id, version=event.aggregate_version, position=event.global_position,
            ops=ops, now_ms=int(now * 1000), lag_ms=max(0, int((now - committed) * 1000)),
        )

    async def _apply_one(self, msg: Msg, event: ProjectedEvent, envelope: envelope_pb2.EventEnvelope,
                         app: Application) -> None:
        try:
            outcome = await self._applier.apply(app)
        except Exception as exc:
            await self._failed(msg, event, exc)
            return
        await self._settle(msg, event, envelope, app, outcome)

    async def _settle(self, msg: Msg, event: ProjectedEvent, envelope: envelope_pb2.EventEnvelope,
                      app: Application, outcome: Outcome) -> None:
        name = self._projection.name
        if outcome is Outcome.OUT_OF_ORDER:
            await msg.nak(delay=self._options.out_of_order_delay)
            return
        if outcome is Outcome.APPLIED:
            PROJECTOR_METRICS.observe_applied(name, app.lag_ms / 1000.0, event.global_position)
        else:
            PROJECTOR_METRICS.duplicates.labels(name).inc()
        await msg.ack()

    async def _failed(self, msg: Msg, event: ProjectedEvent | None, exc: Exception) -> None:
        name = self._projection.name
        delivered = msg.metadata.num_delivered if msg.metadata else 1
        PROJECTOR_METRICS.failures.labels(name).inc()
        if delivered < self._options.max_deliver:
            delay = self._options.backoff[min(delivered - 1, len(self._options.backoff) - 1)]
            log.warning("projection %s failed on delivery %d, retrying in %.1fs: %s", name, delivered, delay, exc)
            await msg.nak(delay=delay)
            return
        await self.dead_letter(msg, event, exc, delivered)

    async def dead_letter(self, msg: Msg, event: ProjectedEvent | None, exc: Exception, delivered: int) -> None:
        name = self._projection.name
        error = f"{type(exc).__name__}: {exc}"
        record: dict[str, object] = {
            "projection": name,
            "error": error,
            "deliveries": delivered,
            "stream_sequence": msg.metadata.sequence.stream if msg.metadata else 0,
            "subject": msg.subject,
            "event_id": event.event_id if event else (msg.headers or {}).get("Nats-Msg-Id", ""),
            "event_type": event.event_type if event else (msg.headers or {}).get("Ledgermesh-Event-Type", ""),
            "aggregate_id": event.aggregate_id if event else "",
            "at": datetime.now(UTC).isoformat(),
        }
        await self._redis.rpush(self._keys.dead_letters(name), json.dumps(record))
        if event is not None:
            # Step the object's checkpoint past the poison event so its later events still flow;
            # `dlq replay` re-applies the event itself.
            await self._applier.apply(Application(event.aggregate_id, event.aggregate_version,
                                                  event.global_position, (), int(time.time() * 1000), 0))
        try:
            await self._js.publish(
                f"{self._options.subject_prefix.rsplit('.', 1)[0]}.deadletter.{name}",
                msg.data, headers={**(msg.headers or {}), "Ledgermesh-Error": error[:500]},
            )
        except Exception:
            log.warning("dead-letter subject has no stream; the Redis list keeps the record")
        PROJECTOR_METRICS.dead_letters.labels(name).inc()
        log.error("projection %s dead-lettered %s after %d deliveries: %s", name, record["event_id"], delivered, exc)
        await msg.ack()


def _raise_if_cancelled() -> None:
    """nats-py's fetch can turn a cancellation into a timeout or a connection error (its inner
    wait_for swallows it); a cancelled consumer must still stop."""
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError
