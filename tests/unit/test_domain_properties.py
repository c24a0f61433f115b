"""Properties of the deciders over arbitrary sequences of payment, dispute and ledger commands.

A `Book` plays the application: it decides each command, and when the charge or dispute decision
moves money it decides the ledger command too and applies both, or neither, like one transaction.
"""

from datetime import UTC, datetime, timedelta
from fractions import Fraction
from functools import reduce
from itertools import count

from hypothesis import given, settings
from hypothesis import strategies as st

from command_svc.domain import disputes, ledger, payments
from command_svc.domain.card_network import SimulatedCardNetwork
from command_svc.domain.disputes import DisputeState, DisputeStatus
from command_svc.domain.errors import DomainError, InsufficientFundsError
from command_svc.domain.events import (
    DisputeCreated,
    DisputeResolved,
    LedgerEntryPosted,
    LedgerEntryType,
    PaymentCaptured,
    RefundCreated,
)
from command_svc.domain.money import fee
from command_svc.domain.payments import ChargeState, ChargeStatus

ACCOUNT = "acct_1"
START = datetime(2025, 3, 1, tzinfo=UTC)
NETWORK = SimulatedCardNetwork(seed="properties")
TOKENS = ("tok_visa", "tok_bypassPending", "tok_chargeDeclined", "tok_riskLevelHighest", "tok_amex")


class Book:
    def __init__(self) -> None:
        self.now = START
        self.ids = count(1)
        self.charges: list[ChargeState] = []
        self.disputes: list[DisputeState] = []
        self.ledger = ledger.initial_state()
        self.entries: list[LedgerEntryPosted] = []

    def _id(self, prefix: str) -> str:
        return f"{prefix}_{next(self.ids)}"

    def _post(self, entries: list[LedgerEntryPosted]) -> None:
        for entry in entries:
            self.ledger = ledger.evolve(self.ledger, entry)
            self.entries.append(entry)
            if entry.type is LedgerEntryType.PAYOUT:
                assert self.ledger.available >= 0, "a payout overdrew the balance"

    def charge(self, amount: int, capture: bool, token: str, delay_days: int) -> None:
        command = payments.CreateCharge(
            charge_id=self._id("ch"),
            account_id=ACCOUNT,
            amount=amount,
            currency="usd",
            source=token,
            now=self.now,
            balance_transaction_id=self._id("txn"),
            capture=capture,
            settlement_delay_days=delay_days,
        )
        events = payments.decide(command, payments.initial_state(), network=NETWORK)
        postings = [
            entry
            for event in events
            if isinstance(event, PaymentCaptured)
            for entry in ledger.decide(
                ledger.post_capture(event, account_id=ACCOUNT, now=self.now), self.ledger
            )
        ]
        self.charges.append(payments.fold(events))
        self._post(postings)

    def capture(self, pick: int, amount: int | None) -> None:
        self._on_charge(
            pick,
            payments.CaptureCharge(
                now=self.now, balance_transaction_id=self._id("txn"), amount=amount
            ),
        )

    def refund(self, pick: int, amount: int | None) -> None:
        command = payments.RefundCharge(
            refund_id=self._id("re"),
            balance_transaction_id=self._id("txn"),
            now=self.now,
            amount=amount,
        )
        self._on_charge(pick, command)

    def expire(self, pick: int) -> None:
        self._on_charge(pick, payments.ExpireAuthorization(now=self.now))

    def _on_charge(self, pick: int, command: payments.ChargeCommand) -> None:
        if not self.charges:
            return
        index = pick % len(self.charges)
        state = self.charges[index]
        try:
            events = payments.decide(command, state, network=NETWORK)
            postings: list[LedgerEntryPosted] = []
            for event in events:
                if isinstance(event, PaymentCaptured):
                    ledger_command: ledger.LedgerCommand = ledger.post_capture(
                        event, account_id=ACCOUNT, now=self.now
                    )
                elif isinstance(event, RefundCreated):
                    ledger_command = ledger.post_refund(event, account_id=ACCOUNT)
                else:
                    continue
                postings.extend(ledger.decide(ledger_command, self.ledger))
        except DomainError:
            return
        self.charges[index] = reduce(payments.evolve, events, state)
        self._post(postings)

    def payout(self, percent_of_available: int) -> None:
        # Relative to the balance, so that payouts both fit and overdraw often enough to matter.
        amount = max(1, self.ledger.available * percent_of_available // 100)
        command = ledger.PostPayout(
            entry_id=self._id("txn"),
            account_id=ACCOUNT,
            currency="usd",
            payout_id=self._id("po"),
            amount=amount,
        )
        try:
            entries = ledger.decide(command, self.ledger)
        except InsufficientFundsError:
            assert amount > self.ledger.available
            return
        self._post(entries)

    def advance(self, hours: int) -> None:
        self.now += timedelta(hours=hours)
        command = ledger.Settle(
            entry_id=self._id("txn"), account_id=ACCOUNT, currency="usd", now=self.now
        )
        self._post(ledger.decide(command, self.ledger))

    def dispute(self, pick: int, amount: int | None) -> None:
        if not self.charges:
            return
        charge = self.charges[pick % len(self.charges)]
        command = disputes.CreateDispute(
            dispute_id=self._id("dp"),
            charge_id=charge.charge_id,
            account_id=ACCOUNT,
            currency="usd",
            reason="fraudulent",
            now=self.now,
            amount=amount,
            charge_amount_captured=charge.amount_captured,
            charge_amount_refunded=charge.amount_refunded,
        )
        try:
            [created] = disputes.decide(command, disputes.initial_state())
            assert isinstance(created, DisputeCreated)
            postings = ledger.decide(
                ledger.reserve_dispute(created, entry_id=self._id("txn")), self.ledger
            )
        except DomainError:
            return
        assert created.chargeback_amount <= charge.amount_captured - charge.amount_refunded
        self.disputes.append(disputes.fold([created]))
        self._post(postings)

    def resolve(self, pick: int, won: bool) -> None:
        if not self.disputes:
            return
        index = pick % len(self.disputes)
        state = self.disputes[index]
        try:
            [resolved] = disputes.decide(disputes.ResolveDispute(won=won, now=self.now), state)
            assert isinstance(resolved, DisputeResolved)
            postings = ledger.decide(
                ledger.settle_dispute(resolved, account_id=ACCOUNT, entry_id=self._id("txn")),
                self.ledger,
            )
        except DomainError:
            return
        self.disputes[index] = disputes.evolve(state, resolved)
        self._post(postings)


def assert_invariants(book: Book) -> None:
    state, entries = book.ledger, book.entries
    assert ledger.fold(entries) == state
    assert state.available == sum(entry.available_delta for entry in entries)
    assert state.pending == sum(entry.pending_delta for entry in entries)
    assert state.reserved == sum(entry.reserved_delta for entry in entries)
    for entry in entries:
        assert entry.amount == entry.fee + entry.net
        assert entry.net == entry.available_delta + entry.pending_delta
        assert entry.fee >= 0
    assert state.pending == sum(funds.amount for funds in state.pending_funds) >= 0
    assert all(funds.amount > 0 for funds in state.pending_funds)
    assert state.reserved == sum(state.reservations.values()) >= 0

    for charge in book.charges:
        assert 0 <= charge.amount_refunded <= charge.amount_captured <= charge.authorized_amount
        assert charge.authorized_amount <= charge.amount
        assert charge.fee + charge.net == charge.amount_captured
        assert (charge.amount_captured > 0) == (charge.status is ChargeStatus.CAPTURED)
        if charge.status is ChargeStatus.DECLINED:
            assert charge.authorized_amount == 0

    # Money in (captured nets) minus money out (refunds, lost disputes) is what the ledger holds.
    captured_net = sum(charge.net for charge in book.charges)
    refunded = sum(charge.amount_refunded for charge in book.charges)
    lost = sum(d.final_amount for d in book.disputes if d.status is DisputeStatus.LOST)
    paid_out = -sum(e.amount for e in entries if e.type is LedgerEntryType.PAYOUT)
    assert (
        state.available + state.pending + state.reserved
        == captured_net - refunded - lost - paid_out
    )


amounts = st.integers(min_value=1, max_value=5_000)
optional_amounts = st.none() | amounts
picks = st.integers(min_value=0, max_value=20)
operations = st.one_of(
    st.tuples(
        st.just("charge"), amounts, st.booleans(), st.sampled_from(TOKENS), st.integers(0, 3)
    ),
    st.tuples(st.just("capture"), picks, optional_amounts),
    st.tuples(st.just("refund"), picks, optional_amounts),
    st.tuples(st.just("expire"), picks),
    st.tuples(st.just("payout"), st.integers(min_value=1, max_value=150)),
    st.tuples(st.just("advance"), st.integers(min_value=1, max_value=96)),
    st.tuples(st.just("dispute"), picks, optional_amounts),
    st.tuples(st.just("resolve"), picks, st.booleans()),
)


@settings(max_examples=400, deadline=None)
@given(st.lists(operations, min_size=1, max_size=60))
def test_any_command_sequence_keeps_books_balanced_and_states_legal(
    script: list[tuple[object, ...]],
) -> None:
    book = Book()
    for name, *arguments in script:
        getattr(book, str(name))(*arguments)
        assert_invariants(book)


@given(
    amount=st.integers(min_value=0, max_value=99_999_999),
    percent_bps=st.integers(min_value=0, max_value=10_000),
    fixed=st.integers(min_value=0, max_value=1_000),
)
def test_fee_is_the_exact_percentage_rounded_half_up_plus_fixed_capped_at_amount(
    amount: int, percent_bps: int, fixed: int
) -> None:
    exact = Fraction(amount * percent_bps, 10_000)
    rounded = int(exact) + (1 if exact - int(exact) >= Fraction(1, 2) else 0)

    charged = fee(amount, percent_bps, fixed)

    assert charged == min(amount, rounded + fixed)
    assert 0 <= amount - charged <= amount
