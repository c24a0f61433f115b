"""Balances (available / pending / reserved per account and currency) and the balance transactions
behind them, from the ledger's LedgerEntryPosted events: a balance is the sum of its entries' deltas."""

from __future__ import annotations

from ledgermesh.events.v1 import ledger_events_pb2 as ledger

from projector.projections.base import Handlers, Op, Projection, hset, required, timestamp_text
from readmodel.events import ProjectedEvent
from readmodel.keys import PATTERNS, Keys
from readmodel.ledger import (
    OTHER_TRANSACTION,
    TRANSACTION_AVAILABLE,
    TRANSACTION_PENDING,
    TRANSACTION_TYPES,
    balance_field,
    position_field,
)

on = Handlers()


@on(ledger.LedgerEntryPosted)
def _entry_posted(e: ProjectedEvent, p: ledger.LedgerEntryPosted, k: Keys) -> list[Op]:
    entry_id, account = required(p.entry_id, "entry_id"), p.account_id or e.tenant_id
    kind, category = TRANSACTION_TYPES.get(p.type, OTHER_TRANSACTION)
    balance_key = k.balance(account)
    deltas = {"available": p.available_delta, "pending": p.pending_delta, "reserved": p.reserved_delta}
    ops: list[Op] = [
        ("HINCRBY", balance_key, balance_field(p.currency, bucket), str(delta)) for bucket, delta in deltas.items()
    ]
    ops.append(hset(balance_key, {position_field(p.currency): e.commit_position}))
    ops.append(hset(k.balance_transaction(entry_id), {
        "id": entry_id, "account_id": account, "amount": p.amount, "fee": p.fee,
        "net": p.net, "currency": p.currency, "type": kind, "reporting_category": category,
        "source": p.source_id, "status": TRANSACTION_PENDING if p.pending_delta > 0 else TRANSACTION_AVAILABLE,
        "available_on": timestamp_text(p, "available_on"), "created_us": e.created_us,
        "description": p.description, "position": e.commit_position,
    }))
    ops.append(("ZADD", k.account_balance_transactions(account), str(e.created_us), entry_id))
    for settled in p.settled_entry_ids:
        ops.append(("HSET", k.balance_transaction(settled), "status", TRANSACTION_AVAILABLE))
    return ops


class BalanceProjection(Projection):
    name = "balance"
    key_patterns = (PATTERNS.balance("*"), PATTERNS.balance_transaction("*"),
                    PATTERNS.account_balance_transactions("*"))
    handlers = on
