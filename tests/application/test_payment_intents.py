"""PaymentIntents and SetupIntents through the real use cases on the in-memory store: Stripe's status
machine, 3-D Secure test cards, declines with last_payment_error, manual and partial capture, cancel,
and a card saved with a SetupIntent then charged off session. The payment is a real charge: the
ledger moves in the same commit as the intent."""

from __future__ import annotations

import pytest

from command_svc.application.streams import load
from command_svc.domain import payment_intents
from command_svc.domain.errors import PreconditionError, ValidationError
from command_svc.domain.payment_intents import IntentStatus
from command_svc.domain.payments import ChargeStatus
from tests.application.harness import CommandSide
from tests.application.objects import ObjectSide


@pytest.fixture
def objects(side: CommandSide) -> ObjectSide:
    return ObjectSide(side)


async def test_an_intent_confirmed_at_once_succeeds_with_a_real_captured_charge(
        side: CommandSide, objects: ObjectSide) -> None:
    merchant = (await side.onboard()).state.account_id

    intent = await objects.intent(merchant, 5_000, payment_method="pm_card_visa", confirm=True,
                                  metadata={"order": "7"}, description="order 7")

    assert intent.state.status is IntentStatus.SUCCEEDED and intent.state.amount_received == 5_000
    charge = await side.charge_state(merchant, intent.state.latest_charge)
    assert charge.status is ChargeStatus.CAPTURED and charge.amount_captured == 5_000
    assert dict(charge.metadata) == {"order": "7"}
    assert (await side.balance(merchant)).pending == 5_000 - 175
    commit = {e.tx_id for e in side.store.events
              if e.aggregate_id in (intent.state.payment_intent_id, intent.state.latest_charge)}
    assert len(commit) == 1


async def test_an_intents_charge_names_the_intent_its_payment_method_and_customer(
        side: CommandSide, objects: ObjectSide) -> None:
    merchant = (await side.onboard()).state.account_id
    customer = (await objects.customer(merchant)).state.customer_id

    intent = await objects.intent(merchant, 3_000, payment_method="pm_card_visa", confirm=True, customer=customer)

    charge = await side.charge_state(merchant, intent.state.latest_charge)
    assert charge.payment_intent == intent.state.payment_intent_id
    assert charge.payment_method == intent.state.payment_method and charge.payment_method.startswith("pm_")
    assert charge.customer == customer


async def test_an_intent_walks_from_requires_payment_method_to_succeeded(
        side: CommandSide, objects: ObjectSide) -> None:
    merchant = (await side.onboard()).state.account_id

    created = await objects.intent(merchant, 2_000)
    confirmed = await objects.confirm(merchant, created.state.payment_intent_id, "pm_card_mastercard")

    assert created.state.status is IntentStatus.REQUIRES_PAYMENT_METHOD and created.state.client_secret.startswith(
        created.state.payment_intent_id + "_secret_")
    assert confirmed.state.status is IntentStatus.SUCCEEDED
    with pytest.raises(PreconditionError) as refused:
        await objects.confirm(merchant, created.state.payment_intent_id)
    assert refused.value.reason == "PAYMENT_INTENT_UNEXPECTED_STATE"


async def test_manual_capture_holds_then_captures_part_and_releases_the_rest(
        side: CommandSide, objects: ObjectSide) -> None:
    merchant = (await side.onboard()).state.account_id

    held = await objects.intent(merchant, 10_000, payment_method="pm_card_visa", capture_method="manual", confirm=True)
    assert held.state.status is IntentStatus.REQUIRES_CAPTURE and held.state.amount_capturable == 10_000
    assert (await side.balance(merchant)).pending == 0
    with pytest.raises(ValidationError):
        await objects.capture(merchant, held.state.payment_intent_id, 10_001)

    captured = await objects.capture(merchant, held.state.payment_intent_id, 7_500)

    assert captured.state.status is IntentStatus.SUCCEEDED and captured.state.amount_received == 7_500
    charge = await side.charge_state(merchant, held.state.latest_charge)
    assert charge.amount_captured == 7_500
    refunded = await side.refund(merchant, held.state.latest_charge, 2_500)
    assert refunded.state.amount_refunded == 2_500


async def test_a_declined_card_leaves_a_last_payment_error_and_asks_for_a_new_payment_method(
        side: CommandSide, objects: ObjectSide) -> None:
    merchant = (await side.onboard()).state.account_id

    failed = await objects.intent(merchant, 3_000, payment_method="pm_card_chargeDeclinedInsufficientFunds",
                                  confirm=True)

    assert failed.state.status is IntentStatus.REQUIRES_PAYMENT_METHOD
    error = failed.state.last_payment_error
    assert error is not None and (error.code, error.decline_code) == ("card_declined", "insufficient_funds")
    assert error.charge == failed.state.latest_charge
    assert (await side.charge_state(merchant, error.charge)).status is ChargeStatus.DECLINED

    retried = await objects.confirm(merchant, failed.state.payment_intent_id, "pm_card_visa")
    assert retried.state.status is IntentStatus.SUCCEEDED and retried.state.last_payment_error is None


async def test_a_3d_secure_card_requires_action_then_succeeds_once_authenticated(
        side: CommandSide, objects: ObjectSide) -> None:
    merchant = (await side.onboard()).state.account_id

    pending = await objects.intent(merchant, 4_200, payment_method="pm_card_threeDSecure2Required", confirm=True)
    assert pending.state.status is IntentStatus.REQUIRES_ACTION
    assert pending.state.next_action_path == f"/v1/payment_intents/{pending.state.payment_intent_id}/authenticate"
    assert pending.state.latest_charge == ""

    done = await objects.authenticate(merchant, pending.state.payment_intent_id)

    assert done.state.status is IntentStatus.SUCCEEDED and done.state.next_action_path == ""
    assert (await side.charge_state(merchant, done.state.latest_charge)).amount_captured == 4_200


async def test_failed_authentication_asks_for_a_new_payment_method(side: CommandSide, objects: ObjectSide) -> None:
    merchant = (await side.onboard()).state.account_id
    pending = await objects.intent(merchant, 4_200, payment_method="pm_card_threeDSecure2Required", confirm=True)

    failed = await objects.authenticate(merchant, pending.state.payment_intent_id, fail=True)

    assert failed.state.status is IntentStatus.REQUIRES_PAYMENT_METHOD
    assert failed.state.last_payment_error is not None
    assert failed.state.last_payment_error.code == "payment_intent_authentication_failure"
    assert not [e for e in side.store.events if e.aggregate_type == "Charge"]


async def test_canceling_a_held_intent_releases_the_authorization(side: CommandSide, objects: ObjectSide) -> None:
    merchant = (await side.onboard()).state.account_id
    held = await objects.intent(merchant, 6_000, payment_method="pm_card_visa", capture_method="manual", confirm=True)

    canceled = await objects.cancel(merchant, held.state.payment_intent_id, "requested_by_customer")

    assert canceled.state.status is IntentStatus.CANCELED
    assert canceled.state.cancellation_reason == "requested_by_customer"
    assert (await side.charge_state(merchant, held.state.latest_charge)).status is ChargeStatus.EXPIRED
    with pytest.raises(PreconditionError):
        await objects.capture(merchant, held.state.payment_intent_id)
    with pytest.raises(PreconditionError):
        await objects.cancel(merchant, held.state.payment_intent_id)


async def test_bad_input_is_refused_and_nothing_is_written(side: CommandSide, objects: ObjectSide) -> None:
    merchant = (await side.onboard()).state.account_id
    before = len(side.store.events)

    for fields, reason in (({"amount": 0}, "AMOUNT_TOO_SMALL"), ({"capture_method": "later"}, "CAPTURE_METHOD_INVALID"),
                           ({"setup_future_usage": "always"}, "SETUP_FUTURE_USAGE_INVALID")):
        with pytest.raises(ValidationError) as refused:
            await objects.intent(merchant, **{"amount": 1_000, **fields})
        assert refused.value.reason == reason

    assert len(side.store.events) == before


async def test_a_card_saved_with_a_setup_intent_is_charged_off_session(side: CommandSide, objects: ObjectSide) -> None:
    merchant = (await side.onboard()).state.account_id
    customer = (await objects.customer(merchant, email="cy@example.com")).state.customer_id

    setup = await objects.setup(merchant, customer=customer, payment_method="pm_card_authenticationRequiredOnSetup",
                                confirm=True)
    assert setup.state.status is IntentStatus.REQUIRES_ACTION
    saved = await objects.authenticate_setup(merchant, setup.state.setup_intent_id)
    assert saved.state.status is IntentStatus.SUCCEEDED

    paid = await objects.intent(merchant, 8_000, customer=customer, payment_method=saved.state.payment_method,
                                confirm=True, off_session=True)

    assert paid.state.status is IntentStatus.SUCCEEDED
    assert (await side.charge_state(merchant, paid.state.latest_charge)).customer == customer


async def test_an_always_authenticating_card_fails_off_session(side: CommandSide, objects: ObjectSide) -> None:
    merchant = (await side.onboard()).state.account_id
    customer = (await objects.customer(merchant)).state.customer_id
    card = await objects.attach(merchant, "pm_card_authenticationRequired", customer)

    failed = await objects.intent(merchant, 1_500, customer=customer, payment_method=card.state.payment_method_id,
                                  confirm=True, off_session=True)

    assert failed.state.status is IntentStatus.REQUIRES_PAYMENT_METHOD
    assert failed.state.last_payment_error is not None
    assert failed.state.last_payment_error.code == "authentication_required"


async def test_setup_future_usage_saves_the_card_to_the_customer(side: CommandSide, objects: ObjectSide) -> None:
    merchant = (await side.onboard()).state.account_id
    customer = (await objects.customer(merchant)).state.customer_id

    paid = await objects.intent(merchant, 900, customer=customer, payment_method="pm_card_visa",
                                setup_future_usage="off_session", confirm=True)

    pm_events = [e.event_type for e in side.store.events if e.aggregate_id == paid.state.payment_method]
    assert pm_events == ["PaymentMethodCreated", "PaymentMethodAttached"]


async def test_an_uncaptured_intent_expires_like_a_charge(side: CommandSide, objects: ObjectSide) -> None:
    merchant = (await side.onboard()).state.account_id
    held = await objects.intent(merchant, 6_000, payment_method="pm_card_visa", capture_method="manual", confirm=True)
    fresh = await objects.intent(merchant, 1_000, payment_method="pm_card_visa", capture_method="manual", confirm=True)
    assert await objects.intents.expirable(merchant, 10) == []

    side.clock.advance(days=7, seconds=1)
    # The charge sweeper may get to one charge first; its intent expires all the same.
    await side.run(merchant, "ExpireAuthorization", lambda: side.payments.expire(merchant, fresh.state.latest_charge))
    lapsed = await objects.intents.expirable(merchant, 10)
    for intent_id in lapsed:
        await side.run(merchant, "ExpirePaymentIntent", lambda i=intent_id: objects.intents.expire(merchant, i))

    assert sorted(lapsed) == sorted([held.state.payment_intent_id, fresh.state.payment_intent_id])
    for intent in (held, fresh):
        state = (await load(side.store, intent.state.payment_intent_id, payment_intents.fold)).state
        assert state.status is IntentStatus.CANCELED and state.cancellation_reason == "automatic"
        assert (await side.charge_state(merchant, intent.state.latest_charge)).status is ChargeStatus.EXPIRED


async def test_a_declined_card_fails_its_setup_and_a_setup_intent_can_be_canceled(
        side: CommandSide, objects: ObjectSide) -> None:
    merchant = (await side.onboard()).state.account_id
    customer = (await objects.customer(merchant)).state.customer_id

    failed = await objects.setup(merchant, customer=customer, payment_method="pm_card_chargeDeclined", confirm=True)

    assert failed.state.status is IntentStatus.REQUIRES_PAYMENT_METHOD
    assert failed.state.last_setup_error is not None
    assert failed.state.last_setup_error.decline_code == "generic_decline"
    assert not [e for e in side.store.events if e.event_type == "PaymentMethodAttached"]
    canceled = await side.run(merchant, "CancelSetupIntent", lambda: objects.intents.cancel_setup(
        merchant, failed.state.setup_intent_id, "abandoned"))
    assert canceled.result.state.status is IntentStatus.CANCELED
    with pytest.raises(PreconditionError):
        await side.run(merchant, "ConfirmSetupIntent", lambda: objects.intents.confirm_setup(
            merchant, failed.state.setup_intent_id, "pm_card_visa"))


async def test_an_uncaptured_intent_can_raise_its_authorization_and_capture_more(
        side: CommandSide, objects: ObjectSide) -> None:
    merchant = (await side.onboard()).state.account_id
    held = await objects.intent(merchant, 5_000, payment_method="pm_card_visa", capture_method="manual", confirm=True)
    intent_id = held.state.payment_intent_id

    with pytest.raises(ValidationError) as lower:
        await side.run(merchant, "IncrementAuthorization", lambda: objects.intents.increment_authorization(
            merchant, intent_id, 5_000))
    assert lower.value.reason == "AMOUNT_NOT_INCREASED"
    raised = await side.run(merchant, "IncrementAuthorization", lambda: objects.intents.increment_authorization(
        merchant, intent_id, 7_000))
    captured = await objects.capture(merchant, intent_id)

    assert (raised.result.state.amount, raised.result.state.amount_capturable) == (7_000, 7_000)
    assert captured.state.amount_received == 7_000
    charge = await side.charge_state(merchant, held.state.latest_charge)
    assert (charge.amount, charge.amount_captured) == (7_000, 7_000)
    with pytest.raises(PreconditionError):
        await side.run(merchant, "IncrementAuthorization", lambda: objects.intents.increment_authorization(
            merchant, intent_id, 9_000))
