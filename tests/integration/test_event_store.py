"""Optimistic concurrency and multi-stream appends on the real PostgreSQL event log, and upcasting of
stored v1 payloads."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest

from command_svc.application.event_records import from_stored, to_new_event
from command_svc.application.postings import ledger_streams
from command_svc.application.streams import load
from command_svc.domain import ledger, payments
from eventlog.errors import WrongExpectedVersion
from eventlog.records import NewEvent, StoredEvent, StreamAppend
from eventlog.upcasting import current_version
from tests.integration.conftest import append_notes, audit, note

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


async def test_given_20_writers_at_the_same_expected_version_then_exactly_one_wins(infra) -> None:
    stream = "ledger:acct_test:usd"
    await append_notes(infra, stream, 0, "opening")

    async def write(n: int) -> list[StoredEvent] | WrongExpectedVersion:
        try:
            return await append_notes(infra, stream, 1, f"writer-{n}")
        except WrongExpectedVersion as conflict:
            return conflict

    outcomes = await asyncio.gather(*(write(n) for n in range(20)))

    winners = [o for o in outcomes if not isinstance(o, WrongExpectedVersion)]
    assert len(winners) == 1
    assert sum(isinstance(o, WrongExpectedVersion) for o in outcomes) == 19
    stored = await infra.store.read_stream(stream)
    assert [e.aggregate_version for e in stored] == [1, 2]
    assert stored[1].event_id == winners[0][0].event_id


async def test_given_a_multi_stream_append_when_one_stream_conflicts_then_no_stream_is_written(infra) -> None:
    await append_notes(infra, "ledger:acct_test:usd", 0, "first")

    with pytest.raises(WrongExpectedVersion):
        await infra.store.append("acct_test", [
            StreamAppend("ch_multi", "Charge", 0, (note("charge-side"),)),
            StreamAppend("ledger:acct_test:usd", "Ledger", 0, (note("stale ledger version"),)),
        ], audit())

    assert await infra.store.read_stream("ch_multi") == []
    assert len(await infra.store.read_stream("ledger:acct_test:usd")) == 1


async def test_given_a_multi_stream_append_then_both_streams_commit_in_one_transaction(infra) -> None:
    stored = await infra.store.append("acct_test", [
        StreamAppend("ch_multi", "Charge", 0, (note("a"), note("b"))),
        StreamAppend("ledger:acct_test:usd", "Ledger", 0, (note("c"),)),
    ], audit())

    assert [(e.aggregate_id, e.aggregate_version) for e in stored] == [
        ("ch_multi", 1), ("ch_multi", 2), ("ledger:acct_test:usd", 1)]
    assert len({e.tx_id for e in stored}) == 1


async def test_given_a_stored_v1_charge_requested_then_it_reads_back_as_v2_and_folds_into_a_charge(infra) -> None:
    fixture = json.loads((FIXTURES / "charge_requested_v1.json").read_text())
    assert fixture["event_version"] == 1 and "source_token" in fixture["data"] and "capture" not in fixture["data"]
    charge_id = fixture["data"]["charge_id"]
    # Written exactly as a v1 writer did: the old payload under event_version 1.
    await infra.store.append(fixture["tenant_id"], [StreamAppend(charge_id, "Charge", 0, (
        NewEvent(event_type="ChargeRequested", data=fixture["data"], event_version=1, event_id=uuid.uuid4()),
    ))], audit())
    async with infra.pool.connection() as conn:
        cur = await conn.execute("SELECT event_version, event_data FROM events WHERE aggregate_id = %s", (charge_id,))
        row = await cur.fetchone()
    assert row is not None and row[0] == 1 and "source_token" in row[1]

    (event,) = await infra.store.read_stream(charge_id)

    assert event.event_version == current_version("ChargeRequested") == 2
    assert event.data["source"] == fixture["data"]["source_token"] and event.data["capture"] is True
    assert "source_token" not in event.data
    state = payments.fold([from_stored(event.event_type, event.data)])
    assert state.status is payments.ChargeStatus.REQUESTED
    assert (state.charge_id, state.amount, state.currency, state.source) == (
        charge_id, fixture["data"]["amount"], "usd", "tok_visa")
    assert state.capture_requested is True


async def test_given_two_processes_caching_a_ledger_when_both_write_then_each_load_equals_a_full_fold(infra) -> None:
    stream = ledger.stream_id("acct_test", "usd")
    first, second = ledger_streams(infra.store), ledger_streams(infra.store)
    for n, cache in enumerate([first, second, first, first, second, second, first]):
        folded = await cache.load(stream)
        entries = ledger.decide(ledger.PostCharge(
            entry_id=f"txn_{n}", account_id="acct_test", currency="usd", charge_id=f"ch_{n}", amount=1_000 + n,
            fee=30, available_on=datetime.now(UTC), now=datetime.now(UTC)), folded.state)
        await infra.store.append("acct_test", [StreamAppend(stream, "Ledger", folded.version,
                                                            tuple(to_new_event(e) for e in entries))], audit())

    full = await load(infra.store, stream, ledger.fold)
    for cache in (first, second):
        cached = await cache.load(stream)
        assert (cached.version, cached.state) == (full.version, full.state)
    assert full.state.available == sum(1_000 + n - 30 for n in range(7))
