"""Settlement per account, day and currency, from the ledger so it always agrees with the balance:
gross and fees of captures, refunds, dispute debits (lost amount plus fee) and payouts."""

from __future__ import annotations

from ledgermesh.events.v1 import ledger_events_pb2 as ledger

from projector.projections.base import Handlers, Op, Projection
from readmodel.events import ProjectedEvent
from readmodel.keys import PATTERNS, Keys
from readmodel.reports import settlement_field

on = Handlers()


@on(ledger.LedgerEntryPosted)
def _entry_posted(e: ProjectedEvent, p: ledger.LedgerEntryPosted, k: Keys) -> list[Op]:
    key = k.settlement(p.account_id or e.tenant_id, e.day)

    def add(column: str, value: int) -> Op:
        return ("HINCRBY", key, settlement_field(p.currency, column), str(value))

    if p.type == ledger.LEDGER_ENTRY_TYPE_CHARGE:
        return [add("gross", p.amount), add("fees", p.fee), add("charge_count", 1)]
    if p.type == ledger.LEDGER_ENTRY_TYPE_REFUND:
        return [add("refunds", -p.amount)]
    if p.type == ledger.LEDGER_ENTRY_TYPE_DISPUTE_LOSS:
        return [add("dispute_debits", -p.reserved_delta)]
    if p.type == ledger.LEDGER_ENTRY_TYPE_PAYOUT:
        return [add("payouts", -p.amount)]
    return []


class SettlementProjection(Projection):
    name = "settlement"
    key_patterns = (PATTERNS.settlement("*", "*"),)
    handlers = on
