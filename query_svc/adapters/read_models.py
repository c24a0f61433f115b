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
from ledgermesh.payments.v1 import charge_pb2
from redis.asyncio import Redis

from projector.projections.base import Keys

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
            found = await self._redis.hgetall(key)
            return bool(found) and (min_position <= 0 or int(found.get("position") or 0) >= min_position)

        if min_position > 0:
            await self.wait_until(probe)
        else:
            await probe()
        return found

    async def charge(self, account_id: str, charge_id: str, min_position: int = 0) -> charge_pb2.Charge | None:
        h = await self.hash_at(self.keys("charge", charge_id), min_position)
        if not h or h.get("account_id") != account_id:
            return None
        metadata = await self._redis.hgetall(self.keys("charge", charge_id, "metadata"))
        return charge_from_hash(h, metadata)

    async def page(
        self, index_key: str, limit: int, starting_after: str = "", ending_before: str = "",
        created_gte_us: int | None = None, created_lte_us: int | None = None,
    ) -> tuple[list[str], bool]:
        """Ids from a newest-first sorted-set index with Stripe's cursor semantics."""
        limit = max(1, min(limit or 10, 100))
        high: str | float = "+inf" if created_lte_us is None else created_lte_us
        low: str | float = "-inf" if created_gte_us is None else created_gte_us
        if ending_before:
            score = await self._redis.zscore(index_key, ending_before)
            if score is None:
                return [], False
            ids = await self._redis.zrangebyscore(index_key, f"({int(score)}", high, start=0, num=limit + 1)
            has_more = len(ids) > limit
            return list(reversed(ids[:limit])), has_more
        if starting_after:
            score = await self._redis.zscore(index_key, starting_after)
            if score is None:
                return [], False
            high = f"({int(score)}"
        ids = await self._redis.zrevrangebyscore(index_key, high, low, start=0, num=limit + 1)
        return list(ids[:limit]), len(ids) > limit


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
