"""The Ledger aggregate: one stream per (account, currency), stream id `ledger:<account>:<currency>`.

Every movement is one LedgerEntryPosted, never changed afterwards, and the balances are the sums of
its deltas. Sign convention of an entry, checked for each one:

    amount - fee == net == available_delta + pending_delta

`net` is the change of the merchant's own funds; `reserved_delta` moves funds held for a dispute,
which are no longer the merchant's to spend but not yet gone. A SETTLEMENT only moves funds from
pending to available, so its amount, fee and net are 0 and its deltas carry the movement.

Choices, following Stripe:
- The processing fee of a refunded charge is not returned; a refund debits the refunded amount.
- A refund takes available funds first, then pending ones (those due last first); what neither covers
  drives available negative, because a cardholder's refund never waits on the merchant's balance.
- A dispute reserves amount + dispute fee out of available at once, even into a negative balance.
- A payout never overdraws: it needs `available >= amount`, so a negative balance blocks payouts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import reduce
from typing import TypeAlias, assert_never

from rpds import HashTrieSet, Queue

from command_svc.domain.errors import (
    AlreadyExistsError,
    InsufficientFundsError,
    PreconditionError,
    ValidationError,
)
from command_svc.domain.events import (
    DisputeCreated,
    DisputeResolution,
    DisputeResolved,
    LedgerEntryPosted,
    LedgerEntryType,
    PaymentCaptured,
    RefundCreated,
)
from command_svc.domain.money import normalize_currency, validate_amount


def stream_id(account_id: str, currency: str) -> str:
    return f"ledger:{account_id}:{normalize_currency(currency)}"


# --- State ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PendingFunds:
    """What is left of a CHARGE entry's net until it settles on `available_on`."""

    entry_id: str
    amount: int
    available_on: datetime


@dataclass(frozen=True, kw_only=True)
class LedgerState:
    account_id: str = ""
    currency: str = ""
    available: int = 0
    pending: int = 0
    reserved: int = 0
    # Persistent collections: a busy merchant's ledger holds tens of thousands of entries, and copying
    # a tuple or frozenset of them for every posting made each charge O(n) and a cold load O(n^2).
    # Appending to these shares structure, O(1) / O(log n).
    pending_funds: Queue[PendingFunds] = field(default_factory=Queue)
    # Amount (disputed amount + fee) reserved per dispute id, until the dispute is resolved.
    reservations: Mapping[str, int] = field(default_factory=dict)
    entry_ids: HashTrieSet[str] = field(default_factory=HashTrieSet)
    version: int = 0


def initial_state() -> LedgerState:
    return LedgerState()


# --- Commands ------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class _Posting:
    # Also the balance transaction id (txn_...) shown to the merchant.
    entry_id: str
    account_id: str
    currency: str


@dataclass(frozen=True, kw_only=True)
class PostCharge(_Posting):
    """Credit a capture, net of its fee: to pending, or to available when already due."""

    charge_id: str
    amount: int
    fee: int
    available_on: datetime
    now: datetime


@dataclass(frozen=True, kw_only=True)
class PostRefund(_Posting):
    refund_id: str
    amount: int


@dataclass(frozen=True, kw_only=True)
class PostPayout(_Posting):
    payout_id: str
    amount: int


@dataclass(frozen=True, kw_only=True)
class Settle(_Posting):
    """Make every pending fund due at `now` available, in one SETTLEMENT entry."""

    now: datetime


@dataclass(frozen=True, kw_only=True)
class ReserveForDispute(_Posting):
    dispute_id: str
    amount: int
    dispute_fee: int


@dataclass(frozen=True, kw_only=True)
class ReleaseDispute(_Posting):
    """A won dispute: the whole reservation, fee included, returns to available."""

    dispute_id: str


@dataclass(frozen=True, kw_only=True)
class DebitLostDispute(_Posting):
    """A lost dispute: the reservation leaves the ledger for good."""

    dispute_id: str


LedgerCommand: TypeAlias = (
    PostCharge
    | PostRefund
    | PostPayout
    | Settle
    | ReserveForDispute
    | ReleaseDispute
    | DebitLostDispute
)


# --- Commands derived from the events of other aggregates -----------------------------------------


def post_capture(captured: PaymentCaptured, *, account_id: str, now: datetime) -> PostCharge:
    return PostCharge(
        entry_id=captured.balance_transaction_id,
        account_id=account_id,
        currency=captured.currency,
        charge_id=captured.charge_id,
        amount=captured.captured_amount,
        fee=captured.processing_fees,
        available_on=captured.settlement_date or now,
        now=now,
    )


def post_refund(refund: RefundCreated, *, account_id: str) -> PostRefund:
    return PostRefund(
        entry_id=refund.balance_transaction_id,
        account_id=account_id,
        currency=refund.currency,
        refund_id=refund.refund_id,
        amount=refund.amount,
    )


def reserve_dispute(created: DisputeCreated, *, entry_id: str) -> ReserveForDispute:
    return ReserveForDispute(
        entry_id=entry_id,
        account_id=created.merchant_id,
        currency=created.currency,
        dispute_id=created.dispute_id,
        amount=created.chargeback_amount,
        dispute_fee=created.dispute_fee,
    )


def settle_dispute(
    resolved: DisputeResolved, *, account_id: str, entry_id: str
) -> ReleaseDispute | DebitLostDispute:
    kind = ReleaseDispute if resolved.resolution_type is DisputeResolution.WON else DebitLostDispute
    return kind(
        entry_id=entry_id,
        account_id=account_id,
        currency=resolved.currency,
        dispute_id=resolved.dispute_id,
    )


# --- Decide --------------------------------------------------------------------------------------


def decide(command: LedgerCommand, state: LedgerState) -> list[LedgerEntryPosted]:
    currency = _check_posting(command, state)
    match command:
        case PostCharge():
            return [_post_charge(command, currency)]
        case PostRefund():
            return [_post_refund(command, currency, state)]
        case PostPayout():
            return [_post_payout(command, currency, state)]
        case Settle():
            return _settle(command, currency, state)
        case ReserveForDispute():
            return [_reserve(command, currency, state)]
        case ReleaseDispute():
            reserved = _reservation(command.dispute_id, state)
            return [
                _entry(
                    command,
                    currency,
                    LedgerEntryType.DISPUTE_RELEASE,
                    source_id=command.dispute_id,
                    amount=reserved,
                    available_delta=reserved,
                    reserved_delta=-reserved,
                    description=f"Dispute {command.dispute_id} won: reserve released",
                )
            ]
        case DebitLostDispute():
            reserved = _reservation(command.dispute_id, state)
            return [
                _entry(
                    command,
                    currency,
                    LedgerEntryType.DISPUTE_LOSS,
                    source_id=command.dispute_id,
                    reserved_delta=-reserved,
                    description=f"Dispute {command.dispute_id} lost: reserve debited",
                )
            ]
        case _:
            assert_never(command)


def _check_posting(command: LedgerCommand, state: LedgerState) -> str:
    currency = normalize_currency(command.currency)
    if state.account_id and (state.account_id, state.currency) != (command.account_id, currency):
        raise PreconditionError(
            "LEDGER_STREAM_MISMATCH",
            f"Posting for {command.account_id}/{currency} sent to the ledger of "
            f"{state.account_id}/{state.currency}.",
        )
    if not command.entry_id:
        raise ValidationError("ENTRY_ID_REQUIRED", "A ledger entry needs an id.", field="entry_id")
    if command.entry_id in state.entry_ids:
        raise AlreadyExistsError(
            "LEDGER_ENTRY_EXISTS", f"Ledger entry {command.entry_id} was already posted."
        )
    return currency


def _post_charge(cmd: PostCharge, currency: str) -> LedgerEntryPosted:
    amount = validate_amount(cmd.amount)
    if not 0 <= cmd.fee <= amount:
        raise ValidationError("FEE_INVALID", "Fee must be between 0 and the amount.", field="fee")
    net = amount - cmd.fee
    due = cmd.available_on <= cmd.now
    return _entry(
        cmd,
        currency,
        LedgerEntryType.CHARGE,
        source_id=cmd.charge_id,
        amount=amount,
        fee=cmd.fee,
        available_delta=net if due else 0,
        pending_delta=0 if due else net,
        available_on=cmd.available_on,
        description=f"Charge {cmd.charge_id}",
    )


def _post_refund(cmd: PostRefund, currency: str, state: LedgerState) -> LedgerEntryPosted:
    amount = validate_amount(cmd.amount)
    from_available = min(amount, max(state.available, 0))
    from_pending = min(amount - from_available, state.pending)
    return _entry(
        cmd,
        currency,
        LedgerEntryType.REFUND,
        source_id=cmd.refund_id,
        amount=-amount,
        available_delta=-(amount - from_pending),
        pending_delta=-from_pending,
        description=f"Refund {cmd.refund_id}",
    )


def _post_payout(cmd: PostPayout, currency: str, state: LedgerState) -> LedgerEntryPosted:
    amount = validate_amount(cmd.amount)
    if amount > state.available:
        raise InsufficientFundsError(
            f"The available balance of {max(state.available, 0)} does not cover the payout.",
            metadata={"available": str(state.available), "requested": str(amount)},
        )
    return _entry(
        cmd,
        currency,
        LedgerEntryType.PAYOUT,
        source_id=cmd.payout_id,
        amount=-amount,
        available_delta=-amount,
        description=f"Payout {cmd.payout_id}",
    )


def _settle(cmd: Settle, currency: str, state: LedgerState) -> list[LedgerEntryPosted]:
    due = [funds for funds in state.pending_funds if funds.available_on <= cmd.now]
    if not due:
        return []
    total = sum(funds.amount for funds in due)
    return [
        _entry(
            cmd,
            currency,
            LedgerEntryType.SETTLEMENT,
            available_delta=total,
            pending_delta=-total,
            available_on=cmd.now,
            description=f"Settlement of {len(due)} entries",
            settled_entry_ids=tuple(funds.entry_id for funds in due),
        )
    ]


def _reserve(cmd: ReserveForDispute, currency: str, state: LedgerState) -> LedgerEntryPosted:
    amount = validate_amount(cmd.amount)
    if cmd.dispute_fee < 0:
        raise ValidationError("FEE_INVALID", "Dispute fee cannot be negative.", field="dispute_fee")
    if cmd.dispute_id in state.reservations:
        raise AlreadyExistsError(
            "DISPUTE_ALREADY_RESERVED", f"Dispute {cmd.dispute_id} already holds a reserve."
        )
    held = amount + cmd.dispute_fee
    return _entry(
        cmd,
        currency,
        LedgerEntryType.DISPUTE_RESERVE,
        source_id=cmd.dispute_id,
        amount=-amount,
        fee=cmd.dispute_fee,
        available_delta=-held,
        reserved_delta=held,
        description=f"Dispute {cmd.dispute_id}: amount and fee reserved",
    )


def _reservation(dispute_id: str, state: LedgerState) -> int:
    if dispute_id not in state.reservations:
        raise PreconditionError(
            "DISPUTE_NOT_RESERVED", f"Dispute {dispute_id} holds no reserve on this ledger."
        )
    return state.reservations[dispute_id]


def _entry(
    cmd: LedgerCommand,
    currency: str,
    entry_type: LedgerEntryType,
    *,
    source_id: str = "",
    amount: int = 0,
    fee: int = 0,
    available_delta: int = 0,
    pending_delta: int = 0,
    reserved_delta: int = 0,
    available_on: datetime | None = None,
    description: str = "",
    settled_entry_ids: tuple[str, ...] = (),
) -> LedgerEntryPosted:
    net = available_delta + pending_delta
    if amount - fee != net:
        raise AssertionError(f"unbalanced {entry_type.name} entry: {amount} - {fee} != {net}")
    return LedgerEntryPosted(
        entry_id=cmd.entry_id,
        account_id=cmd.account_id,
        currency=currency,
        type=entry_type,
        source_id=source_id,
        amount=amount,
        fee=fee,
        net=net,
        available_delta=available_delta,
        pending_delta=pending_delta,
        reserved_delta=reserved_delta,
        available_on=available_on,
        description=description,
        settled_entry_ids=settled_entry_ids,
    )


# --- Evolve --------------------------------------------------------------------------------------


def evolve(state: LedgerState, event: LedgerEntryPosted) -> LedgerState:
    # Every field moves: built anew rather than replaced, which costs several times more.
    return LedgerState(
        account_id=event.account_id,
        currency=event.currency,
        available=state.available + event.available_delta,
        pending=state.pending + event.pending_delta,
        reserved=state.reserved + event.reserved_delta,
        pending_funds=_pending_funds_after(state.pending_funds, event),
        reservations=_reservations_after(state.reservations, event),
        entry_ids=state.entry_ids.insert(event.entry_id),
        version=state.version + 1,
    )


def _pending_funds_after(
    funds: Queue[PendingFunds], event: LedgerEntryPosted
) -> Queue[PendingFunds]:
    if event.type is LedgerEntryType.CHARGE and event.pending_delta > 0:
        # decide always dates a pending credit; an undated one (hand-built) never falls due.
        available_on = event.available_on or datetime.max.replace(tzinfo=UTC)
        return funds.enqueue(PendingFunds(event.entry_id, event.pending_delta, available_on))
    if event.type is LedgerEntryType.SETTLEMENT:
        settled = set(event.settled_entry_ids)
        return Queue(item for item in funds if item.entry_id not in settled)
    if event.pending_delta < 0:
        return _take_from_pending(funds, -event.pending_delta)
    return funds


def _take_from_pending(funds: Queue[PendingFunds], amount: int) -> Queue[PendingFunds]:
    # Funds due last are taken first, so what was about to settle still settles on time.
    left: dict[str, int] = {}
    remaining = amount
    for item in sorted(funds, key=lambda f: f.available_on, reverse=True):
        taken = min(item.amount, remaining)
        left[item.entry_id] = item.amount - taken
        remaining -= taken
    return Queue(
        replace(item, amount=left[item.entry_id]) for item in funds if left[item.entry_id] > 0
    )


def _reservations_after(
    reservations: Mapping[str, int], event: LedgerEntryPosted
) -> Mapping[str, int]:
    if event.type is LedgerEntryType.DISPUTE_RESERVE:
        return {**reservations, event.source_id: event.reserved_delta}
    if event.type in (LedgerEntryType.DISPUTE_RELEASE, LedgerEntryType.DISPUTE_LOSS):
        return {key: value for key, value in reservations.items() if key != event.source_id}
    return reservations


def fold(events: Iterable[LedgerEntryPosted]) -> LedgerState:
    return reduce(evolve, events, initial_state())
