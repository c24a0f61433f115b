"""The report read models the projections write read back as their totals: what the analytics,
dashboard and settlement projections count is what the query messages show."""

from __future__ import annotations

from projector.projections.analytics import AnalyticsProjection
from projector.projections.dashboard import DashboardProjection
from projector.projections.settlement import SettlementProjection
from readmodel.keys import Keys
from readmodel.reports import analytics_day_from_hash, dashboard_from_hash, settlement_rows_from_hash
from tests.unit.projected import MemoryRedis, projected

KEYS = Keys("p:")
DAY = "2026-11-25"
EVENTS = [
    ("ChargeRequested", {"charge_id": "ch_1", "amount": 1000, "currency": "usd", "card": {"country": "US"}}),
    ("PaymentAuthorized", {"charge_id": "ch_1", "amount": 1000, "currency": "usd"}),
    ("ChargeRequested", {"charge_id": "ch_2", "amount": 500, "currency": "eur"}),
    ("PaymentDeclined", {"charge_id": "ch_2", "decline_code": "insufficient_funds"}),
    ("RefundCreated", {"refund_id": "re_1", "charge_id": "ch_1", "amount": 300, "currency": "usd"}),
    ("LedgerEntryPosted", {"entry_id": "txn_1", "account_id": "acct_1", "currency": "usd",
                           "type": "LEDGER_ENTRY_TYPE_CHARGE", "amount": 1000, "fee": 59}),
    ("LedgerEntryPosted", {"entry_id": "txn_2", "account_id": "acct_1", "currency": "usd",
                           "type": "LEDGER_ENTRY_TYPE_REFUND", "amount": -300}),
]


def _projected_day() -> MemoryRedis:
    redis = MemoryRedis()
    for i, (event_type, data) in enumerate(EVENTS, start=1):
        event = projected(event_type, data, position=i, version=i)
        for projection in (AnalyticsProjection(), DashboardProjection(), SettlementProjection()):
            redis.apply(projection.apply(event, KEYS))
    return redis


def test_a_days_analytics_read_back_as_its_counts_volumes_declines_and_countries() -> None:
    day = analytics_day_from_hash(DAY, _projected_day().hash(KEYS.analytics("acct_1", DAY)))
    assert (day.count, day.succeeded, day.success_rate_bps) == (2, 1, 5_000)
    assert [(v.currency, v.amount) for v in day.volume] == [("usd", 1000)]
    assert dict(day.decline_reasons) == {"insufficient_funds": 1}
    assert dict(day.card_countries) == {"US": 1, "unknown": 1}


def test_todays_dashboard_reads_back_as_its_totals() -> None:
    dashboard = dashboard_from_hash(DAY, _projected_day().hash(KEYS.dashboard("acct_1", DAY)), [])
    assert (dashboard.charge_count, dashboard.succeeded_count, dashboard.failed_count) == (2, 1, 1)
    assert [(a.currency, a.amount) for a in dashboard.refunded] == [("usd", 300)]


def test_a_days_settlement_reads_back_as_gross_fees_refunds_and_net() -> None:
    [row] = settlement_rows_from_hash(DAY, _projected_day().hash(KEYS.settlement("acct_1", DAY)))
    assert (row.currency, row.gross, row.fees, row.refunds, row.net, row.charge_count) == ("usd", 1000, 59, 300, 641, 1)
