"""Charges, refunds, disputes and payouts: Get (tenant-scoped, read-your-writes) and List (Stripe pages)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import grpc
from ledgermesh.query.v1 import query_service_pb2 as q

from query_svc.adapters.pages import CursorMissing, PageRequest
from query_svc.api.common import ACCOUNTS, CHARGES, DISPUTES, ReadSide, account, not_found, page_of
from readmodel.accounts import payout_from_hash
from readmodel.charges import CHARGE_STATUSES, refund_from_hash
from readmodel.disputes import DISPUTE_STATUSES, OPEN, dispute_from_hash


def charge_filter(request: q.ListChargesRequest):  # type: ignore[no-untyped-def]
    """The predicate of ListCharges' filters, or None when there are none."""
    checks = []
    if request.status:
        status = CHARGE_STATUSES.get(request.status, -1)
        checks.append(lambda c: c.status == status)
    if request.HasField("amount_gte"):
        checks.append(lambda c: c.amount >= request.amount_gte)
    if request.HasField("amount_lte"):
        checks.append(lambda c: c.amount <= request.amount_lte)
    if request.currency:
        currency = request.currency.lower()
        checks.append(lambda c: c.currency.lower() == currency)
    if request.customer:
        checks.append(lambda c: c.customer == request.customer)
    if request.payment_intent:
        checks.append(lambda c: c.payment_intent == request.payment_intent)
    if request.card_last4:
        checks.append(lambda c: c.card.last4 == request.card_last4)
    if request.metadata_key:
        checks.append(lambda c: c.metadata.get(request.metadata_key) == request.metadata_value
                      if request.metadata_value else request.metadata_key in c.metadata)
    if not checks:
        return None
    return lambda c: all(check(c) for check in checks)


class ChargeQueries(ReadSide):
    async def GetCharge(self, request: q.GetChargeRequest, context: grpc.aio.ServicerContext) -> q.GetChargeResponse:
        acct = account()
        charge = await self.unless_behind(
            context, CHARGES, await self.rm.charge(acct, request.charge_id, request.min_position),
            lambda: self.rm.charge(acct, request.charge_id))
        if charge is None:
            await not_found(context, "charge", request.charge_id)
        return q.GetChargeResponse(charge=charge)

    async def ListCharges(self, request: q.ListChargesRequest, context: grpc.aio.ServicerContext) -> q.ListChargesResponse:
        acct = account()
        index = self.rm.keys.account_charges(acct)
        keep = charge_filter(request)

        async def load(ids: Sequence[str]) -> list[object | None]:
            return list(await self.rm.charges(acct, list(ids)))

        try:
            if keep is None:
                charges, has_more = await self.rm.charge_page(acct, page_of(request.page))
            else:
                found, has_more = await self.rm.pager.matching(index, page_of(request.page), load, keep)
                charges = found  # type: ignore[assignment]
        except CursorMissing:
            return q.ListChargesResponse()
        return q.ListChargesResponse(charges=charges, has_more=has_more)

    async def GetRefund(self, request: q.GetRefundRequest, context: grpc.aio.ServicerContext) -> q.GetRefundResponse:
        key, acct = self.rm.keys.refund(request.refund_id), account()
        h = await self.unless_behind(context, CHARGES, await self.rm.owned(key, acct, request.min_position),
                                     lambda: self.rm.owned(key, acct))
        if h is None:
            await not_found(context, "refund", request.refund_id)
        return q.GetRefundResponse(refund=refund_from_hash(h))  # type: ignore[arg-type]

    async def ListRefunds(self, request: q.ListRefundsRequest, context: grpc.aio.ServicerContext) -> q.ListRefundsResponse:
        acct = account()
        if request.charge_id:
            charge = await self.rm.redis.hget(self.rm.keys.charge(request.charge_id), "account_id")
            if charge != acct:
                return q.ListRefundsResponse()
            index = self.rm.keys.charge_refunds(request.charge_id)
        else:
            index = self.rm.keys.account_refunds(acct)
        found, has_more = await self._owned_page(self.rm.keys.refund, index, page_of(request.page))
        return q.ListRefundsResponse(refunds=[refund_from_hash(h) for h in found], has_more=has_more)

    async def GetDispute(self, request: q.GetDisputeRequest, context: grpc.aio.ServicerContext) -> q.GetDisputeResponse:
        key, acct = self.rm.keys.dispute(request.dispute_id), account()
        h = await self.unless_behind(context, DISPUTES, await self.rm.owned(key, acct, request.min_position),
                                     lambda: self.rm.owned(key, acct))
        if h is None:
            await not_found(context, "dispute", request.dispute_id)
        return q.GetDisputeResponse(dispute=dispute_from_hash(h))  # type: ignore[arg-type]

    async def ListDisputes(self, request: q.ListDisputesRequest, context: grpc.aio.ServicerContext) -> q.ListDisputesResponse:
        index = self.rm.keys.account_disputes(account())
        wanted = OPEN if request.status == "open" else {request.status}
        keep = (lambda h: h.get("status") in wanted) if wanted & set(DISPUTE_STATUSES) else None
        found, has_more = await self._owned_page(self.rm.keys.dispute, index, page_of(request.page), keep)
        return q.ListDisputesResponse(disputes=[dispute_from_hash(h) for h in found], has_more=has_more)

    async def GetPayout(self, request: q.GetPayoutRequest, context: grpc.aio.ServicerContext) -> q.GetPayoutResponse:
        key, acct = self.rm.keys.payout(request.payout_id), account()
        h = await self.unless_behind(context, ACCOUNTS, await self.rm.owned(key, acct, request.min_position),
                                     lambda: self.rm.owned(key, acct))
        if h is None:
            await not_found(context, "payout", request.payout_id)
        return q.GetPayoutResponse(payout=payout_from_hash(h))  # type: ignore[arg-type]

    async def ListPayouts(self, request: q.ListPayoutsRequest, context: grpc.aio.ServicerContext) -> q.ListPayoutsResponse:
        index = self.rm.keys.account_payouts(account())
        found, has_more = await self._owned_page(self.rm.keys.payout, index, page_of(request.page))
        return q.ListPayoutsResponse(payouts=[payout_from_hash(h) for h in found], has_more=has_more)

    async def _owned_page(self, key_of: Callable[[str], str], index: str, page: PageRequest, keep=None):  # type: ignore[no-untyped-def]
        """A page of the caller's hashes (named by `key_of(id)`) from `index`, optionally filtered on the raw hash."""
        acct = account()

        async def load(ids: Sequence[str]) -> list[object | None]:
            return list(await self.rm.owned_many(key_of, acct, list(ids)))

        try:
            if keep is None:
                return await self.rm.owned_page(key_of, index, acct, page)
            return await self.rm.pager.matching(index, page, load, keep)
        except CursorMissing:
            return [], False
