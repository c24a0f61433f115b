"""Stripe list parameters -> query.v1.Page."""

from __future__ import annotations

from typing import Any

from google.protobuf.timestamp_pb2 import Timestamp
from ledgermesh.query.v1 import query_service_pb2 as q

from gateway.errors import StripeError
from gateway.routes.common import integer

_MAX_UNIX = 253402300799  # 9999-12-31T23:59:59Z, the last second a Timestamp holds


def _ts(seconds: int) -> Timestamp:
    if not 0 <= seconds <= _MAX_UNIX:
        raise StripeError(400, "invalid_request_error", "created must be a unix timestamp", param="created")
    ts = Timestamp()
    ts.FromSeconds(seconds)
    return ts


def page_from(p: dict[str, Any]) -> q.Page:
    limit = integer(p, "limit")
    limit = 10 if limit is None else limit
    if not 1 <= limit <= 100:
        raise StripeError(400, "invalid_request_error", "limit must be between 1 and 100", param="limit")
    page = q.Page(limit=limit, starting_after=str(p.get("starting_after", "")),
                  ending_before=str(p.get("ending_before", "")))
    created = p.get("created")
    if isinstance(created, dict):
        bounds = {"gte": 0, "gt": 1, "lte": 0, "lt": -1}
        for op, shift in bounds.items():
            if op in created:
                value = integer(created, op)
                if value is None:
                    continue
                target = page.created_gte if op.startswith("g") else page.created_lte
                target.CopyFrom(_ts(value + shift))
    elif created not in (None, ""):
        value = integer(p, "created")
        if value is None:
            return page
        page.created_gte.CopyFrom(_ts(value))
        page.created_lte.CopyFrom(_ts(value))
    return page
