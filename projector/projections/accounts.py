"""Accounts as Stripe shows them, and the API-key lookup the query service authenticates with."""

from __future__ import annotations

import json

from projector.projections.base import Keys, Op, ProjectedEvent, hset


class AccountsProjection:
    name = "accounts"
    key_patterns: tuple[str, ...] = ("account:*", "apikey:*", "payout:*", "acct:*:payouts")

    def apply(self, e: ProjectedEvent, k: Keys) -> list[Op]:
        d = e.data
        if e.event_type == "AccountOnboarded":
            ops: list[Op] = [hset(k("account", d["account_id"]), {
                "id": d["account_id"], "email": d.get("email", ""), "country": d.get("country", ""),
                "default_currency": d.get("default_currency", ""), "business_name": d.get("business_name", ""),
                "fee_percent_bps": d.get("fee_percent_bps", 0), "fee_fixed": d.get("fee_fixed", 0),
                "verification_status": "unverified", "created_us": e.created_us,
                "metadata": json.dumps(d.get("metadata") or {}, sort_keys=True),
            })]
        elif e.event_type == "ApiKeyIssued":
            ops = [("SET", k("apikey", d["key_hash"]), d["account_id"])]
        elif e.event_type == "KYCProcessStarted":
            ops = [hset(k("account", d["account_id"]), {
                "verification_status": "pending", "verification_level": d.get("verification_level", ""),
                "required_documents": json.dumps(d.get("required_documents", [])),
                "kyc_due_date": d.get("due_date", ""),
            })]
        elif e.event_type == "KYCProcessCompleted":
            ops = [hset(k("account", d["account_id"]), {
                "verification_status": d.get("verification_status", ""),
                "capabilities": json.dumps(d.get("approved_capabilities", [])),
                "risk_level": d.get("risk_level", ""), "required_documents": "[]",
            })]
        elif e.event_type == "PayoutCreated":
            ops = [
                hset(k("payout", d["payout_id"]), {
                    "id": d["payout_id"], "account_id": d.get("account_id") or e.tenant_id,
                    "amount": d.get("payout_amount", 0), "currency": d.get("currency", ""),
                    "destination": d.get("destination_account", ""), "arrival_date": d.get("estimated_arrival", ""),
                    "description": d.get("description", ""), "balance_transaction": d.get("balance_transaction_id", ""),
                    "metadata": json.dumps(d.get("metadata") or {}, sort_keys=True), "created_us": e.created_us,
                    "position": e.commit_position,
                }),
                ("ZADD", k("acct", d.get("account_id") or e.tenant_id, "payouts"), str(e.created_us), d["payout_id"]),
            ]
        else:
            return []
        if e.aggregate_type == "Account":
            ops.append(hset(k("account", e.aggregate_id), {"version": e.aggregate_version, "position": e.commit_position}))
        return ops
