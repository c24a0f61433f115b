"""What the use cases need from storage and the outside world, and nothing of how it is done.

PostgreSQL implements the store-level ports in eventlog/ (EventStore, IdempotencyKeys) and the
service's own ones in command_svc/adapters/; eventlog/memory.py and command_svc/adapters/memory.py
implement them in memory for tests/application/."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from eventlog.records import Claimed, Commit, SavedRefusal, SavedResponse, StoredEvent


class EventStore(Protocol):
    async def read_stream(self, aggregate_id: str, *, after_version: int = 0) -> list[StoredEvent]:
        """The stream's events in version order; `after_version` skips those a caller already folded."""
        ...

    async def stream_ids(self, tenant_id: str, aggregate_type: str) -> list[str]:
        """The ids of the tenant's streams of one aggregate type."""
        ...

    async def commit(self, commit: Commit) -> list[StoredEvent]:
        """Write the whole commit or nothing; WrongExpectedVersion when a stream moved past its
        expected version."""
        ...


class IdempotencyKeys(Protocol):
    async def claim(
        self, tenant_id: str, key: str, operation: str, request_hash: str
    ) -> Claimed | SavedResponse | SavedRefusal:
        """Own the key, or learn what the command answered under it. IdempotencyKeyReused when the
        key was used with another request, IdempotencyKeyInUse while that request still runs."""
        ...

    async def release(self, tenant_id: str, key: str, lease: str = "") -> None:
        """Forget a claim whose command saved nothing, so the request can be sent again; only the
        claim made under `lease` (Claimed.lease) when one is given."""
        ...

    async def save_refusal(self, tenant_id: str, key: str, refusal: SavedRefusal, lease: str = "") -> None:
        """Complete the key with the command's refusal, so a retry is refused alike; only while it is
        still held under `lease` when one is given."""
        ...


class EventPublisher(Protocol):
    async def publish(self, events: Sequence[StoredEvent]) -> None:
        """Send committed events to the bus; what fails here the relay sends later."""
        ...


class ChargeHistory(Protocol):
    """What the fraud rules and the expiry sweeper ask of the charges already requested."""

    async def card_charges(self, tenant_id: str, card_fingerprint: str, *, since: datetime, cap: int) -> int:
        """Charges requested on the account with the card since `since`, counted up to `cap` only:
        the rules ask whether the count reaches a threshold, so counting further is work for nothing."""
        ...

    async def lapsed_authorizations(self, tenant_id: str, now: datetime, limit: int) -> list[str]:
        """Ids of authorized, never captured or expired charges whose authorization lapsed by `now`,
        oldest first."""
        ...


@dataclass(frozen=True)
class WebhookEndpointRecord:
    id: str
    account_id: str
    url: str
    enabled_events: tuple[str, ...]
    status: str
    secret: str
    description: str
    created_at: datetime
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class WebhookEndpointChanges:
    """The fields an update sets; None leaves a field as it is."""

    url: str | None = None
    enabled_events: tuple[str, ...] | None = None
    status: str | None = None
    description: str | None = None


class WebhookEndpoints(Protocol):
    async def insert(self, record: WebhookEndpointRecord, idempotency_key: str) -> WebhookEndpointRecord:
        """Insert, or return the endpoint an earlier call with the same idempotency key created."""
        ...

    async def get(self, account_id: str, endpoint_id: str) -> WebhookEndpointRecord | None: ...

    async def update(
        self, account_id: str, endpoint_id: str, changes: WebhookEndpointChanges
    ) -> WebhookEndpointRecord | None: ...

    async def delete(self, account_id: str, endpoint_id: str) -> bool: ...

    async def page(
        self, account_id: str, limit: int, starting_after: str, ending_before: str
    ) -> tuple[list[WebhookEndpointRecord], bool]:
        """Newest first with Stripe's cursors by id; True when there are more."""
        ...


class WebhookUrlPolicy(Protocol):
    async def check(self, url: str) -> None:
        """Raise ValidationError (field `url`) unless webhooks may target `url`."""
        ...
