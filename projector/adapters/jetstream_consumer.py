"""What the projector makes of a bus message: the decoded event a projection sees (the same for live
traffic, rebuilds and replays), how much of a fetch is whole transactions, and the consumer options.
The worker that consumes the stream is projector/adapters/worker.py."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC
from functools import lru_cache

from ledgermesh.events.v1 import envelope_pb2
from nats.aio.msg import Msg

from eventcodec.codec import message_json, payload_json, payload_message, unpack_payload
from eventlog.envelope import PARTITIONS, envelope_metadata
from eventlog.records import StoredEvent
from readmodel.events import ProjectedEvent


@lru_cache(maxsize=2048)
def decode(msg_data: bytes) -> tuple[ProjectedEvent, envelope_pb2.EventEnvelope]:
    """A bus message as every projection sees it. The worker's look at a batch's transactions and its
    apply both ask for it, and a redelivery comes back with the same bytes: each is decoded once.
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


def delivery_count(msg: Msg) -> int:
    """How many times JetStream delivered the message (msg.metadata.num_delivered), read straight off
    its reply subject: nats-py's Metadata (dataclasses and a datetime per message) was a tenth of the
    worker's batch handling. `$JS.ACK.<stream>.<consumer>.<delivered>.<stream seq>...` (9 tokens), or
    with domain and account hash first (12 or more); anything else (no reply: not from JetStream) is 1."""
    reply = msg.reply or ""
    if not reply.startswith("$JS.ACK."):
        return 1
    tokens = reply.split(".")
    if len(tokens) == 9:
        return int(tokens[4])
    if len(tokens) >= 11:
        return int(tokens[Msg.Ack.NumDelivered])
    return msg.metadata.num_delivered


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
    # Projector workers sharing the stream by subject partition (eventlog.envelope.PARTITIONS of them,
    # by aggregate); 0: one worker takes every subject.
    workers: int = 0

    def worker_subjects(self, worker: int | None) -> list[str]:
        """The subjects one worker consumes: all of them, or the partitions p with p % workers ==
        worker. Worker 0 also takes subjects without a partition token (published before there were
        partitions, or by hand): the per-object version guard keeps their order with the rest."""
        if worker is None or not self.workers:
            return [f"{self.subject_prefix}.>"]
        mine = [f"{self.subject_prefix}.*.*.{p}" for p in range(PARTITIONS) if p % self.workers == worker]
        return mine + ([f"{self.subject_prefix}.*.*"] if worker == 0 else [])
