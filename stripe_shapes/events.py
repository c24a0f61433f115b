"""Log events as Stripe event objects: Stripe's event names, `evt_` ids, and the event JSON that the
events API returns and webhooks deliver."""

from __future__ import annotations

import uuid
from typing import Any

from google.protobuf import descriptor_pool, json_format, message_factory
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message
from ledgermesh.events.v1 import account_events_pb2 as account_events
from ledgermesh.events.v1 import customer_events_pb2 as customer_events
from ledgermesh.events.v1 import dispute_events_pb2 as dispute_events
from ledgermesh.events.v1 import envelope_pb2
from ledgermesh.events.v1 import ledger_events_pb2 as ledger_events
from ledgermesh.events.v1 import payment_events_pb2 as payment_events
from ledgermesh.events.v1 import payment_intent_events_pb2 as intent_events

from stripe_shapes.objects import API_VERSION, unix

# Event type -> Stripe event type; events not listed are shown as "ledgermesh.<Type>". Keyed by the
# generated messages, so a renamed event cannot silently lose its Stripe name.
STRIPE_EVENT_TYPES = {
    message.DESCRIPTOR.name: stripe_type for message, stripe_type in (
        (payment_events.ChargeRequested, "charge.pending"),
        (payment_events.PaymentAuthorized, "charge.succeeded"),
        (payment_events.PaymentDeclined, "charge.failed"),
        (payment_events.PaymentCaptured, "charge.captured"),
        (payment_events.AuthorizationExpired, "charge.expired"),
        (payment_events.ChargeUpdated, "charge.updated"),
        (payment_events.RefundCreated, "charge.refunded"),
        (dispute_events.DisputeCreated, "charge.dispute.created"),
        (dispute_events.EvidenceSubmitted, "charge.dispute.updated"),
        (dispute_events.DisputeResolved, "charge.dispute.closed"),
        (account_events.AccountOnboarded, "account.created"),
        (account_events.KYCProcessStarted, "account.updated"),
        (account_events.KYCProcessCompleted, "account.updated"),
        (account_events.PayoutCreated, "payout.created"),
        (ledger_events.LedgerEntryPosted, "balance.available"),
        (customer_events.CustomerCreated, "customer.created"),
        (customer_events.CustomerUpdated, "customer.updated"),
        (customer_events.CustomerDeleted, "customer.deleted"),
        (customer_events.PaymentMethodUpdated, "payment_method.updated"),
        (customer_events.PaymentMethodAttached, "payment_method.attached"),
        (customer_events.PaymentMethodDetached, "payment_method.detached"),
        (intent_events.PaymentIntentCreated, "payment_intent.created"),
        (intent_events.PaymentIntentRequiresAction, "payment_intent.requires_action"),
        (intent_events.PaymentIntentAuthorized, "payment_intent.amount_capturable_updated"),
        (intent_events.PaymentIntentAuthorizationIncremented, "payment_intent.amount_capturable_updated"),
        (intent_events.PaymentIntentSucceeded, "payment_intent.succeeded"),
        (intent_events.PaymentIntentPaymentFailed, "payment_intent.payment_failed"),
        (intent_events.PaymentIntentCanceled, "payment_intent.canceled"),
        (intent_events.SetupIntentCreated, "setup_intent.created"),
        (intent_events.SetupIntentRequiresAction, "setup_intent.requires_action"),
        (intent_events.SetupIntentSucceeded, "setup_intent.succeeded"),
        (intent_events.SetupIntentFailed, "setup_intent.setup_failed"),
        (intent_events.SetupIntentCanceled, "setup_intent.canceled"),
    )
}

_EVENT_OBJECTS = {"Charge": "charge", "Dispute": "dispute", "Account": "account", "Ledger": "balance",
                  "Customer": "customer", "PaymentMethod": "payment_method", "PaymentIntent": "payment_intent",
                  "SetupIntent": "setup_intent"}

_INT64 = (FieldDescriptor.CPPTYPE_INT64, FieldDescriptor.CPPTYPE_UINT64)


def stripe_event_type(event_type: str) -> str:
    return STRIPE_EVENT_TYPES.get(event_type, f"ledgermesh.{event_type}")


def event_id(envelope_id: str) -> str:
    try:
        return "evt_" + uuid.UUID(envelope_id).hex
    except ValueError:
        return envelope_id if envelope_id.startswith("evt_") else "evt_" + envelope_id


def envelope_id(stripe_id: str) -> str:
    """The log's event id (a UUID) behind a Stripe `evt_` id; unknown shapes pass through."""
    raw = stripe_id.removeprefix("evt_")
    try:
        return str(uuid.UUID(raw))
    except ValueError:
        return stripe_id


def event_payload(e: envelope_pb2.EventEnvelope) -> dict[str, Any]:
    """The event's fields as JSON, amounts as JSON integers as Stripe writes them (protobuf's JSON
    mapping writes int64 as text); a payload of a type this build does not know stays empty."""
    try:
        descriptor = descriptor_pool.Default().FindMessageTypeByName(e.payload.TypeName())
    except KeyError:
        return {}
    payload: Message = message_factory.GetMessageClass(descriptor)()
    if not e.payload.Unpack(payload):
        return {}
    data = json_format.MessageToDict(payload, preserving_proto_field_name=True)
    for field in descriptor.fields:
        if field.name in data and field.cpp_type in _INT64 and not field.is_repeated:
            data[field.name] = int(data[field.name])
    return data


def event(e: envelope_pb2.EventEnvelope, resource: dict[str, Any] | None = None) -> dict[str, Any]:
    """The Stripe event; `data.object` is `resource` (the whole object as it stood after the event, as
    webhooks send it) when given, else the event's own fields under the object's id."""
    data_object = resource if resource is not None else {
        "id": e.aggregate_id, "object": _EVENT_OBJECTS.get(e.aggregate_type, e.aggregate_type.lower()),
        **event_payload(e)}
    return {
        "id": event_id(e.event_id),
        "object": "event",
        "account": e.tenant_id or None,
        "api_version": API_VERSION,
        "created": unix(e.occurred_at),
        "data": {"object": data_object},
        "livemode": False,
        "pending_webhooks": 0,
        "request": {"id": e.metadata.request_id or None, "idempotency_key": None},
        "type": stripe_event_type(e.event_type),
    }
