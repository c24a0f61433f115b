"""Stripe list parameters -> query.v1.Page."""

from __future__ import annotations

from typing import Any

from google.protobuf.timestamp_pb2 import Timestamp
from ledgermesh.query.v1 import query_service_pb2 as q

from gateway.routes.common import integer
from gateway.stripe_shapes.errors import StripeError


def _ts(seconds: int) -> Timestamp:
    ts = Timestamp()
    ts.FromSeconds(seconds)
    return ts


def page_from(p: dict[str, Any]) -> q.Page:
    limit = integer(p, "limit") or 10
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
                assert value is not None
                target = page.created_gte if op.startswith("g") else page.created_lte
                target.CopyFrom(_ts(value + shift))
    elif created not in (None, ""):
        value = integer(p, "created")
        assert value is not None
        page.created_gte.CopyFrom(_ts(value))
        page.created_lte.CopyFrom(_ts(value))
    return page
