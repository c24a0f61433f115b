"""What every QueryService handler shares: the caller's account, pages, NOT_FOUND."""

from __future__ import annotations

import grpc
from google.protobuf.timestamp_pb2 import Timestamp
from ledgermesh.query.v1 import query_service_pb2 as q

from query_svc.adapters.pages import PageRequest
from query_svc.adapters.read_models import ReadModels
from support.auth import current_caller
from support.errors import abort


def account() -> str:
    return current_caller().account_id


def _us(ts: Timestamp) -> int | None:
    if ts.seconds or ts.nanos:
        return int(ts.ToMicroseconds())
    return None


def page_of(page: q.Page) -> PageRequest:
    return PageRequest(page.limit, page.starting_after, page.ending_before, _us(page.created_gte), _us(page.created_lte))


async def not_found(context: grpc.aio.ServicerContext, kind: str, object_id: str) -> None:
    await abort(context, grpc.StatusCode.NOT_FOUND, "RESOURCE_MISSING", f"No such {kind}: '{object_id}'", {"param": "id"})


async def invalid(context: grpc.aio.ServicerContext, reason: str, message: str, param: str) -> None:
    await abort(context, grpc.StatusCode.INVALID_ARGUMENT, reason, message, {"param": param})


class ReadSide:
    """Base of the handler mixins: the read models they share."""

    rm: ReadModels
