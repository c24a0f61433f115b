"""Audit trails, suspicious activity, and the projections' own progress."""

from __future__ import annotations

import grpc
from google.protobuf.timestamp_pb2 import Timestamp
from ledgermesh.query.v1 import query_service_pb2 as q

from query_svc.adapters.pages import CursorMissing
from query_svc.api.common import ReadSide, account, not_found, page_of
from readmodel.events import envelope_from_record
from readmodel.keys import PROJECTION_NAMES
from readmodel.reports import suspicious_activity_from_hashes

MAX_AUDIT_EVENTS = 10_000


class ComplianceQueries(ReadSide):
    async def GetAuditTrail(self, request: q.GetAuditTrailRequest, context: grpc.aio.ServicerContext) -> q.GetAuditTrailResponse:
        acct = account()
        raws = await self.rm.redis.zrange(self.rm.keys.audit_trail(request.object_id), 0, MAX_AUDIT_EVENTS - 1)
        events = [envelope_from_record(str(r)) for r in raws]
        # The account's own trail is its stream; any other object must belong to the caller.
        if not events or any(e.tenant_id != acct for e in events):
            await not_found(context, "object", request.object_id)
        return q.GetAuditTrailResponse(events=events)

    async def ListSuspiciousActivity(
        self, request: q.ListSuspiciousActivityRequest, context: grpc.aio.ServicerContext
    ) -> q.ListSuspiciousActivityResponse:
        acct = account()
        try:
            ids, has_more = await self.rm.pager.ids(self.rm.keys.account_suspicious_charges(acct), page_of(request.page))
        except CursorMissing:
            return q.ListSuspiciousActivityResponse()
        flagged = await self.rm.hashes([self.rm.keys.suspicious_charge(i) for i in ids])
        charges = await self.rm.hashes([self.rm.keys.charge(i) for i in ids])
        items = [suspicious_activity_from_hashes(h, c)
                 for h, c in zip(flagged, charges, strict=True) if h.get("account_id") == acct]
        return q.ListSuspiciousActivityResponse(items=items, has_more=has_more)

    async def GetProjectionStatus(
        self, request: q.GetProjectionStatusRequest, context: grpc.aio.ServicerContext
    ) -> q.GetProjectionStatusResponse:
        names = PROJECTION_NAMES
        pipe = self.rm.redis.pipeline(transaction=False)
        for name in names:
            pipe.hgetall(self.rm.keys.projection_stats(name))
            pipe.llen(self.rm.keys.dead_letters(name))
        raw = await pipe.execute()
        statuses = []
        for name, stats, dead in zip(names, raw[::2], raw[1::2], strict=True):
            applied_at = Timestamp()
            if stats.get("last_applied_ms"):
                applied_at.FromMilliseconds(int(stats["last_applied_ms"]))
            statuses.append(q.ProjectionStatus(
                name=name, applied=int(stats.get("applied", 0)), position=int(stats.get("position", 0)),
                last_lag_ms=int(stats.get("last_lag_ms", 0)), last_applied_at=applied_at, dead_letters=int(dead),
            ))
        return q.GetProjectionStatusResponse(projections=statuses)


