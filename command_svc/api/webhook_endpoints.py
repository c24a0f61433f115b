"""gRPC methods of AccountCommandService for webhook endpoints (mixed into AccountServicer)."""

from __future__ import annotations

import grpc
from google.protobuf.timestamp_pb2 import Timestamp
from ledgermesh.accounts.v1 import account_pb2
from ledgermesh.accounts.v1 import account_service_pb2 as pb

from command_svc.api.errors import abort_for
from command_svc.application.ports import WebhookEndpointRecord
from command_svc.application.webhooks import WebhookEndpointsApp
from command_svc.domain.errors import DomainError
from support.auth import current_caller
from support.errors import abort


def endpoint_message(record: WebhookEndpointRecord, *, with_secret: bool = False) -> account_pb2.WebhookEndpoint:
    created = Timestamp()
    created.FromDatetime(record.created_at)
    return account_pb2.WebhookEndpoint(
        id=record.id, account_id=record.account_id, url=record.url, enabled_events=list(record.enabled_events),
        status=record.status, secret=record.secret if with_secret else "", description=record.description,
        metadata=record.metadata, created=created)


class WebhookEndpointMethods:
    webhooks: WebhookEndpointsApp | None = None

    async def _webhooks(self, context: grpc.aio.ServicerContext) -> WebhookEndpointsApp:
        if self.webhooks is None:
            await abort(context, grpc.StatusCode.UNIMPLEMENTED, "NOT_IMPLEMENTED", "webhooks are not configured")
        assert self.webhooks is not None
        return self.webhooks

    async def CreateWebhookEndpoint(self, request: pb.CreateWebhookEndpointRequest,
                                    context: grpc.aio.ServicerContext) -> pb.CreateWebhookEndpointResponse:
        app = await self._webhooks(context)
        try:
            record = await app.create(current_caller().account_id, url=request.url,
                                      enabled_events=list(request.enabled_events), description=request.description,
                                      metadata=dict(request.metadata), idempotency_key=request.idempotency_key)
        except DomainError as exc:
            await abort_for(context, exc)
            raise AssertionError("unreachable") from exc
        return pb.CreateWebhookEndpointResponse(webhook_endpoint=endpoint_message(record, with_secret=True))

    async def UpdateWebhookEndpoint(self, request: pb.UpdateWebhookEndpointRequest,
                                    context: grpc.aio.ServicerContext) -> pb.UpdateWebhookEndpointResponse:
        app = await self._webhooks(context)
        try:
            record = await app.update(
                current_caller().account_id, request.id,
                url=request.url if request.HasField("url") else None,
                enabled_events=list(request.enabled_events),
                disabled=request.disabled if request.HasField("disabled") else None,
                description=request.description if request.HasField("description") else None)
        except DomainError as exc:
            await abort_for(context, exc)
            raise AssertionError("unreachable") from exc
        return pb.UpdateWebhookEndpointResponse(webhook_endpoint=endpoint_message(record))

    async def DeleteWebhookEndpoint(self, request: pb.DeleteWebhookEndpointRequest,
                                    context: grpc.aio.ServicerContext) -> pb.DeleteWebhookEndpointResponse:
        app = await self._webhooks(context)
        try:
            await app.delete(current_caller().account_id, request.id)
        except DomainError as exc:
            await abort_for(context, exc)
            raise AssertionError("unreachable") from exc
        return pb.DeleteWebhookEndpointResponse(id=request.id, deleted=True)

    async def GetWebhookEndpoint(self, request: pb.GetWebhookEndpointRequest,
                                 context: grpc.aio.ServicerContext) -> pb.GetWebhookEndpointResponse:
        app = await self._webhooks(context)
        try:
            record = await app.get(current_caller().account_id, request.id)
        except DomainError as exc:
            await abort_for(context, exc)
            raise AssertionError("unreachable") from exc
        return pb.GetWebhookEndpointResponse(webhook_endpoint=endpoint_message(record))

    async def ListWebhookEndpoints(self, request: pb.ListWebhookEndpointsRequest,
                                   context: grpc.aio.ServicerContext) -> pb.ListWebhookEndpointsResponse:
        app = await self._webhooks(context)
        try:
            records, has_more = await app.page(current_caller().account_id, request.limit, request.starting_after,
                                               request.ending_before)
        except DomainError as exc:
            await abort_for(context, exc)
            raise AssertionError("unreachable") from exc
        return pb.ListWebhookEndpointsResponse(webhook_endpoints=[endpoint_message(r) for r in records],
                                               has_more=has_more)
