"""What every QueryService handler shares: the caller's account, pages, NOT_FOUND."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

import grpc
from google.protobuf.timestamp_pb2 import Timestamp
from ledgermesh.query.v1 import query_service_pb2 as q

from query_svc.adapters.pages import PageRequest
from query_svc.adapters.read_models import ReadModels
from support.auth import current_caller
from support.errors import abort

T = TypeVar("T")

# gRPC metadata: the log position of the caller's latest write the client knows of (the gateway sends
# it, gateway/read_your_writes.py). A Get that finds nothing waits, bounded, for the projector first.
WRITTEN_POSITION_HEADER = "x-ledgermesh-written-position"

# The projection that writes each kind of object: its checkpoint says how far the read model is.
CHARGES, BALANCE, DISPUTES, ACCOUNTS = "charges", "balance", "disputes", "accounts"
# Customers, payment methods, PaymentIntents and SetupIntents (projector/projections/objects.py).
OBJECTS = "objects"


def written_position(context: grpc.aio.ServicerContext) -> int:
    for key, value in context.invocation_metadata() or ():
        if key == WRITTEN_POSITION_HEADER:
            try:
                return int(value)
            except (TypeError, ValueError):
                return 0
    return 0


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

    async def unless_behind(self, context: grpc.aio.ServicerContext, projection: str, found: T | None,
                            read: Callable[[], Awaitable[T | None]]) -> T | None:
        """`found`, or when it is None and the caller has written up to a position the projection has
        not reached yet, the object once it is projected: None only after the projection's checkpoint
        passed the caller's writes, or after the bounded wait (read-your-writes, docs/read-side.md)."""
        if found is not None:
            return found
        position = written_position(context)
        if position <= 0:
            return None
        return await self.rm.once_projected(read, projection, position)
