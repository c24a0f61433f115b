"""The official stripe SDK (pinned, unchanged) against the running system on real servers: Customers,
PaymentMethods, PaymentIntents and SetupIntents, the stories of issue 14: a customer's card saved with a
SetupIntent and charged off session; manual and partial capture then a refund; a 3-D Secure card that
requires action and succeeds once authenticated; a decline with last_payment_error; bad input refused
with nothing persisted."""

from __future__ import annotations

import httpx
import pytest
import stripe

from tests.conftest import eventually
from tests.e2e.stripe_sdk import sdk_client, until_readable
from tests.e2e.webhook_receiver import webhook_receiver


async def test_customer_setup_intent_then_off_session_payment_intent(system) -> None:
    merchant = await system.merchant()
    client = sdk_client(system.system.gateway_port, merchant.secret_key)

    customer = await client.v1.customers.create_async({
        "email": "jenny@example.com", "name": "Jenny Rosen", "phone": "+15555550100",
        "address": {"line1": "510 Townsend St", "city": "San Francisco", "postal_code": "94103", "country": "US"},
        "metadata": {"crm_id": "c-1"}})
    assert customer.id.startswith("cus_") and customer.object == "customer"
    assert customer.address.city == "San Francisco" and customer.metadata.to_dict() == {"crm_id": "c-1"}

    setup = await client.v1.setup_intents.create_async({"customer": customer.id, "payment_method": "pm_card_visa",
                                                        "confirm": True})
    assert setup.status == "succeeded" and setup.payment_method.startswith("pm_")
    saved = await until_readable(lambda: client.v1.customers.payment_methods.list_async(customer.id),
                                 lambda page: len(page.data) == 1)
    assert saved.data[0].id == setup.payment_method and saved.data[0].card.last4 == "4242"
    await client.v1.customers.update_async(customer.id, {
        "invoice_settings": {"default_payment_method": setup.payment_method}})

    paid = await client.v1.payment_intents.create_async({
        "amount": 2599, "currency": "usd", "customer": customer.id, "payment_method": setup.payment_method,
        "off_session": True, "confirm": True, "metadata": {"order": "A-1"}})

    assert paid.status == "succeeded" and paid.amount_received == 2599 and paid.latest_charge.startswith("ch_")
    charge = await until_readable(lambda: client.v1.charges.retrieve_async(paid.latest_charge))
    assert charge.amount_captured == 2599 and charge.customer == customer.id
    read = await until_readable(lambda: client.v1.customers.retrieve_async(customer.id),
                                lambda c: c.invoice_settings.default_payment_method == setup.payment_method)
    assert read.email == "jenny@example.com"
    listed = await until_readable(lambda: client.v1.customers.list_async({"email": "jenny@example.com"}),
                                  lambda page: len(page.data) == 1)
    assert listed.data[0].id == customer.id
    intents = await until_readable(lambda: client.v1.payment_intents.list_async({"customer": customer.id}),
                                   lambda page: len(page.data) == 1)
    assert intents.data[0].id == paid.id


async def test_manual_capture_partial_capture_and_refund_through_the_intent(system) -> None:
    merchant = await system.merchant()
    client = sdk_client(system.system.gateway_port, merchant.secret_key)

    intent = await client.v1.payment_intents.create_async({
        "amount": 10000, "currency": "usd", "payment_method": "pm_card_visa", "capture_method": "manual",
        "confirm": True, "description": "order 9"})
    assert intent.status == "requires_capture" and intent.amount_capturable == 10000

    raised = await client.v1.payment_intents.increment_authorization_async(intent.id, {"amount": 12000})
    assert raised.amount == 12000 and raised.amount_capturable == 12000 and raised.status == "requires_capture"

    captured = await client.v1.payment_intents.capture_async(intent.id, {"amount_to_capture": 6000})
    assert captured.status == "succeeded" and captured.amount_received == 6000

    refund = await client.v1.refunds.create_async({"payment_intent": intent.id, "amount": 2500})
    assert refund.object == "refund" and refund.amount == 2500 and refund.charge == intent.latest_charge
    charge = await until_readable(lambda: client.v1.charges.retrieve_async(intent.latest_charge),
                                  lambda c: c.amount_refunded == 2500)
    assert charge.amount_captured == 6000 and charge.captured is True
    read = await until_readable(lambda: client.v1.payment_intents.retrieve_async(intent.id),
                                lambda i: i.status == "succeeded")
    assert read.amount_received == 6000


async def test_a_3d_secure_card_requires_action_then_succeeds_after_authentication(system) -> None:
    merchant = await system.merchant()
    client = sdk_client(system.system.gateway_port, merchant.secret_key)

    intent = await client.v1.payment_intents.create_async({
        "amount": 4200, "currency": "eur", "payment_method": "pm_card_threeDSecure2Required", "confirm": True,
        "return_url": "https://shop.example/return"})
    assert intent.status == "requires_action" and intent.next_action.type == "redirect_to_url"
    url = intent.next_action.redirect_to_url.url
    assert url.startswith(f"http://127.0.0.1:{system.system.gateway_port}/")

    # The cardholder's browser completes LedgerMesh's simulated challenge.
    authenticated = await system.http.get(httpx.URL(url).path, headers=merchant.headers)
    assert authenticated.status_code == 200 and authenticated.json()["status"] == "succeeded"

    read = await until_readable(lambda: client.v1.payment_intents.retrieve_async(intent.id),
                                lambda i: i.status == "succeeded")
    assert read.next_action is None and read.latest_charge.startswith("ch_")
    charge = await until_readable(lambda: client.v1.charges.retrieve_async(read.latest_charge))
    assert charge.amount == 4200 and charge.currency == "eur"


async def test_a_declined_card_answers_402_and_keeps_last_payment_error(system) -> None:
    merchant = await system.merchant()
    client = sdk_client(system.system.gateway_port, merchant.secret_key)

    intent = await client.v1.payment_intents.create_async({"amount": 1500, "currency": "usd"})
    assert intent.status == "requires_payment_method"
    with pytest.raises(stripe.CardError) as declined:
        await client.v1.payment_intents.confirm_async(intent.id, {
            "payment_method": "pm_card_chargeDeclinedInsufficientFunds"})

    assert declined.value.http_status == 402 and declined.value.code == "card_declined"
    assert declined.value.error.decline_code == "insufficient_funds"
    assert declined.value.error.payment_intent.id == intent.id
    read = await until_readable(lambda: client.v1.payment_intents.retrieve_async(intent.id),
                                lambda i: i.last_payment_error is not None)
    assert read.status == "requires_payment_method"
    assert read.last_payment_error.decline_code == "insufficient_funds"
    assert read.last_payment_error.charge == read.latest_charge
    failed_charge = await until_readable(lambda: client.v1.charges.retrieve_async(read.latest_charge))
    assert failed_charge.status == "failed"


async def test_bad_input_is_a_stripe_shaped_400_and_nothing_is_persisted(system) -> None:
    merchant = await system.merchant()
    client = sdk_client(system.system.gateway_port, merchant.secret_key)

    with pytest.raises(stripe.InvalidRequestError) as refused:
        await client.v1.payment_intents.create_async({"amount": 1000, "currency": "usd",
                                                      "capture_method": "sometimes"})
    assert refused.value.http_status == 400 and refused.value.param == "capture_method"
    with pytest.raises(stripe.InvalidRequestError) as bad_email:
        await client.v1.customers.create_async({"email": "nope"})
    assert bad_email.value.param == "email"
    with pytest.raises(stripe.InvalidRequestError) as bad_card:
        await client.v1.payment_methods.create_async({"type": "card", "card": {"number": "4111111111111112",
                                                                               "exp_month": 1, "exp_year": 2030}})
    assert bad_card.value.code == "incorrect_number" and "4111" not in str(bad_card.value.user_message)
    with pytest.raises(stripe.InvalidRequestError) as missing:
        await client.v1.payment_intents.retrieve_async("pi_doesnotexist")
    assert missing.value.http_status == 404

    # A good request after them is the account's first and only object of each kind.
    customer = await client.v1.customers.create_async({"email": "ok@example.com"})
    listed = await until_readable(lambda: client.v1.customers.list_async(), lambda page: len(page.data) >= 1)
    assert [c.id for c in listed.data] == [customer.id]
    assert (await client.v1.payment_intents.list_async()).data == []


async def test_payment_methods_attach_detach_and_the_events_feed(system) -> None:
    merchant = await system.merchant()
    client = sdk_client(system.system.gateway_port, merchant.secret_key)
    customer = await client.v1.customers.create_async({"name": "Ann"})

    card = await client.v1.payment_methods.create_async({"type": "card", "card": {
        "number": "5555555555554444", "exp_month": 8, "exp_year": 2031}, "billing_details": {"name": "Ann"}})
    assert (card.card.brand, card.card.last4, card.card.exp_month) == ("mastercard", "4444", 8)
    attached = await client.v1.payment_methods.attach_async(card.id, {"customer": customer.id})
    assert attached.customer == customer.id
    detached = await client.v1.payment_methods.detach_async(card.id)
    assert detached.customer is None
    got = await until_readable(lambda: client.v1.payment_methods.retrieve_async(card.id),
                               lambda pm: pm.customer is None and pm.billing_details.name == "Ann")
    assert got.card.last4 == "4444"
    deleted = await client.v1.customers.delete_async(customer.id)
    assert deleted.deleted is True

    wanted = {"customer.created", "customer.deleted", "payment_method.attached", "payment_method.detached"}
    events = await until_readable(lambda: client.v1.events.list_async({"limit": 100}),
                                  lambda page: wanted <= {e.type for e in page.data})
    attach = next(e for e in events.data if e.type == "payment_method.attached")
    assert attach.data.object.id == card.id and attach.data.object.object == "payment_method"


async def test_tokens_customer_sources_and_charges_on_the_default_source(system) -> None:
    merchant = await system.merchant()
    client = sdk_client(system.system.gateway_port, merchant.secret_key)

    token = await client.v1.tokens.create_async({"card": {"number": "4000056655665556", "exp_month": 3,
                                                          "exp_year": 2032, "cvc": "314"}})
    assert token.id.startswith("tok_") and token.card.last4 == "5556" and token.card.funding == "debit"
    customer = await client.v1.customers.create_async({"email": "legacy@example.com"})
    card = await client.v1.customers.payment_sources.create_async(customer.id, {"source": token.id})
    assert card.object == "card" and card.id.startswith("card_") and card.customer == customer.id

    charge = await client.v1.charges.create_async({"amount": 1234, "currency": "usd", "customer": customer.id})
    assert charge.status == "succeeded" and charge.customer == customer.id
    read = await until_readable(lambda: client.v1.customers.retrieve_async(customer.id),
                                lambda c: c.default_source == card.id)
    assert read.default_source == card.id
    second = await client.v1.customers.payment_sources.create_async(customer.id, {"source": "tok_mastercard"})
    on_second = await client.v1.charges.create_async({"amount": 500, "currency": "usd", "customer": customer.id,
                                                      "source": second.id})
    assert on_second.source.last4 == "4444"

    sources = await until_readable(lambda: client.v1.customers.payment_sources.list_async(customer.id),
                                   lambda page: len(page.data) == 2)
    assert {s.id for s in sources.data} == {card.id, second.id}
    removed = await client.v1.customers.payment_sources.delete_async(customer.id, second.id)
    assert removed.deleted is True

    with pytest.raises(stripe.InvalidRequestError) as reused:
        await client.v1.customers.payment_sources.create_async(customer.id, {"source": token.id})
    assert reused.value.http_status == 400
    stranger = await client.v1.customers.create_async({"email": "other@example.com"})
    with pytest.raises(stripe.InvalidRequestError):
        await client.v1.charges.create_async({"amount": 500, "currency": "usd", "customer": stranger.id,
                                              "source": second.id})


async def test_payment_intent_webhooks_are_signed_and_name_the_intent(system) -> None:
    merchant = await system.merchant()
    client = sdk_client(system.system.gateway_port, merchant.secret_key)
    async with webhook_receiver() as receiver:
        hook = await client.v1.webhook_endpoints.create_async({"url": receiver.url("/hooks"), "enabled_events": [
            "payment_intent.created", "payment_intent.requires_action", "payment_intent.succeeded",
            "payment_intent.payment_failed", "customer.created"]})
        customer = await client.v1.customers.create_async({"email": "hook@example.com"})
        pending = await client.v1.payment_intents.create_async({
            "amount": 3100, "currency": "usd", "customer": customer.id,
            "payment_method": "pm_card_threeDSecure2Required", "confirm": True})
        await system.http.post(httpx.URL(pending.next_action.redirect_to_url.url).path, headers=merchant.headers)

        async def delivered():  # type: ignore[no-untyped-def]
            return len(receiver.at("/hooks")) >= 4

        await eventually(delivered, timeout=10, message="the intent's webhooks never arrived")
        verified = [stripe.Webhook.construct_event(r.body.decode(), r.signature, hook.secret)
                    for r in receiver.at("/hooks")]

    assert [e.type for e in verified] == [
        "customer.created", "payment_intent.created", "payment_intent.requires_action", "payment_intent.succeeded"]
    assert verified[0].data.object.id == customer.id and verified[0].data.object.object == "customer"
    assert all(e.data.object.id == pending.id and e.data.object.object == "payment_intent" for e in verified[1:])
