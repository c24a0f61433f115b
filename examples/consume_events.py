"""Subscribe to LedgerMesh's event stream: a durable JetStream pull consumer that decodes every event
with the generated classes, acks it explicitly, and resumes where it stopped after a restart.

    python examples/consume_events.py --durable my-app                     # follow forever
    python examples/consume_events.py --durable my-app --until-idle 2      # stop after 2 s without events
    python examples/consume_events.py --durable my-app --subject 'ledgermesh.events.payments.>'

One line per event: stream sequence, event type, object id and version, log position, event id, hash,
then the payload as JSON. See docs/events.md for the subjects, headers and envelope.
"""

import argparse
import asyncio
import json
import os
import time

import nats
from google.protobuf import descriptor_pool, json_format, message_factory
from ledgermesh.events.v1 import (  # noqa: F401 - importing registers every event message type
    account_events_pb2,
    dispute_events_pb2,
    envelope_pb2,
    ledger_events_pb2,
    payment_events_pb2,
)
from nats.errors import TimeoutError as NatsTimeout
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy


def decode(data: bytes) -> tuple[envelope_pb2.EventEnvelope, dict]:
    envelope = envelope_pb2.EventEnvelope.FromString(data)
    # The payload is a google.protobuf.Any; its type URL names the event message.
    descriptor = descriptor_pool.Default().FindMessageTypeByName(envelope.payload.TypeName())
    payload = message_factory.GetMessageClass(descriptor)()
    envelope.payload.Unpack(payload)
    return envelope, json_format.MessageToDict(payload, preserving_proto_field_name=True)


async def main(a: argparse.Namespace) -> int:
    nc = await nats.connect(a.nats, name=f"consume-events-{a.durable}")
    js = nc.jetstream()
    config = ConsumerConfig(durable_name=a.durable, ack_policy=AckPolicy.EXPLICIT,
                            deliver_policy=DeliverPolicy.ALL, ack_wait=30)
    sub = await js.pull_subscribe(a.subject, durable=a.durable, stream=a.stream, config=config)
    seen, last_event = 0, time.monotonic()
    try:
        while a.max_events is None or seen < a.max_events:
            # Never fetch more than we will handle: unhandled fetched messages wait ack_wait to come back.
            want = 100 if a.max_events is None else min(100, a.max_events - seen)
            try:
                msgs = await sub.fetch(want, timeout=1.0)
            except (NatsTimeout, TimeoutError):
                if a.until_idle is not None and time.monotonic() - last_event >= a.until_idle:
                    break
                continue
            for msg in msgs:
                envelope, payload = decode(msg.data)
                print(msg.metadata.sequence.stream, envelope.event_type, envelope.aggregate_id,
                      f"v{envelope.aggregate_version}", f"pos={envelope.global_position}",
                      f"id={envelope.event_id}", f"hash={envelope.metadata.event_hash}",
                      json.dumps(payload, separators=(",", ":"), sort_keys=True), flush=True)
                await msg.ack_sync()  # acked only once handled: a crash before this line redelivers it
                seen += 1
            last_event = time.monotonic()
    finally:
        await nc.close()
    return 0


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    # `make run` embeds NATS on port 4223 unless NATS_URL points elsewhere.
    p.add_argument("--nats", default=os.environ.get("NATS_URL", "nats://127.0.0.1:4223"), help="NATS server URL")
    p.add_argument("--stream", default="EVENTS", help="JetStream stream name")
    p.add_argument("--subject", default="ledgermesh.events.>", help="subject filter")
    p.add_argument("--durable", required=True, help="consumer name; a restart with the same name resumes")
    p.add_argument("--max-events", type=int, help="stop after this many events")
    p.add_argument("--until-idle", type=float, help="stop after this many seconds without events")
    raise SystemExit(asyncio.run(main(p.parse_args())))
