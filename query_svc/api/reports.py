"""Dashboard (also as a live stream), settlement report and analytics."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta

import grpc
from ledgermesh.accounts.v1 import account_pb2
from ledgermesh.query.v1 import query_service_pb2 as q

from query_svc.adapters.pages import PageRequest
from query_svc.api.common import ReadSide, account, invalid

MAX_REPORT_DAYS = 366
RECENT_CHARGES = 10


def _amounts(h: dict[str, str], prefix: str) -> list[account_pb2.BalanceAmount]:
    return [account_pb2.BalanceAmount(amount=int(v), currency=name[len(prefix):])
            for name, v in sorted(h.items()) if name.startswith(prefix)]


def _rate_bps(succeeded: int, count: int) -> int:
    return round(succeeded * 10_000 / count) if count else 0


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
        count, succeeded = int(h.get("count", 0)), int(h.get("succeeded", 0))
        ids, _ = await self.rm.pager.ids(self.rm.keys.account_charges(acct), PageRequest(limit=RECENT_CHARGES))
        recent = [c for c in await self.rm.charges(acct, ids) if c is not None]
        return q.Dashboard(
            day=day, volume=_amounts(h, "volume:"), charge_count=count, succeeded_count=succeeded,
            failed_count=int(h.get("failed", 0)), success_rate_bps=_rate_bps(succeeded, count),
            recent_charges=recent, refunded=_amounts(h, "refunded:"),
        )

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
            by_currency: dict[str, dict[str, int]] = {}
            for name, value in h.items():
                currency, _, column = name.partition(":")
                by_currency.setdefault(currency, {})[column] = int(value)
            for currency in sorted(by_currency):
                c = by_currency[currency]
                gross, fees, refunds, disputes = c.get("gross", 0), c.get("fees", 0), c.get("refunds", 0), c.get("dispute_debits", 0)
                rows.append(q.SettlementRow(
                    day=day, currency=currency, gross=gross, fees=fees, refunds=refunds, dispute_debits=disputes,
                    net=gross - fees - refunds - disputes, payouts=c.get("payouts", 0),
                    charge_count=c.get("charge_count", 0),
                ))
        return q.GetSettlementReportResponse(rows=rows)

    async def GetAnalytics(self, request: q.GetAnalyticsRequest, context: grpc.aio.ServicerContext) -> q.GetAnalyticsResponse:
        try:
            days = day_range(request.start_day, request.end_day)
        except DayRangeError as exc:
            await invalid(context, "DAY_RANGE_INVALID", str(exc), "start_day")
            raise
        acct = account()
        result: list[q.AnalyticsDay] = []
        for day, h in zip(days, await self.rm.hashes([self.rm.keys.analytics(acct, d) for d in days]), strict=True):
            count, succeeded = int(h.get("count", 0)), int(h.get("succeeded", 0))
            result.append(q.AnalyticsDay(
                day=day, volume=_amounts(h, "volume:"), count=count, succeeded=succeeded,
                success_rate_bps=_rate_bps(succeeded, count),
                decline_reasons={n[len("decline:"):]: int(v) for n, v in h.items() if n.startswith("decline:")},
                card_countries={n[len("country:"):]: int(v) for n, v in h.items() if n.startswith("country:")},
            ))
        return q.GetAnalyticsResponse(days=result)
