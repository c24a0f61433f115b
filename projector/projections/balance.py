"""Balances (available / pending / reserved per account and currency) and the balance transactions
behind them, from the ledger's LedgerEntryPosted events: a balance is the sum of its entries' deltas."""

from __future__ import annotations

from projector.projections.base import Keys, Op, ProjectedEvent, hset

# Ledger entry type -> (Stripe balance transaction type, reporting category).
TRANSACTION_TYPES: dict[str, tuple[str, str]] = {
    "LEDGER_ENTRY_TYPE_CHARGE": ("charge", "charge"),
    "LEDGER_ENTRY_TYPE_REFUND": ("refund", "refund"),
    "LEDGER_ENTRY_TYPE_PAYOUT": ("payout", "payout"),
    "LEDGER_ENTRY_TYPE_SETTLEMENT": ("settlement", "settlement"),
    "LEDGER_ENTRY_TYPE_DISPUTE_RESERVE": ("adjustment", "dispute"),
    "LEDGER_ENTRY_TYPE_DISPUTE_RELEASE": ("adjustment", "dispute_reversal"),
    "LEDGER_ENTRY_TYPE_DISPUTE_LOSS": ("adjustment", "dispute"),
}

BUCKETS = ("available", "pending", "reserved")


def balance_field(currency: str, bucket: str) -> str:
    return f"{currency}:{bucket}"


class BalanceProjection:
    name = "balance"
    # Glob patterns (after the prefix) of every key this projection owns; a rebuild replaces them.
    key_patterns: tuple[str, ...] = ("bal:*", "txn:*", "acct:*:txns")

    def apply(self, e: ProjectedEvent, k: Keys) -> list[Op]:
        if e.event_type != "LedgerEntryPosted":
            return []
        d = e.data
        account, currency, entry_id = d.get("account_id") or e.tenant_id, d.get("currency", ""), d["entry_id"]
        entry_type = d.get("type", "LEDGER_ENTRY_TYPE_UNSPECIFIED")
        kind, category = TRANSACTION_TYPES.get(entry_type, ("adjustment", "other"))
        pending = int(d.get("pending_delta", 0))
        balance_key = k("bal", account)
        ops: list[Op] = [
            ("HINCRBY", balance_key, balance_field(currency, bucket), str(int(d.get(f"{bucket}_delta", 0))))
            for bucket in BUCKETS
        ]
        # Per currency: the account's ledger streams are independent, so no single field is last.
        ops.append(hset(balance_key, {f"position:{currency}": e.commit_position}))
        ops.append(hset(k("txn", entry_id), {
            "id": entry_id, "account_id": account, "amount": d.get("amount", 0), "fee": d.get("fee", 0),
            "net": d.get("net", 0), "currency": currency, "type": kind, "reporting_category": category,
            "source": d.get("source_id", ""), "status": "pending" if pending > 0 else "available",
            "available_on": d.get("available_on", ""), "created_us": e.created_us,
            "description": d.get("description", ""), "position": e.commit_position,
        }))
        ops.append(("ZADD", k("acct", account, "txns"), str(e.created_us), entry_id))
        for settled in d.get("settled_entry_ids", []):
            ops.append(("HSET", k("txn", settled), "status", "available"))
        return ops
