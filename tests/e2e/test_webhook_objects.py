"""Webhooks carry the whole resource as it stood at the event (Stripe's `data.object`), not the event's
own fields: a receiver reading `event.data.object.amount_refunded` on `charge.refunded` gets the charge
after that refund, even when later events were already applied to the read models."""

from __future__ import annotations

import json
from pathlib import Path

import stripe

from tests.conftest import eventually
from tests.e2e.stripe_sdk import sdk_client
from tests.e2e.webhook_receiver import webhook_receiver

STRIPE_CHARGE_FIELDS = set(json.loads(
    (Path(__file__).resolve().parents[1] / "fixtures" / "stripe_fields.json").read_text())["charge"])


async def test_each_charge_event_carries_the_whole_charge_as_it_was_then(system) -> None:
    merchant = await system.merchant()
    client = sdk_client(system.system.gateway_port, merchant.secret_key)
    async with webhook_receiver() as receiver:
        hook = await client.v1.webhook_endpoints.create_async({"url": receiver.url("/hook"), "enabled_events": [
            "charge.succeeded", "charge.captured", "charge.refunded", "charge.updated"]})
        charge = await client.v1.charges.create_async({"amount": 2000, "currency": "usd", "source": "tok_visa",
                                                       "capture": False, "metadata": {"order": "7"}})
        await client.v1.charges.capture_async(charge.id)
        refund = await client.v1.refunds.create_async({"charge": charge.id, "amount": 500})
        await client.v1.charges.update_async(charge.id, {"metadata": {"shipped": "yes"}})

        async def four_delivered():  # type: ignore[no-untyped-def]
            return len(receiver.at("/hook")) >= 4

        await eventually(four_delivered, timeout=10, message="the four charge events were not delivered")
        received = [stripe.Webhook.construct_event(r.body.decode(), r.signature, hook.secret)
                    for r in receiver.at("/hook")]

    by_type = {e.type: e.data.object for e in received}
    assert list(by_type) == ["charge.succeeded", "charge.captured", "charge.refunded", "charge.updated"]
    for shown in by_type.values():
        assert shown.object == "charge" and shown.id == charge.id and shown.amount == 2000
        assert shown.currency == "usd" and shown.status == "succeeded" and shown.paid is True
        assert len(STRIPE_CHARGE_FIELDS & set(shown.to_dict())) >= 0.9 * len(STRIPE_CHARGE_FIELDS)
    authorized, captured = by_type["charge.succeeded"], by_type["charge.captured"]
    assert authorized.captured is False and authorized.amount_captured == 0 and authorized.amount_refunded == 0
    assert authorized.metadata.to_dict() == {"order": "7"}
    assert captured.captured is True and captured.amount_captured == 2000 and captured.amount_refunded == 0
    assert captured.balance_transaction.startswith("txn_")
    refunded = by_type["charge.refunded"]
    assert refunded.amount_refunded == 500 and refunded.refunded is False
    assert [r.id for r in refunded.refunds.data] == [refund.id] and refunded.refunds.data[0].amount == 500
    assert by_type["charge.updated"].metadata.to_dict() == {"order": "7", "shipped": "yes"}


async def test_a_dispute_event_carries_the_whole_dispute(system) -> None:
    merchant = await system.merchant()
    client = sdk_client(system.system.gateway_port, merchant.secret_key)
    async with webhook_receiver() as receiver:
        hook = await client.v1.webhook_endpoints.create_async({"url": receiver.url("/hook"),
                                                               "enabled_events": ["charge.dispute.created"]})
        charge = await client.v1.charges.create_async({"amount": 3000, "currency": "usd",
                                                       "source": "tok_createDispute"})

        async def delivered():  # type: ignore[no-untyped-def]
            return receiver.at("/hook")

        (request,) = await eventually(delivered, timeout=10, message="charge.dispute.created was not delivered")
        event = stripe.Webhook.construct_event(request.body.decode(), request.signature, hook.secret)
    dispute = event.data.object
    assert event.type == "charge.dispute.created"
    assert dispute.object == "dispute" and dispute.id.startswith("dp_") and dispute.charge == charge.id
    assert dispute.amount == 3000 and dispute.currency == "usd" and dispute.status == "needs_response"
    assert dispute.evidence.customer_name is None and dispute.evidence_details.submission_count == 0
    assert dispute.is_charge_refundable is True
