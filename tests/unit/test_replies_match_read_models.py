"""A command's reply shows an object exactly as a read will: over arbitrary histories, the reply built
from the decided state (command_svc/api/resources.py) equals the read model that the projections
build from the same events once they are stored and travel the bus (codec -> JSON -> protobuf)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from command_svc.api import resources
from command_svc.application.event_records import to_new_event
from command_svc.domain import accounts, disputes, payments
from command_svc.domain.card_network import SimulatedCardNetwork
from command_svc.domain.disputes import EVIDENCE_FIELDS, DisputeState
from command_svc.domain.errors import DomainError
from command_svc.domain.events import RefundCreated
from command_svc.domain.money import FeeSchedule
from eventlog.records import StoredEvent
from projector.adapters.jetstream_consumer import stored_projected_event
from projector.projections.accounts import AccountsProjection
from projector.projections.charges import ChargesProjection
from projector.projections.disputes import DisputesProjection
from readmodel.accounts import account_from_hash
from readmodel.charges import charge_from_hash, refund_from_hash
from readmodel.disputes import dispute_from_hash
from readmodel.keys import Keys
from tests.unit.projected import MemoryRedis, stored

ACCOUNT = "acct_1"
START = datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=UTC)
NETWORK = SimulatedCardNetwork(seed="replies")
KEYS = Keys("p:")
PROJECTIONS = (ChargesProjection(), DisputesProjection(), AccountsProjection())
TOKENS = ("tok_visa", "tok_mastercard", "tok_amex", "tok_bypassPending", "tok_chargeDeclined",
          "tok_chargeDeclinedInsufficientFunds", "tok_chargeDeclinedFraudulent", "tok_riskLevelElevated",
          "tok_riskLevelHighest", "tok_createDispute")
metadata = st.dictionaries(st.sampled_from(["order", "note", "sku"]), st.sampled_from(["", "o-1", "x"]), max_size=3)


@dataclass
class Log:
    """Stores each command's events as one transaction and projects them, as the system does."""

    redis: MemoryRedis = field(default_factory=MemoryRedis)
    positions: count[int] = field(default_factory=lambda: count(1))
    versions: dict[str, int] = field(default_factory=dict)
    now: datetime = START

    def commit(self, streams: list[tuple[str, str, list[Any]]]) -> list[StoredEvent]:
        """(aggregate id, aggregate type, domain events) of one command: stored and projected."""
        self.now += timedelta(minutes=1, microseconds=7)
        rows = []
        for aggregate_id, aggregate_type, events in streams:
            for event in events:
                version = self.versions[aggregate_id] = self.versions.get(aggregate_id, 0) + 1
                new = to_new_event(event)
                rows.append((aggregate_id, aggregate_type, version, new.event_type, new.data, next(self.positions)))
        commit = max((row[5] for row in rows), default=0)
        written = [stored(event_type, data, aggregate_id=aggregate_id, aggregate_type=aggregate_type, version=version,
                          position=position, tenant_id=ACCOUNT, created_at=self.now, commit_position=commit)
                   for aggregate_id, aggregate_type, version, event_type, data, position in rows]
        for event in written:
            projected = stored_projected_event(event)
            for projection in PROJECTIONS:
                self.redis.apply(projection.apply(projected, KEYS))
        return written


def _charge_read(log: Log, charge_id: str) -> Any:
    return charge_from_hash(log.redis.hash(KEYS.charge(charge_id)), log.redis.hash(KEYS.charge_metadata(charge_id)))


def _as_replied(read: Any, events: list[Any]) -> Any:
    """A command that changes nothing appends nothing: its reply has no position to tell."""
    if not events:
        read.position = 0
    return read


charge_steps = st.lists(st.one_of(
    st.tuples(st.just("capture"), st.one_of(st.none(), st.integers(1, 120_000))),
    st.tuples(st.just("refund"), st.one_of(st.none(), st.integers(1, 50_000)), st.sampled_from(["", "duplicate"]),
              metadata),
    st.tuples(st.just("update"), st.one_of(st.none(), st.sampled_from(["", "new"])), metadata),
    st.tuples(st.just("expire")),
    st.tuples(st.just("dispute")),
), max_size=6)


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(TOKENS), st.integers(50, 100_000), st.booleans(), metadata, st.sampled_from(["", "A shirt"]),
       charge_steps)
def test_every_charge_reply_equals_the_charge_read_after_it(
        token: str, amount: int, capture: bool, meta: dict[str, str], description: str, steps: list[Any]) -> None:
    log = Log()
    ids = count(1)
    created = payments.CreateCharge(
        charge_id="ch_1", account_id=ACCOUNT, amount=amount, currency="usd", source=token, now=log.now,
        balance_transaction_id="txn_0", capture=capture, metadata={k: v for k, v in meta.items() if v},
        description=description, fees=FeeSchedule(290, 30))
    try:
        events = payments.decide(created, payments.initial_state(), network=NETWORK)
    except DomainError:
        return
    state = payments.fold(events)
    stored_events = log.commit([("ch_1", "Charge", events)])
    created_at = stored_events[0].created_at
    dispute: DisputeState | None = None
    assert resources.charge(state, log.now, stored_events, dispute) == _charge_read(log, "ch_1")
    for step in steps:
        now = log.now + timedelta(minutes=1)
        command: payments.ChargeCommand
        if step[0] == "dispute":
            try:
                opened = disputes.decide(disputes.CreateDispute(
                    dispute_id="dp_1", charge_id="ch_1", account_id=ACCOUNT, currency="usd", reason="fraudulent",
                    now=now, charge_amount_captured=state.amount_captured,
                    charge_amount_refunded=state.amount_refunded), dispute or disputes.initial_state())
            except DomainError:
                continue
            stored_events = log.commit([("dp_1", "Dispute", opened)])
            dispute = disputes.fold(opened)
            # A reply about the charge after its dispute opened (e.g. an update) shows the dispute.
            assert resources.charge(state, created_at, [], dispute).dispute == _charge_read(log, "ch_1").dispute
            continue
        if step[0] == "capture":
            command = payments.CaptureCharge(now=now, balance_transaction_id=f"txn_{next(ids)}", amount=step[1],
                                             fees=FeeSchedule(290, 30))
        elif step[0] == "refund":
            command = payments.RefundCharge(refund_id=f"re_{next(ids)}", balance_transaction_id=f"txn_{next(ids)}",
                                            now=now, amount=step[1], reason=step[2], metadata=step[3])
        elif step[0] == "update":
            command = payments.UpdateCharge(now=now, description=step[1], metadata=step[2])
        else:
            command = payments.ExpireAuthorization(now=state.expires_at + timedelta(seconds=1)
                                                   if state.expires_at else now)
        try:
            events = payments.decide(command, state, network=NETWORK)
        except DomainError:
            continue
        for event in events:
            state = payments.evolve(state, event)
        stored_events = log.commit([("ch_1", "Charge", events)])
        assert resources.charge(state, created_at, stored_events, dispute) == _as_replied(_charge_read(log, "ch_1"), events)
        for refund in (e for e in events if isinstance(e, RefundCreated)):
            reply = resources.refund(refund, ACCOUNT, created_at, stored_events)
            assert reply == refund_from_hash(log.redis.hash(KEYS.refund(refund.refund_id)))


evidence = st.dictionaries(st.sampled_from(sorted(EVIDENCE_FIELDS)[:5]), st.sampled_from(["", "signed for", "r-1"]),
                           max_size=3)
files = st.lists(st.sampled_from(["file_a", "file_b", "file_c"]), unique=True, max_size=2)
dispute_steps = st.lists(st.one_of(
    st.tuples(st.just("evidence"), evidence, files, st.booleans()),
    st.tuples(st.just("close")),
    st.tuples(st.just("resolve"), st.booleans()),
), max_size=5)


@settings(max_examples=150, deadline=None)
@given(st.one_of(st.none(), st.integers(1, 5_000)), dispute_steps)
def test_every_dispute_reply_equals_the_dispute_read_after_it(amount: int | None, steps: list[Any]) -> None:
    log = Log()
    opened = disputes.decide(disputes.CreateDispute(
        dispute_id="dp_1", charge_id="ch_1", account_id=ACCOUNT, currency="usd", reason="fraudulent", now=log.now,
        charge_amount_captured=5_000, charge_amount_refunded=0, amount=amount), disputes.initial_state())
    state = disputes.fold(opened)
    stored_events = log.commit([("dp_1", "Dispute", opened)])
    created_at, submitted = stored_events[0].created_at, 0
    assert resources.dispute(state, log.now, submitted, stored_events) == dispute_from_hash(
        log.redis.hash(KEYS.dispute("dp_1")))
    for step in steps:
        now = log.now + timedelta(minutes=1)
        command: disputes.DisputeCommand
        if step[0] == "evidence":
            command = disputes.SubmitEvidence(now=now, evidence=step[1], file_references=tuple(step[2]), submit=step[3])
        elif step[0] == "close":
            command = disputes.CloseDispute(now=now)
        else:
            command = disputes.ResolveDispute(won=step[1], now=now)
        try:
            events = disputes.decide(command, state)
        except DomainError:
            continue
        for event in events:
            state = disputes.evolve(state, event)
        submitted += sum(1 for e in events if getattr(e, "submitted", False))
        stored_events = log.commit([("dp_1", "Dispute", events)])
        assert resources.dispute(state, created_at, submitted, stored_events) == _as_replied(dispute_from_hash(
            log.redis.hash(KEYS.dispute("dp_1"))), events)


account_steps = st.lists(st.one_of(
    st.tuples(st.just("start"), st.sampled_from(["basic", "enhanced"]),
              st.lists(st.sampled_from(["passport", "utility_bill"]), unique=True, max_size=2)),
    st.tuples(st.just("complete"), st.sampled_from(["verified", "rejected"]), st.sampled_from(["low", "high"])),
    st.tuples(st.just("key")),
), max_size=4)


@settings(max_examples=100, deadline=None)
@given(st.sampled_from([FeeSchedule(), FeeSchedule(250, 25)]), metadata, account_steps)
def test_every_account_reply_equals_the_account_read_after_it(
        fees: FeeSchedule, meta: dict[str, str], steps: list[Any]) -> None:
    log = Log()
    onboarded = accounts.decide(accounts.OnboardAccount(
        account_id=ACCOUNT, email="owner@example.com", country="US", default_currency="usd", now=log.now,
        business_name="Shop", fees=fees, metadata={k: v for k, v in meta.items() if v}), accounts.initial_state())
    state = accounts.fold(onboarded)
    stored_events = log.commit([(ACCOUNT, "Account", onboarded)])
    created_at = stored_events[0].created_at
    assert resources.account(state, log.now, stored_events) == account_from_hash(log.redis.hash(KEYS.account(ACCOUNT)))
    for step in steps:
        now = log.now + timedelta(minutes=1)
        command: accounts.AccountCommand
        if step[0] == "start":
            command = accounts.StartKyc(now=now, verification_level=step[1], required_documents=tuple(step[2]))
        elif step[0] == "complete":
            command = accounts.CompleteKyc(now=now, verification_status=step[1], risk_level=step[2])
        else:
            command = accounts.IssueApiKey(key_hash=f"hash{now.timestamp()}", key_prefix="sk_test_")
        try:
            events = accounts.decide(command, state)
        except DomainError:
            continue
        for event in events:
            state = accounts.evolve(state, event)
        stored_events = log.commit([(ACCOUNT, "Account", events)])
        assert resources.account(state, created_at, stored_events) == account_from_hash(
            log.redis.hash(KEYS.account(ACCOUNT)))
