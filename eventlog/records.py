"""The event log's records: what the application hands in, and what readers get back."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

# An idempotency key claimed longer ago than this belongs to a process that died mid-request; it may
# be taken over.
IN_FLIGHT_LEASE = timedelta(seconds=30)


@dataclass(frozen=True)
class NewEvent:
    """An event decided but not yet stored. `data` is the payload in its JSON storage form."""

    event_type: str
    data: dict[str, Any]
    event_version: int = 1
    event_id: uuid.UUID = field(default_factory=uuid.uuid4)


@dataclass(frozen=True)
class StreamAppend:
    """New events for one stream, written only if the stream is still at `expected_version`
    (0 for a stream that must not exist yet)."""

    aggregate_id: str
    aggregate_type: str
    expected_version: int
    events: tuple[NewEvent, ...]
    # Id of the stream's last event the decision saw, checked with the version when given: a decision
    # taken on state that includes events still in flight must not pass on a stream another writer
    # moved to the same version with other events.
    expected_head: uuid.UUID | None = None


@dataclass(frozen=True)
class AuditContext:
    """Who and why: the request-level metadata every event of one command carries."""

    correlation_id: uuid.UUID
    causation_id: uuid.UUID | None = None
    request_id: str = ""
    trace_id: str = ""
    traceparent: str = ""
    # The acting API key's id (key_...), never the key.
    user_id: str = ""
    ip_address: str | None = None
    # The acting key's kind (secret, restricted, publishable, operator) and, when the platform acted on
    # the account through Stripe-Account, the platform.
    key_kind: str = ""
    acting_platform: str = ""
    jurisdiction: str = "US"
    regulation: str = "PCI-DSS"
    data_classification: str = "DATA_CLASSIFICATION_FINANCIAL"
    retention_period: str = "7_years"

    def as_metadata(self) -> dict[str, Any]:
        return {
            "correlation_id": str(self.correlation_id),
            "causation_id": str(self.causation_id) if self.causation_id else "",
            "request_id": self.request_id,
            "trace_id": self.trace_id,
            "traceparent": self.traceparent,
            "user_id": self.user_id,
            "key_kind": self.key_kind,
            "acting_platform": self.acting_platform,
            "ip_address": self.ip_address or "",
            "jurisdiction": self.jurisdiction,
            "regulation": self.regulation,
            "data_classification": self.data_classification,
            "retention_period": self.retention_period,
        }


@dataclass(frozen=True)
class NewApiKey:
    """An API key issued by a command, stored (hashed) in the same transaction as its events."""

    key_hash: str
    account_id: str
    key_prefix: str
    key_id: str = ""
    kind: str = "secret"
    # resource -> "read" | "write", for restricted keys.
    permissions: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class IdempotentResponse:
    """The response to save under an idempotency key, built from the events as stored (their
    positions are part of it) and saved in the same transaction, so a retry can never see the
    events without their response or the reverse."""

    key: str
    build: Callable[[list[StoredEvent]], bytes]
    # The claim's lease token: the response is saved only while the key is still held under it, so a
    # process that was paused past its lease (the key taken over since) cannot answer it a second time.
    lease: str = ""


class StreamReader(Protocol):
    async def read_stream(self, aggregate_id: str, *, after_version: int = 0) -> list[StoredEvent]:
        """The stream's events in version order, as the transaction writing them sees them."""
        ...


@dataclass(frozen=True)
class Commit:
    """Everything one command writes, all of it or none: events to streams at their expected
    versions, who asked, the response to save under its idempotency key, and the records that must
    exist exactly when the events do (API keys). Self-contained, so that one transaction holds many
    of them (group commit) without knowing which command built them."""

    tenant_id: str
    appends: tuple[StreamAppend, ...]
    audit: AuditContext
    idempotent_response: IdempotentResponse | None = None
    api_keys: tuple[NewApiKey, ...] = ()
    # The command decided again on the streams as they are, when one moved past its expected version.
    # The store calls it while it holds those streams, reading them through the reader, so the new
    # decision cannot lose to another writer; a DomainError it raises is the command's answer.
    rebase: Callable[[StreamReader], Awaitable[Commit]] | None = None


@dataclass(frozen=True)
class Claimed:
    """The caller owns the idempotency key and must run the command; `lease` names this claim."""

    lease: str = ""


@dataclass(frozen=True)
class SavedResponse:
    """The command already ran under this key; this is what it answered."""

    response: bytes


@dataclass(frozen=True)
class SavedRefusal:
    """The command already ran under this key and was refused. `kind` names the class of refusal
    in the application's terms; the log keeps it as text and does not interpret it."""

    kind: str
    reason: str
    message: str
    field: str | None = None
    # `dataclasses.field`: the name `field` is this class's attribute.
    metadata: Mapping[str, str] = dataclasses.field(default_factory=dict)


@dataclass(frozen=True)
class StoredEvent:
    """An event as the log holds it."""

    global_position: int
    event_id: uuid.UUID
    tenant_id: str
    aggregate_id: str
    aggregate_type: str
    aggregate_version: int
    event_type: str
    event_version: int
    data: dict[str, Any]
    metadata: dict[str, Any]
    created_at: datetime
    event_hash: str
    previous_event_hash: str | None
    signature: str
    tx_id: int = 0
    # Highest position written by the same transaction.
    commit_position: int = 0


@dataclass(frozen=True, order=True)
class LogPosition:
    """A gap-safe position in the log: (writing transaction id, global position)."""

    tx_id: int = 0
    position: int = 0
