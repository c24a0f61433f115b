"""gRPC PaymentCommandService: protobuf in, domain commands, protobuf out."""

from __future__ import annotations

from functools import partial

import grpc
from ledgermesh.payments.v1 import payment_service_pb2 as pb
from ledgermesh.payments.v1 import payment_service_pb2_grpc

from command_svc.api import resources
from command_svc.api.base import CommandServicerBase
from command_svc.api.context import audit_context
from command_svc.application.payments import ChargeResult, PaymentsApp
from command_svc.application.pipeline import CommandRunner
from command_svc.domain.errors import DomainError
from eventlog.records import StoredEvent
from support.auth import current_caller


class PaymentServicer(CommandServicerBase, payment_service_pb2_grpc.PaymentCommandServiceServicer):
    def __init__(self, runner: CommandRunner, app: PaymentsApp) -> None:
        super().__init__(runner)
        self.app = app

    async def CreateCharge(self, request: pb.CreateChargeRequest, context: grpc.aio.ServicerContext) -> pb.CreateChargeResponse:
        fields = {
            "amount": request.amount, "currency": request.currency, "source": request.source,
            "capture": request.capture if request.HasField("capture") else True,
            "description": request.description, "metadata": dict(request.metadata), "customer": request.customer,
            "statement_descriptor": request.statement_descriptor, "receipt_email": request.receipt_email,
        }

        def present(result: ChargeResult, stored: list[StoredEvent]) -> pb.CreateChargeResponse:
            return pb.CreateChargeResponse(charge=resources.charge(result.state, result.created_at, stored, result.dispute),
                                           global_position=resources.position_of(stored))

        return await self.execute(
            context, operation="CreateCharge", request=request, response_type=pb.CreateChargeResponse,
            decide=lambda tenant: self.app.create_charge(tenant, fields), present=present,
            idempotency_key=request.idempotency_key,
        )

    async def CaptureCharge(self, request: pb.CaptureChargeRequest, context: grpc.aio.ServicerContext) -> pb.CaptureChargeResponse:
        amount = request.amount if request.HasField("amount") else None

        def present(result: ChargeResult, stored: list[StoredEvent]) -> pb.CaptureChargeResponse:
            return pb.CaptureChargeResponse(charge=resources.charge(result.state, result.created_at, stored, result.dispute),
                                            global_position=resources.position_of(stored))

        return await self.execute(
            context, operation="CaptureCharge", request=request, response_type=pb.CaptureChargeResponse,
            decide=lambda tenant: self.app.capture(tenant, request.charge_id, amount), present=present,
            idempotency_key=request.idempotency_key,
        )

    async def UpdateCharge(self, request: pb.UpdateChargeRequest, context: grpc.aio.ServicerContext) -> pb.UpdateChargeResponse:
        description = request.description if request.HasField("description") else None

        def present(result: ChargeResult, stored: list[StoredEvent]) -> pb.UpdateChargeResponse:
            return pb.UpdateChargeResponse(charge=resources.charge(result.state, result.created_at, stored, result.dispute),
                                           global_position=resources.position_of(stored))

        return await self.execute(
            context, operation="UpdateCharge", request=request, response_type=pb.UpdateChargeResponse,
            decide=lambda tenant: self.app.update(tenant, request.charge_id, description, dict(request.metadata)),
            present=present, idempotency_key=request.idempotency_key,
        )

    async def CreateRefund(self, request: pb.CreateRefundRequest, context: grpc.aio.ServicerContext) -> pb.CreateRefundResponse:
        amount = request.amount if request.HasField("amount") else None

        def present(result: ChargeResult, stored: list[StoredEvent]) -> pb.CreateRefundResponse:
            assert result.refund is not None
            return pb.CreateRefundResponse(
                refund=resources.refund(result.refund, result.state.account_id, result.created_at, stored),
                global_position=resources.position_of(stored))

        return await self.execute(
            context, operation="CreateRefund", request=request, response_type=pb.CreateRefundResponse,
            decide=lambda tenant: self.app.refund(tenant, request.charge_id, amount, request.reason,
                                                  dict(request.metadata)),
            present=present, idempotency_key=request.idempotency_key,
        )

    async def ExpireAuthorizations(
        self, request: pb.ExpireAuthorizationsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ExpireAuthorizationsResponse:
        caller = current_caller()
        tenant = caller.account_id
        expired: list[str] = []
        position = 0
        for charge_id in await self.app.expirable_charges(tenant, request.limit or 1000):
            try:
                response = await self.runner.run(
                    tenant_id=tenant, operation="ExpireAuthorization", audit=audit_context(context, caller),
                    decide=partial(self.app.expire, tenant, charge_id), present=_sweep_position,
                )
            except DomainError:
                # Captured or expired by a concurrent command since it was listed: nothing left to sweep.
                continue
            expired.append(charge_id)
            position = max(position, response.global_position)
        return pb.ExpireAuthorizationsResponse(expired_charge_ids=expired, global_position=position)


def _sweep_position(_result: ChargeResult, stored: list[StoredEvent]) -> pb.ExpireAuthorizationsResponse:
    return pb.ExpireAuthorizationsResponse(global_position=resources.position_of(stored))
