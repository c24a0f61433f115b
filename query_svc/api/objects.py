"""gRPC ObjectQueryService: customers, payment methods, PaymentIntents and SetupIntents, tenant-scoped
(another account's object is NOT_FOUND), with read-your-writes and Stripe's pages."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import grpc
from ledgermesh.query.v1 import object_query_service_pb2 as oq
from ledgermesh.query.v1 import object_query_service_pb2_grpc

from query_svc.adapters.pages import CursorMissing, PageRequest
from query_svc.adapters.read_models import ReadModels
from query_svc.api.common import OBJECTS, ReadSide, account, not_found, page_of
from readmodel.objects import (
    customer_from_hash,
    payment_intent_from_hash,
    payment_method_from_hash,
    setup_intent_from_hash,
)
from readmodel.values import Hash

Keep = Callable[[Hash], bool] | None


class ObjectQueryServicer(ReadSide, object_query_service_pb2_grpc.ObjectQueryServiceServicer):
    def __init__(self, read_models: ReadModels) -> None:
        self.rm = read_models

    async def _page(self, key_of: Callable[[str], str], index: str, page: PageRequest,
                    keep: Keep = None) -> tuple[list[Hash], bool]:
        acct = account()

        async def load(ids: Sequence[str]) -> list[object | None]:
            return list(await self.rm.owned_many(key_of, acct, list(ids)))

        try:
            if keep is None:
                ids, has_more = await self.rm.pager.ids(index, page)
                return [h for h in await self.rm.owned_many(key_of, acct, ids) if h is not None], has_more
            found, has_more = await self.rm.pager.matching(index, page, load, keep)  # type: ignore[arg-type]
            return found, has_more  # type: ignore[return-value]
        except CursorMissing:
            return [], False

    async def _owned(self, context: grpc.aio.ServicerContext, key: str, min_position: int) -> Hash | None:
        """The account's object, or None; when the caller's own writes are ahead of the projection, the
        object once projected (read-your-writes, as for charges: docs/read-side.md)."""
        acct = account()
        return await self.unless_behind(context, OBJECTS, await self.rm.owned(key, acct, min_position),
                                        lambda: self.rm.owned(key, acct))

    async def GetCustomer(self, request: oq.GetCustomerRequest, context: grpc.aio.ServicerContext) -> oq.GetCustomerResponse:
        h = await self._owned(context, self.rm.keys.customer(request.customer_id), request.min_position)
        if h is None:
            await not_found(context, "customer", request.customer_id)
        return oq.GetCustomerResponse(customer=customer_from_hash(h))  # type: ignore[arg-type]

    async def ListCustomers(self, request: oq.ListCustomersRequest,
                            context: grpc.aio.ServicerContext) -> oq.ListCustomersResponse:
        keep = (lambda h: h.get("email") == request.email) if request.email else None
        found, has_more = await self._page(self.rm.keys.customer, self.rm.keys.account_customers(account()),
                                           page_of(request.page), keep)
        return oq.ListCustomersResponse(customers=[customer_from_hash(h) for h in found], has_more=has_more)

    async def GetPaymentMethod(self, request: oq.GetPaymentMethodRequest,
                               context: grpc.aio.ServicerContext) -> oq.GetPaymentMethodResponse:
        h = await self._owned(context, self.rm.keys.payment_method(request.payment_method_id),
                              request.min_position)
        if h is None:
            await not_found(context, "PaymentMethod", request.payment_method_id)
        return oq.GetPaymentMethodResponse(payment_method=payment_method_from_hash(h))  # type: ignore[arg-type]

    async def ListPaymentMethods(self, request: oq.ListPaymentMethodsRequest,
                                 context: grpc.aio.ServicerContext) -> oq.ListPaymentMethodsResponse:
        # Detached payment methods leave the customer's index; one re-attached elsewhere is filtered here.
        wanted = request.type

        def keep(h: Hash) -> bool:
            return h.get("customer") == request.customer and (not wanted or h.get("type") == wanted)

        found, has_more = await self._page(self.rm.keys.payment_method,
                                           self.rm.keys.customer_payment_methods(request.customer),
                                           page_of(request.page), keep)
        return oq.ListPaymentMethodsResponse(payment_methods=[payment_method_from_hash(h) for h in found],
                                             has_more=has_more)

    async def GetPaymentIntent(self, request: oq.GetPaymentIntentRequest,
                               context: grpc.aio.ServicerContext) -> oq.GetPaymentIntentResponse:
        h = await self._owned(context, self.rm.keys.payment_intent(request.payment_intent_id),
                              request.min_position)
        if h is None:
            await not_found(context, "payment_intent", request.payment_intent_id)
        return oq.GetPaymentIntentResponse(payment_intent=payment_intent_from_hash(h))  # type: ignore[arg-type]

    async def ListPaymentIntents(self, request: oq.ListPaymentIntentsRequest,
                                 context: grpc.aio.ServicerContext) -> oq.ListPaymentIntentsResponse:
        keep = (lambda h: h.get("customer") == request.customer) if request.customer else None
        found, has_more = await self._page(self.rm.keys.payment_intent,
                                           self.rm.keys.account_payment_intents(account()), page_of(request.page), keep)
        return oq.ListPaymentIntentsResponse(payment_intents=[payment_intent_from_hash(h) for h in found],
                                             has_more=has_more)

    async def GetSetupIntent(self, request: oq.GetSetupIntentRequest,
                             context: grpc.aio.ServicerContext) -> oq.GetSetupIntentResponse:
        h = await self._owned(context, self.rm.keys.setup_intent(request.setup_intent_id), request.min_position)
        if h is None:
            await not_found(context, "setupintent", request.setup_intent_id)
        return oq.GetSetupIntentResponse(setup_intent=setup_intent_from_hash(h))  # type: ignore[arg-type]

    async def ListSetupIntents(self, request: oq.ListSetupIntentsRequest,
                               context: grpc.aio.ServicerContext) -> oq.ListSetupIntentsResponse:
        keep = (lambda h: h.get("customer") == request.customer) if request.customer else None
        found, has_more = await self._page(self.rm.keys.setup_intent, self.rm.keys.account_setup_intents(account()),
                                           page_of(request.page), keep)
        return oq.ListSetupIntentsResponse(setup_intents=[setup_intent_from_hash(h) for h in found],
                                           has_more=has_more)
