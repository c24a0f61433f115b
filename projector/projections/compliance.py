"""Compliance read models: the audit trail of every object (each event with its metadata), the
suspicious activity list (fraud blocks, reviews, velocity hits) and open disputes by evidence due date."""

from __future__ import annotations

import json

from projector.projections.base import Keys, Op, ProjectedEvent, event_record, hset

# Payload fields naming the objects an event belongs to, besides its own stream.
_OBJECT_FIELDS = ("charge_id", "refund_id", "dispute_id", "payout_id", "source_id", "entry_id")
VELOCITY_RULES = frozenset({"card_velocity", "account_velocity"})
_DECISIONS = {"FRAUD_DECISION_BLOCK": "block", "FRAUD_DECISION_REVIEW": "review"}


def audited_objects(e: ProjectedEvent) -> list[str]:
    objects = [e.aggregate_id]
    for name in _OBJECT_FIELDS:
        value = e.data.get(name)
        if isinstance(value, str) and value and value not in objects:
            objects.append(value)
    return objects


class ComplianceProjection:
    name = "compliance"
    key_patterns: tuple[str, ...] = ("audit:*", "susp:*", "cmp:*")

    def apply(self, e: ProjectedEvent, k: Keys) -> list[Op]:
        record = event_record(e)
        # Scored by log position: events of different streams may be applied in any order (each
        # stream's own order is guaranteed), and the trail must still read in log order.
        ops: list[Op] = [("ZADD", k("audit", obj), str(e.global_position), record) for obj in audited_objects(e)]
        d = e.data
        if e.event_type == "FraudCheckCompleted":
            rules = list(d.get("rules_triggered") or [])
            decision = _DECISIONS.get(d.get("decision", ""))
            if decision is None and VELOCITY_RULES.intersection(rules):
                decision = "velocity"
            if decision is not None:
                charge_id = d["charge_id"]
                ops += [
                    hset(k("susp", charge_id), {
                        "charge_id": charge_id, "account_id": e.tenant_id, "decision": decision,
                        "risk_score": d.get("risk_score", 0), "rules": json.dumps(rules), "created_us": e.created_us,
                    }),
                    ("ZADD", k("susp", "acct", e.tenant_id), str(e.created_us), charge_id),
                ]
        elif e.event_type == "DisputeCreated":
            due = d.get("evidence_due_date", "")
            ops.append(("ZADD", k("cmp", e.tenant_id, "open_disputes"), str(_rfc3339_us(due)), d["dispute_id"]))
        elif e.event_type == "DisputeResolved":
            ops.append(("ZREM", k("cmp", e.tenant_id, "open_disputes"), d["dispute_id"]))
        return ops


def _rfc3339_us(value: str) -> int:
    if not value:
        return 0
    from datetime import datetime

    return int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp() * 1_000_000)
