"""Customers, payment methods, PaymentIntents and SetupIntents carry every top-level field Stripe's
fixtures give them (tests/fixtures/stripe_fields.json, copied from ../shared/reference/: stripe/openapi
fixtures3.json), `null` where LedgerMesh has no value, as Stripe sends it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from ledgermesh.payments.v1 import customer_pb2

from stripe_shapes import customers as shapes

FIELDS = json.loads((Path(__file__).resolve().parents[1] / "fixtures" / "stripe_fields.json").read_text())
BASE = "http://127.0.0.1:8080/"

SHAPED = {
    "customer": shapes.customer(customer_pb2.Customer(id="cus_1")),
    "payment_method": shapes.payment_method(customer_pb2.PaymentMethod(id="pm_1", type="card")),
    "payment_intent": shapes.payment_intent(customer_pb2.PaymentIntent(id="pi_1", status="requires_payment_method"),
                                            BASE),
    "setup_intent": shapes.setup_intent(customer_pb2.SetupIntent(id="seti_1", status="requires_payment_method"), BASE),
}


@pytest.mark.parametrize("name", sorted(SHAPED))
def test_every_field_of_stripes_fixture_is_present(name: str) -> None:
    missing = set(FIELDS[name]) - set(SHAPED[name])
    assert not missing, f"{name} lacks {sorted(missing)}"
    assert SHAPED[name]["object"] == name


def test_a_payment_intent_that_requires_action_links_the_simulated_authentication_page() -> None:
    shaped = shapes.payment_intent(customer_pb2.PaymentIntent(
        id="pi_1", status="requires_action", next_action_path="/v1/payment_intents/pi_1/authenticate",
        return_url="https://shop.example/back"), BASE)

    assert shaped["next_action"] == {"type": "redirect_to_url", "redirect_to_url": {
        "url": "http://127.0.0.1:8080/v1/payment_intents/pi_1/authenticate",
        "return_url": "https://shop.example/back"}}


def test_a_deleted_customer_reads_as_stripes_deleted_object() -> None:
    assert shapes.customer(customer_pb2.Customer(id="cus_1", deleted=True)) == {
        "id": "cus_1", "object": "customer", "deleted": True}
