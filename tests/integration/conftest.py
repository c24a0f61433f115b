"""Integration fixtures: the event log on the real PostgreSQL and JetStream, without the services."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest_asyncio

from composition.infrastructure import Infrastructure
from eventlog.records import AuditContext, NewEvent, StoredEvent, StreamAppend
from support.settings import Settings


@pytest_asyncio.fixture
async def infra(settings: Settings, cleanup: None) -> AsyncIterator[Infrastructure]:
    opened = await Infrastructure.open(settings)
    try:
        yield opened
    finally:
        await opened.close()


def audit(**fields: Any) -> AuditContext:
    values: dict[str, Any] = {"correlation_id": uuid.uuid4(), "request_id": "req_test", "trace_id": "0" * 32,
                              "user_id": "sk_test_abc", "ip_address": "203.0.113.7"}
    values.update(fields)
    return AuditContext(**values)


def note(text: str, amount: int = 100) -> NewEvent:
    """A small valid ledger-like payload; the event log does not interpret payloads."""
    return NewEvent(event_type="LedgerEntryPosted", data={"entry_id": text, "amount": amount, "currency": "usd"})


async def append_notes(infra: Infrastructure, stream: str, expected: int, *texts: str,
                       tenant: str = "acct_test") -> list[StoredEvent]:
    return await infra.store.append(
        tenant, [StreamAppend(stream, "Ledger", expected, tuple(note(t) for t in texts))], audit())
