"""The report read models, per account and day: counters in hashes whose field names say what they
count (analytics and dashboard `volume:usd`, `decline:card_declined`; settlement `usd:gross`), the
suspicious activity list, and the one mapper of each into its query message."""

from __future__ import annotations

from ledgermesh.accounts.v1 import account_pb2
from ledgermesh.payments.v1 import charge_pb2
from ledgermesh.query.v1 import query_service_pb2 as q

from readmodel.values import Hash, integer, json_value, timestamp_from_us

# Analytics and dashboard counters.
COUNT = "count"
SUCCEEDED = "succeeded"
FAILED = "failed"
_VOLUME = "volume:"
_REFUNDED = "refunded:"
_DECLINE = "decline:"
_COUNTRY = "country:"


def volume_field(currency: str) -> str:
    return _VOLUME + currency


def refunded_field(currency: str) -> str:
    return _REFUNDED + currency


def decline_field(reason: str) -> str:
    return _DECLINE + reason


def country_field(country: str) -> str:
    return _COUNTRY + country


def settlement_field(currency: str, column: str) -> str:
    """Settlement columns: gross, fees, refunds, dispute_debits, payouts, charge_count."""
    return f"{currency}:{column}"


def _amounts(h: Hash, prefix: str) -> list[account_pb2.BalanceAmount]:
    return [account_pb2.BalanceAmount(amount=int(v), currency=name[len(prefix):])
            for name, v in sorted(h.items()) if name.startswith(prefix)]


def _counts(h: Hash, prefix: str) -> dict[str, int]:
    return {name[len(prefix):]: int(v) for name, v in h.items() if name.startswith(prefix)}


def _rate_bps(succeeded: int, count: int) -> int:
    return round(succeeded * 10_000 / count) if count else 0


def dashboard_from_hash(day: str, h: Hash, recent: list[charge_pb2.Charge]) -> q.Dashboard:
    count, succeeded = integer(h, COUNT), integer(h, SUCCEEDED)
    return q.Dashboard(
        day=day, volume=_amounts(h, _VOLUME), charge_count=count, succeeded_count=succeeded,
        failed_count=integer(h, FAILED), success_rate_bps=_rate_bps(succeeded, count),
        recent_charges=recent, refunded=_amounts(h, _REFUNDED),
    )


def analytics_day_from_hash(day: str, h: Hash) -> q.AnalyticsDay:
    count, succeeded = integer(h, COUNT), integer(h, SUCCEEDED)
    return q.AnalyticsDay(
        day=day, volume=_amounts(h, _VOLUME), count=count, succeeded=succeeded,
        success_rate_bps=_rate_bps(succeeded, count), decline_reasons=_counts(h, _DECLINE),
        card_countries=_counts(h, _COUNTRY),
    )


def settlement_rows_from_hash(day: str, h: Hash) -> list[q.SettlementRow]:
    """One row per currency, in currency order."""
    by_currency: dict[str, dict[str, int]] = {}
    for name, value in h.items():
        currency, _, column = name.partition(":")
        by_currency.setdefault(currency, {})[column] = int(value)
    rows = []
    for currency in sorted(by_currency):
        c = by_currency[currency]
        gross, fees, refunds, disputes = c.get("gross", 0), c.get("fees", 0), c.get("refunds", 0), c.get("dispute_debits", 0)
        rows.append(q.SettlementRow(
            day=day, currency=currency, gross=gross, fees=fees, refunds=refunds, dispute_debits=disputes,
            net=gross - fees - refunds - disputes, payouts=c.get("payouts", 0), charge_count=c.get("charge_count", 0),
        ))
    return rows


def suspicious_activity_from_hashes(flagged: Hash, charge: Hash) -> q.SuspiciousActivity:
    """A flagged charge; its amount and currency come from the charge's own hash."""
    return q.SuspiciousActivity(
        charge_id=flagged["charge_id"], decision=flagged.get("decision", ""), risk_score=integer(flagged, "risk_score"),
        rules_triggered=json_value(flagged, "rules") or [], created=timestamp_from_us(flagged.get("created_us")),
        amount=integer(charge, "amount"), currency=charge.get("currency", ""),
    )
