"""QueryService over gRPC against the running system: balances, balance transactions, Stripe pages
and filters, disputes, payouts, reports, compliance, events, the live dashboard, tenant isolation."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import grpc
import pytest
from ledgermesh.accounts.v1 import account_service_pb2 as acc
from ledgermesh.disputes.v1 import dispute_pb2
from ledgermesh.disputes.v1 import dispute_service_pb2 as dsp
from ledgermesh.payments.v1 import charge_pb2
from ledgermesh.payments.v1 import payment_service_pb2 as pay
from ledgermesh.query.v1 import query_service_pb2 as q

from support.errors import error_info
from tests.conftest import eventually
from tests.e2e.conftest import Client, Merchant
from tests.e2e.support import disputes, ledger_balance, verified_merchant


async def _charge(system: Client, merchant: Merchant, amount: int, source: str = "tok_visa",
                  currency: str = "usd", **fields: object) -> pay.CreateChargeResponse:
    return await system.payments.CreateCharge(
        pay.CreateChargeRequest(amount=amount, currency=currency, source=source, **fields), metadata=merchant.metadata)


async def _projected(system: Client, merchant: Merchant, charge_id: str, min_position: int = 0) -> charge_pb2.Charge:
    got = await system.queries.GetCharge(q.GetChargeRequest(charge_id=charge_id, min_position=min_position),
                                         metadata=merchant.metadata)
    return got.charge


def _amounts(amounts) -> dict[str, int]:  # type: ignore[no-untyped-def]
    return {a.currency: a.amount for a in amounts}


async def test_balance_after_charges_and_a_refund_is_the_sum_of_the_ledger(system: Client) -> None:
    merchant = await system.merchant()
    first = await _charge(system, merchant, 10_000)
    second = await _charge(system, merchant, 2_500, "tok_mastercard")
    refund = await system.payments.CreateRefund(pay.CreateRefundRequest(charge_id=first.charge.id, amount=3_000),
                                                metadata=merchant.metadata)

    got = await system.queries.GetBalance(q.GetBalanceRequest(min_position=refund.global_position),
                                          metadata=merchant.metadata)

    fees = first.charge.fee + second.charge.fee
    assert fees > 0
    assert _amounts(got.balance.pending) == {"usd": 10_000 + 2_500 - fees - 3_000}
    assert _amounts(got.balance.available) == {"usd": 0}
    assert _amounts(got.balance.reserved) == {"usd": 0}
    truth = await ledger_balance(system, merchant.account_id)
    assert (truth.available, truth.pending, truth.reserved) == (0, 10_000 + 2_500 - fees - 3_000, 0)

    txns = await system.queries.ListBalanceTransactions(q.ListBalanceTransactionsRequest(), metadata=merchant.metadata)
    assert [t.type for t in txns.balance_transactions] == ["refund", "charge", "charge"]
    assert [t.amount for t in txns.balance_transactions] == [-3_000, 2_500, 10_000]
    charge_txn = txns.balance_transactions[2]
    assert (charge_txn.source, charge_txn.status, charge_txn.fee) == (first.charge.id, "pending", first.charge.fee)
    one = await system.queries.GetBalanceTransaction(
        q.GetBalanceTransactionRequest(balance_transaction_id=charge_txn.id), metadata=merchant.metadata)
    assert one.balance_transaction == charge_txn
    refunds_only = await system.queries.ListBalanceTransactions(q.ListBalanceTransactionsRequest(type="refund"),
                                                                metadata=merchant.metadata)
    assert [t.source for t in refunds_only.balance_transactions] == [refund.refund.id]

    got_refund = await system.queries.GetRefund(q.GetRefundRequest(refund_id=refund.refund.id,
                                                                   min_position=refund.global_position),
                                                metadata=merchant.metadata)
    assert (got_refund.refund.amount, got_refund.refund.charge_id) == (3_000, first.charge.id)
    listed = await system.queries.ListRefunds(q.ListRefundsRequest(charge_id=first.charge.id), metadata=merchant.metadata)
    assert [r.id for r in listed.refunds] == [refund.refund.id]


async def test_list_charges_pages_like_stripe(system: Client) -> None:
    merchant = await system.merchant()
    created = [await _charge(system, merchant, 1_000 + i) for i in range(7)]
    await _projected(system, merchant, created[-1].charge.id, created[-1].global_position)
    newest_first = [c.charge.id for c in reversed(created)]

    async def page(**fields: object) -> q.ListChargesResponse:
        return await system.queries.ListCharges(q.ListChargesRequest(page=q.Page(**fields)), metadata=merchant.metadata)

    first = await page(limit=3)
    assert [c.id for c in first.charges] == newest_first[:3] and first.has_more
    second = await page(limit=3, starting_after=first.charges[-1].id)
    assert [c.id for c in second.charges] == newest_first[3:6] and second.has_more
    third = await page(limit=3, starting_after=second.charges[-1].id)
    assert [c.id for c in third.charges] == newest_first[6:] and not third.has_more
    back = await page(limit=3, ending_before=second.charges[0].id)
    assert [c.id for c in back.charges] == newest_first[:3] and not back.has_more
    back_short = await page(limit=2, ending_before=second.charges[0].id)
    assert [c.id for c in back_short.charges] == newest_first[1:3] and back_short.has_more
    everything = await page(limit=100)
    assert [c.id for c in everything.charges] == newest_first and not everything.has_more
    created_at = first.charges[1].created
    window = await page(created_gte=created_at, created_lte=created_at)
    assert [c.id for c in window.charges] == [newest_first[1]]


async def test_list_charges_filters(system: Client) -> None:
    merchant = await system.merchant()
    ok = await _charge(system, merchant, 5_000, customer="cus_a", metadata={"order": "o-1"})
    declined = await _charge(system, merchant, 6_000, "tok_chargeDeclined", customer="cus_b")
    euro = await _charge(system, merchant, 150_000, "tok_mastercard", currency="eur", customer="cus_a")
    last = await _charge(system, merchant, 700, metadata={"order": "o-2"})
    await _projected(system, merchant, last.charge.id, last.global_position)

    async def ids(**filters: object) -> list[str]:
        listed = await system.queries.ListCharges(q.ListChargesRequest(**filters), metadata=merchant.metadata)
        return [c.id for c in listed.charges]

    assert await ids(status="failed") == [declined.charge.id]
    assert await ids(status="succeeded") == [last.charge.id, euro.charge.id, ok.charge.id]
    assert await ids(amount_gte=5_000, amount_lte=100_000) == [declined.charge.id, ok.charge.id]
    assert await ids(currency="eur") == [euro.charge.id]
    assert await ids(customer="cus_a") == [euro.charge.id, ok.charge.id]
    assert await ids(card_last4="4444") == [euro.charge.id]
    assert await ids(metadata_key="order", metadata_value="o-1") == [ok.charge.id]
    assert await ids(metadata_key="order") == [last.charge.id, ok.charge.id]
    assert await ids(customer="cus_a", currency="usd") == [ok.charge.id]
    paged = await system.queries.ListCharges(
        q.ListChargesRequest(customer="cus_a", page=q.Page(limit=1)), metadata=merchant.metadata)
    assert [c.id for c in paged.charges] == [euro.charge.id] and paged.has_more
    rest = await system.queries.ListCharges(
        q.ListChargesRequest(customer="cus_a", page=q.Page(limit=1, starting_after=euro.charge.id)),
        metadata=merchant.metadata)
    assert [c.id for c in rest.charges] == [ok.charge.id] and not rest.has_more


async def test_another_tenants_objects_are_not_found(system: Client) -> None:
    owner, other = await system.merchant(), await system.merchant()
    paid = await _charge(system, owner, 4_000)
    refund = await system.payments.CreateRefund(pay.CreateRefundRequest(charge_id=paid.charge.id, amount=1_000),
                                                metadata=owner.metadata)
    charge = await _projected(system, owner, paid.charge.id, refund.global_position)
    txn = (await system.queries.ListBalanceTransactions(q.ListBalanceTransactionsRequest(),
                                                        metadata=owner.metadata)).balance_transactions[0]
    event = (await system.queries.ListEvents(q.ListEventsRequest(), metadata=owner.metadata)).events[0]

    calls = [
        system.queries.GetCharge(q.GetChargeRequest(charge_id=charge.id), metadata=other.metadata),
        system.queries.GetRefund(q.GetRefundRequest(refund_id=refund.refund.id), metadata=other.metadata),
        system.queries.GetBalanceTransaction(q.GetBalanceTransactionRequest(balance_transaction_id=txn.id),
                                             metadata=other.metadata),
        system.queries.GetEvent(q.GetEventRequest(event_id=event.event_id), metadata=other.metadata),
        system.queries.GetAuditTrail(q.GetAuditTrailRequest(object_id=charge.id), metadata=other.metadata),
        system.queries.GetAccount(q.GetAccountRequest(account_id=owner.account_id), metadata=other.metadata),
    ]
    for call in calls:
        with pytest.raises(grpc.aio.AioRpcError) as failure:
            await call
        assert failure.value.code() == grpc.StatusCode.NOT_FOUND
        info = error_info(failure.value)
        assert info is not None and info.reason == "RESOURCE_MISSING"
    assert not (await system.queries.ListRefunds(q.ListRefundsRequest(charge_id=charge.id),
                                                 metadata=other.metadata)).refunds
    assert not (await system.queries.ListCharges(q.ListChargesRequest(), metadata=other.metadata)).charges
    assert not (await system.queries.ListCharges(q.ListChargesRequest(page=q.Page(starting_after=charge.id)),
                                                 metadata=other.metadata)).charges


async def test_disputes_audit_trail_and_open_dispute_list(system: Client) -> None:
    merchant = await system.merchant()
    paid = await _charge(system, merchant, 9_000)
    opened = await disputes(system).CreateDispute(dsp.CreateDisputeRequest(charge_id=paid.charge.id, reason="fraudulent"),
                                                  metadata=merchant.platform)
    got = await system.queries.GetDispute(q.GetDisputeRequest(dispute_id=opened.dispute.id,
                                                              min_position=opened.global_position),
                                          metadata=merchant.metadata)
    assert got.dispute.status == dispute_pb2.DISPUTE_STATUS_NEEDS_RESPONSE
    assert got.dispute.amount == 9_000 and got.dispute.evidence_due_by.seconds > 0
    open_list = await system.queries.ListDisputes(q.ListDisputesRequest(status="open"), metadata=merchant.metadata)
    assert [d.id for d in open_list.disputes] == [opened.dispute.id]

    evidence = await disputes(system).SubmitEvidence(
        dsp.SubmitEvidenceRequest(dispute_id=opened.dispute.id, evidence={"product_description": "r-1"}, submit=True),
        metadata=merchant.metadata)
    review = await system.queries.GetDispute(q.GetDisputeRequest(dispute_id=opened.dispute.id,
                                                                 min_position=evidence.global_position),
                                             metadata=merchant.metadata)
    assert review.dispute.status == dispute_pb2.DISPUTE_STATUS_UNDER_REVIEW
    assert dict(review.dispute.evidence) == {"product_description": "r-1"} and review.dispute.submission_count == 1

    lost = await disputes(system).ResolveDispute(dsp.ResolveDisputeRequest(dispute_id=opened.dispute.id, won=False),
                                                 metadata=merchant.platform)
    done = await system.queries.GetDispute(q.GetDisputeRequest(dispute_id=opened.dispute.id,
                                                               min_position=lost.global_position),
                                           metadata=merchant.metadata)
    assert done.dispute.status == dispute_pb2.DISPUTE_STATUS_LOST
    assert not (await system.queries.ListDisputes(q.ListDisputesRequest(status="open"), metadata=merchant.metadata)).disputes
    charge = await _projected(system, merchant, paid.charge.id)
    assert charge.dispute == opened.dispute.id and charge.disputed

    async def trail() -> list[str] | None:
        response = await system.queries.GetAuditTrail(q.GetAuditTrailRequest(object_id=paid.charge.id),
                                                      metadata=merchant.metadata)
        types = [e.event_type for e in response.events]
        return types if "DisputeCreated" in types else None

    types = await eventually(trail)
    assert types[0] == "ChargeRequested" and "PaymentCaptured" in types and "LedgerEntryPosted" in types
    full = await system.queries.GetAuditTrail(q.GetAuditTrailRequest(object_id=paid.charge.id), metadata=merchant.metadata)
    assert [e.global_position for e in full.events] == sorted(e.global_position for e in full.events)
    assert all(e.metadata.event_hash for e in full.events)


async def test_payout_settlement_and_analytics(system: Client) -> None:
    merchant = await verified_merchant(system)
    paid = await _charge(system, merchant, 20_000, "tok_bypassPending")
    await _charge(system, merchant, 1_000, "tok_chargeDeclined")
    jcb = await _charge(system, merchant, 3_000, "tok_jcb")
    payout = await system.accounts.CreatePayout(acc.CreatePayoutRequest(amount=5_000, currency="usd"),
                                                metadata=merchant.metadata)
    got = await system.queries.GetPayout(q.GetPayoutRequest(payout_id=payout.payout.id,
                                                            min_position=payout.global_position),
                                         metadata=merchant.metadata)
    assert (got.payout.amount, got.payout.currency, got.payout.account_id) == (5_000, "usd", merchant.account_id)
    listed = await system.queries.ListPayouts(q.ListPayoutsRequest(), metadata=merchant.metadata)
    assert [p.id for p in listed.payouts] == [payout.payout.id]

    today = datetime.now(UTC).strftime("%Y-%m-%d")

    async def settled() -> q.SettlementRow | None:
        report = await system.queries.GetSettlementReport(q.GetSettlementReportRequest(start_day=today, end_day=today),
                                                          metadata=merchant.metadata)
        rows = [r for r in report.rows if r.currency == "usd"]
        return rows[0] if rows and rows[0].payouts and rows[0].charge_count == 2 else None

    row = await eventually(settled)
    assert (row.gross, row.payouts, row.refunds, row.dispute_debits) == (23_000, 5_000, 0, 0)
    assert row.fees == paid.charge.fee + jcb.charge.fee > 0
    assert row.net == 23_000 - row.fees

    async def analytics() -> q.AnalyticsDay | None:
        response = await system.queries.GetAnalytics(q.GetAnalyticsRequest(start_day=today, end_day=today),
                                                     metadata=merchant.metadata)
        day = response.days[0]
        return day if day.count == 3 and day.succeeded == 2 and day.decline_reasons else None

    day = await eventually(analytics)
    assert _amounts(day.volume) == {"usd": 23_000}
    assert day.success_rate_bps == 6667
    assert dict(day.decline_reasons) == {"generic_decline": 1}
    assert dict(day.card_countries)["JP"] == 1

    with pytest.raises(grpc.aio.AioRpcError) as failure:
        await system.queries.GetAnalytics(q.GetAnalyticsRequest(start_day="2020-01-01", end_day=today),
                                          metadata=merchant.metadata)
    assert failure.value.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_events_api_and_suspicious_activity(system: Client) -> None:
    merchant = await system.merchant()
    blocked = await _charge(system, merchant, 2_000, "tok_riskLevelHighest")
    fine = await _charge(system, merchant, 2_000)
    await _projected(system, merchant, fine.charge.id, fine.global_position)

    async def flagged() -> list[q.SuspiciousActivity] | None:
        response = await system.queries.ListSuspiciousActivity(q.ListSuspiciousActivityRequest(),
                                                                metadata=merchant.metadata)
        return list(response.items) or None

    items = await eventually(flagged)
    assert [i.charge_id for i in items] == [blocked.charge.id]
    assert items[0].decision in ("block", "review") and items[0].amount == 2_000 and items[0].currency == "usd"

    async def requested() -> list[str] | None:
        response = await system.queries.ListEvents(q.ListEventsRequest(type="ChargeRequested"), metadata=merchant.metadata)
        ids = [e.aggregate_id for e in response.events]
        return ids if len(ids) == 2 else None

    assert await eventually(requested) == [fine.charge.id, blocked.charge.id]
    events = await system.queries.ListEvents(q.ListEventsRequest(page=q.Page(limit=100)), metadata=merchant.metadata)
    assert all(e.tenant_id == merchant.account_id for e in events.events)
    one = await system.queries.GetEvent(q.GetEventRequest(event_id=events.events[0].event_id), metadata=merchant.metadata)
    assert one.event == events.events[0] and one.event.payload.type_url.endswith(one.event.event_type)


async def test_watch_dashboard_pushes_an_update_after_a_charge(system: Client) -> None:
    merchant = await system.merchant()
    first = await _charge(system, merchant, 1_200)
    await _projected(system, merchant, first.charge.id, first.global_position)

    async def charges_on_dashboard() -> bool:
        got = await system.queries.GetDashboard(q.GetDashboardRequest(), metadata=merchant.metadata)
        return got.dashboard.succeeded_count == 1

    await eventually(charges_on_dashboard)
    stream = system.queries.WatchDashboard(q.WatchDashboardRequest(), metadata=merchant.metadata)
    initial = await asyncio.wait_for(stream.read(), 5)
    assert initial.dashboard.charge_count == 1 and _amounts(initial.dashboard.volume) == {"usd": 1_200}

    second = await _charge(system, merchant, 800)
    while True:
        update = await asyncio.wait_for(stream.read(), 5)
        if update.dashboard.succeeded_count == 2:
            break
    assert _amounts(update.dashboard.volume) == {"usd": 2_000}
    assert update.dashboard.success_rate_bps == 10_000
    assert update.dashboard.recent_charges[0].id == second.charge.id
    stream.cancel()


async def test_projection_status_lists_every_projection(system: Client) -> None:
    merchant = await system.merchant()
    created = await _charge(system, merchant, 1_000)
    await _projected(system, merchant, created.charge.id, created.global_position)

    async def caught_up() -> q.GetProjectionStatusResponse | None:
        # The charge is readable once its own events are applied; the rest of its transaction may follow.
        status = await system.queries.GetProjectionStatus(q.GetProjectionStatusRequest(), metadata=system.operator)
        return status if all(p.position >= created.global_position for p in status.projections) else None

    status = await eventually(caught_up)
    names = {p.name for p in status.projections}
    assert {"charges", "balance", "analytics", "compliance", "settlement", "dashboard", "events"} <= names
    charges = next(p for p in status.projections if p.name == "charges")
    assert charges.applied > 0 and charges.dead_letters == 0 and charges.last_applied_at.seconds > 0
