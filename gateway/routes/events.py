"""/v1/events over QueryService: the account's log events in Stripe's event shape, `data.object` the
whole object as it stood right after the event, as webhooks send it."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from ledgermesh.query.v1 import query_service_pb2 as q

from gateway import openapi as doc
from gateway.routes.common import backends, call, query_params, text
from gateway.routes.pages import page_from
from stripe_shapes import events, objects

router = APIRouter(tags=["events"])

EVENT = doc.stripe_object("event", ("id", "type", "data"))
# Stripe event types back to the log's event types, for the `type` filter.
_LOG_TYPES: dict[str, list[str]] = {}
for _log_type, _stripe_type in events.STRIPE_EVENT_TYPES.items():
    _LOG_TYPES.setdefault(_stripe_type, []).append(_log_type)


@router.get("/v1/events/{event_id}", response_model=None, responses=doc.responds(EVENT), openapi_extra=doc.query())
async def retrieve_event(request: Request, event_id: str) -> dict[str, Any]:
    query_params(request)
    response = await call(request, backends(request).query.GetEvent,
                          q.GetEventRequest(event_id=events.envelope_id(event_id)))
    return events.event(response.event, _data_object(response.data_object_json))


@router.get("/v1/events", response_model=None, responses=doc.responds(doc.list_of(EVENT)),
            openapi_extra=doc.list_query(("type", doc.STRING)))
async def list_events(request: Request) -> dict[str, Any]:
    p = query_params(request)
    page = page_from(p)
    for cursor in ("starting_after", "ending_before"):
        if getattr(page, cursor):
            setattr(page, cursor, events.envelope_id(getattr(page, cursor)))
    wanted = text(p, "type")
    log_types = _LOG_TYPES.get(wanted, [wanted.removeprefix("ledgermesh.")]) if wanted else [""]
    # One Stripe type may stand for one log type (the common case) or several; the first is asked.
    response = await call(request, backends(request).query.ListEvents,
                          q.ListEventsRequest(page=page, type=log_types[0]))
    data_objects = list(response.data_objects_json) or [""] * len(response.events)
    return objects.list_object("/v1/events", [events.event(e, _data_object(o))
                                              for e, o in zip(response.events, data_objects, strict=True)],
                               response.has_more)


def _data_object(data_object_json: str) -> dict[str, Any] | None:
    # Empty for an event about no object (balance.available): the event then shows its own fields.
    return json.loads(data_object_json) if data_object_json else None
