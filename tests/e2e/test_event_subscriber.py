"""The event stream as a public interface: examples/consume_events.py, run as a user runs it, receives
every event exactly as the log stores it, in per-object order, and resumes after a restart."""

from __future__ import annotations

import sys
from collections import defaultdict
from dataclasses import dataclass

from ledgermesh.payments.v1 import payment_service_pb2 as pay

from tests.conftest import eventually
from tests.e2e.outside import REPO, run


@dataclass(frozen=True)
class Seen:
    event_type: str
    aggregate_id: str
    version: int
    event_id: str
    event_hash: str


def _parse(stdout: str) -> list[Seen]:
    seen = []
    for line in stdout.splitlines():
        _, event_type, aggregate_id, version, _, event_id, event_hash, _ = line.split(" ", 7)
        seen.append(Seen(event_type, aggregate_id, int(version.removeprefix("v")),
                         event_id.removeprefix("id="), event_hash.removeprefix("hash=")))
    return seen


async def _stored(system) -> list[Seen]:  # type: ignore[no-untyped-def]
    async with system.system.infra.pool.connection() as conn:
        cur = await conn.execute("SELECT event_type, aggregate_id, aggregate_version, event_id::text, event_hash"
                                 " FROM events ORDER BY global_position")
        return [Seen(*row) for row in await cur.fetchall()]


async def _all_published(system) -> list[Seen]:  # type: ignore[no-untyped-def]
    stored = await _stored(system)

    async def done() -> bool:
        info = await system.system.infra.nc.jetstream().stream_info(system.system.infra.settings.stream_name)
        return info.state.messages == len(stored)

    await eventually(done, message="the stream never held every stored event")
    return stored


async def _consume(system, durable: str, *extra: str) -> list[Seen]:  # type: ignore[no-untyped-def]
    s = system.system.infra.settings
    done = await run([sys.executable, str(REPO / "examples" / "consume_events.py"), "--nats", s.nats_url,
                      "--stream", s.stream_name, "--subject", f"{s.subject_prefix}.>", "--durable", durable, *extra])
    assert done.returncode == 0, done.stderr
    return _parse(done.stdout)


def _by_object(events: list[Seen]) -> dict[str, list[Seen]]:
    grouped: dict[str, list[Seen]] = defaultdict(list)
    for event in events:
        grouped[event.aggregate_id].append(event)
    return grouped


async def test_subscriber_receives_events_as_stored_in_order_and_resumes_after_restart(system) -> None:
    merchant = await system.merchant()
    authorized = await system.payments.CreateCharge(
        pay.CreateChargeRequest(amount=3000, currency="usd", source="tok_visa", capture=False),
        metadata=merchant.metadata)
    await system.payments.CaptureCharge(pay.CaptureChargeRequest(charge_id=authorized.charge.id),
                                        metadata=merchant.metadata)
    stored = await _all_published(system)
    charge_events = [e for e in stored if e.aggregate_id == authorized.charge.id]
    assert len(charge_events) >= 2

    # A first run stops after two events; the restart with the same durable name picks up from there.
    first = await _consume(system, "outside-app", "--max-events", "2")
    rest = await _consume(system, "outside-app", "--until-idle", "1")
    assert len(first) == 2
    received = first + rest
    assert sorted(e.event_id for e in received) == sorted(e.event_id for e in stored), "lost or redelivered events"
    assert set(received) == set(stored), "an event arrived different from the stored one"
    for aggregate_id, events in _by_object(received).items():
        assert [e.version for e in events] == sorted(e.version for e in events), f"{aggregate_id} out of order"
    assert [e for e in received if e.aggregate_id == authorized.charge.id] == charge_events

    # Later events reach the same subscriber; nothing it acked before comes again.
    second = await system.payments.CreateCharge(
        pay.CreateChargeRequest(amount=1500, currency="eur", source="tok_mastercard"), metadata=merchant.metadata)
    stored_after = await _all_published(system)
    again = await _consume(system, "outside-app", "--until-idle", "1")
    assert set(again) == set(stored_after) - set(stored)
    assert any(e.aggregate_id == second.charge.id for e in again)


async def test_a_new_subscriber_name_starts_from_the_beginning(system) -> None:
    merchant = await system.merchant()
    await system.payments.CreateCharge(pay.CreateChargeRequest(amount=700, currency="usd", source="tok_visa"),
                                       metadata=merchant.metadata)
    stored = await _all_published(system)
    assert set(await _consume(system, "reporting", "--until-idle", "1")) == set(stored)
    assert set(await _consume(system, "auditing", "--until-idle", "1")) == set(stored)
