"""Projections dispatch on the event's type to handlers registered for its generated message: every
event type has a read model, every projection handles what it subscribes to and nothing else, and a
handler that reads a field its event does not have fails instead of projecting a made-up default."""

from __future__ import annotations

from typing import Any

import pytest
from google.protobuf.message import Message
from ledgermesh.events.v1 import envelope_pb2, payment_events_pb2

from eventcodec.codec import payload_classes as event_classes
from projector.projections import all_projections
from projector.projections.base import Handlers, Op
from readmodel.events import ProjectedEvent
from readmodel.keys import PROJECTION_NAMES, Keys
from tests.unit.projected import projected

KEYS = Keys("p:")
EVENT_TYPES = sorted(event_classes())


def _populated(descriptor: Any) -> dict[str, Any]:
    """Every field of the message set to a value that is not its default, in the stored JSON form."""
    data: dict[str, Any] = {}
    for fd in descriptor.fields:
        if fd.message_type is not None and fd.message_type.GetOptions().map_entry:
            data[fd.name] = {"k": "v"}
        elif fd.is_repeated:
            data[fd.name] = [f"{fd.name}_1"]
        elif fd.message_type is not None:
            is_timestamp = fd.message_type.full_name == "google.protobuf.Timestamp"
            data[fd.name] = "2026-11-25T10:00:00Z" if is_timestamp else _populated(fd.message_type)
        elif fd.enum_type is not None:
            data[fd.name] = fd.enum_type.values[1].name
        elif fd.type == fd.TYPE_BOOL:
            data[fd.name] = True
        elif fd.type == fd.TYPE_STRING:
            data[fd.name] = f"{fd.name}_1"
        else:
            data[fd.name] = 7
    return data


# Fields whose values have a form of their own: SubjectForgotten names the stored fields it erased.
_FORMED = {"SubjectForgotten": {"erased_fields": [
    "ch_1 e1 ChargeRequested description", "ch_1 e1 ChargeRequested metadata order note",
    "acct_1 e2 AccountOnboarded email", "acct_1 e2 AccountOnboarded metadata k",
    "dp_1 e3 EvidenceSubmitted evidence customer_name", "cus_1 e4 CustomerCreated email",
    "cus_1 e4 CustomerCreated metadata vip", "pm_1 e5 PaymentMethodCreated billing_name"]}}


def _sample(event_type: str, data: dict[str, Any]) -> ProjectedEvent:
    data = {**data, **{k: v for k, v in _FORMED.get(event_type, {}).items() if k in data}}
    return projected(event_type, data, aggregate_id="agg_1", aggregate_type="Charge", tenant_id="acct_1")


@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_every_projection_projects_each_event_type_it_subscribes_to_and_ignores_the_others(event_type: str) -> None:
    event = _sample(event_type, _populated(event_classes()[event_type].DESCRIPTOR))
    for projection in all_projections():
        ops = projection.apply(event, KEYS)
        if projection.handles(event_type):
            assert ops, f"{projection.name} subscribes to {event_type} but writes nothing for it"
        else:
            assert ops == [], f"{projection.name} writes for {event_type}, which it does not subscribe to"


def test_every_event_type_has_a_projection_of_its_own() -> None:
    handled = set().union(*(p.handlers.event_types for p in all_projections()))
    assert handled == set(EVENT_TYPES)


@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_an_event_whose_fields_are_defaults_but_its_ids_is_projected_with_those_defaults(event_type: str) -> None:
    # The JSON mapping drops default values: 0, "", false, empty lists and maps never travel, and
    # their absence is no error.
    populated = _populated(event_classes()[event_type].DESCRIPTOR)
    ids_only = {name: value for name, value in populated.items() if name.endswith("_id") or name == "key_hash"}
    event = _sample(event_type, ids_only)
    assert dict(event.payload_json) == ids_only
    for projection in all_projections():
        projection.apply(event, KEYS)




def test_a_captured_event_without_amounts_adds_nothing_rather_than_failing() -> None:
    ops = all_projections()[0].apply(_sample("PaymentCaptured", {"charge_id": "ch_1"}), KEYS)
    assert ("HINCRBY", "p:charge:ch_1", "amount_captured", "0") in ops
    assert ("HINCRBY", "p:charge:ch_1", "fee", "0") in ops


def test_an_event_without_the_id_of_its_object_is_refused() -> None:
    charges = all_projections()[0]
    with pytest.raises(KeyError, match="charge_id"):
        charges.apply(_sample("ChargeRequested", {"amount": 100, "currency": "usd"}), KEYS)


def test_a_handler_reading_a_field_its_event_lacks_fails_loudly() -> None:
    on = Handlers()

    @on(payment_events_pb2.PaymentAuthorized)
    def _misspelled(e: ProjectedEvent, p: payment_events_pb2.PaymentAuthorized, k: Keys) -> list[Op]:
        return [("HSET", k.charge(p.charge_id), "amount", str(p.amonut))]  # type: ignore[attr-defined]

    with pytest.raises(AttributeError, match="amonut"):
        on.apply(_sample("PaymentAuthorized", {"charge_id": "ch_1", "amount": 100}), KEYS)


def test_handlers_are_registered_only_for_events_and_only_once() -> None:
    on = Handlers()

    def handler(e: ProjectedEvent, p: Message, k: Keys) -> list[Op]:
        return []

    with pytest.raises(TypeError, match="EventEnvelope"):
        on(envelope_pb2.EventEnvelope)(handler)
    on(payment_events_pb2.PaymentDeclined)(handler)
    with pytest.raises(ValueError, match="PaymentDeclined"):
        on(payment_events_pb2.PaymentDeclined)(handler)


def test_the_projections_are_the_read_models_the_query_side_reports_on() -> None:
    assert tuple(p.name for p in all_projections()) == PROJECTION_NAMES


def test_no_two_projections_own_the_same_keys() -> None:
    patterns = [pattern for p in all_projections() for pattern in p.key_patterns]
    assert len(patterns) == len(set(patterns))
