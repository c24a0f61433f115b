"""What one JetStream message per event costs, next to one per commit, for the decision on the bus's
format (docs/write-path.md): `python -m bench.envelope_cost [--charges N] [--rounds R]`.

In-process against the bench's private nats-server, for the five events of a captured CreateCharge
(one made through the command service first, then copied with new event ids):
- build: each event's envelope, serialized, with its headers and subject, as the command service
  sends it today (eventlog/envelope.py); the same five envelopes are built in either format;
- publish: `publish_async` of each message and every acknowledgement awaited, as the background
  publisher does, either one message per event (today) or one message per commit, the five serialized
  envelopes one after the other (the bytes a `repeated EventEnvelope` field would hold);
- consume: a durable pull consumer as the projector's (projector/adapters/pull.py), each message
  acknowledged explicitly, either per event or per commit.
Each step prints this process's CPU per charge and the nats-server's CPU per charge meanwhile. The
format is not changed: the per-commit message is only sent and received here, never decoded."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
import statistics
import time
import uuid
from pathlib import Path
from typing import Any

from bench.harness import ensure_import_paths

ensure_import_paths()

from bench import harness  # noqa: E402
from eventlog.envelope import headers_for, subject_for, to_envelope  # noqa: E402
from eventlog.group_commit import _stored  # noqa: E402
from eventlog.records import StoredEvent  # noqa: E402


async def _charges(servers: Any, count: int) -> list[list[StoredEvent]]:
    """`count` copies (new event ids, as JetStream dedups by them) of the five events a real CreateCharge
    stored, through the command service, in a schema of its own."""
    import grpc
    import psycopg
    from ledgermesh.payments.v1 import payment_service_pb2_grpc

    async with harness.isolated(servers) as settings, harness.services(settings, "command") as started:
        channel = grpc.aio.insecure_channel(started["command"].target)
        (merchant,) = await harness.create_merchants(channel, 1)
        stub = payment_service_pb2_grpc.PaymentCommandServiceStub(channel)
        reply = await stub.CreateCharge(harness.charge_request(1), metadata=merchant.metadata)
        await channel.close()
        async with await psycopg.AsyncConnection.connect(
                settings.database_url or "", autocommit=True, options=f"-c search_path={settings.db_schema}") as conn:
            cur = await conn.execute(_READ_COMMIT, (reply.global_position,))
            charge = [_stored(row) for row in await cur.fetchall()]
    assert len(charge) == 5, charge
    return [[dataclasses.replace(e, event_id=uuid.uuid4()) for e in charge] for _ in range(count)]


_READ_COMMIT = (
    "SELECT global_position, event_id, tenant_id, aggregate_id, aggregate_type, aggregate_version, event_type,"
    " event_version, event_data, metadata, created_at, event_hash, previous_event_hash, signature FROM events"
    " WHERE tx_id = (SELECT tx_id FROM events WHERE global_position = %s) ORDER BY global_position"
)


def _nats_pid(url: str) -> int:
    port = url.rsplit(":", 1)[1].encode()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                argv = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if argv and argv[0].endswith(b"nats-server") and port in argv:
                return int(entry.name)
    raise RuntimeError(f"no nats-server on port {port.decode()}")


def _cpu(pid: int) -> float:
    fields = harness._stat_fields(pid)
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _build(charge: list[StoredEvent], prefix: str) -> list[tuple[str, bytes, dict[str, str]]]:
    return [(subject_for(prefix, e.aggregate_type, e.event_type, e.aggregate_id), to_envelope(e).SerializeToString(),
             headers_for(e)) for e in charge]


def _framed(envelope: bytes) -> bytes:
    """An envelope as an element of a `repeated EventEnvelope` field 1: tag, length, bytes."""
    length, size = bytearray(), len(envelope)
    while True:
        byte, size = size & 0x7F, size >> 7
        length.append(byte | (0x80 if size else 0))
        if not size:
            return b"\x0a" + bytes(length) + envelope


async def _round(nc: Any, js: Any, nats_pid: int, charges: list[list[StoredEvent]], per_commit: bool,
                 window: int = 64) -> dict[str, float]:
    from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy, StorageType, StreamConfig

    from projector.adapters.pull import ContinuousPull

    tag = uuid.uuid4().hex[:8]
    stream, prefix = f"ENVCOST{tag}".upper(), f"envcost{tag}"
    await js.add_stream(StreamConfig(name=stream, subjects=[f"{prefix}.>"], storage=StorageType.FILE,
                                     duplicate_window=600.0))
    try:
        started = time.process_time()
        built = [_build(charge, prefix) for charge in charges]
        build_s = time.process_time() - started

        cpu, server = time.process_time(), _cpu(nats_pid)
        for first in range(0, len(built), window):
            acks = []
            for messages in built[first:first + window]:
                if per_commit:
                    subject, _, headers = messages[0]
                    acks.append(await js.publish_async(subject, b"".join(_framed(m[1]) for m in messages),
                                                       headers=headers))
                else:
                    acks += [await js.publish_async(s, d, headers=h) for s, d, h in messages]
            await asyncio.gather(*acks)
        publish_s, publish_server_s = time.process_time() - cpu, _cpu(nats_pid) - server

        expected = len(built) if per_commit else 5 * len(built)
        pull = ContinuousPull(nc, js, stream, ConsumerConfig(durable_name="envcost", ack_policy=AckPolicy.EXPLICIT,
                                                             deliver_policy=DeliverPolicy.ALL, max_ack_pending=10_000))
        cpu, server = time.process_time(), _cpu(nats_pid)
        await pull.open()
        got = 0
        while got < expected:
            msgs = await pull.next_messages(256, 5.0)
            if not msgs:
                raise RuntimeError(f"consumed {got} of {expected}")
            for msg in msgs:
                await msg.ack()
            got += len(msgs)
        await nc.flush()
        consume_s, consume_server_s = time.process_time() - cpu, _cpu(nats_pid) - server
        await pull.close()
    finally:
        await js.delete_stream(stream)
    n = len(charges) / 1000  # seconds per charge -> ms
    return {"build": build_s / n, "publish": publish_s / n, "publish_nats": publish_server_s / n,
            "consume": consume_s / n, "consume_nats": consume_server_s / n}


async def main(count: int, rounds: int) -> None:
    import nats

    servers = harness.Servers.start()
    try:
        nc = await nats.connect(servers.nats_url)
        js = nc.jetstream()
        nats_pid = _nats_pid(servers.nats_url)
        charges = await _charges(servers, count)
        results: dict[bool, list[dict[str, float]]] = {False: [], True: []}
        for _ in range(rounds):  # interleaved
            for per_commit in (False, True):
                results[per_commit].append(await _round(nc, js, nats_pid, charges, per_commit))
        await nc.close()
    finally:
        servers.stop()
    print(f"{count} CreateCharge (5 events each), {rounds} interleaved rounds, load {os.getloadavg()[0]:.2f}; "
          "CPU-ms per charge, median [min-max]:")
    print("| step | one message per event (today) | one message per commit |")
    print("| --- | --- | --- |")
    names = {"build": "build 5 envelopes + headers (command service)",
             "publish": "publish_async + acks awaited (command service)", "publish_nats": "nats-server while publishing",
             "consume": "pull + explicit ack (projector-like consumer)", "consume_nats": "nats-server while consumed"}
    for key, label in names.items():
        cells = []
        for per_commit in (False, True):
            values = [r[key] for r in results[per_commit]]
            cells.append(f"{statistics.median(values):.3f} [{min(values):.3f}-{max(values):.3f}]")
        print(f"| {label} | {cells[0]} | {cells[1]} |")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench.envelope_cost")
    parser.add_argument("--charges", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    a = parser.parse_args()
    asyncio.run(main(a.charges, a.rounds))
