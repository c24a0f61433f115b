"""The Redis key schema: every key name of the read models, under one prefix.

A rebuild writes a projection's keys under a fresh prefix and switches them atomically, so every name
is built from the prefix here and nowhere else. `PATTERNS` spells the same names with `*` for the
globs a projection owns."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Keys:
    prefix: str

    # Charges, refunds, disputes (the charges and disputes projections).
    def charge(self, charge_id: str) -> str:
        return f"{self.prefix}charge:{charge_id}"

    def charge_metadata(self, charge_id: str) -> str:
        return f"{self.prefix}charge:{charge_id}:metadata"

    def charge_refunds(self, charge_id: str) -> str:
        return f"{self.prefix}charge:{charge_id}:refunds"

    def refund(self, refund_id: str) -> str:
        return f"{self.prefix}refund:{refund_id}"

    def dispute(self, dispute_id: str) -> str:
        return f"{self.prefix}dispute:{dispute_id}"

    # Accounts, API keys, payouts (the accounts projection).
    def account(self, account_id: str) -> str:
        return f"{self.prefix}account:{account_id}"

    def api_key(self, key_hash: str) -> str:
        return f"{self.prefix}apikey:{key_hash}"

    def payout(self, payout_id: str) -> str:
        return f"{self.prefix}payout:{payout_id}"

    # Customers, payment methods, PaymentIntents, SetupIntents (the objects projection), all under one
    # namespace: a rebuild scans the keyspace once per pattern a projection owns.
    def objects_namespace(self, rest: str) -> str:
        return f"{self.prefix}obj:{rest}"

    def customer(self, customer_id: str) -> str:
        return self.objects_namespace(f"cus:{customer_id}")

    def customer_payment_methods(self, customer_id: str) -> str:
        return self.objects_namespace(f"cus:{customer_id}:pms")

    def payment_method(self, payment_method_id: str) -> str:
        return self.objects_namespace(f"pm:{payment_method_id}")

    def payment_intent(self, payment_intent_id: str) -> str:
        return self.objects_namespace(f"pi:{payment_intent_id}")

    def setup_intent(self, setup_intent_id: str) -> str:
        return self.objects_namespace(f"seti:{setup_intent_id}")

    def account_customers(self, account_id: str) -> str:
        return self.objects_namespace(f"acct:{account_id}:customers")

    def account_payment_intents(self, account_id: str) -> str:
        return self.objects_namespace(f"acct:{account_id}:pis")

    def account_setup_intents(self, account_id: str) -> str:
        return self.objects_namespace(f"acct:{account_id}:setis")

    # Balances and balance transactions (the balance projection).
    def balance(self, account_id: str) -> str:
        return f"{self.prefix}bal:{account_id}"

    def balance_transaction(self, transaction_id: str) -> str:
        return f"{self.prefix}txn:{transaction_id}"

    # Per-account newest-first indexes (sorted sets scored by creation time in µs).
    def account_charges(self, account_id: str) -> str:
        return f"{self.prefix}acct:{account_id}:charges"

    def account_refunds(self, account_id: str) -> str:
        return f"{self.prefix}acct:{account_id}:refunds"

    def account_disputes(self, account_id: str) -> str:
        return f"{self.prefix}acct:{account_id}:disputes"

    def account_payouts(self, account_id: str) -> str:
        return f"{self.prefix}acct:{account_id}:payouts"

    def account_balance_transactions(self, account_id: str) -> str:
        return f"{self.prefix}acct:{account_id}:txns"

    def account_events(self, account_id: str) -> str:
        return f"{self.prefix}acct:{account_id}:events"

    # The events API and compliance.
    def event(self, event_id: str) -> str:
        return f"{self.prefix}event:{event_id}"

    def audit_trail(self, object_id: str) -> str:
        return f"{self.prefix}audit:{object_id}"

    def suspicious_charge(self, charge_id: str) -> str:
        return f"{self.prefix}susp:{charge_id}"

    def account_suspicious_charges(self, account_id: str) -> str:
        return f"{self.prefix}susp:acct:{account_id}"

    def open_disputes(self, account_id: str) -> str:
        """Open disputes of an account, scored by evidence due time (µs)."""
        return f"{self.prefix}cmp:{account_id}:open_disputes"

    # Reports: per account and day (YYYY-MM-DD).
    def analytics(self, account_id: str, day: str) -> str:
        return f"{self.prefix}an:{account_id}:{day}"

    def dashboard(self, account_id: str, day: str) -> str:
        return f"{self.prefix}dash:{account_id}:{day}"

    def dashboard_channel(self, account_id: str) -> str:
        """The pub/sub channel that announces a change of the account's dashboard."""
        return f"{self.prefix}dashboard:{account_id}"

    def settlement(self, account_id: str, day: str) -> str:
        return f"{self.prefix}stl:{account_id}:{day}"

    # Each projection's own bookkeeping.
    def projection_versions(self, projection: str) -> str:
        """The checkpoint: last aggregate_version applied, per aggregate stream."""
        return f"{self.prefix}proj:{projection}:versions"

    def projection_stats(self, projection: str) -> str:
        return f"{self.prefix}proj:{projection}:stats"

    def projection_lags(self, projection: str) -> str:
        """A ring of recent commit -> applied lags (ms)."""
        return f"{self.prefix}proj:{projection}:stats:lags"

    def dead_letters(self, projection: str) -> str:
        return f"{self.prefix}dlq:{projection}"


# The same names as globs (after the prefix): PATTERNS.charge("*") == "charge:*".
PATTERNS = Keys("")

# The read models' projections, by name; each owns its keys and has its own consumer and checkpoint.
PROJECTION_NAMES = (
    "charges", "accounts", "balance", "disputes", "analytics", "compliance", "settlement", "dashboard", "events",
    "objects",
)
