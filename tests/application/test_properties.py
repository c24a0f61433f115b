"""Properties of the real application over arbitrary sequences of payment, dispute, payout and
settlement commands: every command runs through the CommandRunner and the use cases the gRPC
servicers call, on the in-memory store. Whatever the sequence, the balances equal the sum of the
ledger's events, money in minus money out is what the ledger holds, no payout overdraws, every state
is legal, and a refused command appends nothing."""

from __future__ import annotations

import asyncio

from hypothesis import given, settings
from hypothesis import strategies as st

from command_svc.application.postings import dispute_id_for
from command_svc.application.streams import load
from command_svc.domain import disputes, ledger
from command_svc.domain.card_network import SimulatedCardNetwork
from command_svc.domain.disputes import DisputeStatus
from command_svc.domain.errors import DomainError, InsufficientFundsError
from command_svc.domain.events import LedgerEntryType
from command_svc.domain.payments import ChargeStatus
from support.settings import Settings
from tests.application.harness import CommandSide

NETWORK = SimulatedCardNetwork(seed="properties")
TOKENS = ("tok_visa", "tok_bypassPending", "tok_chargeDeclined", "tok_riskLevelHighest", "tok_amex",
          "tok_createDispute")


class Books:
    """One verified merchant and the charges and disputes a script made; each step runs one command
    and, when the command is refused, checks that it left the log as it was."""

    def __init__(self, side: CommandSide, merchant: str) -> None:
        self.side = side
        self.merchant = merchant
        self.charges: list[str] = []
        self.disputed: list[str] = []

    async def step(self, name: str, *arguments: object) -> None:
        before = self.side.store.events
        try:
            await getattr(self, name)(*arguments)
        except DomainError:
            assert self.side.store.events == before, f"a refused {name} appended events"

    async def charge(self, amount: int, capture: bool, token: str) -> None:
        result = await self.side.charge(self.merchant, amount, token, capture=capture)
        self.charges.append(result.state.charge_id)
        if result.dispute is not None:
            self.disputed.append(result.state.charge_id)

    def _pick(self, picks: list[str], pick: int) -> str | None:
        return picks[pick % len(picks)] if picks else None

    async def capture(self, pick: int, amount: int | None) -> None:
        if (charge_id := self._pick(self.charges, pick)) is not None:
            result = await self.side.capture(self.merchant, charge_id, amount)
            if result.dispute is not None and charge_id not in self.disputed:
                self.disputed.append(charge_id)

    async def refund(self, pick: int, amount: int | None) -> None:
        if (charge_id := self._pick(self.charges, pick)) is not None:
            await self.side.refund(self.merchant, charge_id, amount)

    async def expire(self, pick: int) -> None:
        if (charge_id := self._pick(self.charges, pick)) is not None:
            await self.side.run(self.merchant, "ExpireAuthorization",
                                lambda: self.side.payments.expire(self.merchant, charge_id))

    async def payout(self, percent_of_available: int) -> None:
        # Relative to the balance, so that payouts both fit and overdraw often enough to matter.
        available = (await self.side.balance(self.merchant)).available
        amount = max(1, available * percent_of_available // 100)
        try:
            await self.side.payout(self.merchant, amount)
        except InsufficientFundsError:
            assert amount > available
            raise

    async def advance(self, hours: int) -> None:
        self.side.clock.advance(hours=hours)
        await self.side.settle(self.merchant)

    async def dispute(self, pick: int, amount: int | None) -> None:
        if (charge_id := self._pick(self.charges, pick)) is None:
            return
        charge = await self.side.charge_state(self.merchant, charge_id)
        opened = await self.side.dispute(self.merchant, charge_id, amount)
        assert opened.state.amount <= charge.amount_captured - charge.amount_refunded
        self.disputed.append(charge_id)

    async def resolve(self, pick: int, won: bool) -> None:
        if (charge_id := self._pick(self.disputed, pick)) is not None:
            await self.side.resolve(self.merchant, charge_id, won=won)


async def assert_invariants(books: Books) -> None:
    side = books.side
    stream = ledger.stream_id(books.merchant, "usd")
    entries = [e.data for e in await side.store.read_stream(stream)]
    state = (await load(side.store, stream, ledger.fold)).state
    assert state.available == sum(entry["available_delta"] for entry in entries)
    assert state.pending == sum(entry["pending_delta"] for entry in entries)
    assert state.reserved == sum(entry["reserved_delta"] for entry in entries)
    running_available = 0
    for entry in entries:
        assert entry["amount"] == entry["fee"] + entry["net"]
        assert entry["net"] == entry["available_delta"] + entry["pending_delta"]
        assert entry["fee"] >= 0
        running_available += entry["available_delta"]
        if entry["type"] == "LEDGER_ENTRY_TYPE_PAYOUT":
            assert running_available >= 0, "a payout overdrew the balance"
    assert state.pending == sum(funds.amount for funds in state.pending_funds) >= 0
    assert all(funds.amount > 0 for funds in state.pending_funds)
    assert state.reserved == sum(state.reservations.values()) >= 0

    captured_net = refunded = 0
    for charge_id in books.charges:
        charge = await side.charge_state(books.merchant, charge_id)
        assert 0 <= charge.amount_refunded <= charge.amount_captured <= charge.authorized_amount
        assert charge.authorized_amount <= charge.amount
        assert charge.fee + charge.net == charge.amount_captured
        assert (charge.amount_captured > 0) == (charge.status is ChargeStatus.CAPTURED)
        if charge.status is ChargeStatus.DECLINED:
            assert charge.authorized_amount == 0
        captured_net += charge.net
        refunded += charge.amount_refunded
    lost = 0
    for charge_id in books.disputed:
        dispute = (await load(side.store, dispute_id_for(charge_id), disputes.fold)).state
        lost += dispute.final_amount if dispute.status is DisputeStatus.LOST else 0
    paid_out = -sum(entry["amount"] for entry in entries if entry["type"] == "LEDGER_ENTRY_TYPE_PAYOUT")
    # Money in (captured nets) minus money out (refunds, lost disputes, payouts) is what the ledger holds.
    assert state.available + state.pending + state.reserved == captured_net - refunded - lost - paid_out
    assert side.publisher.published == side.store.events, "a commit was not published"


amounts = st.integers(min_value=1, max_value=5_000)
optional_amounts = st.none() | amounts
picks = st.integers(min_value=0, max_value=20)
operations = st.one_of(
    st.tuples(st.just("charge"), amounts, st.booleans(), st.sampled_from(TOKENS)),
    st.tuples(st.just("capture"), picks, optional_amounts),
    st.tuples(st.just("refund"), picks, optional_amounts),
    st.tuples(st.just("expire"), picks),
    st.tuples(st.just("payout"), st.integers(min_value=1, max_value=150)),
    st.tuples(st.just("advance"), st.integers(min_value=1, max_value=96)),
    st.tuples(st.just("dispute"), picks, optional_amounts),
    st.tuples(st.just("resolve"), picks, st.booleans()),
)


@settings(max_examples=400, deadline=None)
@given(st.integers(min_value=0, max_value=3), st.lists(operations, min_size=1, max_size=60))
def test_any_command_sequence_keeps_the_books_balanced_and_every_state_legal(
    settlement_delay_days: int, script: list[tuple[object, ...]],
) -> None:
    async def play() -> None:
        side = CommandSide(Settings(settlement_delay_days=settlement_delay_days), network=NETWORK)
        books = Books(side, await side.verified_merchant())
        for name, *arguments in script:
            await books.step(str(name), *arguments)
            await assert_invariants(books)

    asyncio.run(play())
