"""The gateway's own refusals, in Stripe's error shape: oversized bodies, unknown URLs,
missing keys (rate limits: test_rate_limits.py); and the seed's dashboard and settlement report endpoints."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import time
from datetime import UTC, datetime

import httpx
import pytest

from composition.system import start_system
from support.settings import Settings
from tests.conftest import eventually


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.with_(gateway_rate_per_second=1.0, gateway_rate_burst=5, gateway_max_body_bytes=4096)


async def test_an_oversized_body_is_413(system) -> None:
    merchant = await system.merchant()
    response = await system.http.post("/v1/charges", headers=merchant.headers,
                                      data={"amount": "100", "currency": "usd", "source": "tok_visa",
                                            "description": "x" * 5000})
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "request_too_large"


async def test_unknown_urls_and_missing_keys_answer_in_stripe_shape(system) -> None:
    unknown = await system.http.get("/v1/nothing_here")
    assert unknown.status_code == 404 and unknown.json()["error"]["type"] == "invalid_request_error"
    anonymous = await system.http.get("/v1/charges")
    assert anonymous.status_code == 401 and anonymous.json()["error"]["type"] == "invalid_request_error"
    assert anonymous.headers["Request-Id"].startswith("req_")


async def test_dashboard_payments_shows_todays_charges(system) -> None:
    merchant = await system.merchant()
    await system.http.post("/v1/charges", headers=merchant.headers,
                           data={"amount": "1234", "currency": "usd", "source": "tok_visa"})
    await system.http.post("/v1/charges", headers=merchant.headers,
                           data={"amount": "999", "currency": "usd", "source": "tok_chargeDeclined"})

    async def both_counted():  # type: ignore[no-untyped-def]
        r = await system.http.get("/dashboard/payments?timeframe=today", headers=merchant.headers)
        body = r.json()
        return body if r.status_code == 200 and body["charge_count"] == 2 else None

    dashboard = await eventually(both_counted, message="dashboard never counted both charges")
    assert dashboard["object"] == "dashboard" and dashboard["day"] == datetime.now(UTC).date().isoformat()
    assert dashboard["succeeded_count"] == 1 and dashboard["failed_count"] == 1
    assert dashboard["volume"] == [{"amount": 1234, "currency": "usd"}]
    assert [c["amount"] for c in dashboard["recent_charges"]] == [999, 1234]
    refused = await system.http.get("/dashboard/payments?timeframe=forever", headers=merchant.headers)
    assert refused.status_code == 400 and refused.json()["error"]["param"] == "timeframe"


async def test_settlement_report_as_json_and_csv(system) -> None:
    merchant = await system.merchant()
    await system.http.post("/v1/charges", headers=merchant.headers,
                           data={"amount": "10000", "currency": "usd", "source": "tok_visa"})
    today = datetime.now(UTC).date().isoformat()

    async def settled_row():  # type: ignore[no-untyped-def]
        r = await system.http.get(f"/reports/settlement?period={today}..{today}&format=json",
                                  headers=merchant.headers)
        return r.json() if r.status_code == 200 and r.json()["data"] else None

    report = await eventually(settled_row, message="the capture never reached the settlement report")
    assert report["object"] == "settlement_report" and report["start_day"] == report["end_day"] == today
    row = report["data"][0]
    assert row["day"] == today and row["currency"] == "usd" and row["gross"] == 10000
    assert row["net"] == row["gross"] - row["fees"] - row["refunds"] - row["dispute_debits"]

    as_csv = await system.http.get(f"/reports/settlement?period={today[:7]}&format=csv", headers=merchant.headers)
    assert as_csv.status_code == 200 and as_csv.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert [(r["day"], r["currency"], r["gross"]) for r in rows] == [(today, "usd", "10000")]
    last_month = await system.http.get("/reports/settlement?period=last_month&format=csv", headers=merchant.headers)
    assert last_month.status_code == 200
    assert last_month.text.splitlines()[0].startswith("day,currency,gross")


async def test_an_open_dashboard_stream_gets_events_and_does_not_hold_up_shutdown(settings, cleanup) -> None:
    running = await start_system(settings)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{running.gateway_port}", timeout=15) as http:
            signup = await http.post("/v1/accounts", data={"email": "sse@example.com"})
            key = signup.json()["secret_key"]
            first_event = asyncio.get_running_loop().create_future()

            async def read_stream() -> None:
                async with http.stream("GET", "/dashboard/stream?timeframe=today",
                                       headers={"Authorization": f"Bearer {key}"}) as stream:
                    assert stream.headers["content-type"].startswith("text/event-stream")
                    async for line in stream.aiter_lines():
                        if line.startswith("data: ") and not first_event.done():
                            first_event.set_result(json.loads(line.removeprefix("data: ")))

            reader = asyncio.create_task(read_stream())
            snapshot = await asyncio.wait_for(first_event, 10)
            assert snapshot["dashboard"]["object"] == "dashboard" and snapshot["dashboard"]["charge_count"] == 0

            # When the system stops with the stream still open, it stops promptly and the stream ends
            started = time.monotonic()
            await asyncio.wait_for(running.stop(), 10)
            assert time.monotonic() - started < 5
            await asyncio.wait_for(asyncio.gather(reader, return_exceptions=True), 5)
    finally:
        if not running._stop.is_set():
            await running.stop()
