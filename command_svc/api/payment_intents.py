"""gRPC PaymentIntentCommandService: PaymentIntents and SetupIntents."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TypeVar

import grpc
from ledgermesh.payments.v1 import payment_intent_service_pb2 as pb
from ledgermesh.payments.v1 import payment_intent_service_pb2_grpc

from command_svc.api import object_resources, resources
from command_svc.api.base import CommandServicerBase
from command_svc.api.context import audit_context
from command_svc.application.payment_intents import PaymentIntentResult, PaymentIntentsApp, SetupIntentResult
from command_svc.application.payments import ChargeResult
from command_svc.application.pipeline import CommandRunner
from command_svc.domain.errors import DomainError
from command_svc.domain.payment_intents import UpdatePaymentIntent
from eventlog.records import StoredEvent
from support.auth import current_caller

P = TypeVar("P", pb.CreatePaymentIntentResponse, pb.UpdatePaymentIntentResponse, pb.ConfirmPaymentIntentResponse,
            pb.AuthenticatePaymentIntentResponse, pb.CapturePaymentIntentResponse, pb.CancelPaymentIntentResponse,
            pb.IncrementAuthorizationResponse)
S = TypeVar("S", pb.CreateSetupIntentResponse, pb.ConfirmSetupIntentResponse, pb.AuthenticateSetupIntentResponse,
            pb.CancelSetupIntentResponse)


def _intent(response_type: type[P]) -> Callable[[PaymentIntentResult, list[StoredEvent]], P]:
    def present(result: PaymentIntentResult, stored: list[StoredEvent]) -> P:
        return response_type(payment_intent=object_resources.payment_intent(result.state, result.created_at, stored),
                             global_position=object_resources.position_of(stored))

    return present


def _setup(response_type: type[S]) -> Callable[[SetupIntentResult, list[StoredEvent]], S]:
    def present(result: SetupIntentResult, stored: list[StoredEvent]) -> S:
        return response_type(setup_intent=object_resources.setup_intent(result.state, result.created_at, stored),
                             global_position=object_resources.position_of(stored))

    return present


class PaymentIntentServicer(CommandServicerBase, payment_intent_service_pb2_grpc.PaymentIntentCommandServiceServicer):
    def __init__(self, runner: CommandRunner, app: PaymentIntentsApp) -> None:
        super().__init__(runner)
        self.app = app

    async def CreatePaymentIntent(self, request: pb.CreatePaymentIntentRequest,
                                  context: grpc.aio.ServicerContext) -> pb.CreatePaymentIntentResponse:
        fields = {
            "amount": request.amount, "currency": request.currency, "capture_method": request.capture_method,
            "customer": request.customer, "payment_method": request.payment_method,
            "description": request.description, "metadata": dict(request.metadata),
            "statement_descriptor": request.statement_descriptor, "setup_future_usage": request.setup_future_usage,
            "receipt_email": request.receipt_email,
        }
        return await self.execute(
            context, operation="CreatePaymentIntent", request=request, response_type=pb.CreatePaymentIntentResponse,
            decide=lambda tenant: self.app.create(tenant, dict(fields), confirm=request.confirm,
                                                  off_session=request.off_session, return_url=request.return_url),
            present=_intent(pb.CreatePaymentIntentResponse), idempotency_key=request.idempotency_key)

    async def UpdatePaymentIntent(self, request: pb.UpdatePaymentIntentRequest,
                                  context: grpc.aio.ServicerContext) -> pb.UpdatePaymentIntentResponse:
        def optional(name: str) -> str | None:
            return getattr(request, name) if request.HasField(name) else None

        command = UpdatePaymentIntent(
            amount=request.amount if request.HasField("amount") else None, customer=optional("customer"),
            payment_method=optional("payment_method"), description=optional("description"),
            metadata=dict(request.metadata), statement_descriptor=optional("statement_descriptor"),
            setup_future_usage=optional("setup_future_usage"))
        return await self.execute(
            context, operation="UpdatePaymentIntent", request=request, response_type=pb.UpdatePaymentIntentResponse,
            decide=lambda tenant: self.app.update(tenant, request.payment_intent_id, command),
            present=_intent(pb.UpdatePaymentIntentResponse), idempotency_key=request.idempotency_key)

    async def ConfirmPaymentIntent(self, request: pb.ConfirmPaymentIntentRequest,
                                   context: grpc.aio.ServicerContext) -> pb.ConfirmPaymentIntentResponse:
        return await self.execute(
            context, operation="ConfirmPaymentIntent", request=request, response_type=pb.ConfirmPaymentIntentResponse,
            decide=lambda tenant: self.app.confirm(tenant, request.payment_intent_id, request.payment_method,
                                                   off_session=request.off_session, return_url=request.return_url),
            present=_intent(pb.ConfirmPaymentIntentResponse), idempotency_key=request.idempotency_key)

    async def AuthenticatePaymentIntent(self, request: pb.AuthenticatePaymentIntentRequest,
                                        context: grpc.aio.ServicerContext) -> pb.AuthenticatePaymentIntentResponse:
        return await self.execute(
            context, operation="AuthenticatePaymentIntent", request=request,
            response_type=pb.AuthenticatePaymentIntentResponse,
            decide=lambda tenant: self.app.authenticate(tenant, request.payment_intent_id, request.fail),
            present=_intent(pb.AuthenticatePaymentIntentResponse), idempotency_key=request.idempotency_key)

    async def CapturePaymentIntent(self, request: pb.CapturePaymentIntentRequest,
                                   context: grpc.aio.ServicerContext) -> pb.CapturePaymentIntentResponse:
        amount = request.amount_to_capture if request.HasField("amount_to_capture") else None
        return await self.execute(
            context, operation="CapturePaymentIntent", request=request, response_type=pb.CapturePaymentIntentResponse,
            decide=lambda tenant: self.app.capture(tenant, request.payment_intent_id, amount),
            present=_intent(pb.CapturePaymentIntentResponse), idempotency_key=request.idempotency_key)

    async def IncrementAuthorization(self, request: pb.IncrementAuthorizationRequest,
                                     context: grpc.aio.ServicerContext) -> pb.IncrementAuthorizationResponse:
        return await self.execute(
            context, operation="IncrementAuthorization", request=request,
            response_type=pb.IncrementAuthorizationResponse,
            decide=lambda tenant: self.app.increment_authorization(tenant, request.payment_intent_id, request.amount),
            present=_intent(pb.IncrementAuthorizationResponse), idempotency_key=request.idempotency_key)

    async def CancelPaymentIntent(self, request: pb.CancelPaymentIntentRequest,
                                  context: grpc.aio.ServicerContext) -> pb.CancelPaymentIntentResponse:
        return await self.execute(
            context, operation="CancelPaymentIntent", request=request, response_type=pb.CancelPaymentIntentResponse,
            decide=lambda tenant: self.app.cancel(tenant, request.payment_intent_id, request.cancellation_reason),
            present=_intent(pb.CancelPaymentIntentResponse), idempotency_key=request.idempotency_key)

    async def RefundPaymentIntent(self, request: pb.RefundPaymentIntentRequest,
                                  context: grpc.aio.ServicerContext) -> pb.RefundPaymentIntentResponse:
        amount = request.amount if request.HasField("amount") else None

        def present(result: ChargeResult, stored: list[StoredEvent]) -> pb.RefundPaymentIntentResponse:
            assert result.refund is not None  # a refund command that succeeded decided a refund
            return pb.RefundPaymentIntentResponse(
                refund=resources.refund(result.refund, result.state.account_id, result.created_at, stored),
                global_position=resources.position_of(stored))

        return await self.execute(
            context, operation="RefundPaymentIntent", request=request, response_type=pb.RefundPaymentIntentResponse,
            decide=lambda tenant: self.app.refund(tenant, request.payment_intent_id, amount, request.reason,
                                                  dict(request.metadata)),
            present=present, idempotency_key=request.idempotency_key)

    async def ExpirePaymentIntents(self, request: pb.ExpirePaymentIntentsRequest,
                                   context: grpc.aio.ServicerContext) -> pb.ExpirePaymentIntentsResponse:
        caller = current_caller()
        tenant = caller.account_id
        canceled: list[str] = []
        position = 0
        for intent_id in await self.app.expirable(tenant, request.limit or 1000):
            try:
                response = await self.runner.run(
                    tenant_id=tenant, operation="ExpirePaymentIntent", audit=audit_context(context, caller),
                    decide=partial(self.app.expire, tenant, intent_id), present=_sweep_position)
            except DomainError:
                # Captured or canceled by a concurrent command since it was listed.
                continue
            canceled.append(intent_id)
            position = max(position, response.global_position)
        return pb.ExpirePaymentIntentsResponse(canceled_payment_intent_ids=canceled, global_position=position)

    async def CreateSetupIntent(self, request: pb.CreateSetupIntentRequest,
                                context: grpc.aio.ServicerContext) -> pb.CreateSetupIntentResponse:
        fields = {"customer": request.customer, "payment_method": request.payment_method, "usage": request.usage,
                  "description": request.description, "metadata": dict(request.metadata)}
        return await self.execute(
            context, operation="CreateSetupIntent", request=request, response_type=pb.CreateSetupIntentResponse,
            decide=lambda tenant: self.app.create_setup(tenant, dict(fields), confirm=request.confirm,
                                                        return_url=request.return_url),
            present=_setup(pb.CreateSetupIntentResponse), idempotency_key=request.idempotency_key)

    async def ConfirmSetupIntent(self, request: pb.ConfirmSetupIntentRequest,
                                 context: grpc.aio.ServicerContext) -> pb.ConfirmSetupIntentResponse:
        return await self.execute(
            context, operation="ConfirmSetupIntent", request=request, response_type=pb.ConfirmSetupIntentResponse,
            decide=lambda tenant: self.app.confirm_setup(tenant, request.setup_intent_id, request.payment_method,
                                                         request.return_url),
            present=_setup(pb.ConfirmSetupIntentResponse), idempotency_key=request.idempotency_key)

    async def AuthenticateSetupIntent(self, request: pb.AuthenticateSetupIntentRequest,
                                      context: grpc.aio.ServicerContext) -> pb.AuthenticateSetupIntentResponse:
        return await self.execute(
            context, operation="AuthenticateSetupIntent", request=request,
            response_type=pb.AuthenticateSetupIntentResponse,
            decide=lambda tenant: self.app.authenticate_setup(tenant, request.setup_intent_id, request.fail),
            present=_setup(pb.AuthenticateSetupIntentResponse), idempotency_key=request.idempotency_key)

    async def CancelSetupIntent(self, request: pb.CancelSetupIntentRequest,
                                context: grpc.aio.ServicerContext) -> pb.CancelSetupIntentResponse:
        return await self.execute(
            context, operation="CancelSetupIntent", request=request, response_type=pb.CancelSetupIntentResponse,
            decide=lambda tenant: self.app.cancel_setup(tenant, request.setup_intent_id, request.cancellation_reason),
            present=_setup(pb.CancelSetupIntentResponse), idempotency_key=request.idempotency_key)


def _sweep_position(_result: PaymentIntentResult, stored: list[StoredEvent]) -> pb.ExpirePaymentIntentsResponse:
    return pb.ExpirePaymentIntentsResponse(global_position=object_resources.position_of(stored))
