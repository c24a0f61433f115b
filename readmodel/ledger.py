"""The balance and balance transaction read models: a balance hash holds `<currency>:<bucket>` sums
(and `position:<currency>`); a balance transaction is one ledger entry as Stripe shows it."""

from __future__ import annotations

from ledgermesh.accounts.v1 import account_pb2
from ledgermesh.events.v1 import ledger_events_pb2 as ledger

from readmodel.values import Hash, integer, timestamp_from_text, timestamp_from_us

BUCKETS = ("available", "pending", "reserved")

# Ledger entry type -> (Stripe balance transaction type, reporting category).
TRANSACTION_TYPES: dict[int, tuple[str, str]] = {
    ledger.LEDGER_ENTRY_TYPE_CHARGE: ("charge", "charge"),
    ledger.LEDGER_ENTRY_TYPE_REFUND: ("refund", "refund"),
    ledger.LEDGER_ENTRY_TYPE_PAYOUT: ("payout", "payout"),
    ledger.LEDGER_ENTRY_TYPE_SETTLEMENT: ("settlement", "settlement"),
    ledger.LEDGER_ENTRY_TYPE_DISPUTE_RESERVE: ("adjustment", "dispute"),
    ledger.LEDGER_ENTRY_TYPE_DISPUTE_RELEASE: ("adjustment", "dispute_reversal"),
    ledger.LEDGER_ENTRY_TYPE_DISPUTE_LOSS: ("adjustment", "dispute"),
}
OTHER_TRANSACTION = ("adjustment", "other")

# A balance transaction's `status`: its funds are pending until settled.
TRANSACTION_PENDING = "pending"
TRANSACTION_AVAILABLE = "available"


def balance_field(currency: str, bucket: str) -> str:
    return f"{currency}:{bucket}"


def position_field(currency: str) -> str:
    """Per currency: an account's ledger streams are independent, so no single position is last."""
    return f"position:{currency}"


def balance_position(h: Hash) -> int:
    return max((int(v) for name, v in h.items() if name.startswith("position:")), default=0)


def balance_sums(h: Hash) -> dict[tuple[str, str], int]:
    """(currency, bucket) -> amount."""
    sums: dict[tuple[str, str], int] = {}
    for name, value in h.items():
        currency, _, bucket = name.partition(":")
        if bucket in BUCKETS:
            sums[(currency, bucket)] = int(value)
    return sums


def balance_from_hash(h: Hash) -> account_pb2.Balance:
    buckets: dict[str, list[account_pb2.BalanceAmount]] = {bucket: [] for bucket in BUCKETS}
    for (currency, bucket), amount in sorted(balance_sums(h).items()):
        buckets[bucket].append(account_pb2.BalanceAmount(amount=amount, currency=currency))
    return account_pb2.Balance(**buckets)


def balance_transaction_from_hash(h: Hash) -> account_pb2.BalanceTransaction:
    txn = account_pb2.BalanceTransaction(
        id=h["id"], account_id=h.get("account_id", ""), amount=integer(h, "amount"), fee=integer(h, "fee"),
        net=integer(h, "net"), currency=h.get("currency", ""), type=h.get("type", ""), source=h.get("source", ""),
        status=h.get("status", ""), created=timestamp_from_us(h.get("created_us")),
        description=h.get("description", ""), reporting_category=h.get("reporting_category", ""),
        position=integer(h, "position"),
    )
    available_on = timestamp_from_text(h.get("available_on"))
    txn.available_on.CopyFrom(available_on if available_on is not None else txn.created)
    return txn
