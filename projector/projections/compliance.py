"""Compliance read models: the audit trail of every object (each event with its metadata), the
suspicious activity list (fraud blocks, reviews, velocity hits) and open disputes by evidence due date."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from google.protobuf.message import Message
from ledgermesh.events.v1 import dispute_events_pb2 as disputes
from ledgermesh.events.v1 import payment_events_pb2 as payments

from projector.projections.base import Handlers, Op, Projection, hset, required
from readmodel.events import ProjectedEvent
from readmodel.keys import PATTERNS, Keys

# Payload fields naming the objects an event belongs to, besides its own stream.
_OBJECT_FIELDS = ("charge_id", "refund_id", "dispute_id", "payout_id", "source_id", "entry_id")
VELOCITY_RULES = frozenset({"card_velocity", "account_velocity"})
_DECISIONS = {payments.FRAUD_DECISION_BLOCK: "block", payments.FRAUD_DECISION_REVIEW: "review"}

# The event records keep personal fields sealed, as the log holds them.
on = Handlers(opens_personal_data=False)


@cache
def _object_fields(descriptor: Any) -> tuple[str, ...]:
    return tuple(name for name in _OBJECT_FIELDS if name in descriptor.fields_by_name)


def audited_objects(e: ProjectedEvent) -> list[str]:
    objects = [e.aggregate_id]
    for name in _object_fields(e.payload.DESCRIPTOR):
        value = getattr(e.payload, name)
        if value and value not in objects:
            objects.append(value)
    return objects


@on.every
def _audit(e: ProjectedEvent, _p: Message, k: Keys) -> list[Op]:
    record = e.record
    # Scored by log position: events of different streams may be applied in any order (each
    # stream's own order is guaranteed), and the trail must still read in log order.
    return [("ZADD", k.audit_trail(obj), str(e.global_position), record) for obj in audited_objects(e)]


@on(payments.FraudCheckCompleted)
def _fraud_check_completed(e: ProjectedEvent, p: payments.FraudCheckCompleted, k: Keys) -> list[Op]:
    rules = list(p.rules_triggered)
    decision = _DECISIONS.get(p.decision)
    if decision is None and VELOCITY_RULES.intersection(rules):
        decision = "velocity"
    if decision is None:
        return []
    charge_id = required(p.charge_id, "charge_id")
    return [
        hset(k.suspicious_charge(charge_id), {
            "charge_id": charge_id, "account_id": e.tenant_id, "decision": decision,
            "risk_score": p.risk_score, "rules": json.dumps(rules), "created_us": e.created_us,
        }),
        ("ZADD", k.account_suspicious_charges(e.tenant_id), str(e.created_us), charge_id),
    ]


@on(disputes.DisputeCreated)
def _dispute_created(e: ProjectedEvent, p: disputes.DisputeCreated, k: Keys) -> list[Op]:
    due_us = p.evidence_due_date.ToMicroseconds() if p.HasField("evidence_due_date") else 0
    return [("ZADD", k.open_disputes(e.tenant_id), str(due_us), required(p.dispute_id, "dispute_id"))]


@on(disputes.DisputeResolved)
def _dispute_resolved(e: ProjectedEvent, p: disputes.DisputeResolved, k: Keys) -> list[Op]:
    return [("ZREM", k.open_disputes(e.tenant_id), required(p.dispute_id, "dispute_id"))]


class ComplianceProjection(Projection):
    name = "compliance"
    key_patterns = (PATTERNS.audit_trail("*"), PATTERNS.suspicious_charge("*"), PATTERNS.open_disputes("*"))
    handlers = on
