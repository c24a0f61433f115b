"""Group commit and the single writer of hot streams on the real PostgreSQL: concurrent commands share
transactions, and none of them fails or changes because a neighbour in its batch did; one merchant's
concurrent charges all succeed, from one command process or two; idempotency keys hold."""

from __future__ import annotations

import asyncio
import pickle
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest
import pytest_asyncio

from command_svc.adapters.charge_history import PostgresChargeHistory
from command_svc.application.accounts import AccountsApp
from command_svc.application.payments import ChargeResult, PaymentsApp
from command_svc.application.pipeline import CommandRunner, Decision, Idempotency
from command_svc.application.postings import appends_for, ledger_streams, with_postings
from command_svc.application.streams import load
from command_svc.domain import ledger
from command_svc.domain.card_network import SimulatedCardNetwork
from command_svc.domain.errors import ConcurrencyError
from command_svc.domain.money import FeeSchedule
from command_svc.domain.payments import ChargeStatus
from composition.infrastructure import Infrastructure
from eventlog.errors import WrongExpectedVersion
from eventlog.idempotency import IdempotencyKeys
from eventlog.memory import RecordingPublisher
from eventlog.records import Commit, NewApiKey, StoredEvent, StreamAppend
from support.settings import Settings
from tests.integration.conftest import audit, note


class CommandProcess:
    """The command side as one process wires it (composition/command.py), on its own connections: two
    of these on one database are two command processes."""

    def __init__(self, infra: Infrastructure) -> None:
        self.infra = infra
        self.published = RecordingPublisher()
        self.runner = CommandRunner(infra.store, IdempotencyKeys(infra.pool, timedelta(hours=24)), self.published,
                                    max_backoff_s=0.001)
        ledgers = ledger_streams(infra.store)
        self.payments = PaymentsApp(infra.store, PostgresChargeHistory(infra.pool), SimulatedCardNetwork(),
                                    ledgers=ledgers, default_fees=FeeSchedule(), settlement_delay_days=2)
        self.accounts = AccountsApp(infra.store, ledgers=ledgers, default_fees=FeeSchedule(), settings=infra.settings)

    async def run(self, tenant_id: str, decide: Any, *, key: str = "", request: object = None) -> Any:
        idempotency = Idempotency(key, repr(request).encode(), pickle.dumps, pickle.loads) if key else None
        return await self.runner.run(tenant_id=tenant_id, operation="Test", audit=audit(), decide=decide,
                                     present=lambda result, stored: (result, max(e.commit_position for e in stored)),
                                     idempotency=idempotency)

    async def merchant(self) -> str:
        decision = await self.accounts.onboard(email="busy@example.com", country="US", default_currency="usd",
                                               business_name="Busy", fee_percent_bps=None, fee_fixed=None,
                                               metadata={})

        async def decided() -> Decision:
            return decision

        account_id: str = decision.result.state.account_id
        await self.run(account_id, decided)
        return account_id

    async def charge(self, tenant_id: str, amount: int, *, key: str = "", source: str = "tok_visa") -> ChargeResult:
        fields = {"amount": amount, "currency": "usd", "source": source}
        result, _position = await self.run(tenant_id, lambda: self.payments.create_charge(tenant_id, fields),
                                           key=key, request=fields)
        return result  # type: ignore[no-any-return]


@pytest_asyncio.fixture
async def command(infra: Infrastructure) -> CommandProcess:
    return CommandProcess(infra)


@pytest_asyncio.fixture
async def second_process(settings: Settings, infra: Infrastructure) -> AsyncIterator[CommandProcess]:
    other = await Infrastructure.open(settings)
    try:
        yield CommandProcess(other)
    finally:
        await other.close()


def _as_read(event: StoredEvent) -> StoredEvent:
    """The event as read back from its stream, which does not carry commit positions."""
    return replace(event, commit_position=0)


async def _ledger(infra: Infrastructure, merchant: str) -> tuple[ledger.LedgerState, list[StoredEvent]]:
    loaded = await load(infra.store, ledger.stream_id(merchant, "usd"), ledger.fold)
    return loaded.state, loaded.events


async def test_given_64_concurrent_charges_on_one_merchant_then_all_succeed_in_shared_transactions_and_the_ledger_is_their_sum(
    command: CommandProcess,
) -> None:
    merchant = await command.merchant()

    charges = await asyncio.gather(*(command.charge(merchant, 1_000 + n) for n in range(64)))

    assert all(c.state.status is ChargeStatus.CAPTURED for c in charges)
    state, entries = await _ledger(command.infra, merchant)
    assert [e.aggregate_version for e in entries] == list(range(1, 65))
    assert sorted(e.data["source_id"] for e in entries) == sorted(c.state.charge_id for c in charges)
    assert state.pending == sum(c.state.amount - c.state.fee for c in charges)
    assert state.pending == sum(int(e.data["pending_delta"]) for e in entries)
    # Group commit: far fewer transactions than commands.
    assert len({e.tx_id for e in entries}) < 64
    chain = [e.previous_event_hash for e in entries]
    assert chain == [None] + [e.event_hash for e in entries[:-1]]


async def test_given_a_stale_commit_inside_a_batch_then_only_it_is_refused_and_its_neighbours_are_written_as_they_were(
    infra: Infrastructure,
) -> None:
    await infra.store.append("acct_test", [StreamAppend("ledger:stale:usd", "Ledger", 0, (note("first"),))], audit())
    good = [Commit("acct_test", (StreamAppend(f"ch_good_{n}", "Charge", 0, (note(f"g{n}a"), note(f"g{n}b"))),),
                   audit()) for n in range(6)]
    stale = Commit("acct_test", (StreamAppend("ch_stale", "Charge", 0, (note("never"),)),
                                 StreamAppend("ledger:stale:usd", "Ledger", 0, (note("stale"),))), audit())

    outcomes = await asyncio.gather(*(infra.store.commit(c) for c in [*good[:3], stale, *good[3:]]),
                                    return_exceptions=True)

    assert isinstance(outcomes[3], WrongExpectedVersion)
    written = [o for o in outcomes if not isinstance(o, BaseException)]
    assert len(written) == 6 and len({e.tx_id for events in written for e in events}) == 1
    for n, events in enumerate(written):
        assert [e.data["entry_id"] for e in events] == [f"g{n}a", f"g{n}b"]
        assert [_as_read(e) for e in await infra.store.read_stream(f"ch_good_{n}")] == [_as_read(e) for e in events]
    assert await infra.store.read_stream("ch_stale") == []
    assert [e.data["entry_id"] for e in await infra.store.read_stream("ledger:stale:usd")] == ["first"]


async def test_given_a_commit_that_breaks_a_constraint_inside_a_batch_then_only_it_fails_and_nothing_of_it_is_kept(
    infra: Infrastructure,
) -> None:
    await infra.store.commit(Commit("acct_test", (StreamAppend("acct_first", "Account", 0, (note("a"),)),), audit(),
                                    api_keys=(NewApiKey("c" * 64, "acct_first", "sk_test_cccc"),)))
    good = [Commit("acct_test", (StreamAppend(f"ch_ok_{n}", "Charge", 0, (note(f"ok{n}"),)),), audit())
            for n in range(5)]
    # The same API key hash again: the primary key of api_keys refuses it, in the database only.
    clash = Commit("acct_test", (StreamAppend("acct_clash", "Account", 0, (note("clash"),)),), audit(),
                   api_keys=(NewApiKey("c" * 64, "acct_clash", "sk_test_cccc"),))

    outcomes = await asyncio.gather(*(infra.store.commit(c) for c in [*good[:2], clash, *good[2:]]),
                                    return_exceptions=True)

    assert isinstance(outcomes[2], psycopg.errors.UniqueViolation)
    assert await infra.store.read_stream("acct_clash") == []
    for n in range(5):
        (event,) = await infra.store.read_stream(f"ch_ok_{n}")
        assert event.data["entry_id"] == f"ok{n}"
    assert [o[0].event_id for o in outcomes if not isinstance(o, BaseException)] == [
        c.appends[0].events[0].event_id for c in good]


async def test_given_a_command_that_fails_in_its_batch_then_the_charge_sequenced_after_it_on_the_same_ledger_still_succeeds(
    command: CommandProcess,
) -> None:
    merchant = await command.merchant()
    ledgers = command.payments._ledgers
    posting = ledger.PostCharge(entry_id="txn_doomed", account_id=merchant, currency="usd", charge_id="ch_doomed",
                                amount=5_000, fee=0, available_on=datetime.now(UTC), now=datetime.now(UTC))

    async def doomed() -> Decision:
        # Posts to the merchant's ledger, and expects a stream to be where it never is.
        return await with_postings(ledgers, [appends_for("ch_doomed", "Charge", 3, [])], [posting], None)

    failing = asyncio.ensure_future(command.run(merchant, doomed))
    # Queued right behind it, deciding on the ledger state the doomed command left in memory.
    survivors = [asyncio.ensure_future(command.charge(merchant, 2_000 + n)) for n in range(5)]

    with pytest.raises(ConcurrencyError):
        await failing
    charges = await asyncio.gather(*survivors)

    state, entries = await _ledger(command.infra, merchant)
    assert sorted(e.data["source_id"] for e in entries) == sorted(c.state.charge_id for c in charges)
    assert state.pending == sum(c.state.amount - c.state.fee for c in charges)


async def test_given_two_command_processes_charging_one_merchant_then_no_charge_fails_and_the_ledger_is_their_sum(
    command: CommandProcess, second_process: CommandProcess,
) -> None:
    merchant = await command.merchant()

    charges = await asyncio.gather(*(
        (command if n % 2 else second_process).charge(merchant, 1_000 + n) for n in range(80)))

    assert all(c.state.status is ChargeStatus.CAPTURED for c in charges)
    state, entries = await _ledger(command.infra, merchant)
    assert len(entries) == 80
    assert sorted(e.data["source_id"] for e in entries) == sorted(c.state.charge_id for c in charges)
    assert state.pending == sum(c.state.amount - c.state.fee for c in charges)
    chain = [e.previous_event_hash for e in entries]
    assert chain == [None] + [e.event_hash for e in entries[:-1]]


async def test_given_concurrent_charges_with_idempotency_keys_in_one_batch_then_each_retry_gets_its_own_first_answer(
    command: CommandProcess,
) -> None:
    merchant = await command.merchant()
    keys = [f"key-{uuid.uuid4().hex[:8]}" for _ in range(20)]

    first = await asyncio.gather(*(command.charge(merchant, 1_500 + n, key=key) for n, key in enumerate(keys)))
    retried = await asyncio.gather(*(command.charge(merchant, 1_500 + n, key=key) for n, key in enumerate(keys)))

    assert [r.state.charge_id for r in retried] == [f.state.charge_id for f in first]
    assert len({f.state.charge_id for f in first}) == 20
    _state, entries = await _ledger(command.infra, merchant)
    assert len(entries) == 20



class _AnsweringPublisher:
    """The runner's publisher, called once a command has resumed after its commit: notes whether the
    store had already handed that command's events over as durable."""

    def __init__(self, handed: list[list[StoredEvent]]) -> None:
        self._handed = handed
        self.handed_before_resuming: list[bool] = []

    async def publish(self, events: Sequence[StoredEvent]) -> None:
        durable = {e.event_id for batch in self._handed for e in batch}
        self.handed_before_resuming.append(all(e.event_id in durable for e in events))


async def test_a_durable_batch_reaches_the_fast_path_whole_and_in_commit_order_before_its_commands_answer(
    infra: Infrastructure,
) -> None:
    handed: list[list[StoredEvent]] = []
    infra.store.when_durable(handed.append)
    command = CommandProcess(infra)
    answering = _AnsweringPublisher(handed)
    command.runner = CommandRunner(infra.store, IdempotencyKeys(infra.pool, timedelta(hours=24)), answering,
                                   max_backoff_s=0.001)
    merchant = await command.merchant()
    charges = await asyncio.gather(*(command.charge(merchant, 1_000 + n) for n in range(24)))

    assert all(c.state.status is ChargeStatus.CAPTURED for c in charges)
    assert len(answering.handed_before_resuming) == 25 and all(answering.handed_before_resuming)
    positions = [e.global_position for batch in handed for e in batch]
    assert positions == sorted(positions) and len(set(positions)) == len(positions)
    for batch in handed:  # one transaction per call, ending with the event at its commit position
        assert {e.commit_position for e in batch} == {batch[-1].global_position}
    async with infra.pool.connection() as conn:
        cur = await conn.execute("SELECT global_position FROM events WHERE tenant_id = %s ORDER BY global_position",
                                 (merchant,))
        assert [row[0] for row in await cur.fetchall()] == positions
