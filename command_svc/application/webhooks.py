"""Webhook endpoints: register, change, remove and read the URLs that receive an account's events.

Endpoints are configuration, kept in a table rather than an event stream because deleting one must
really forget its signing secret. Delivery lives in projector/webhooks/."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import UTC, datetime

from command_svc.application.ids import new_id
from command_svc.application.ports import (
    WebhookEndpointChanges,
    WebhookEndpointRecord,
    WebhookEndpoints,
    WebhookUrlPolicy,
)
from command_svc.domain.errors import NotFoundError, ValidationError
from command_svc.domain.rules import refuse_nul

MAX_ENDPOINTS_PER_ACCOUNT = 16
MAX_DESCRIPTION = 5000
MAX_EVENT_TYPES = 256


def _now() -> datetime:
    return datetime.now(UTC)


def _validate_events(enabled_events: list[str]) -> tuple[str, ...]:
    refuse_nul({"enabled_events": "".join(enabled_events)})
    if not enabled_events:
        raise ValidationError("PARAMETER_MISSING", "enabled_events must name at least one event type or '*'.",
                              field="enabled_events")
    if len(enabled_events) > MAX_EVENT_TYPES or any(not e or len(e) > 100 for e in enabled_events):
        raise ValidationError("PARAMETER_INVALID", "enabled_events has an invalid entry.", field="enabled_events")
    return tuple(dict.fromkeys(enabled_events))


def _unnamable(endpoint_id: str) -> bool:
    # No id holds a NUL character, and PostgreSQL text cannot be asked for one.
    return "\x00" in endpoint_id


class WebhookEndpointsApp:
    def __init__(self, table: WebhookEndpoints, urls: WebhookUrlPolicy, *,
                 clock: Callable[[], datetime] = _now) -> None:
        self._table = table
        self._urls = urls
        self._clock = clock

    async def create(self, account_id: str, *, url: str, enabled_events: list[str], description: str,
                     metadata: dict[str, str], idempotency_key: str) -> WebhookEndpointRecord:
        events = _validate_events(enabled_events)
        refuse_nul({"url": url, "description": description, "metadata": "".join([*metadata, *metadata.values()])})
        await self._urls.check(url)
        if len(description) > MAX_DESCRIPTION:
            raise ValidationError("PARAMETER_INVALID", "description is too long.", field="description")
        existing, _ = await self._table.page(account_id, MAX_ENDPOINTS_PER_ACCOUNT, "", "")
        if len(existing) >= MAX_ENDPOINTS_PER_ACCOUNT and not idempotency_key:
            raise ValidationError("TOO_MANY_ENDPOINTS",
                                  f"An account may have at most {MAX_ENDPOINTS_PER_ACCOUNT} webhook endpoints.")
        record = WebhookEndpointRecord(
            id=new_id("we"), account_id=account_id, url=url, enabled_events=events, status="enabled",
            secret="whsec_" + secrets.token_urlsafe(32), description=description, created_at=self._clock(),
            metadata=metadata)
        return await self._table.insert(record, idempotency_key)

    async def get(self, account_id: str, endpoint_id: str) -> WebhookEndpointRecord:
        record = None if _unnamable(endpoint_id) else await self._table.get(account_id, endpoint_id)
        if record is None:
            raise NotFoundError("RESOURCE_MISSING", f"No such webhook endpoint: '{endpoint_id}'", field="id")
        return record

    async def update(self, account_id: str, endpoint_id: str, *, url: str | None, enabled_events: list[str],
                     disabled: bool | None, description: str | None) -> WebhookEndpointRecord:
        refuse_nul({"url": url or "", "description": description or ""})
        if url is not None:
            await self._urls.check(url)
        if _unnamable(endpoint_id):
            raise NotFoundError("RESOURCE_MISSING", f"No such webhook endpoint: '{endpoint_id}'", field="id")
        changes = WebhookEndpointChanges(
            url=url, enabled_events=_validate_events(enabled_events) if enabled_events else None,
            status=None if disabled is None else "disabled" if disabled else "enabled", description=description)
        record = await self._table.update(account_id, endpoint_id, changes)
        if record is None:
            raise NotFoundError("RESOURCE_MISSING", f"No such webhook endpoint: '{endpoint_id}'", field="id")
        return record

    async def delete(self, account_id: str, endpoint_id: str) -> None:
        if _unnamable(endpoint_id) or not await self._table.delete(account_id, endpoint_id):
            raise NotFoundError("RESOURCE_MISSING", f"No such webhook endpoint: '{endpoint_id}'", field="id")

    async def page(self, account_id: str, limit: int, starting_after: str, ending_before: str
                   ) -> tuple[list[WebhookEndpointRecord], bool]:
        if not 0 <= limit <= 100:
            raise ValidationError("PARAMETER_INVALID", "limit must be between 1 and 100", field="limit")
        return await self._table.page(account_id, limit or 10, starting_after, ending_before)
