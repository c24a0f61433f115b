"""gRPC CustomerCommandService: customers and payment methods."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import grpc
from ledgermesh.payments.v1 import customer_pb2, customer_service_pb2_grpc
from ledgermesh.payments.v1 import customer_service_pb2 as pb

from command_svc.api import object_resources
from command_svc.api.base import CommandServicerBase
from command_svc.application.customers import CustomerResult, CustomersApp, PaymentMethodResult
from command_svc.application.pipeline import CommandRunner
from command_svc.domain.customers import BillingDetails, CustomerChanges, UpdatePaymentMethod
from command_svc.domain.events import CustomerAddress
from eventlog.records import StoredEvent

C = TypeVar("C", pb.CreateCustomerResponse, pb.UpdateCustomerResponse, pb.DeleteCustomerResponse)
P = TypeVar("P", pb.CreatePaymentMethodResponse, pb.UpdatePaymentMethodResponse, pb.AttachPaymentMethodResponse,
            pb.DetachPaymentMethodResponse)


def _customer_presenter(response_type: type[C]) -> Callable[[CustomerResult, list[StoredEvent]], C]:
    def present(result: CustomerResult, stored: list[StoredEvent]) -> C:
        return response_type(customer=object_resources.customer(result.state, result.created_at, stored),
                             global_position=object_resources.position_of(stored))

    return present


def _pm_presenter(response_type: type[P]) -> Callable[[PaymentMethodResult, list[StoredEvent]], P]:
    def present(result: PaymentMethodResult, stored: list[StoredEvent]) -> P:
        return response_type(payment_method=object_resources.payment_method(result.state, result.created_at, stored),
                             global_position=object_resources.position_of(stored))

    return present


def _address(a: customer_pb2.Address) -> CustomerAddress:
    return CustomerAddress(city=a.city, country=a.country, line1=a.line1, line2=a.line2, postal_code=a.postal_code,
                           state=a.state)


def changes_of(f: pb.CustomerFields) -> CustomerChanges:
    def optional(name: str) -> str | None:
        return getattr(f, name) if f.HasField(name) else None

    return CustomerChanges(
        email=optional("email"), name=optional("name"), phone=optional("phone"), description=optional("description"),
        address=_address(f.address) if f.HasField("address") else None, metadata=dict(f.metadata),
        default_payment_method=optional("default_payment_method"), default_source=optional("default_source"),
    )


class CustomerServicer(CommandServicerBase, customer_service_pb2_grpc.CustomerCommandServiceServicer):
    def __init__(self, runner: CommandRunner, app: CustomersApp) -> None:
        super().__init__(runner)
        self.app = app

    async def CreateCustomer(self, request: pb.CreateCustomerRequest,
                             context: grpc.aio.ServicerContext) -> pb.CreateCustomerResponse:
        return await self.execute(
            context, operation="CreateCustomer", request=request, response_type=pb.CreateCustomerResponse,
            decide=lambda tenant: self.app.create(tenant, changes_of(request.fields), request.payment_method),
            present=_customer_presenter(pb.CreateCustomerResponse), idempotency_key=request.idempotency_key)

    async def UpdateCustomer(self, request: pb.UpdateCustomerRequest,
                             context: grpc.aio.ServicerContext) -> pb.UpdateCustomerResponse:
        return await self.execute(
            context, operation="UpdateCustomer", request=request, response_type=pb.UpdateCustomerResponse,
            decide=lambda tenant: self.app.update(tenant, request.customer_id, changes_of(request.fields)),
            present=_customer_presenter(pb.UpdateCustomerResponse), idempotency_key=request.idempotency_key)

    async def DeleteCustomer(self, request: pb.DeleteCustomerRequest,
                             context: grpc.aio.ServicerContext) -> pb.DeleteCustomerResponse:
        return await self.execute(
            context, operation="DeleteCustomer", request=request, response_type=pb.DeleteCustomerResponse,
            decide=lambda tenant: self.app.delete(tenant, request.customer_id),
            present=_customer_presenter(pb.DeleteCustomerResponse), idempotency_key=request.idempotency_key)

    async def CreatePaymentMethod(self, request: pb.CreatePaymentMethodRequest,
                                  context: grpc.aio.ServicerContext) -> pb.CreatePaymentMethodResponse:
        b = request.billing_details
        fields = {
            "type": request.type or "card", "card_token": request.card.token, "card_number": request.card.number,
            "exp_month": request.card.exp_month, "exp_year": request.card.exp_year,
            "billing": BillingDetails(name=b.name, email=b.email, phone=b.phone,
                                      address=_address(b.address) if b.HasField("address") else None),
            "metadata": dict(request.metadata), "customer": request.customer,
        }

        return await self.execute(
            context, operation="CreatePaymentMethod", request=request, response_type=pb.CreatePaymentMethodResponse,
            decide=lambda tenant: self.app.create_payment_method(tenant, dict(fields), as_source=request.as_source), present=_pm_presenter(pb.CreatePaymentMethodResponse),
            idempotency_key=request.idempotency_key)

    async def UpdatePaymentMethod(self, request: pb.UpdatePaymentMethodRequest,
                                  context: grpc.aio.ServicerContext) -> pb.UpdatePaymentMethodResponse:
        command = UpdatePaymentMethod(
            metadata=dict(request.metadata),
            exp_month=request.exp_month if request.HasField("exp_month") else None,
            exp_year=request.exp_year if request.HasField("exp_year") else None,
            billing_name=request.billing_name if request.HasField("billing_name") else None,
            billing_email=request.billing_email if request.HasField("billing_email") else None)
        return await self.execute(
            context, operation="UpdatePaymentMethod", request=request, response_type=pb.UpdatePaymentMethodResponse,
            decide=lambda tenant: self.app.update_payment_method(tenant, request.payment_method_id, command),
            present=_pm_presenter(pb.UpdatePaymentMethodResponse), idempotency_key=request.idempotency_key)

    async def AttachPaymentMethod(self, request: pb.AttachPaymentMethodRequest,
                                  context: grpc.aio.ServicerContext) -> pb.AttachPaymentMethodResponse:
        return await self.execute(
            context, operation="AttachPaymentMethod", request=request, response_type=pb.AttachPaymentMethodResponse,
            decide=lambda tenant: self.app.attach(tenant, request.payment_method_id, request.customer),
            present=_pm_presenter(pb.AttachPaymentMethodResponse), idempotency_key=request.idempotency_key)

    async def DetachPaymentMethod(self, request: pb.DetachPaymentMethodRequest,
                                  context: grpc.aio.ServicerContext) -> pb.DetachPaymentMethodResponse:
        return await self.execute(
            context, operation="DetachPaymentMethod", request=request, response_type=pb.DetachPaymentMethodResponse,
            decide=lambda tenant: self.app.detach(tenant, request.payment_method_id),
            present=_pm_presenter(pb.DetachPaymentMethodResponse), idempotency_key=request.idempotency_key)
