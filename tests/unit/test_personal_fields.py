"""Personal fields sealed per data subject (eventcodec.personal): what is stored holds no plaintext,
the bus carries the same ciphertext in its string fields, a key opens exactly its own event's fields,
and without the key (or moved to another event) a field reads "[redacted]"."""

from __future__ import annotations

import json
import os
import uuid

from google.protobuf import json_format
from ledgermesh.events.v1 import customer_events_pb2, payment_events_pb2

from eventcodec.codec import normalized_payload, payload_json, payload_message
from eventcodec.personal import (
    PERSONAL_FIELDS,
    REDACTED,
    ErasedField,
    SubjectKey,
    blind_index,
    open_message,
    open_payload,
    seal_payload,
    sealed_fields,
    subject_of,
)

KEY = SubjectKey("k0000000000000001", "cus_jane", os.urandom(32))
CHARGE = {"charge_id": "ch_1", "amount": 4200, "currency": "usd", "customer": "cus_jane",
          "description": "Cake for Jane Doe", "receipt_email": "jane@example.com",
          "metadata": {"phone": "+33 6 12 34 56 78", "empty": ""}}


def _keys(key_id: str) -> bytes | None:
    return KEY.key if key_id == KEY.key_id else None


def test_a_sealed_payload_holds_no_personal_value_and_keeps_amounts_and_ids_clear() -> None:
    event_id = str(uuid.uuid4())
    sealed = seal_payload("ChargeRequested", event_id, CHARGE, KEY).data
    text = json.dumps(sealed)
    for secret in ("Jane", "jane@example.com", "+33"):
        assert secret not in text
    assert (sealed["amount"], sealed["charge_id"], sealed["customer"]) == (4200, "ch_1", "cus_jane")
    assert sealed["description"]["enc"] == "v1" and sealed["description"]["kid"] == KEY.key_id
    assert sealed["metadata"]["empty"] == ""
    assert sorted((f, k) for f, k, _ in sealed_fields("ChargeRequested", sealed)) == [
        ("description", None), ("metadata", "phone"), ("receipt_email", None)]


def test_the_subject_is_the_customer_when_the_event_names_one_else_the_account() -> None:
    assert subject_of("ChargeRequested", CHARGE, "acct_1") == "cus_jane"
    assert subject_of("ChargeRequested", {**CHARGE, "customer": ""}, "acct_1") == "acct_1"
    assert subject_of("AccountOnboarded", {"account_id": "acct_2"}, "acct_2") == "acct_2"


def test_the_bus_carries_the_ciphertext_as_text_and_the_key_opens_it_back() -> None:
    event_id = str(uuid.uuid4())
    sealed = seal_payload("ChargeRequested", event_id, CHARGE, KEY).data
    message = payload_message("ChargeRequested", sealed)
    assert isinstance(message, payment_events_pb2.ChargeRequested)
    assert json.loads(message.description) == sealed["description"]
    # The direct conversion agrees with json_format on the bus form.
    assert normalized_payload("ChargeRequested", sealed) == payload_json(message) == json_format.MessageToDict(
        message, preserving_proto_field_name=True) | {"amount": 4200}

    opened = open_message("ChargeRequested", event_id, message, _keys)
    assert opened is not None
    assert (opened.description, opened.receipt_email, dict(opened.metadata)) == (
        "Cake for Jane Doe", "jane@example.com", {"phone": "+33 6 12 34 56 78", "empty": ""})
    assert open_payload("ChargeRequested", event_id, sealed, _keys)["description"] == "Cake for Jane Doe"


def test_without_its_key_or_moved_to_another_event_a_field_reads_redacted() -> None:
    event_id = str(uuid.uuid4())
    sealed = seal_payload("ChargeRequested", event_id, CHARGE, KEY).data
    forgotten = open_payload("ChargeRequested", event_id, sealed, lambda key_id: None)
    assert (forgotten["description"], forgotten["receipt_email"], forgotten["metadata"]["phone"]) == (REDACTED,) * 3
    assert forgotten["amount"] == 4200
    moved = open_payload("ChargeRequested", str(uuid.uuid4()), sealed, _keys)
    assert moved["description"] == REDACTED
    swapped = {**sealed, "description": sealed["receipt_email"]}
    assert open_payload("ChargeRequested", event_id, swapped, _keys)["description"] == REDACTED


def test_each_part_of_a_postal_address_is_sealed_and_opened_in_the_stored_payload_and_on_the_bus() -> None:
    event_id = str(uuid.uuid4())
    customer = {"customer_id": "cus_jane", "email": "", "address_set": True,
                "address": {"line1": "12 Rue Verte", "line2": "", "city": "Lyon", "postal_code": "69001",
                            "country": "FR", "state": ""}}
    sealed = seal_payload("CustomerCreated", event_id, customer, KEY).data
    for secret in ("Rue Verte", "Lyon", "69001", '"FR"'):
        assert secret not in json.dumps(sealed)
    assert sealed["address"]["line2"] == "" and customer["address"]["line1"] == "12 Rue Verte"
    assert sorted(f for f, _, _ in sealed_fields("CustomerCreated", sealed)) == [
        "address.city", "address.country", "address.line1", "address.postal_code"]

    message = payload_message("CustomerCreated", sealed)
    assert isinstance(message, customer_events_pb2.CustomerCreated)
    opened = open_message("CustomerCreated", event_id, message, _keys)
    assert opened is not None and (opened.address.line1, opened.address.city) == ("12 Rue Verte", "Lyon")
    assert open_payload("CustomerCreated", event_id, sealed, lambda key_id: None)["address"] == {
        "line1": REDACTED, "line2": "", "city": REDACTED, "postal_code": REDACTED, "country": REDACTED, "state": ""}
    card = seal_payload("PaymentMethodCreated", event_id, {"payment_method_id": "pm_1", "billing_address": {
        "line1": "4 Quai Sud"}}, KEY).data
    assert "Quai" not in json.dumps(card)


def test_an_event_without_personal_fields_is_left_as_it_is() -> None:
    captured = {"charge_id": "ch_1", "captured_amount": 4200, "currency": "usd"}
    assert "PaymentCaptured" not in PERSONAL_FIELDS
    assert seal_payload("PaymentCaptured", "e", captured, KEY).data == captured
    assert open_message("PaymentCaptured", "e", payload_message("PaymentCaptured", captured), _keys) is None


def test_the_blind_index_matches_the_same_address_however_it_is_typed_and_nothing_else() -> None:
    index_key = os.urandom(32)
    assert blind_index(index_key, " Jane@Example.COM ") == blind_index(index_key, "jane@example.com")
    assert blind_index(index_key, "jane@example.com") != blind_index(index_key, "jane@example.org")
    assert blind_index(os.urandom(32), "jane@example.com") != blind_index(index_key, "jane@example.com")


def test_an_erased_field_names_its_place_and_keeps_a_map_key_with_spaces() -> None:
    erased = ErasedField("ch_1", "e1", "ChargeRequested", "metadata", "order note")
    assert ErasedField.parse(erased.text()) == erased
    assert ErasedField.parse("acct_1 e2 AccountOnboarded email") == ErasedField(
        "acct_1", "e2", "AccountOnboarded", "email")
