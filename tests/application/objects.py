"""Customers, payment methods, PaymentIntents and SetupIntents on the application harness: the real
use cases, sharing the harness's store, runner and charge use cases."""

from __future__ import annotations

from typing import Any

from command_svc.application.customers import CustomerResult, CustomersApp, PaymentMethodResult
from command_svc.application.payment_intents import PaymentIntentResult, PaymentIntentsApp, SetupIntentResult
from command_svc.domain.card_network import SimulatedCardNetwork
from command_svc.domain.customers import CustomerChanges
from tests.application.harness import CommandSide


class ObjectSide:
    def __init__(self, side: CommandSide) -> None:
        self.side = side
        network = SimulatedCardNetwork()
        self.customers = CustomersApp(side.store, network, clock=side.clock)
        self.intents = PaymentIntentsApp(side.store, network, side.payments, clock=side.clock)

    async def customer(self, tenant: str, *, payment_method: str = "", key: str = "",
                       **changes: Any) -> CustomerResult:
        answer = await self.side.run(tenant, "CreateCustomer", lambda: self.customers.create(
            tenant, CustomerChanges(**changes), payment_method), key=key, request=("customer", changes))
        return answer.result

    async def update_customer(self, tenant: str, customer_id: str, **changes: Any) -> CustomerResult:
        answer = await self.side.run(tenant, "UpdateCustomer", lambda: self.customers.update(
            tenant, customer_id, CustomerChanges(**changes)))
        return answer.result

    async def delete_customer(self, tenant: str, customer_id: str) -> CustomerResult:
        answer = await self.side.run(tenant, "DeleteCustomer", lambda: self.customers.delete(tenant, customer_id))
        return answer.result

    async def card(self, tenant: str, **fields: Any) -> PaymentMethodResult:
        answer = await self.side.run(tenant, "CreatePaymentMethod", lambda: self.customers.create_payment_method(
            tenant, {"type": "card", **fields}))
        return answer.result

    async def attach(self, tenant: str, payment_method: str, customer: str) -> PaymentMethodResult:
        answer = await self.side.run(tenant, "AttachPaymentMethod", lambda: self.customers.attach(
            tenant, payment_method, customer))
        return answer.result

    async def detach(self, tenant: str, payment_method: str) -> PaymentMethodResult:
        answer = await self.side.run(tenant, "DetachPaymentMethod", lambda: self.customers.detach(
            tenant, payment_method))
        return answer.result

    async def intent(self, tenant: str, amount: int, *, confirm: bool = False, off_session: bool = False,
                     **fields: Any) -> PaymentIntentResult:
        answer = await self.side.run(tenant, "CreatePaymentIntent", lambda: self.intents.create(
            tenant, {"amount": amount, "currency": "usd", **fields}, confirm=confirm, off_session=off_session,
            return_url=""))
        return answer.result

    async def confirm(self, tenant: str, intent_id: str, payment_method: str = "", *,
                      off_session: bool = False) -> PaymentIntentResult:
        answer = await self.side.run(tenant, "ConfirmPaymentIntent", lambda: self.intents.confirm(
            tenant, intent_id, payment_method, off_session=off_session, return_url=""))
        return answer.result

    async def authenticate(self, tenant: str, intent_id: str, *, fail: bool = False) -> PaymentIntentResult:
        answer = await self.side.run(tenant, "AuthenticatePaymentIntent", lambda: self.intents.authenticate(
            tenant, intent_id, fail))
        return answer.result

    async def capture(self, tenant: str, intent_id: str, amount: int | None = None) -> PaymentIntentResult:
        answer = await self.side.run(tenant, "CapturePaymentIntent", lambda: self.intents.capture(
            tenant, intent_id, amount))
        return answer.result

    async def cancel(self, tenant: str, intent_id: str, reason: str = "") -> PaymentIntentResult:
        answer = await self.side.run(tenant, "CancelPaymentIntent", lambda: self.intents.cancel(
            tenant, intent_id, reason))
        return answer.result

    async def setup(self, tenant: str, *, confirm: bool = False, **fields: Any) -> SetupIntentResult:
        answer = await self.side.run(tenant, "CreateSetupIntent", lambda: self.intents.create_setup(
            tenant, fields, confirm=confirm))
        return answer.result

    async def authenticate_setup(self, tenant: str, intent_id: str, *, fail: bool = False) -> SetupIntentResult:
        answer = await self.side.run(tenant, "AuthenticateSetupIntent", lambda: self.intents.authenticate_setup(
            tenant, intent_id, fail))
        return answer.result
