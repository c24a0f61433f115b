"""Projections are pure functions of one event: what each writes, without Redis."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from projector.projections.balance import BalanceProjection
from projector.projections.compliance import ComplianceProjection
from projector.projections.dashboard import DashboardProjection
from projector.projections.settlement import SettlementProjection
from readmodel.events import ProjectedEvent
from readmodel.keys import Keys
from tests.unit.projected import projected

KEYS = Keys("p:")
AT = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


def _event(event_type: str, data: dict[str, Any], aggregate_id: str = "ch_1", position: int = 7) -> ProjectedEvent:
    return projected(event_type, data, aggregate_id=aggregate_id, aggregate_type="Charge", position=position,
                     tenant_id="acct_1", created_at=AT)


def _entry(entry_type: str, **fields: int | str) -> ProjectedEvent:
    data = {"entry_id": "txn_1", "account_id": "acct_1", "currency": "usd", "type": f"LEDGER_ENTRY_TYPE_{entry_type}",
            **fields}
    return _event("LedgerEntryPosted", data, aggregate_id="ledger:acct_1:usd")


def test_a_charge_entry_moves_pending_and_records_a_pending_balance_transaction() -> None:
    ops = BalanceProjection().apply(_entry("CHARGE", amount=1000, fee=59, net=941, pending_delta=941,
                                           source_id="ch_1"), KEYS)
    assert ("HINCRBY", "p:bal:acct_1", "usd:pending", "941") in ops
    assert ("HINCRBY", "p:bal:acct_1", "usd:available", "0") in ops
    txn = next(op for op in ops if op[:2] == ("HSET", "p:txn:txn_1"))
    fields = dict(zip(txn[2::2], txn[3::2], strict=True))
    assert (fields["type"], fields["status"], fields["source"], fields["net"]) == ("charge", "pending", "ch_1", "941")
    assert ("ZADD", "p:acct:acct_1:txns", str(_entry("CHARGE").created_us), "txn_1") in ops


def test_a_settlement_makes_the_settled_transactions_available() -> None:
    ops = BalanceProjection().apply(_entry("SETTLEMENT", available_delta=941, pending_delta=-941,
                                           settled_entry_ids=["txn_a", "txn_b"]), KEYS)  # type: ignore[arg-type]
    assert ("HSET", "p:txn:txn_a", "status", "available") in ops
    assert ("HSET", "p:txn:txn_b", "status", "available") in ops


@given(st.lists(st.tuples(st.integers(-10**9, 10**9), st.integers(-10**9, 10**9), st.integers(-10**9, 10**9)),
                max_size=20))
def test_balances_are_the_sums_of_the_entries_deltas(deltas: list[tuple[int, int, int]]) -> None:
    totals = {"usd:available": 0, "usd:pending": 0, "usd:reserved": 0}
    for available, pending, reserved in deltas:
        for op in BalanceProjection().apply(_entry("CHARGE", available_delta=available, pending_delta=pending,
                                                   reserved_delta=reserved), KEYS):
            if op[0] == "HINCRBY" and op[1] == "p:bal:acct_1":
                totals[op[2]] += int(op[3])
    assert totals == {"usd:available": sum(d[0] for d in deltas), "usd:pending": sum(d[1] for d in deltas),
                      "usd:reserved": sum(d[2] for d in deltas)}


def test_settlement_counts_gross_fees_refunds_dispute_debits_and_payouts() -> None:
    settlement = SettlementProjection()
    day = "stl:acct_1:2026-11-25"
    assert settlement.apply(_entry("CHARGE", amount=1000, fee=59), KEYS) == [
        ("HINCRBY", f"p:{day}", "usd:gross", "1000"), ("HINCRBY", f"p:{day}", "usd:fees", "59"),
        ("HINCRBY", f"p:{day}", "usd:charge_count", "1")]
    assert settlement.apply(_entry("REFUND", amount=-300), KEYS) == [("HINCRBY", f"p:{day}", "usd:refunds", "300")]
    assert settlement.apply(_entry("DISPUTE_LOSS", reserved_delta=-2500), KEYS) == [
        ("HINCRBY", f"p:{day}", "usd:dispute_debits", "2500")]
    assert settlement.apply(_entry("PAYOUT", amount=-5000), KEYS) == [("HINCRBY", f"p:{day}", "usd:payouts", "5000")]
    assert settlement.apply(_entry("SETTLEMENT", available_delta=5), KEYS) == []


def test_a_velocity_hit_that_was_allowed_is_still_suspicious_activity() -> None:
    ops = ComplianceProjection().apply(_event("FraudCheckCompleted", {
        "charge_id": "ch_1", "risk_score": 40, "decision": "FRAUD_DECISION_ALLOW", "rules_triggered": ["card_velocity"]},
        position=9), KEYS)
    assert ("ZADD", "p:susp:acct:acct_1", str(_event("FraudCheckCompleted", {}).created_us), "ch_1") in ops
    flagged = next(op for op in ops if op[:2] == ("HSET", "p:susp:ch_1"))
    assert dict(zip(flagged[2::2], flagged[3::2], strict=True))["decision"] == "velocity"
    audit = next(op for op in ops if op[1] == "p:audit:ch_1")
    assert audit[0] == "ZADD" and audit[2] == "9"


def test_an_allowed_charge_without_rules_is_only_audited() -> None:
    ops = ComplianceProjection().apply(_event("FraudCheckCompleted", {"charge_id": "ch_1", "decision": "FRAUD_DECISION_ALLOW"}),
                                       KEYS)
    assert [op[1] for op in ops] == ["p:audit:ch_1"]


def test_the_dashboard_announces_each_change_on_the_accounts_channel() -> None:
    ops = DashboardProjection().apply(_event("PaymentAuthorized", {"charge_id": "ch_1", "amount": 500, "currency": "eur"}),
                                      KEYS)
    assert ops == [("HINCRBY", "p:dash:acct_1:2026-11-25", "succeeded", "1"),
                   ("HINCRBY", "p:dash:acct_1:2026-11-25", "volume:eur", "500"),
                   ("PUBLISH", "p:dashboard:acct_1", "PaymentAuthorized")]
    assert DashboardProjection().apply(_event("LedgerEntryPosted", {}), KEYS) == []
