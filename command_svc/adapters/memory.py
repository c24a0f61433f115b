"""The command service's own ports in memory, answering as their PostgreSQL adapters do, over
eventlog.memory's event store. For tests/application/ and property tests."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from itertools import count

from command_svc.application.ports import WebhookEndpointChanges, WebhookEndpointRecord
from eventlog.memory import InMemoryEventStore


class InMemoryChargeHistory:
    def __init__(self, store: InMemoryEventStore) -> None:
        self._store = store

    async def card_charges(self, tenant_id: str, card_fingerprint: str, *, since: datetime, cap: int) -> int:
        return min(cap, sum(1 for e in self._store.events
                            if e.event_type == "ChargeRequested" and e.tenant_id == tenant_id
                            and e.data["card"]["fingerprint"] == card_fingerprint and e.created_at > since))

    async def lapsed_authorizations(self, tenant_id: str, now: datetime, limit: int) -> list[str]:
        events = self._store.events
        settled = {e.aggregate_id for e in events if e.event_type in ("PaymentCaptured", "AuthorizationExpired")}
        lapsed = [e.aggregate_id for e in events
                  if e.tenant_id == tenant_id and e.event_type == "PaymentAuthorized"
                  and datetime.fromisoformat(e.data["expires_at"]) <= now and e.aggregate_id not in settled]
        return lapsed[:limit]


class InMemoryWebhookEndpoints:
    def __init__(self) -> None:
        # id -> (insertion order, record); Stripe's cursors page by insertion order.
        self._endpoints: dict[str, tuple[int, WebhookEndpointRecord]] = {}
        self._by_idempotency_key: dict[tuple[str, str], str] = {}
        self._seq = count(1)

    async def insert(self, record: WebhookEndpointRecord, idempotency_key: str) -> WebhookEndpointRecord:
        if idempotency_key:
            earlier = self._by_idempotency_key.get((record.account_id, idempotency_key))
            if earlier is not None:
                return self._endpoints[earlier][1]
            self._by_idempotency_key[(record.account_id, idempotency_key)] = record.id
        self._endpoints[record.id] = (next(self._seq), record)
        return record

    async def get(self, account_id: str, endpoint_id: str) -> WebhookEndpointRecord | None:
        held = self._endpoints.get(endpoint_id)
        return held[1] if held is not None and held[1].account_id == account_id else None

    async def update(
        self, account_id: str, endpoint_id: str, changes: WebhookEndpointChanges
    ) -> WebhookEndpointRecord | None:
        record = await self.get(account_id, endpoint_id)
        if record is None:
            return None
        setting = {name: value for name, value in dataclasses.asdict(changes).items() if value is not None}
        updated = dataclasses.replace(record, **setting)
        self._endpoints[endpoint_id] = (self._endpoints[endpoint_id][0], updated)
        return updated

    async def delete(self, account_id: str, endpoint_id: str) -> bool:
        if await self.get(account_id, endpoint_id) is None:
            return False
        del self._endpoints[endpoint_id]
        return True

    async def page(
        self, account_id: str, limit: int, starting_after: str, ending_before: str
    ) -> tuple[list[WebhookEndpointRecord], bool]:
        newest_first = [record for _seq, record in sorted(self._endpoints.values(), key=lambda held: -held[0])
                        if record.account_id == account_id]
        ids = [record.id for record in newest_first]
        if ending_before:
            newer = newest_first[:ids.index(ending_before)] if ending_before in ids else []
            return newer[-limit:], len(newer) > limit
        if starting_after:
            newest_first = newest_first[ids.index(starting_after) + 1:] if starting_after in ids else []
        return newest_first[:limit], len(newest_first) > limit
