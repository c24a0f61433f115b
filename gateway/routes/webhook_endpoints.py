"""/v1/webhook_endpoints over AccountCommandService (endpoints are configuration with a secret, kept
by the command side; see command_svc/application/webhooks.py)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from ledgermesh.accounts.v1 import account_service_pb2 as acc

from gateway import openapi as doc
from gateway.routes.common import (
    backends,
    boolean,
    call,
    form,
    idempotency_key,
    query_params,
    require,
    string_list,
    string_map,
    text,
)
from gateway.routes.pages import page_from
from stripe_shapes import objects

router = APIRouter(tags=["webhook_endpoints"])

ENDPOINT = doc.stripe_object("webhook_endpoint", ("id", "url", "enabled_events", "status"))
DELETED: dict[str, Any] = {
    "type": "object", "required": ["id", "object", "deleted"],
    "properties": {"object": {"type": "string", "enum": ["webhook_endpoint"]}, "deleted": {"type": "boolean"}},
}
_FORM = {"url": doc.STRING, "enabled_events": doc.EXPAND, "description": doc.STRING, "metadata": doc.METADATA}


@router.post("/v1/webhook_endpoints", response_model=None, responses=doc.responds(ENDPOINT),
             openapi_extra=doc.form(_FORM, ("url", "enabled_events")))
async def create_webhook_endpoint(request: Request) -> dict[str, Any]:
    p = await form(request)
    response = await call(request, backends(request).accounts.CreateWebhookEndpoint, acc.CreateWebhookEndpointRequest(
        url=text(p, "url") or str(require(p, "url")),
        enabled_events=string_list(p, "enabled_events") or [str(require(p, "enabled_events"))],
        description=text(p, "description"), metadata=string_map(p, "metadata"),
        idempotency_key=idempotency_key(request)))
    return objects.webhook_endpoint(response.webhook_endpoint)


@router.get("/v1/webhook_endpoints/{endpoint_id}", response_model=None, responses=doc.responds(ENDPOINT),
            openapi_extra=doc.query())
async def retrieve_webhook_endpoint(request: Request, endpoint_id: str) -> dict[str, Any]:
    query_params(request)
    response = await call(request, backends(request).accounts.GetWebhookEndpoint,
                          acc.GetWebhookEndpointRequest(id=endpoint_id))
    return objects.webhook_endpoint(response.webhook_endpoint)


@router.post("/v1/webhook_endpoints/{endpoint_id}", response_model=None, responses=doc.responds(ENDPOINT),
             openapi_extra=doc.form({**_FORM, "disabled": doc.BOOLEAN}))
async def update_webhook_endpoint(request: Request, endpoint_id: str) -> dict[str, Any]:
    p = await form(request)
    message = acc.UpdateWebhookEndpointRequest(id=endpoint_id, enabled_events=string_list(p, "enabled_events"))
    if "url" in p:
        message.url = text(p, "url")
    if "description" in p:
        message.description = text(p, "description")
    disabled = boolean(p, "disabled")
    if disabled is not None:
        message.disabled = disabled
    response = await call(request, backends(request).accounts.UpdateWebhookEndpoint, message)
    return objects.webhook_endpoint(response.webhook_endpoint)


@router.delete("/v1/webhook_endpoints/{endpoint_id}", response_model=None, responses=doc.responds(DELETED))
async def delete_webhook_endpoint(request: Request, endpoint_id: str) -> dict[str, Any]:
    response = await call(request, backends(request).accounts.DeleteWebhookEndpoint,
                          acc.DeleteWebhookEndpointRequest(id=endpoint_id))
    return objects.deleted("webhook_endpoint", response.id)


@router.get("/v1/webhook_endpoints", response_model=None, responses=doc.responds(doc.list_of(ENDPOINT)),
            openapi_extra=doc.query(*doc.LIST_PARAMS[:3]))
async def list_webhook_endpoints(request: Request) -> dict[str, Any]:
    page = page_from(query_params(request))
    response = await call(request, backends(request).accounts.ListWebhookEndpoints, acc.ListWebhookEndpointsRequest(
        limit=page.limit, starting_after=page.starting_after, ending_before=page.ending_before))
    return objects.list_object("/v1/webhook_endpoints",
                               [objects.webhook_endpoint(w) for w in response.webhook_endpoints],
                               response.has_more)
