"""The query service wired: read models on Redis behind the gRPC QueryService, auth, health."""

from __future__ import annotations

import grpc
from ledgermesh.query.v1 import (
    object_query_service_pb2,
    object_query_service_pb2_grpc,
    query_service_pb2,
    query_service_pb2_grpc,
)

from composition.infrastructure import Infrastructure
from projector.webhooks.resources import ResourceHistory
from query_svc.adapters.read_models import ReadModels
from query_svc.api.objects import ObjectQueryServicer
from query_svc.api.servicer import QueryServicer
from support.auth import AuthInterceptor
from support.grpc_server import RunningGrpcServer, start_server
from support.health import redis as redis_dependency
from support.rate_limit import account_limits, failed_auth_limits

SERVICE_NAME = query_service_pb2.DESCRIPTOR.services_by_name["QueryService"].full_name
OBJECTS_SERVICE_NAME = object_query_service_pb2.DESCRIPTOR.services_by_name["ObjectQueryService"].full_name


async def start_query_server(infra: Infrastructure) -> RunningGrpcServer:
    s = infra.settings
    read_models = ReadModels(infra.redis, s.redis_prefix, s.read_your_writes_timeout_ms)
    servicer = QueryServicer(read_models, ResourceHistory(infra.store, s.api_base))
    objects = ObjectQueryServicer(read_models)

    def register(srv: grpc.aio.Server) -> None:
        query_service_pb2_grpc.add_QueryServiceServicer_to_server(servicer, srv)
        object_query_service_pb2_grpc.add_ObjectQueryServiceServicer_to_server(objects, srv)

    running = await start_server(
        [AuthInterceptor(infra.keys, limits=account_limits(s), failed_auth=failed_auth_limits(s))],
        register,
        [SERVICE_NAME, OBJECTS_SERVICE_NAME],
        f"{s.host}:{s.query_port}",
        [redis_dependency(infra.redis, read_models.last_answer)], grace_s=1.0,
        unresponsive_after_s=s.dependency_unresponsive_ms / 1000,
    )
    running.closers.append(read_models.close)
    return running
