"""Disputes as Stripe shows them, with a per-account newest-first index."""

from __future__ import annotations

import json

from projector.projections.base import Keys, Op, ProjectedEvent, hset


class DisputesProjection:
    name = "disputes"
    key_patterns: tuple[str, ...] = ("dispute:*", "acct:*:disputes")

    def apply(self, e: ProjectedEvent, k: Keys) -> list[Op]:
        d = e.data
        if e.event_type == "DisputeCreated":
            dispute_id = d["dispute_id"]
            ops: list[Op] = [
                hset(k("dispute", dispute_id), {
                    "id": dispute_id, "charge_id": d.get("charge_id", ""), "account_id": e.tenant_id,
                    "amount": d.get("chargeback_amount", 0), "currency": d.get("currency", ""),
                    "reason": d.get("dispute_reason", ""), "status": "needs_response",
                    "evidence_due_by": d.get("evidence_due_date", ""), "dispute_fee": d.get("dispute_fee", 0),
                    "submission_count": 0, "evidence": "{}", "evidence_files": "[]", "created_us": e.created_us,
                }),
                ("ZADD", k("acct", e.tenant_id, "disputes"), str(e.created_us), dispute_id),
            ]
        elif e.event_type == "EvidenceSubmitted":
            dispute_id = d["dispute_id"]
            # Each submission replaces the evidence shown, as Stripe's update does.
            fields: dict[str, object] = {
                "evidence": json.dumps(d.get("evidence") or {}, sort_keys=True),
                "evidence_files": json.dumps(d.get("file_references") or []),
            }
            if d.get("submitted"):
                fields["status"] = "under_review"
            ops = [hset(k("dispute", dispute_id), fields), ("HINCRBY", k("dispute", dispute_id), "submission_count", "1")]
        elif e.event_type == "DisputeResolved":
            dispute_id = d["dispute_id"]
            won = d.get("resolution_type") == "DISPUTE_RESOLUTION_WON"
            ops = [hset(k("dispute", dispute_id), {
                "status": "won" if won else "lost", "final_amount": d.get("final_amount", 0),
                "resolved_at": d.get("resolution_date", ""), "accepted_by_merchant": d.get("accepted_by_merchant", False),
            })]
        else:
            return []
        ops.append(hset(k("dispute", dispute_id), {"version": e.aggregate_version, "position": e.commit_position}))
        return ops
