"""The account, its balance and balance transactions, and the events API."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import grpc
import orjson
from ledgermesh.events.v1 import envelope_pb2
from ledgermesh.query.v1 import query_service_pb2 as q

from query_svc.adapters.pages import CursorMissing
from query_svc.api.common import BALANCE, ReadSide, account, not_found, page_of
from readmodel.accounts import account_from_hash
from readmodel.events import envelope_from_record
from readmodel.ledger import balance_from_hash, balance_position, balance_transaction_from_hash


class EventObjects(Protocol):
    """The objects events are about, each as it stood right after its event (Stripe's `data.object`):
    folded from the log by the webhooks' own code, which the composition root hands in."""

    async def objects_at(self, envelopes: Sequence[envelope_pb2.EventEnvelope]) -> list[dict[str, Any] | None]: ...


class LedgerQueries(ReadSide):
    event_objects: EventObjects | None

    async def _objects_json(self, envelopes: Sequence[envelope_pb2.EventEnvelope]) -> list[str]:
        if self.event_objects is None or not envelopes:
            return [""] * len(envelopes)
        found = await self.event_objects.objects_at(envelopes)
        return ["" if o is None else orjson.dumps(o).decode() for o in found]

    async def GetAccount(self, request: q.GetAccountRequest, context: grpc.aio.ServicerContext) -> q.GetAccountResponse:
        acct = account()
        if request.account_id and request.account_id != acct:
            await not_found(context, "account", request.account_id)
        h = await self.rm.hash_at(self.rm.keys.account(acct), request.min_position)
        if not h or "id" not in h:
            await not_found(context, "account", acct)
        return q.GetAccountResponse(account=account_from_hash(h))

    async def GetBalance(self, request: q.GetBalanceRequest, context: grpc.aio.ServicerContext) -> q.GetBalanceResponse:
        key = self.rm.keys.balance(account())
        found: dict[str, str] = {}

        async def probe() -> bool:
            nonlocal found
            found = await self.rm.redis.hgetall(key)  # type: ignore[assignment] # decode_responses
            return balance_position(found) >= request.min_position

        if request.min_position > 0:
            await self.rm.wait_until(probe)
        else:
            await probe()
        return q.GetBalanceResponse(balance=balance_from_hash(found))

    async def GetBalanceTransaction(
        self, request: q.GetBalanceTransactionRequest, context: grpc.aio.ServicerContext
    ) -> q.GetBalanceTransactionResponse:
        key, acct = self.rm.keys.balance_transaction(request.balance_transaction_id), account()
        h = await self.unless_behind(context, BALANCE, await self.rm.owned(key, acct, request.min_position),
                                     lambda: self.rm.owned(key, acct))
        if h is None:
            await not_found(context, "balance transaction", request.balance_transaction_id)
        return q.GetBalanceTransactionResponse(balance_transaction=balance_transaction_from_hash(h))  # type: ignore[arg-type]

    async def ListBalanceTransactions(
        self, request: q.ListBalanceTransactionsRequest, context: grpc.aio.ServicerContext
    ) -> q.ListBalanceTransactionsResponse:
        acct = account()
        index = self.rm.keys.account_balance_transactions(acct)
        page = page_of(request.page)
        kind, source = request.type, request.source
        try:
            if not kind and not source:
                ids, has_more = await self.rm.pager.ids(index, page)
                found = [h for h in await self.rm.owned_many(self.rm.keys.balance_transaction, acct, ids) if h is not None]
            else:
                async def load(ids: Sequence[str]) -> list[object | None]:
                    return list(await self.rm.owned_many(self.rm.keys.balance_transaction, acct, list(ids)))

                def keep(h: object) -> bool:
                    assert isinstance(h, dict)
                    return (not kind or h.get("type") == kind) and (not source or h.get("source") == source)

                found, has_more = await self.rm.pager.matching(index, page, load, keep)  # type: ignore[assignment]
        except CursorMissing:
            return q.ListBalanceTransactionsResponse()
        return q.ListBalanceTransactionsResponse(
            balance_transactions=[balance_transaction_from_hash(h) for h in found], has_more=has_more)

    async def GetEvent(self, request: q.GetEventRequest, context: grpc.aio.ServicerContext) -> q.GetEventResponse:
        raw = await self.rm.redis.get(self.rm.keys.event(request.event_id))
        envelope = envelope_from_record(str(raw)) if raw else None
        if envelope is None or envelope.tenant_id != account():
            await not_found(context, "event", request.event_id)
        assert envelope is not None  # not_found aborts
        (data_object,) = await self._objects_json([envelope])
        return q.GetEventResponse(event=envelope, data_object_json=data_object)

    async def ListEvents(self, request: q.ListEventsRequest, context: grpc.aio.ServicerContext) -> q.ListEventsResponse:
        acct = account()
        index = self.rm.keys.account_events(acct)
        wanted = request.type

        async def load(ids: Sequence[str]) -> list[object | None]:
            raws = await self.rm.strings([self.rm.keys.event(i) for i in ids])
            return [envelope_from_record(r) if r else None for r in raws]

        try:
            if not wanted:
                ids, has_more = await self.rm.pager.ids(index, page_of(request.page))
                events = [e for e in await load(ids) if e is not None]
            else:
                events, has_more = await self.rm.pager.matching(
                    index, page_of(request.page), load, lambda e: e.event_type == wanted)  # type: ignore[attr-defined]
        except CursorMissing:
            return q.ListEventsResponse()
        mine = [e for e in events if isinstance(e, envelope_pb2.EventEnvelope) and e.tenant_id == acct]
        return q.ListEventsResponse(events=mine, has_more=has_more, data_objects_json=await self._objects_json(mine))
