from datetime import UTC, datetime, timedelta
from functools import reduce

import pytest

from command_svc.domain import ledger
from command_svc.domain.errors import (
    AlreadyExistsError,
    InsufficientFundsError,
    PreconditionError,
)
from command_svc.domain.events import (
    DisputeResolution,
    DisputeResolved,
    LedgerEntryPosted,
    LedgerEntryType,
    PaymentCaptured,
)
from command_svc.domain.ledger import (
    DebitLostDispute,
    LedgerState,
    PostCharge,
    PostPayout,
    PostRefund,
    ReleaseDispute,
    ReserveForDispute,
    Settle,
)

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
IN_TWO_DAYS = NOW + timedelta(days=2)
ACCOUNT = {"account_id": "acct_1", "currency": "usd"}


def charge(
    entry_id: str, amount: int = 1_000, fee: int = 59, available_on: datetime = IN_TWO_DAYS
) -> PostCharge:
    return PostCharge(
        entry_id=entry_id,
        charge_id=f"ch_{entry_id}",
        amount=amount,
        fee=fee,
        available_on=available_on,
        now=NOW,
        **ACCOUNT,
    )


def payout(entry_id: str, amount: int) -> PostPayout:
    return PostPayout(entry_id=entry_id, payout_id=f"po_{entry_id}", amount=amount, **ACCOUNT)


def refund(entry_id: str, amount: int) -> PostRefund:
    return PostRefund(entry_id=entry_id, refund_id=f"re_{entry_id}", amount=amount, **ACCOUNT)


def settle(entry_id: str, now: datetime) -> Settle:
    return Settle(entry_id=entry_id, now=now, **ACCOUNT)


def reserve(entry_id: str, amount: int, fee: int = 1_500) -> ReserveForDispute:
    return ReserveForDispute(
        entry_id=entry_id, dispute_id="dp_1", amount=amount, dispute_fee=fee, **ACCOUNT
    )


def run(*commands: ledger.LedgerCommand) -> tuple[LedgerState, list[LedgerEntryPosted]]:
    """Decide and apply each command in turn, as the application would."""
    state, history = ledger.initial_state(), []
    for command in commands:
        events = ledger.decide(command, state)
        state = reduce(ledger.evolve, events, state)
        history.extend(events)
    return state, history


def balances(state: LedgerState) -> tuple[int, int, int]:
    return state.available, state.pending, state.reserved


def test_captured_charge_is_credited_to_pending_net_of_its_fee() -> None:
    state, [entry] = run(charge("txn_1"))

    assert balances(state) == (0, 941, 0)
    assert (entry.type, entry.amount, entry.fee, entry.net) == (
        LedgerEntryType.CHARGE,
        1_000,
        59,
        941,
    )
    assert entry.available_on == IN_TWO_DAYS
    assert entry.source_id == "ch_txn_1"


def test_charge_already_due_goes_straight_to_available() -> None:
    state, [entry] = run(charge("txn_1", available_on=NOW))

    assert balances(state) == (941, 0, 0)
    assert entry.available_delta == 941


def test_settlement_moves_only_funds_that_are_due_in_one_entry() -> None:
    later = NOW + timedelta(days=5)
    state, history = run(
        charge("txn_1"),
        charge("txn_2", available_on=later),
        settle("txn_s", IN_TWO_DAYS),
    )

    settlement = history[-1]
    assert settlement.type is LedgerEntryType.SETTLEMENT
    assert settlement.settled_entry_ids == ("txn_1",)
    assert (settlement.available_delta, settlement.pending_delta, settlement.net) == (941, -941, 0)
    assert balances(state) == (941, 941, 0)


def test_settlement_with_nothing_due_records_nothing() -> None:
    state, _ = run(charge("txn_1"))

    assert ledger.decide(settle("txn_s", NOW), state) == []


def test_refund_debits_available_first_then_pending_and_keeps_the_fee() -> None:
    state, history = run(
        charge("txn_1", available_on=NOW),  # 941 available
        charge("txn_2"),  # 941 pending
        refund("txn_r", 1_000),
    )

    entry = history[-1]
    assert (entry.amount, entry.fee, entry.net) == (-1_000, 0, -1_000)
    assert (entry.available_delta, entry.pending_delta) == (-941, -59)
    assert balances(state) == (0, 882, 0)


def test_refund_taken_from_pending_is_no_longer_settled_later() -> None:
    state, history = run(charge("txn_1"), refund("txn_r", 500), settle("txn_s", IN_TWO_DAYS))

    assert history[-1].available_delta == 441
    assert balances(state) == (441, 0, 0)


def test_refund_larger_than_all_funds_drives_available_negative() -> None:
    state, _ = run(charge("txn_1"), refund("txn_r", 1_000))

    assert balances(state) == (-59, 0, 0)


def test_payout_debits_available_funds() -> None:
    state, history = run(charge("txn_1", available_on=NOW), payout("txn_p", 900))

    assert history[-1].type is LedgerEntryType.PAYOUT
    assert (history[-1].amount, history[-1].net) == (-900, -900)
    assert balances(state) == (41, 0, 0)


def test_payout_larger_than_available_is_refused_and_never_overdraws() -> None:
    state, _ = run(charge("txn_1", available_on=NOW))

    with pytest.raises(InsufficientFundsError) as refused:
        ledger.decide(payout("txn_p", 942), state)

    assert refused.value.reason == "INSUFFICIENT_FUNDS"
    assert refused.value.metadata == {"available": "941", "requested": "942"}


def test_pending_funds_cannot_be_paid_out() -> None:
    state, _ = run(charge("txn_1"))

    with pytest.raises(InsufficientFundsError):
        ledger.decide(payout("txn_p", 1), state)


def test_dispute_reserves_amount_and_fee_out_of_available_even_below_zero() -> None:
    state, history = run(charge("txn_1", available_on=NOW), reserve("txn_d", 1_000))

    entry = history[-1]
    assert entry.type is LedgerEntryType.DISPUTE_RESERVE
    assert (entry.amount, entry.fee, entry.net) == (-1_000, 1_500, -2_500)
    assert balances(state) == (941 - 2_500, 0, 2_500)


def test_payouts_are_refused_while_a_dispute_leaves_available_negative() -> None:
    state, _ = run(charge("txn_1", available_on=NOW), reserve("txn_d", 1_000))

    with pytest.raises(InsufficientFundsError):
        ledger.decide(payout("txn_p", 1), state)


def test_won_dispute_returns_the_whole_reserve_to_available() -> None:
    state, history = run(
        charge("txn_1", available_on=NOW),
        reserve("txn_d", 1_000),
        ReleaseDispute(entry_id="txn_w", dispute_id="dp_1", **ACCOUNT),
    )

    assert history[-1].type is LedgerEntryType.DISPUTE_RELEASE
    assert balances(state) == (941, 0, 0)


def test_lost_dispute_debits_the_reserve_for_good() -> None:
    state, history = run(
        charge("txn_1", available_on=NOW),
        reserve("txn_d", 1_000),
        DebitLostDispute(entry_id="txn_l", dispute_id="dp_1", **ACCOUNT),
    )

    assert history[-1].reserved_delta == -2_500
    assert balances(state) == (941 - 2_500, 0, 0)


def test_dispute_cannot_be_reserved_twice_or_released_without_a_reserve() -> None:
    state, _ = run(reserve("txn_d", 1_000))

    with pytest.raises(AlreadyExistsError):
        ledger.decide(reserve("txn_d2", 1_000), state)
    with pytest.raises(PreconditionError) as refused:
        ledger.decide(ReleaseDispute(entry_id="txn_w", dispute_id="dp_9", **ACCOUNT), state)
    assert refused.value.reason == "DISPUTE_NOT_RESERVED"


def test_reusing_an_entry_id_is_refused() -> None:
    state, _ = run(charge("txn_1"))

    with pytest.raises(AlreadyExistsError) as refused:
        ledger.decide(charge("txn_1"), state)
    assert refused.value.reason == "LEDGER_ENTRY_EXISTS"


def test_posting_to_another_accounts_ledger_is_refused() -> None:
    state, _ = run(charge("txn_1"))

    with pytest.raises(PreconditionError) as refused:
        ledger.decide(
            PostPayout(entry_id="t", payout_id="po", amount=1, account_id="acct_2", currency="usd"),
            state,
        )
    assert refused.value.reason == "LEDGER_STREAM_MISMATCH"


def test_balances_are_the_sum_of_entry_deltas_after_replay() -> None:
    _, history = run(
        charge("txn_1", available_on=NOW),
        charge("txn_2"),
        refund("txn_r", 300),
        payout("txn_p", 500),
        reserve("txn_d", 200),
        settle("txn_s", IN_TWO_DAYS),
    )

    replayed = ledger.fold(history)
    assert replayed.available == sum(e.available_delta for e in history)
    assert replayed.pending == sum(e.pending_delta for e in history)
    assert replayed.reserved == sum(e.reserved_delta for e in history)
    assert all(e.amount == e.fee + e.net for e in history)


def test_capture_event_maps_to_a_ledger_credit_with_the_same_balance_transaction() -> None:
    captured = PaymentCaptured(
        charge_id="ch_1",
        captured_amount=1_000,
        currency="usd",
        processing_fees=59,
        net_amount=941,
        settlement_date=IN_TWO_DAYS,
        balance_transaction_id="txn_c",
    )

    [entry] = ledger.decide(
        ledger.post_capture(captured, account_id="acct_1", now=NOW), LedgerState()
    )

    assert (entry.entry_id, entry.source_id, entry.pending_delta) == ("txn_c", "ch_1", 941)


def test_resolved_dispute_maps_to_release_when_won_and_debit_when_lost() -> None:
    won = DisputeResolved(dispute_id="dp_1", resolution_type=DisputeResolution.WON, currency="usd")
    lost = DisputeResolved(
        dispute_id="dp_1", resolution_type=DisputeResolution.LOST, currency="usd"
    )

    assert isinstance(ledger.settle_dispute(won, account_id="a", entry_id="t"), ReleaseDispute)
    assert isinstance(ledger.settle_dispute(lost, account_id="a", entry_id="t"), DebitLostDispute)


def test_ledger_stream_id_names_account_and_currency() -> None:
    assert ledger.stream_id("acct_1", "USD") == "ledger:acct_1:usd"
