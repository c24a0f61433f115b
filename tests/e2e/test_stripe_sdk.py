"""The official stripe SDK (pinned version), unchanged, against the running system on real servers:
the payment story, the account story, errors, and webhooks verified with the SDK."""

from __future__ import annotations

import time
import uuid

import pytest
import stripe
from ledgermesh.accounts.v1 import account_service_pb2 as acc
from ledgermesh.disputes.v1 import dispute_service_pb2 as dsp
from ledgermesh.disputes.v1 import dispute_service_pb2_grpc

from tests.conftest import eventually
from tests.e2e.stripe_sdk import sdk_client, until_readable
from tests.e2e.webhook_receiver import webhook_receiver


async def test_charge_capture_partial_refund_dispute_evidence_won(system) -> None:
    merchant = await system.merchant()
    client = sdk_client(system.system.gateway_port, merchant.secret_key)
    charges, refunds, disputes = client.v1.charges, client.v1.refunds, client.v1.disputes

    # Given an authorized, uncaptured charge
    charge = await charges.create_async({"amount": 10000, "currency": "usd", "source": "tok_visa",
                                         "capture": False, "description": "order 1",
                                         "metadata": {"order_id": "o-1"}})
    assert charge.id.startswith("ch_") and charge.object == "charge" and charge.livemode is False
    assert charge.status == "succeeded" and charge.captured is False and charge.amount == 10000

    # When it is captured partially, updated, then partially refunded
    captured = await charges.capture_async(charge.id, {"amount": 8000})
    assert captured.captured is True and captured.amount_captured == 8000
    updated = await charges.update_async(charge.id, {"description": "order 1 (shipped)",
                                                     "metadata": {"shipment": "s-9"}})
    assert updated.description == "order 1 (shipped)"
    assert updated.metadata.to_dict() == {"order_id": "o-1", "shipment": "s-9"}
    refund = await refunds.create_async({"charge": charge.id, "amount": 3000, "reason": "requested_by_customer"})
    assert refund.id.startswith("re_") and refund.object == "refund" and refund.amount == 3000
    assert refund.charge == charge.id and refund.status == "succeeded"

    # Then the reads show the same story
    read = await until_readable(lambda: charges.retrieve_async(charge.id), lambda c: c.amount_refunded == 3000)
    assert read.amount_captured == 8000 and read.refunded is False
    assert read.metadata.to_dict() == {"order_id": "o-1", "shipment": "s-9"}
    got_refund = await until_readable(lambda: refunds.retrieve_async(refund.id))
    assert got_refund.amount == 3000
    listed = await until_readable(lambda: refunds.list_async({"charge": charge.id}), lambda page: len(page.data) == 1)
    assert listed.data[0].id == refund.id

    # When the cardholder disputes the rest (the card network opens the dispute over gRPC)
    network = dispute_service_pb2_grpc.DisputeCommandServiceStub(system.command)
    opened = await network.CreateDispute(dsp.CreateDisputeRequest(charge_id=charge.id, reason="fraudulent"),
                                         metadata=merchant.platform)
    dispute = await until_readable(lambda: disputes.retrieve_async(opened.dispute.id))
    assert dispute.id.startswith("dp_") and dispute.status == "needs_response" and dispute.charge == charge.id

    # And the merchant submits evidence through the SDK, and the network decides for the merchant
    submitted = await disputes.update_async(dispute.id, {
        "evidence": {"customer_name": "Jane Doe", "product_description": "A lamp",
                     "uncategorized_text": "Delivered and signed for"},
        "submit": True})
    assert submitted.status == "under_review"
    assert submitted.evidence.customer_name == "Jane Doe"
    await network.ResolveDispute(dsp.ResolveDisputeRequest(dispute_id=dispute.id, won=True),
                                 metadata=merchant.platform)

    # Then the dispute reads as won, and the account's events and balance transactions tell it
    won = await until_readable(lambda: disputes.retrieve_async(dispute.id), lambda d: d.status == "won")
    assert won.evidence_details.submission_count >= 1
    listed_disputes = await disputes.list_async({"limit": 10})
    assert dispute.id in [d.id for d in listed_disputes.data]
    events = await until_readable(lambda: client.v1.events.list_async({"limit": 100}),
                                  lambda page: any(e.type == "charge.dispute.closed" for e in page.data))
    event = await client.v1.events.retrieve_async(events.data[0].id)
    assert event.id.startswith("evt_") and event.object == "event"
    txns = await until_readable(lambda: client.v1.balance_transactions.list_async({"limit": 100}),
                                lambda page: any(t.source == refund.id for t in page.data))
    charge_txn = next(t for t in txns.data if t.type == "charge")
    assert charge_txn.amount == 8000 and charge_txn.net == charge_txn.amount - charge_txn.fee
    again = await client.v1.balance_transactions.retrieve_async(charge_txn.id)
    assert again.id == charge_txn.id
    expanded = await charges.retrieve_async(charge.id, {"expand": ["balance_transaction"]})
    assert expanded.balance_transaction.id == read.balance_transaction


async def test_charge_lists_page_by_cursor_and_creation_time(system) -> None:
    merchant = await system.merchant()
    client = sdk_client(system.system.gateway_port, merchant.secret_key)
    before = int(time.time()) - 1
    created = [await client.v1.charges.create_async({"amount": 500 + i, "currency": "eur", "source": "tok_visa"})
               for i in range(7)]
    ids_newest_first = [c.id for c in reversed(created)]

    first = await until_readable(lambda: client.v1.charges.list_async({"limit": 3}),
                                 lambda page: len(page.data) == 3 and page.data[0].id == ids_newest_first[0])
    assert first.object == "list" and first.url == "/v1/charges" and first.has_more is True
    assert [c.id for c in first.data] == ids_newest_first[:3]
    second = await client.v1.charges.list_async({"limit": 3, "starting_after": first.data[-1].id})
    assert [c.id for c in second.data] == ids_newest_first[3:6]
    back = await client.v1.charges.list_async({"limit": 3, "ending_before": second.data[0].id})
    assert [c.id for c in back.data] == ids_newest_first[:3]

    everything = [c.id async for c in (await client.v1.charges.list_async({"limit": 2})).auto_paging_iter()]
    assert everything == ids_newest_first
    recent = await client.v1.charges.list_async({"limit": 100, "created": {"gte": before}})
    assert len(recent.data) == 7
    future = await client.v1.charges.list_async({"limit": 100, "created": {"gte": int(time.time()) + 3600}})
    assert future.data == []


async def test_account_kyc_then_payout(system) -> None:
    platform = await system.merchant()
    signup = sdk_client(system.system.gateway_port, platform.secret_key)

    # Given a new account created through the SDK, which returns its own key once
    account = await signup.v1.accounts.create_async({"email": "shop@example.com", "country": "US",
                                                     "business_profile": {"name": "Lamp Shop"}})
    assert account.id.startswith("acct_") and account.object == "account"
    secret = account["secret_key"]
    assert secret.startswith("sk_test_")
    client = sdk_client(system.system.gateway_port, secret)
    fresh = await until_readable(lambda: client.v1.accounts.retrieve_async(account.id))
    assert fresh.payouts_enabled is False and fresh.requirements.disabled_reason

    # When KYC runs to verified (over gRPC, as the verification provider would)
    headers = [("authorization", f"Bearer {secret}")]
    await system.accounts.StartKyc(acc.StartKycRequest(account_id=account.id, verification_level="basic",
                                                       required_documents=["individual.id_number"]),
                                   metadata=headers)
    await system.accounts.CompleteKyc(acc.CompleteKycRequest(account_id=account.id, verification_status="verified",
                                                             approved_capabilities=["card_payments", "payouts"],
                                                             risk_level="low"),
                                      metadata=[("authorization", f"Bearer {system.operator_key}"),
                                                ("stripe-account", account.id)])
    verified = await until_readable(lambda: client.v1.accounts.retrieve_async(account.id),
                                    lambda a: a.payouts_enabled)
    assert verified.requirements.currently_due == [] and verified.requirements.disabled_reason is None

    # And funds are available (tok_bypassPending skips the pending balance), then paid out
    await client.v1.charges.create_async({"amount": 20000, "currency": "usd", "source": "tok_bypassPending"})
    balance = await until_readable(lambda: client.v1.balance.retrieve_async(),
                                   lambda b: any(a.amount > 0 for a in b.available))
    available = next(a.amount for a in balance.available if a.currency == "usd")
    payout = await client.v1.payouts.create_async({"amount": available, "currency": "usd"})

    # Then the payout is recorded and the balance is empty
    assert payout.id.startswith("po_") and payout.object == "payout" and payout.amount == available
    got = await until_readable(lambda: client.v1.payouts.retrieve_async(payout.id))
    assert got.amount == available
    listed = await client.v1.payouts.list_async()
    assert [p.id for p in listed.data] == [payout.id]
    after = await until_readable(lambda: client.v1.balance.retrieve_async(),
                                 lambda b: all(a.amount == 0 for a in b.available))
    assert after.object == "balance"
    with pytest.raises(stripe.InvalidRequestError) as overdraw:
        await client.v1.payouts.create_async({"amount": 100, "currency": "usd"})
    assert overdraw.value.code == "balance_insufficient"


async def test_declined_charge_is_a_card_error_with_decline_code(system) -> None:
    merchant = await system.merchant()
    client = sdk_client(system.system.gateway_port, merchant.secret_key)
    with pytest.raises(stripe.CardError) as declined:
        await client.v1.charges.create_async({"amount": 1000, "currency": "usd",
                                              "source": "tok_chargeDeclinedInsufficientFunds"})
    assert declined.value.http_status == 402
    assert declined.value.code == "card_declined"
    assert declined.value.error.decline_code == "insufficient_funds"
    assert declined.value.error.charge.startswith("ch_")


async def test_another_accounts_charge_is_not_found_and_a_bad_key_is_refused(system) -> None:
    owner, stranger = await system.merchant(), await system.merchant()
    port = system.system.gateway_port
    charge = await sdk_client(port, owner.secret_key).v1.charges.create_async(
        {"amount": 700, "currency": "usd", "source": "tok_visa"})
    await until_readable(lambda: sdk_client(port, owner.secret_key).v1.charges.retrieve_async(charge.id))

    with pytest.raises(stripe.InvalidRequestError) as missing:
        await sdk_client(port, stranger.secret_key).v1.charges.retrieve_async(charge.id)
    assert missing.value.http_status == 404 and missing.value.code == "resource_missing"
    with pytest.raises(stripe.InvalidRequestError) as capture:
        await sdk_client(port, stranger.secret_key).v1.charges.capture_async(charge.id)
    assert capture.value.http_status == 404
    with pytest.raises(stripe.AuthenticationError):
        await sdk_client(port, "sk_test_" + "x" * 32).v1.charges.list_async()


async def test_idempotency_key_replays_the_first_response_and_refuses_other_parameters(system) -> None:
    merchant = await system.merchant()
    client = sdk_client(system.system.gateway_port, merchant.secret_key)
    key = str(uuid.uuid4())
    first = await client.v1.charges.create_async({"amount": 1500, "currency": "usd", "source": "tok_visa"},
                                                 {"idempotency_key": key})
    replay = await client.v1.charges.create_async({"amount": 1500, "currency": "usd", "source": "tok_visa"},
                                                  {"idempotency_key": key})
    assert replay.id == first.id
    with pytest.raises(stripe.IdempotencyError) as reused:
        await client.v1.charges.create_async({"amount": 9999, "currency": "usd", "source": "tok_visa"},
                                             {"idempotency_key": key})
    assert reused.value.http_status == 400


async def test_webhooks_are_signed_in_order_and_a_failing_endpoint_is_disabled_without_delaying_others(
        system) -> None:
    merchant = await system.merchant()
    client = sdk_client(system.system.gateway_port, merchant.secret_key)
    hooks = client.v1.webhook_endpoints
    async with webhook_receiver() as receiver:
        receiver.behaviour["/broken"] = (500, 0.0)
        receiver.behaviour["/slow"] = (200, 10.0)
        # Given three endpoints: a good one, a slow one, and one that always fails
        good = await hooks.create_async({"url": receiver.url("/good"),
                                         "enabled_events": ["charge.succeeded", "charge.captured", "charge.refunded"]})
        assert good.id.startswith("we_") and good.secret.startswith("whsec_") and good.status == "enabled"
        slow = await hooks.create_async({"url": receiver.url("/slow"), "enabled_events": ["*"]})
        broken = await hooks.create_async({"url": receiver.url("/broken"), "enabled_events": ["charge.succeeded"],
                                           "description": "always 500"})

        # When a charge is authorized, captured and refunded
        charge = await client.v1.charges.create_async({"amount": 2000, "currency": "usd", "source": "tok_visa",
                                                       "capture": False})
        await client.v1.charges.capture_async(charge.id)
        await client.v1.refunds.create_async({"charge": charge.id, "amount": 500})

        # Then the good endpoint gets the three events, in order, each verified by the SDK, while the
        # slow endpoint is still busy with its first delivery
        async def three_delivered():  # type: ignore[no-untyped-def]
            return len(receiver.at("/good")) >= 3

        await eventually(three_delivered, timeout=8, message="good endpoint did not get its events promptly")
        assert len(receiver.at("/slow")) == 1
        verified = [stripe.Webhook.construct_event(r.body.decode(), r.signature, good.secret)
                    for r in receiver.at("/good")]
        assert [e.type for e in verified] == ["charge.succeeded", "charge.captured", "charge.refunded"]
        assert all(e.data.object.id == charge.id for e in verified)
        with pytest.raises(stripe.SignatureVerificationError):
            stripe.Webhook.construct_event(receiver.at("/good")[0].body.decode(), receiver.at("/good")[0].signature,
                                           slow.secret)

        # And the failing endpoint, once its (shortened) retry schedule is spent, is disabled
        async def broken_disabled():  # type: ignore[no-untyped-def]
            return (await hooks.retrieve_async(broken.id)).status == "disabled"

        await eventually(broken_disabled, timeout=10, message="failing endpoint was never disabled")
        assert len(receiver.at("/broken")) == 4  # first try + 3 retries

    # Endpoints can be read, changed, listed and removed; the secret is shown only on creation
    read = await hooks.retrieve_async(good.id)
    assert read.url == receiver.url("/good") and "secret" not in read
    changed = await hooks.update_async(good.id, {"description": "orders", "enabled_events": ["charge.failed"]})
    assert changed.description == "orders" and changed.enabled_events == ["charge.failed"]
    listed = await hooks.list_async({"limit": 2})
    assert [e.id for e in listed.data] == [broken.id, slow.id] and listed.has_more is True
    removed = await hooks.delete_async(good.id)
    assert removed.deleted is True
    with pytest.raises(stripe.InvalidRequestError) as missing:
        await hooks.retrieve_async(good.id)
    assert missing.value.http_status == 404


async def test_webhook_endpoint_on_a_private_address_is_refused(system) -> None:
    merchant = await system.merchant()
    client = sdk_client(system.system.gateway_port, merchant.secret_key)
    with pytest.raises(stripe.InvalidRequestError) as refused:
        await client.v1.webhook_endpoints.create_async({"url": "ftp://example.com/hook",
                                                        "enabled_events": ["*"]})
    assert refused.value.http_status == 400 and refused.value.param == "url"


async def test_closing_a_dispute_accepts_it_as_lost(system) -> None:
    merchant = await system.merchant()
    client = sdk_client(system.system.gateway_port, merchant.secret_key)
    charge = await client.v1.charges.create_async({"amount": 5000, "currency": "usd", "source": "tok_visa"})
    network = dispute_service_pb2_grpc.DisputeCommandServiceStub(system.command)
    opened = await network.CreateDispute(dsp.CreateDisputeRequest(charge_id=charge.id, reason="product_not_received"),
                                         metadata=merchant.platform)

    closed = await client.v1.disputes.close_async(opened.dispute.id)

    assert closed.id == opened.dispute.id and closed.status == "lost"
    read = await until_readable(lambda: client.v1.disputes.retrieve_async(closed.id), lambda d: d.status == "lost")
    assert read.reason == "product_not_received"
    disputed = await until_readable(lambda: client.v1.events.list_async({"type": "charge.dispute.created"}),
                                    lambda page: len(page.data) == 1)
    assert disputed.data[0].type == "charge.dispute.created"
