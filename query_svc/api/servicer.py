"""gRPC QueryService: reads scoped to the caller's account; another account's object is NOT_FOUND."""

from __future__ import annotations

import grpc
from ledgermesh.query.v1 import query_service_pb2 as q
from ledgermesh.query.v1 import query_service_pb2_grpc

from query_svc.adapters.read_models import ReadModels
from runtime.auth import current_caller
from runtime.errors import abort


def _us(ts: object) -> int | None:
    from google.protobuf.timestamp_pb2 import Timestamp

    if isinstance(ts, Timestamp) and (ts.seconds or ts.nanos):
        return ts.ToMicroseconds()
    return None


class QueryServicer(query_service_pb2_grpc.QueryServiceServicer):
    def __init__(self, read_models: ReadModels) -> None:
        self.rm = read_models

    async def _not_found(self, context: grpc.aio.ServicerContext, kind: str, object_id: str) -> None:
        await abort(context, grpc.StatusCode.NOT_FOUND, "RESOURCE_MISSING",
                    f"No such {kind}: '{object_id}'", {"param": "id"})

    async def GetCharge(self, request: q.GetChargeRequest, context: grpc.aio.ServicerContext) -> q.GetChargeResponse:
        charge = await self.rm.charge(current_caller().account_id, request.charge_id, request.min_position)
        if charge is None:
            await self._not_found(context, "charge", request.charge_id)
        return q.GetChargeResponse(charge=charge)

    async def ListCharges(self, request: q.ListChargesRequest, context: grpc.aio.ServicerContext) -> q.ListChargesResponse:
        account = current_caller().account_id
        page = request.page
        ids, has_more = await self.rm.page(
            self.rm.keys("acct", account, "charges"), page.limit, page.starting_after, page.ending_before,
            _us(page.created_gte), _us(page.created_lte),
        )
        charges = [c for c in [await self.rm.charge(account, i) for i in ids] if c is not None]
        return q.ListChargesResponse(charges=charges, has_more=has_more)
