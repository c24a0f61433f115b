"""Accounts as Stripe shows them, payouts, and the API-key lookup the query service authenticates with."""

from __future__ import annotations

import json

from ledgermesh.events.v1 import account_events_pb2 as accounts
from ledgermesh.events.v1 import erasure_events_pb2 as erasure

from eventcodec.personal import REDACTED
from projector.projections.base import Handlers, Op, Projection, erased, hset, required, timestamp_text
from readmodel.accounts import PENDING, UNVERIFIED
from readmodel.events import ProjectedEvent
from readmodel.keys import PATTERNS, Keys

on = Handlers()


def _stamp(e: ProjectedEvent, k: Keys) -> list[Op]:
    # The account hash carries its stream's version and position, for read-your-writes.
    if e.aggregate_type != "Account":
        return []
    return [hset(k.account(e.aggregate_id), {"version": e.aggregate_version, "position": e.commit_position})]


@on(accounts.AccountOnboarded)
def _account_onboarded(e: ProjectedEvent, p: accounts.AccountOnboarded, k: Keys) -> list[Op]:
    account_id = required(p.account_id, "account_id")
    return [hset(k.account(account_id), {
        "id": account_id, "email": p.email, "country": p.country, "default_currency": p.default_currency,
        "business_name": p.business_name, "fee_percent_bps": p.fee_percent_bps, "fee_fixed": p.fee_fixed,
        "verification_status": UNVERIFIED, "created_us": e.created_us,
        "metadata": json.dumps(dict(p.metadata), sort_keys=True),
    }), *_stamp(e, k)]


@on(erasure.SubjectForgotten)
def _subject_forgotten(e: ProjectedEvent, p: erasure.SubjectForgotten, k: Keys) -> list[Op]:
    ops: list[Op] = []
    metadata_keys: dict[str, list[str]] = {}
    for f in erased(p, ("AccountOnboarded",)):
        if f.field == "metadata":
            metadata_keys.setdefault(f.aggregate_id, []).append(f.map_key or "")
        else:
            ops.append(("HSET", k.account(f.aggregate_id), f.field, REDACTED))
    # Account metadata is one JSON document, written whole by AccountOnboarded alone.
    for account_id, names in metadata_keys.items():
        ops.append(("HSET", k.account(account_id), "metadata",
                    json.dumps(dict.fromkeys(names, REDACTED), sort_keys=True)))
    return ops


@on(accounts.ApiKeyIssued)
def _api_key_issued(e: ProjectedEvent, p: accounts.ApiKeyIssued, k: Keys) -> list[Op]:
    # No copy of the key's hash: authentication reads PostgreSQL (support/key_store.py), and a read-model
    # copy would outlive a revocation. The key pattern stays in key_patterns, so a rebuild clears old copies.
    return [hset(k.account(required(p.account_id, "account_id")), {"last_key_issued_position": e.commit_position}),
            *_stamp(e, k)]


@on(accounts.KYCProcessStarted)
def _kyc_started(e: ProjectedEvent, p: accounts.KYCProcessStarted, k: Keys) -> list[Op]:
    return [hset(k.account(required(p.account_id, "account_id")), {
        "verification_status": PENDING, "verification_level": p.verification_level,
        "required_documents": json.dumps(list(p.required_documents)), "kyc_due_date": timestamp_text(p, "due_date"),
    }), *_stamp(e, k)]


@on(accounts.KYCProcessCompleted)
def _kyc_completed(e: ProjectedEvent, p: accounts.KYCProcessCompleted, k: Keys) -> list[Op]:
    return [hset(k.account(required(p.account_id, "account_id")), {
        "verification_status": p.verification_status, "capabilities": json.dumps(list(p.approved_capabilities)),
        # A provider's rejection leaves what it could not verify due again.
        "risk_level": p.risk_level, "required_documents": json.dumps(list(p.failed_requirements)),
    }), *_stamp(e, k)]


@on(accounts.PayoutCreated)
def _payout_created(e: ProjectedEvent, p: accounts.PayoutCreated, k: Keys) -> list[Op]:
    payout_id, account = required(p.payout_id, "payout_id"), p.account_id or e.tenant_id
    return [
        hset(k.payout(payout_id), {
            "id": payout_id, "account_id": account, "amount": p.payout_amount, "currency": p.currency,
            "destination": p.destination_account, "arrival_date": timestamp_text(p, "estimated_arrival"),
            "description": p.description, "balance_transaction": p.balance_transaction_id,
            "metadata": json.dumps(dict(p.metadata), sort_keys=True), "created_us": e.created_us,
            "position": e.commit_position,
        }),
        ("ZADD", k.account_payouts(account), str(e.created_us), payout_id),
        *_stamp(e, k),
    ]


class AccountsProjection(Projection):
    name = "accounts"
    key_patterns = (PATTERNS.account("*"), PATTERNS.api_key("*"), PATTERNS.payout("*"),
                    PATTERNS.account_payouts("*"))
    handlers = on
