"""Reads the Redis read models the projector writes; turns hashes into protobuf resources."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from google.protobuf.json_format import ParseDict
from google.protobuf.timestamp_pb2 import Timestamp
from ledgermesh.accounts.v1 import account_pb2
from ledgermesh.disputes.v1 import dispute_pb2
from ledgermesh.events.v1 import envelope_pb2
from ledgermesh.payments.v1 import charge_pb2
from redis.asyncio import Redis

from eventcodec.codec import payload_message
from projector.projections.base import Keys
from query_svc.adapters.pages import Pager

_STATUS = {
    "pending": charge_pb2.CHARGE_STATUS_PENDING,
    "succeeded": charge_pb2.CHARGE_STATUS_SUCCEEDED,
    "failed": charge_pb2.CHARGE_STATUS_FAILED,
}


def timestamp_us(value: str | int | None) -> Timestamp:
    ts = Timestamp()
    if value:
        ts.FromMicroseconds(int(value))
    return ts


def timestamp_text(value: str | None) -> Timestamp | None:
    if not value:
        return None
    ts = Timestamp()
    ts.FromJsonString(value)
    return ts


def _int(h: dict[str, str], name: str) -> int:
    return int(h.get(name) or 0)


def _bool(h: dict[str, str], name: str) -> bool:
    return h.get(name) == "1"


class ReadModels:
    def __init__(self, redis: Redis, prefix: str, wait_timeout_ms: int = 1000) -> None:
        self._redis = redis
        self.keys = Keys(prefix)
        self._wait_timeout = wait_timeout_ms / 1000.0
        self.pager = Pager(redis)

    @property
    def redis(self) -> Redis:
        return self._redis

    async def wait_until(self, probe: Callable[[], Awaitable[bool]]) -> bool:
        """Poll `probe` until it holds or the read-your-writes bound passes."""
        deadline = time.monotonic() + self._wait_timeout
        delay = 0.002
        while True:
            if await probe():
                return True
            if time.monotonic() >= deadline:
                return False
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.05)

    async def hash_at(self, key: str, min_position: int) -> dict[str, str]:
        """A read model hash, waiting (bounded) until it reflects `min_position`."""
        found: dict[str, str] = {}

        async def probe() -> bool:
            nonlocal found
            found = await self._redis.hgetall(key)  # type: ignore[assignment] # decode_responses
            return bool(found) and (min_position <= 0 or int(found.get("position") or 0) >= min_position)

        if min_position > 0:
            await self.wait_until(probe)
        else:
            await probe()
        return found

    async def charge(self, account_id: str, charge_id: str, min_position: int = 0) -> charge_pb2.Charge | None:
        if min_position <= 0:
            # The common read: charge and metadata in one round trip.
            return (await self.charges(account_id, [charge_id]))[0]
        h = await self.hash_at(self.keys("charge", charge_id), min_position)
        if not h or h.get("account_id") != account_id:
            return None
        metadata: dict[str, str] = await self._redis.hgetall(self.keys("charge", charge_id, "metadata"))  # type: ignore[assignment]
        return charge_from_hash(h, metadata)

    async def owned(self, key: str, account_id: str, min_position: int = 0) -> dict[str, str] | None:
        """A hash that belongs to `account_id`, else None: another tenant's object does not exist."""
        h = await self.hash_at(key, min_position)
        if not h or h.get("account_id") != account_id or "id" not in h:
            return None
        return h

    async def hashes(self, keys: list[str]) -> list[dict[str, str]]:
        pipe = self._redis.pipeline(transaction=False)
        for key in keys:
            pipe.hgetall(key)
        return list(await pipe.execute()) if keys else []

    async def owned_many(self, kind: str, account_id: str, ids: list[str]) -> list[dict[str, str] | None]:
        found = await self.hashes([self.keys(kind, i) for i in ids])
        return [h if h and h.get("account_id") == account_id and "id" in h else None for h in found]

    async def charges(self, account_id: str, ids: list[str]) -> list[charge_pb2.Charge | None]:
        pipe = self._redis.pipeline(transaction=False)
        for i in ids:
            pipe.hgetall(self.keys("charge", i))
            pipe.hgetall(self.keys("charge", i, "metadata"))
        raw = await pipe.execute() if ids else []
        charges: list[charge_pb2.Charge | None] = []
        for h, metadata in zip(raw[::2], raw[1::2], strict=True):
            ok = h and h.get("account_id") == account_id and "id" in h
            charges.append(charge_from_hash(h, metadata) if ok else None)
        return charges

    async def strings(self, keys: list[str]) -> list[str | None]:
        return [None if v is None else str(v) for v in await self._redis.mget(keys)] if keys else []


def charge_from_hash(h: dict[str, str], metadata: dict[str, str]) -> charge_pb2.Charge:
    card = json.loads(h.get("card") or "{}")
    amount_captured = _int(h, "amount_captured")
    amount_refunded = _int(h, "amount_refunded")
    charge = charge_pb2.Charge(
        id=h["id"],
        account_id=h.get("account_id", ""),
        amount=_int(h, "amount"),
        amount_captured=amount_captured,
        amount_refunded=amount_refunded,
        currency=h.get("currency", ""),
        status=_STATUS.get(h.get("status", ""), charge_pb2.CHARGE_STATUS_UNSPECIFIED),
        captured=_bool(h, "captured"),
        paid=_bool(h, "paid"),
        refunded=(amount_refunded > 0 and amount_refunded >= max(amount_captured, 1))
        or _bool(h, "authorization_expired"),
        disputed=bool(h.get("dispute")),
        description=h.get("description", ""),
        metadata=metadata,
        customer=h.get("customer", ""),
        failure_code=h.get("failure_code", ""),
        failure_message=h.get("failure_message", ""),
        decline_code=h.get("decline_code", ""),
        balance_transaction=h.get("balance_transaction", ""),
        created=timestamp_us(h.get("created_us")),
        authorization_code=h.get("authorization_code", ""),
        network_transaction_id=h.get("network_transaction_id", ""),
        receipt_email=h.get("receipt_email", ""),
        statement_descriptor=h.get("statement_descriptor", ""),
        dispute=h.get("dispute", ""),
        fee=_int(h, "fee"),
        version=_int(h, "version"),
        position=_int(h, "position"),
        source=h.get("source", ""),
        outcome=_outcome(h),
    )
    if card:
        ParseDict(card, charge.card, ignore_unknown_fields=True)
    expires = timestamp_text(h.get("authorization_expires_at"))
    if expires is not None:
        charge.authorization_expires_at.CopyFrom(expires)
    return charge


def _outcome(h: dict[str, str]) -> charge_pb2.Outcome:
    status = h.get("status")
    decision = h.get("fraud_decision", "")
    blocked = decision == "FRAUD_DECISION_BLOCK"
    if status == "succeeded":
        network, kind = "approved_by_network", "manual_review" if decision == "FRAUD_DECISION_REVIEW" else "authorized"
        message = "Payment complete."
    elif blocked:
        network, kind, message = "not_sent_to_network", "blocked", "Stripe blocked this payment as too risky."
    elif status == "failed":
        network, kind, message = "declined_by_network", "issuer_declined", "The bank did not return any further details."
    else:
        network, kind, message = "", "", ""
    return charge_pb2.Outcome(
        network_status=network, type=kind, seller_message=message,
        risk_level=h.get("risk_level", ""), risk_score=_int(h, "risk_score"),
        rules=json.loads(h.get("rules") or "[]"),
        reason="highest_risk_level" if blocked else h.get("decline_code", ""),
    )


def now_us() -> int:
    return int(datetime.now(UTC).timestamp() * 1_000_000)


def loads(value: str | None) -> Any:
    return json.loads(value) if value else None


# --- Other resources ------------------------------------------------------------------------------


def refund_from_hash(h: dict[str, str]) -> charge_pb2.Refund:
    return charge_pb2.Refund(
        id=h["id"], charge_id=h.get("charge_id", ""), amount=_int(h, "amount"), currency=h.get("currency", ""),
        reason=h.get("reason", ""), status=h.get("status", ""), metadata=loads(h.get("metadata")) or {},
        created=timestamp_us(h.get("created_us")), balance_transaction=h.get("balance_transaction", ""),
        account_id=h.get("account_id", ""), position=_int(h, "position"),
    )


_DISPUTE_STATUS = {
    "needs_response": dispute_pb2.DISPUTE_STATUS_NEEDS_RESPONSE,
    "under_review": dispute_pb2.DISPUTE_STATUS_UNDER_REVIEW,
    "won": dispute_pb2.DISPUTE_STATUS_WON,
    "lost": dispute_pb2.DISPUTE_STATUS_LOST,
}


def dispute_from_hash(h: dict[str, str]) -> dispute_pb2.Dispute:
    dispute = dispute_pb2.Dispute(
        id=h["id"], charge_id=h.get("charge_id", ""), account_id=h.get("account_id", ""),
        amount=_int(h, "amount"), currency=h.get("currency", ""), reason=h.get("reason", ""),
        status=_DISPUTE_STATUS.get(h.get("status", ""), dispute_pb2.DISPUTE_STATUS_UNSPECIFIED),
        evidence=loads(h.get("evidence")) or {}, evidence_files=loads(h.get("evidence_files")) or [],
        submission_count=_int(h, "submission_count"), created=timestamp_us(h.get("created_us")),
        dispute_fee=_int(h, "dispute_fee"), version=_int(h, "version"), position=_int(h, "position"),
    )
    due = timestamp_text(h.get("evidence_due_by"))
    if due is not None:
        dispute.evidence_due_by.CopyFrom(due)
    return dispute


def payout_from_hash(h: dict[str, str], now: int | None = None) -> account_pb2.Payout:
    arrival = timestamp_text(h.get("arrival_date"))
    arrived = arrival is not None and arrival.ToMicroseconds() <= (now if now is not None else now_us())
    payout = account_pb2.Payout(
        id=h["id"], account_id=h.get("account_id", ""), amount=_int(h, "amount"), currency=h.get("currency", ""),
        status="paid" if arrived else "pending", destination=h.get("destination", ""),
        created=timestamp_us(h.get("created_us")), description=h.get("description", ""),
        metadata=loads(h.get("metadata")) or {}, balance_transaction=h.get("balance_transaction", ""),
        position=_int(h, "position"),
    )
    if arrival is not None:
        payout.arrival_date.CopyFrom(arrival)
    return payout


def account_from_hash(h: dict[str, str]) -> account_pb2.Account:
    status = h.get("verification_status", "")
    required = loads(h.get("required_documents")) or []
    account = account_pb2.Account(
        id=h["id"], email=h.get("email", ""), country=h.get("country", ""),
        default_currency=h.get("default_currency", ""), business_name=h.get("business_name", ""),
        verification_status=status, charges_enabled=status != "rejected", payouts_enabled=status == "verified",
        capabilities=loads(h.get("capabilities")) or [], risk_level=h.get("risk_level", ""),
        fee_percent_bps=_int(h, "fee_percent_bps"), fee_fixed=_int(h, "fee_fixed"),
        metadata=loads(h.get("metadata")) or {}, created=timestamp_us(h.get("created_us")), version=_int(h, "version"),
        requirements=account_pb2.Requirements(
            currently_due=required,
            disabled_reason="" if status == "verified" else "requirements.pending_verification",
        ),
    )
    deadline = timestamp_text(h.get("kyc_due_date"))
    if deadline is not None:
        account.requirements.current_deadline.CopyFrom(deadline)
    return account


def balance_from_hash(h: dict[str, str]) -> account_pb2.Balance:
    buckets: dict[str, list[account_pb2.BalanceAmount]] = {"available": [], "pending": [], "reserved": []}
    for name in sorted(h):
        currency, _, bucket = name.partition(":")
        if bucket in buckets:
            buckets[bucket].append(account_pb2.BalanceAmount(amount=int(h[name]), currency=currency))
    return account_pb2.Balance(**buckets)


def balance_transaction_from_hash(h: dict[str, str]) -> account_pb2.BalanceTransaction:
    txn = account_pb2.BalanceTransaction(
        id=h["id"], account_id=h.get("account_id", ""), amount=_int(h, "amount"), fee=_int(h, "fee"),
        net=_int(h, "net"), currency=h.get("currency", ""), type=h.get("type", ""), source=h.get("source", ""),
        status=h.get("status", ""), created=timestamp_us(h.get("created_us")), description=h.get("description", ""),
        reporting_category=h.get("reporting_category", ""), position=_int(h, "position"),
    )
    available_on = timestamp_text(h.get("available_on"))
    txn.available_on.CopyFrom(available_on if available_on is not None else txn.created)
    return txn


def envelope_from_record(raw: str) -> envelope_pb2.EventEnvelope:
    """An event as the events and compliance projections stored it, back in its bus format."""
    record = json.loads(raw)
    envelope = envelope_pb2.EventEnvelope(
        event_id=record["event_id"], event_type=record["event_type"], aggregate_type=record["aggregate_type"],
        aggregate_id=record["aggregate_id"], aggregate_version=record["aggregate_version"],
        global_position=record["global_position"], tenant_id=record["tenant_id"],
        commit_position=record.get("commit_position", 0),
    )
    envelope.occurred_at.FromDatetime(datetime.fromisoformat(record["occurred_at"]))
    ParseDict(record.get("metadata") or {}, envelope.metadata, ignore_unknown_fields=True)
    try:
        envelope.payload.Pack(payload_message(record["event_type"], record.get("data") or {}))
    except (KeyError, ValueError):
        pass  # an event type this build does not know: the envelope still carries its identity
    return envelope
