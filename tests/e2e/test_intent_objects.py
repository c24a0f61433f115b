"""The official stripe SDK (pinned, unchanged) reading what PaymentIntents leave behind: the charge names
its intent, payment method and customer; `expand[]` goes through intents, customers and payment
methods (`latest_charge.balance_transaction`, `data.customer` on lists); webhooks carry the whole
PaymentIntent, customer, payment method and SetupIntent as they stood at each event, and the events
API shows the very same objects."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import stripe

from tests.conftest import eventually
from tests.e2e.stripe_sdk import sdk_client, until_readable
from tests.e2e.webhook_receiver import webhook_receiver

STRIPE_FIELDS: dict[str, list[str]] = json.loads(
    (Path(__file__).resolve().parents[1] / "fixtures" / "stripe_fields.json").read_text())


def _covers_stripes_fields(shown: dict[str, Any], kind: str) -> bool:
    wanted = set(STRIPE_FIELDS[kind])
    return len(wanted & set(shown)) >= 0.9 * len(wanted)


async def test_a_payment_intents_charge_names_the_intent_and_expands_through_it(system) -> None:
    merchant = await system.merchant()
    client = sdk_client(system.system.gateway_port, merchant.secret_key)
    customer = await client.v1.customers.create_async({"email": "pi-charge@example.com", "name": "Pat"})

    intent = await client.v1.payment_intents.create_async({
        "amount": 4100, "currency": "usd", "customer": customer.id, "payment_method": "pm_card_visa",
        "confirm": True, "expand": ["latest_charge.balance_transaction", "customer", "payment_method"]})

    assert intent.status == "succeeded"
    assert intent.customer.id == customer.id and intent.customer.email == "pi-charge@example.com"
    assert intent.payment_method.object == "payment_method" and intent.payment_method.card.last4 == "4242"
    charge = intent.latest_charge
    assert charge.object == "charge" and charge.payment_intent == intent.id
    assert charge.payment_method == intent.payment_method.id and charge.customer == customer.id
    assert charge.source is None  # a PaymentIntent's charge is paid by its payment method
    assert charge.balance_transaction.object == "balance_transaction" and charge.balance_transaction.amount == 4100

    read = await until_readable(lambda: client.v1.charges.retrieve_async(
        charge.id, {"expand": ["payment_intent", "customer", "payment_method"]}))
    assert read.payment_intent.id == intent.id and read.payment_intent.status == "succeeded"
    assert read.payment_intent.latest_charge == charge.id
    assert read.customer.name == "Pat" and read.payment_method.id == intent.payment_method.id

    intents = await until_readable(
        lambda: client.v1.payment_intents.list_async({"customer": customer.id, "expand": ["data.customer"]}),
        lambda page: len(page.data) == 1)
    assert intents.data[0].customer.email == "pi-charge@example.com"
    charges = await until_readable(
        lambda: client.v1.charges.list_async({"customer": customer.id, "expand": ["data.payment_intent"]}),
        lambda page: len(page.data) == 1)
    assert charges.data[0].payment_intent.id == intent.id and charges.data[0].payment_intent.amount == 4100
    found = await until_readable(
        lambda: client.v1.charges.search_async({"query": f"payment_intent:'{intent.id}'"}),
        lambda page: len(page.data) == 1)
    assert found.data[0].id == charge.id

    direct = await client.v1.charges.create_async({"amount": 700, "currency": "usd", "source": "tok_visa"})
    assert direct.payment_intent is None and direct.payment_method == "tok_visa"


async def test_charges_and_refunds_list_by_payment_intent(system) -> None:
    merchant = await system.merchant()
    client = sdk_client(system.system.gateway_port, merchant.secret_key)
    intent = await client.v1.payment_intents.create_async({
        "amount": 3000, "currency": "usd", "payment_method": "pm_card_visa", "confirm": True,
        "payment_method_types": ["card"]})
    other = await client.v1.payment_intents.create_async({
        "amount": 900, "currency": "usd", "payment_method": "pm_card_visa", "confirm": True,
        "automatic_payment_methods": {"enabled": "true", "allow_redirects": "never"}})
    refund = await client.v1.refunds.create_async({"payment_intent": intent.id, "amount": 1000})
    await client.v1.refunds.create_async({"payment_intent": other.id})

    charges = await until_readable(lambda: client.v1.charges.list_async({"payment_intent": intent.id}),
                                   lambda page: len(page.data) == 1)
    assert charges.data[0].id == intent.latest_charge and charges.data[0].amount == 3000
    refunds = await until_readable(lambda: client.v1.refunds.list_async({"payment_intent": intent.id}),
                                   lambda page: len(page.data) == 1)
    assert refunds.data[0].id == refund.id and refunds.data[0].payment_intent == intent.id
    unpaid = await client.v1.payment_intents.create_async({"amount": 500, "currency": "usd"})
    assert (await client.v1.refunds.list_async({"payment_intent": unpaid.id})).data == []
    with pytest.raises(stripe.InvalidRequestError) as refused:
        await client.v1.payment_intents.create_async({"amount": 500, "currency": "usd",
                                                      "payment_method_types": ["card", "sepa_debit"]})
    assert refused.value.http_status == 400 and refused.value.param == "payment_method_types"


async def test_a_customers_default_payment_method_and_a_setup_intent_expand(system) -> None:
    merchant = await system.merchant()
    client = sdk_client(system.system.gateway_port, merchant.secret_key)
    customer = await client.v1.customers.create_async({"name": "Lee"})
    setup = await client.v1.setup_intents.create_async({
        "customer": customer.id, "payment_method": "pm_card_visa", "confirm": True,
        "expand": ["payment_method", "customer"]})
    assert setup.payment_method.card.last4 == "4242" and setup.customer.name == "Lee"
    await client.v1.customers.update_async(customer.id, {
        "invoice_settings": {"default_payment_method": setup.payment_method.id}})

    read = await until_readable(
        lambda: client.v1.customers.retrieve_async(customer.id, {"expand": ["invoice_settings.default_payment_method"]}),
        lambda c: c.invoice_settings.default_payment_method is not None)
    assert read.invoice_settings.default_payment_method.id == setup.payment_method.id
    assert read.invoice_settings.default_payment_method.customer == customer.id
    pm = await until_readable(lambda: client.v1.payment_methods.retrieve_async(
        setup.payment_method.id, {"expand": ["customer"]}), lambda m: m.customer is not None)
    assert pm.customer.object == "customer" and pm.customer.name == "Lee"
    listed = await until_readable(lambda: client.v1.setup_intents.list_async(
        {"customer": customer.id, "expand": ["data.payment_method"]}), lambda page: len(page.data) == 1)
    assert listed.data[0].payment_method.card.brand == "visa"


async def test_a_setup_intent_confirmed_with_return_url_links_back_to_it_from_3d_secure(system) -> None:
    merchant = await system.merchant()
    client = sdk_client(system.system.gateway_port, merchant.secret_key)
    customer = await client.v1.customers.create_async({"name": "Sam"})
    setup = await client.v1.setup_intents.create_async({"customer": customer.id, "payment_method_types": ["card"],
                                                        "usage": "off_session"})

    confirmed = await client.v1.setup_intents.confirm_async(setup.id, {
        "payment_method": "pm_card_threeDSecure2Required", "return_url": "https://shop.example/saved"})

    assert confirmed.status == "requires_action"
    assert confirmed.next_action.redirect_to_url.return_url == "https://shop.example/saved"
    read = await until_readable(lambda: client.v1.setup_intents.retrieve_async(setup.id),
                                lambda s: s.status == "requires_action")
    assert read.next_action.redirect_to_url.return_url == "https://shop.example/saved"


async def test_webhooks_and_the_events_api_carry_the_whole_intent_customer_and_payment_method(system) -> None:
    merchant = await system.merchant()
    client = sdk_client(system.system.gateway_port, merchant.secret_key)
    async with webhook_receiver() as receiver:
        hook = await client.v1.webhook_endpoints.create_async({"url": receiver.url("/hooks"), "enabled_events": [
            "customer.created", "customer.updated", "payment_method.attached", "setup_intent.succeeded",
            "payment_intent.created", "payment_intent.amount_capturable_updated", "payment_intent.succeeded"]})
        customer = await client.v1.customers.create_async({"email": "whole@example.com", "name": "Whole",
                                                           "metadata": {"crm": "9"}})
        await client.v1.customers.update_async(customer.id, {"phone": "+15555550123"})
        setup = await client.v1.setup_intents.create_async({"customer": customer.id,
                                                            "payment_method": "pm_card_visa", "confirm": True})
        intent = await client.v1.payment_intents.create_async({
            "amount": 5200, "currency": "usd", "customer": customer.id, "payment_method": setup.payment_method,
            "capture_method": "manual", "metadata": {"order": "W-1"}})
        await client.v1.payment_intents.confirm_async(intent.id)
        await client.v1.payment_intents.capture_async(intent.id, {"amount_to_capture": 5000})

        async def all_delivered():  # type: ignore[no-untyped-def]
            return len(receiver.at("/hooks")) >= 7

        await eventually(all_delivered, timeout=15, message="the webhooks never all arrived")
        verified = [stripe.Webhook.construct_event(r.body.decode(), r.signature, hook.secret)
                    for r in receiver.at("/hooks")]

    by_type = {e.type: e for e in verified}
    assert set(by_type) == {"customer.created", "customer.updated", "payment_method.attached",
                            "setup_intent.succeeded", "payment_intent.created",
                            "payment_intent.amount_capturable_updated", "payment_intent.succeeded"}
    created, updated = by_type["customer.created"].data.object, by_type["customer.updated"].data.object
    assert created.email == "whole@example.com" and created.metadata.to_dict() == {"crm": "9"}
    assert created.phone is None and updated.phone == "+15555550123" and updated.name == "Whole"
    assert _covers_stripes_fields(created.to_dict(), "customer")
    attached = by_type["payment_method.attached"].data.object
    assert attached.id == setup.payment_method and attached.customer == customer.id
    assert attached.card.last4 == "4242" and _covers_stripes_fields(attached.to_dict(), "payment_method")
    set_up = by_type["setup_intent.succeeded"].data.object
    assert set_up.id == setup.id and set_up.status == "succeeded" and set_up.payment_method == setup.payment_method
    assert _covers_stripes_fields(set_up.to_dict(), "setup_intent")

    opened = by_type["payment_intent.created"].data.object
    assert opened.status == "requires_confirmation" and opened.amount == 5200 and opened.latest_charge is None
    assert opened.metadata.to_dict() == {"order": "W-1"} and opened.customer == customer.id
    held = by_type["payment_intent.amount_capturable_updated"].data.object
    assert held.status == "requires_capture" and held.amount_capturable == 5200 and held.amount_received == 0
    paid = by_type["payment_intent.succeeded"].data.object
    assert paid.status == "succeeded" and paid.amount_received == 5000 and paid.latest_charge == held.latest_charge
    assert _covers_stripes_fields(paid.to_dict(), "payment_intent")

    # The events API shows each event with the same object its webhook carried, one by one and in a list.
    for event in verified:
        read = await until_readable(lambda event=event: client.v1.events.retrieve_async(event.id))
        assert read.data.object.to_dict() == event.data.object.to_dict(), event.type
    listed = await until_readable(lambda: client.v1.events.list_async({"limit": 100}),
                                  lambda page: {e.id for e in verified} <= {e.id for e in page.data})
    for event in listed.data:
        if event.id in {e.id for e in verified}:
            assert event.data.object.to_dict() == next(e for e in verified if e.id == event.id).data.object.to_dict()
