"""Per account and day: attempts, successes, volume per currency, decline reasons, card countries.
Counters are increments; the per-aggregate checkpoint makes each event count once."""

from __future__ import annotations

from projector.projections.base import Keys, Op, ProjectedEvent


class AnalyticsProjection:
    name = "analytics"
    key_patterns: tuple[str, ...] = ("an:*",)

    def apply(self, e: ProjectedEvent, k: Keys) -> list[Op]:
        d = e.data
        key = k("an", e.tenant_id, e.day)
        if e.event_type == "ChargeRequested":
            country = (d.get("card") or {}).get("country") or "unknown"
            return [("HINCRBY", key, "count", "1"), ("HINCRBY", key, f"country:{country}", "1")]
        if e.event_type == "PaymentAuthorized":
            return [("HINCRBY", key, "succeeded", "1"),
                    ("HINCRBY", key, f"volume:{d.get('currency', '')}", str(int(d.get("amount", 0))))]
        if e.event_type == "PaymentDeclined":
            reason = d.get("decline_code") or d.get("failure_code") or "unknown"
            return [("HINCRBY", key, "failed", "1"), ("HINCRBY", key, f"decline:{reason}", "1")]
        return []
