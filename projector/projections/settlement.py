"""Settlement per account, day and currency, from the ledger so it always agrees with the balance:
gross and fees of captures, refunds, dispute debits (lost amount plus fee) and payouts."""

from __future__ import annotations

from projector.projections.base import Keys, Op, ProjectedEvent


class SettlementProjection:
    name = "settlement"
    key_patterns: tuple[str, ...] = ("stl:*",)

    def apply(self, e: ProjectedEvent, k: Keys) -> list[Op]:
        if e.event_type != "LedgerEntryPosted":
            return []
        d = e.data
        account, currency = d.get("account_id") or e.tenant_id, d.get("currency", "")
        key = k("stl", account, e.day)
        entry_type = d.get("type", "")
        amount = int(d.get("amount", 0))

        def add(column: str, value: int) -> Op:
            return ("HINCRBY", key, f"{currency}:{column}", str(value))

        if entry_type == "LEDGER_ENTRY_TYPE_CHARGE":
            return [add("gross", amount), add("fees", int(d.get("fee", 0))), add("charge_count", 1)]
        if entry_type == "LEDGER_ENTRY_TYPE_REFUND":
            return [add("refunds", -amount)]
        if entry_type == "LEDGER_ENTRY_TYPE_DISPUTE_LOSS":
            return [add("dispute_debits", -int(d.get("reserved_delta", 0)))]
        if entry_type == "LEDGER_ENTRY_TYPE_PAYOUT":
            return [add("payouts", -amount)]
        return []
