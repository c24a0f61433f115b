"""Today's totals per account, and a pub/sub nudge on every change so a live dashboard refreshes.
PUBLISH runs inside the same Lua apply, so a redelivered event neither counts nor notifies twice."""

from __future__ import annotations

from projector.projections.base import Keys, Op, ProjectedEvent


def dashboard_channel(keys: Keys, account_id: str) -> str:
    return keys("dashboard", account_id)


class DashboardProjection:
    name = "dashboard"
    key_patterns: tuple[str, ...] = ("dash:*",)

    def apply(self, e: ProjectedEvent, k: Keys) -> list[Op]:
        d = e.data
        key = k("dash", e.tenant_id, e.day)
        if e.event_type == "ChargeRequested":
            ops: list[Op] = [("HINCRBY", key, "count", "1")]
        elif e.event_type == "PaymentAuthorized":
            ops = [("HINCRBY", key, "succeeded", "1"),
                   ("HINCRBY", key, f"volume:{d.get('currency', '')}", str(int(d.get("amount", 0))))]
        elif e.event_type == "PaymentDeclined":
            ops = [("HINCRBY", key, "failed", "1")]
        elif e.event_type == "RefundCreated":
            ops = [("HINCRBY", key, f"refunded:{d.get('currency', '')}", str(int(d.get("amount", 0))))]
        elif e.event_type in ("PaymentCaptured", "ChargeUpdated", "DisputeCreated"):
            ops = []
        else:
            return []
        ops.append(("PUBLISH", dashboard_channel(k, e.tenant_id), e.event_type))
        return ops
