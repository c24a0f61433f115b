"""Customers and payment methods through the real use cases on the in-memory store: create, update,
delete, Stripe's test payment methods and test card numbers (never a stored number), attach, detach,
the default payment method. Refusals append nothing."""

from __future__ import annotations

import json

import pytest

from command_svc.domain.errors import NotFoundError, PreconditionError, ValidationError
from command_svc.domain.events import CustomerAddress
from tests.application.harness import CommandSide
from tests.application.objects import ObjectSide


@pytest.fixture
def objects(side: CommandSide) -> ObjectSide:
    return ObjectSide(side)


async def test_a_customer_is_created_updated_and_deleted_as_events(side: CommandSide, objects: ObjectSide) -> None:
    merchant = (await side.onboard()).state.account_id

    created = await objects.customer(merchant, email="ada@example.com", name="Ada", phone="+15550100",
                                     metadata={"crm": "42"}, address=CustomerAddress(line1="1 Main St", country="us"))
    customer_id = created.state.customer_id
    updated = await objects.update_customer(merchant, customer_id, name="Ada L.", metadata={"crm": "", "tier": "gold"})
    deleted = await objects.delete_customer(merchant, customer_id)

    assert customer_id.startswith("cus_")
    assert created.state.address == CustomerAddress(line1="1 Main St", country="US")
    assert (updated.state.name, updated.state.email, dict(updated.state.metadata)) == (
        "Ada L.", "ada@example.com", {"tier": "gold"})
    assert deleted.state.deleted
    assert [e.event_type for e in side.store.events if e.aggregate_id == customer_id] == [
        "CustomerCreated", "CustomerUpdated", "CustomerDeleted"]
    with pytest.raises(NotFoundError):
        await objects.update_customer(merchant, customer_id, name="again")


async def test_a_bad_email_is_refused_and_nothing_is_written(side: CommandSide, objects: ObjectSide) -> None:
    merchant = (await side.onboard()).state.account_id
    before = len(side.store.events)

    with pytest.raises(ValidationError) as refused:
        await objects.customer(merchant, email="not-an-email")

    assert refused.value.reason == "EMAIL_INVALID" and refused.value.field == "email"
    assert len(side.store.events) == before


async def test_a_test_card_number_becomes_a_card_without_its_number(side: CommandSide, objects: ObjectSide) -> None:
    merchant = (await side.onboard()).state.account_id

    pm = await objects.card(merchant, card_number="4242 4242 4242 4242", exp_month=4, exp_year=2031)

    assert (pm.state.card.brand, pm.state.card.last4, pm.state.card.exp_month, pm.state.card.exp_year) == (
        "visa", "4242", 4, 2031)
    stored = json.dumps([e.data for e in side.store.events])
    assert "4242424242424242" not in stored and "4242 4242" not in stored
    with pytest.raises(ValidationError) as refused:
        await objects.card(merchant, card_number="4111111111111112")
    assert refused.value.reason == "CARD_NUMBER_INVALID" and "4111" not in refused.value.message


async def test_a_test_payment_method_attaches_as_a_new_payment_method_and_detaches(
        side: CommandSide, objects: ObjectSide) -> None:
    merchant = (await side.onboard()).state.account_id
    customer = (await objects.customer(merchant, email="bo@example.com")).state.customer_id

    attached = await objects.attach(merchant, "pm_card_mastercard", customer)
    default = await objects.update_customer(merchant, customer,
                                            default_payment_method=attached.state.payment_method_id)
    detached = await objects.detach(merchant, attached.state.payment_method_id)

    assert attached.state.payment_method_id.startswith("pm_") and attached.state.payment_method_id != "pm_card_mastercard"
    assert (attached.state.customer, attached.state.card.brand, attached.state.card.last4) == (
        customer, "mastercard", "4444")
    assert default.state.default_payment_method == attached.state.payment_method_id
    assert detached.state.customer == ""
    with pytest.raises(PreconditionError) as refused:
        await objects.detach(merchant, attached.state.payment_method_id)
    assert refused.value.reason == "PAYMENT_METHOD_NOT_ATTACHED"


async def test_a_default_payment_method_must_be_attached_to_the_customer(
        side: CommandSide, objects: ObjectSide) -> None:
    merchant = (await side.onboard()).state.account_id
    customer = (await objects.customer(merchant)).state.customer_id
    loose = await objects.card(merchant, card_token="tok_visa")

    with pytest.raises(PreconditionError) as refused:
        await objects.update_customer(merchant, customer, default_payment_method=loose.state.payment_method_id)

    assert refused.value.field == "invoice_settings[default_payment_method]"


async def test_another_accounts_customer_does_not_exist(side: CommandSide, objects: ObjectSide) -> None:
    mine = (await side.onboard()).state.account_id
    theirs = (await side.onboard("other@example.com")).state.account_id
    customer = (await objects.customer(theirs)).state.customer_id

    with pytest.raises(NotFoundError):
        await objects.update_customer(mine, customer, name="x")
    with pytest.raises(NotFoundError):
        await objects.attach(mine, "pm_card_visa", customer)


async def test_nul_characters_and_malformed_ids_are_refused_before_anything_is_read_or_written(
        side: CommandSide, objects: ObjectSide) -> None:
    merchant = (await side.onboard()).state.account_id
    before = len(side.store.events)

    with pytest.raises(ValidationError) as refused:
        await objects.customer(merchant, name="Ada\x00")
    assert (refused.value.reason, refused.value.field) == ("TEXT_INVALID", "name")
    with pytest.raises(NotFoundError):
        await objects.attach(merchant, "pm_card_visa", "cus_\x00")
    with pytest.raises(NotFoundError):
        await objects.detach(merchant, "pm_\x00x")

    assert len(side.store.events) == before
