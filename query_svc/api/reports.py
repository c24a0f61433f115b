"""Dashboard (also as a live stream), settlement report and analytics."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta

import grpc
from ledgermesh.query.v1 import query_service_pb2 as q

from query_svc.adapters.pages import PageRequest
from query_svc.api.common import ReadSide, account, invalid
from readmodel.reports import analytics_day_from_hash, dashboard_from_hash, settlement_rows_from_hash

MAX_REPORT_DAYS = 366
RECENT_CHARGES = 10


def today() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d")


class DayRangeError(ValueError):
    """A report period that is not two YYYY-MM-DD days in order, at most MAX_REPORT_DAYS long."""


def day_range(start: str, end: str) -> list[str]:
    try:
        last = date.fromisoformat(end) if end else datetime.now(UTC).date()
        first = date.fromisoformat(start) if start else last - timedelta(days=30)
    except ValueError as exc:
        raise DayRangeError("days are YYYY-MM-DD") from exc
    if first > last or (last - first).days >= MAX_REPORT_DAYS:
        raise DayRangeError(f"start_day must not be after end_day, and the period is at most {MAX_REPORT_DAYS} days")
    return [(first + timedelta(days=i)).isoformat() for i in range((last - first).days + 1)]


class ReportQueries(ReadSide):
    async def dashboard(self, acct: str) -> q.Dashboard:
        day = today()
        h: dict[str, str] = await self.rm.redis.hgetall(self.rm.keys.dashboard(acct, day))  # type: ignore[assignment]
        ids, _ = await self.rm.pager.ids(self.rm.keys.account_charges(acct), PageRequest(limit=RECENT_CHARGES))
        return dashboard_from_hash(day, h, [c for c in await self.rm.charges(acct, ids) if c is not None])

    async def GetDashboard(self, request: q.GetDashboardRequest, context: grpc.aio.ServicerContext) -> q.GetDashboardResponse:
        return q.GetDashboardResponse(dashboard=await self.dashboard(account()))

    async def WatchDashboard(
        self, request: q.WatchDashboardRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[q.WatchDashboardResponse]:
        """The dashboard now, then again after every change the projector announces. A burst of
        changes is coalesced into one update."""
        acct = account()
        pubsub = self.rm.redis.pubsub()
        await pubsub.subscribe(self.rm.keys.dashboard_channel(acct))
        try:
            yield q.WatchDashboardResponse(dashboard=await self.dashboard(acct))
            while True:
                message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
                if message is None:
                    continue
                while await pubsub.get_message(ignore_subscribe_messages=True, timeout=0.01) is not None:
                    pass
                yield q.WatchDashboardResponse(dashboard=await self.dashboard(acct))
        except asyncio.CancelledError:
            raise
        finally:
            await pubsub.unsubscribe()
            await pubsub.aclose()

    async def GetSettlementReport(
        self, request: q.GetSettlementReportRequest, context: grpc.aio.ServicerContext
    ) -> q.GetSettlementReportResponse:
        try:
            days = day_range(request.start_day, request.end_day)
        except DayRangeError as exc:
            await invalid(context, "DAY_RANGE_INVALID", str(exc), "start_day")
            raise
        acct = account()
        rows: list[q.SettlementRow] = []
        for day, h in zip(days, await self.rm.hashes([self.rm.keys.settlement(acct, d) for d in days]), strict=True):
            rows += settlement_rows_from_hash(day, h)
        return q.GetSettlementReportResponse(rows=rows)

    async def GetAnalytics(self, request: q.GetAnalyticsRequest, context: grpc.aio.ServicerContext) -> q.GetAnalyticsResponse:
        try:
            days = day_range(request.start_day, request.end_day)
        except DayRangeError as exc:
            await invalid(context, "DAY_RANGE_INVALID", str(exc), "start_day")
            raise
        acct = account()
        hashes = await self.rm.hashes([self.rm.keys.analytics(acct, d) for d in days])
        result = [analytics_day_from_hash(day, h) for day, h in zip(days, hashes, strict=True)]
        return q.GetAnalyticsResponse(days=result)
