"""GET /reports/settlement over QueryService.GetSettlementReport, as CSV or JSON."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request, Response
from ledgermesh.query.v1 import query_service_pb2 as q

from gateway import openapi as doc
from gateway.errors import StripeError
from gateway.routes.common import backends, call, query_params, text

router = APIRouter(tags=["reports"])

COLUMNS = ("day", "currency", "gross", "fees", "refunds", "dispute_debits", "net", "payouts", "charge_count")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")

REPORT: dict[str, Any] = {
    "type": "object", "required": ["object", "start_day", "end_day", "data"],
    "properties": {
        "object": {"type": "string", "enum": ["settlement_report"]},
        "start_day": {"type": "string"}, "end_day": {"type": "string"},
        "data": {"type": "array", "items": {"type": "object", "required": list(COLUMNS)}},
    },
}


def _today() -> date:
    return datetime.now(UTC).date()


def _month(year: int, month: int) -> tuple[date, date]:
    first = date(year, month, 1)
    following = date(year + (month == 12), month % 12 + 1, 1)
    return first, following - timedelta(days=1)


def _day(raw: str) -> date:
    if not _DAY.match(raw):
        raise ValueError(raw)
    return date.fromisoformat(raw)


def parse_period(period: str, today: Callable[[], date] = _today) -> tuple[date, date]:
    """`last_month`, `this_month`, `today`, `YYYY-MM`, `YYYY-MM-DD` or `YYYY-MM-DD..YYYY-MM-DD`
    -> (first day, last day), both inclusive, UTC days."""
    now = today()
    try:
        if period == "last_month":
            last = now.replace(day=1) - timedelta(days=1)
            return _month(last.year, last.month)
        if period == "this_month":
            return _month(now.year, now.month)
        if period == "today":
            return now, now
        if m := _MONTH.match(period):
            return _month(int(m.group(1)), int(m.group(2)))
        if ".." in period:
            start_raw, _, end_raw = period.partition("..")
            start, end = _day(start_raw), _day(end_raw)
        else:
            start = end = _day(period)
    except ValueError as exc:
        raise StripeError(400, "invalid_request_error",
                          "period must be last_month, this_month, today, YYYY-MM, YYYY-MM-DD or "
                          "YYYY-MM-DD..YYYY-MM-DD", param="period") from exc
    if end < start:
        raise StripeError(400, "invalid_request_error", "period ends before it starts", param="period")
    if (end - start).days > 366:
        raise StripeError(400, "invalid_request_error", "period spans more than a year", param="period")
    return start, end


def to_csv(rows: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


@router.get("/reports/settlement", response_model=None,
            responses={200: {"description": "Settlement totals per day and currency (minor units)",
                             "content": {"application/json": {"schema": REPORT},
                                         "text/csv": {"schema": {"type": "string"}}}},
                       **doc.error_responses()},
            openapi_extra=doc.query(("period", doc.STRING), ("format", {"type": "string", "enum": ["json", "csv"]})))
async def settlement_report(request: Request) -> Response | dict[str, Any]:
    p = query_params(request)
    start, end = parse_period(text(p, "period") or "last_month")
    fmt = text(p, "format") or "json"
    if fmt not in ("json", "csv"):
        raise StripeError(400, "invalid_request_error", "format must be csv or json", param="format")
    response = await call(request, backends(request).query.GetSettlementReport,
                          q.GetSettlementReportRequest(start_day=start.isoformat(), end_day=end.isoformat()))
    rows = [{c: getattr(r, c) for c in COLUMNS} for r in response.rows]
    if fmt == "csv":
        filename = f"settlement_{start.isoformat()}_{end.isoformat()}.csv"
        return Response(to_csv(rows), media_type="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="{filename}"'})
    return {"object": "settlement_report", "start_day": start.isoformat(), "end_day": end.isoformat(),
            "data": rows}
