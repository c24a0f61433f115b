"""Disputes as Stripe shows them, with a per-account newest-first index."""

from __future__ import annotations

from ledgermesh.events.v1 import dispute_events_pb2 as disputes
from ledgermesh.events.v1 import erasure_events_pb2 as erasure

from eventcodec.personal import REDACTED
from projector.projections.base import Handlers, Op, Projection, erased, hset, required, timestamp_text
from readmodel.disputes import (
    LOST,
    NEEDS_RESPONSE,
    UNDER_REVIEW,
    WON,
    evidence_field,
    evidence_file,
    evidence_file_order,
)
from readmodel.events import ProjectedEvent
from readmodel.keys import PATTERNS, Keys

on = Handlers()


def _stamp(e: ProjectedEvent, k: Keys, dispute_id: str) -> Op:
    return hset(k.dispute(dispute_id), {"version": e.aggregate_version, "position": e.commit_position})


@on(disputes.DisputeCreated)
def _dispute_created(e: ProjectedEvent, p: disputes.DisputeCreated, k: Keys) -> list[Op]:
    dispute_id = required(p.dispute_id, "dispute_id")
    return [
        hset(k.dispute(dispute_id), {
            "id": dispute_id, "charge_id": p.charge_id, "account_id": e.tenant_id,
            "amount": p.chargeback_amount, "currency": p.currency, "reason": p.dispute_reason,
            "status": NEEDS_RESPONSE, "evidence_due_by": timestamp_text(p, "evidence_due_date"),
            "dispute_fee": p.dispute_fee, "submission_count": 0, "created_us": e.created_us,
        }),
        ("ZADD", k.account_disputes(e.tenant_id), str(e.created_us), dispute_id),
        _stamp(e, k, dispute_id),
    ]


@on(disputes.EvidenceSubmitted)
def _evidence_submitted(e: ProjectedEvent, p: disputes.EvidenceSubmitted, k: Keys) -> list[Op]:
    # Evidence accumulates over stagings: a field given "" is cleared, a file is added once.
    dispute_id = required(p.dispute_id, "dispute_id")
    key = k.dispute(dispute_id)
    ops: list[Op] = [("HDEL", key, evidence_field(name)) if value == "" else ("HSET", key, evidence_field(name), value)
                     for name, value in p.evidence.items()]
    ops += [("HSETNX", key, evidence_file(file_id), evidence_file_order(e.global_position, i))
            for i, file_id in enumerate(p.file_references)]
    if p.submitted:
        # Stripe counts submissions to the network, not stagings.
        ops += [("HSET", key, "status", UNDER_REVIEW), ("HINCRBY", key, "submission_count", "1")]
    return [*ops, _stamp(e, k, dispute_id)]


@on(erasure.SubjectForgotten)
def _subject_forgotten(e: ProjectedEvent, p: erasure.SubjectForgotten, k: Keys) -> list[Op]:
    # A field a later staging cleared comes back as "[redacted]": it says nothing either way.
    return [("HSET", k.dispute(f.aggregate_id), evidence_field(f.map_key or ""), REDACTED)
            for f in erased(p, ("EvidenceSubmitted",)) if f.field == "evidence"]


@on(disputes.DisputeResolved)
def _dispute_resolved(e: ProjectedEvent, p: disputes.DisputeResolved, k: Keys) -> list[Op]:
    dispute_id = required(p.dispute_id, "dispute_id")
    won = p.resolution_type == disputes.DISPUTE_RESOLUTION_WON
    return [hset(k.dispute(dispute_id), {
        "status": WON if won else LOST, "final_amount": p.final_amount,
        "resolved_at": timestamp_text(p, "resolution_date"), "accepted_by_merchant": p.accepted_by_merchant,
    }), _stamp(e, k, dispute_id)]


class DisputesProjection(Projection):
    name = "disputes"
    key_patterns = (PATTERNS.dispute("*"), PATTERNS.account_disputes("*"))
    handlers = on
