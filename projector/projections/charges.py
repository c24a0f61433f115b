"""Charges, refunds and disputes as Stripe shows them, plus per-account newest-first indexes."""

from __future__ import annotations

import json

from projector.projections.base import Keys, Op, ProjectedEvent, hset


class ChargesProjection:
    name = "charges"
    key_patterns: tuple[str, ...] = ("charge:*", "refund:*", "acct:*:charges", "acct:*:refunds")

    def apply(self, event: ProjectedEvent, keys: Keys) -> list[Op]:
        handler = getattr(self, "_" + event.event_type, None)
        if handler is None:
            return []
        ops: list[Op] = handler(event, keys)
        return ops

    def _stamp(self, event: ProjectedEvent, keys: Keys, charge_id: str) -> Op:
        return hset(keys("charge", charge_id), {"version": event.aggregate_version, "position": event.commit_position})

    def _ChargeRequested(self, e: ProjectedEvent, k: Keys) -> list[Op]:
        d = e.data
        card = d.get("card", {})
        charge_id = d["charge_id"]
        ops: list[Op] = [
            hset(k("charge", charge_id), {
                "id": charge_id, "account_id": e.tenant_id, "amount": d.get("amount", 0),
                "currency": d.get("currency", ""), "status": "pending", "captured": 0, "paid": 0,
                "amount_captured": 0, "amount_refunded": 0, "fee": 0, "description": d.get("description", ""),
                "customer": d.get("customer", ""), "source": d.get("source", ""),
                "statement_descriptor": d.get("statement_descriptor", ""),
                "receipt_email": d.get("receipt_email", ""), "created_us": e.created_us,
                "card": json.dumps(card, sort_keys=True), "card_last4": card.get("last4", ""),
                "capture_requested": d.get("capture", True),
            }),
            ("ZADD", k("acct", e.tenant_id, "charges"), str(e.created_us), charge_id),
        ]
        metadata = d.get("metadata") or {}
        if metadata:
            ops.append(hset(k("charge", charge_id, "metadata"), metadata))
        ops.append(self._stamp(e, k, charge_id))
        return ops

    def _FraudCheckCompleted(self, e: ProjectedEvent, k: Keys) -> list[Op]:
        d = e.data
        return [hset(k("charge", d["charge_id"]), {
            "risk_score": d.get("risk_score", 0), "risk_level": d.get("risk_level", "normal"),
            "fraud_decision": d.get("decision", ""), "rules": json.dumps(d.get("rules_triggered", [])),
        }), self._stamp(e, k, d["charge_id"])]

    def _PaymentAuthorized(self, e: ProjectedEvent, k: Keys) -> list[Op]:
        d = e.data
        return [hset(k("charge", d["charge_id"]), {
            "status": "succeeded", "paid": 1, "authorization_code": d.get("authorization_code", ""),
            "network_transaction_id": d.get("network_transaction_id", ""),
            "authorization_expires_at": d.get("expires_at", ""),
        }), self._stamp(e, k, d["charge_id"])]

    def _PaymentDeclined(self, e: ProjectedEvent, k: Keys) -> list[Op]:
        d = e.data
        return [hset(k("charge", d["charge_id"]), {
            "status": "failed", "paid": 0, "failure_code": d.get("failure_code", ""),
            "decline_code": d.get("decline_code", ""), "failure_message": d.get("failure_message", ""),
            "network_transaction_id": d.get("network_transaction_id", ""),
        }), self._stamp(e, k, d["charge_id"])]

    def _PaymentCaptured(self, e: ProjectedEvent, k: Keys) -> list[Op]:
        d = e.data
        key = k("charge", d["charge_id"])
        return [
            hset(key, {"captured": 1, "balance_transaction": d.get("balance_transaction_id", "")}),
            ("HINCRBY", key, "amount_captured", str(d.get("captured_amount", 0))),
            ("HINCRBY", key, "fee", str(d.get("processing_fees", 0))),
            self._stamp(e, k, d["charge_id"]),
        ]

    def _AuthorizationExpired(self, e: ProjectedEvent, k: Keys) -> list[Op]:
        d = e.data
        return [hset(k("charge", d["charge_id"]), {"authorization_expired": 1, "amount_refunded": d.get("amount", 0)}),
                self._stamp(e, k, d["charge_id"])]

    def _RefundCreated(self, e: ProjectedEvent, k: Keys) -> list[Op]:
        d = e.data
        refund_id, charge_id = d["refund_id"], d["charge_id"]
        ops: list[Op] = [
            hset(k("refund", refund_id), {
                "id": refund_id, "charge_id": charge_id, "account_id": e.tenant_id,
                "amount": d.get("amount", 0), "currency": d.get("currency", ""), "reason": d.get("reason", ""),
                "status": "succeeded", "created_us": e.created_us,
                "balance_transaction": d.get("balance_transaction_id", ""), "position": e.commit_position,
                "metadata": json.dumps(d.get("metadata") or {}, sort_keys=True),
            }),
            ("ZADD", k("acct", e.tenant_id, "refunds"), str(e.created_us), refund_id),
            ("ZADD", k("charge", charge_id, "refunds"), str(e.created_us), refund_id),
            ("HINCRBY", k("charge", charge_id), "amount_refunded", str(d.get("amount", 0))),
            self._stamp(e, k, charge_id),
        ]
        return ops

    def _ChargeUpdated(self, e: ProjectedEvent, k: Keys) -> list[Op]:
        d = e.data
        charge_id = d["charge_id"]
        ops: list[Op] = []
        if d.get("description_set"):
            ops.append(hset(k("charge", charge_id), {"description": d.get("description", "")}))
        for name, value in (d.get("metadata") or {}).items():
            if value == "":
                ops.append(("HDEL", k("charge", charge_id, "metadata"), name))
            else:
                ops.append(("HSET", k("charge", charge_id, "metadata"), name, value))
        ops.append(self._stamp(e, k, charge_id))
        return ops

    def _DisputeCreated(self, e: ProjectedEvent, k: Keys) -> list[Op]:
        # The charge links its dispute; the dispute's own stream orders this, not the charge's.
        d = e.data
        return [("HSET", k("charge", d["charge_id"]), "dispute", d["dispute_id"])]
