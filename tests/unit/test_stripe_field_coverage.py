"""Every object the gateway serves carries at least 90% of the top-level fields Stripe's published
fixtures give it (stripe/openapi fixtures3.json; `tests/fixtures/stripe_fields.json`, copied from
../shared/reference/), because SDK code reading a field the server never sends raises AttributeError.
The objects come from the gateway's own OpenAPI, so a route added later is measured too."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gateway.app import create_app
from stripe_shapes.served import SERVED

REFERENCE: dict[str, list[str]] = json.loads(
    (Path(__file__).resolve().parents[1] / "fixtures" / "stripe_fields.json").read_text())
COVERAGE = 0.9


def _object_names(schema: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(schema, dict):
        enum = schema.get("properties", {}).get("object", {}).get("enum") if "properties" in schema else None
        if isinstance(enum, list):
            found.update(str(name) for name in enum)
        for value in schema.values():
            found |= _object_names(value)
    elif isinstance(schema, list):
        for value in schema:
            found |= _object_names(value)
    return found


def served_objects() -> set[str]:
    spec = create_app("127.0.0.1:1", "127.0.0.1:1").openapi()
    responses = [op.get("responses", {}) for path in spec["paths"].values() for op in path.values()]
    return {name for name in _object_names(responses) if name in REFERENCE}


def test_the_gateway_serves_the_objects_stripe_clients_use_most() -> None:
    assert {"charge", "refund", "dispute", "balance", "balance_transaction", "payout", "event", "account",
            "webhook_endpoint"} <= served_objects()


@pytest.mark.parametrize("name", sorted(served_objects()))
def test_each_served_object_carries_nine_tenths_of_stripes_fields(name: str) -> None:
    assert name in SERVED, f"{name} is served but has no shape in stripe_shapes.served.SERVED"
    served = SERVED[name]
    shaped = served.shape(served.message())
    expected = set(REFERENCE[name])
    missing = sorted(expected - set(shaped))
    covered = len(expected & set(shaped)) / len(expected)
    assert covered >= COVERAGE, f"{name}: {covered:.0%} of Stripe's fields; missing {missing}"
