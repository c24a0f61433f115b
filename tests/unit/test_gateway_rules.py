"""The gateway's own small rules, without I/O: rate limits, report periods, webhook URLs, signatures."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import UTC, date, datetime

import grpc
import httpx
import pytest
import stripe
from ledgermesh.events.v1 import envelope_pb2, payment_events_pb2

from gateway.errors import StripeError, card_declined, from_rpc_error
from gateway.forms import parse_nested
from gateway.rate_limit import TokenBuckets, retry_after_header
from gateway.routes.reports import parse_period, to_csv
from projector.webhooks.delivery import EndpointWorker
from projector.webhooks.endpoints import Endpoint
from projector.webhooks.outbox import PendingDelivery
from projector.webhooks.signing import signature_header
from stripe_shapes import events, objects
from support import webhook_urls
from support.errors import status_with_reason


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_key_gets_its_burst_then_waits_for_refill_while_other_keys_are_unaffected() -> None:
    clock = FakeClock()
    buckets = TokenBuckets(rate=2.0, burst=3, clock=clock)
    assert [buckets.take("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    wait = buckets.take("a")
    assert wait == pytest.approx(0.5)
    assert retry_after_header(wait) == 1
    assert buckets.take("b") == 0.0
    clock.now += 0.5
    assert buckets.take("a") == 0.0


def test_a_zero_rate_disables_the_limit() -> None:
    buckets = TokenBuckets(rate=0.0, burst=1)
    assert all(buckets.take("a") == 0.0 for _ in range(1000))


@pytest.mark.parametrize(
    ("period", "start", "end"),
    [
        ("last_month", date(2026, 10, 1), date(2026, 10, 31)),
        ("this_month", date(2026, 11, 1), date(2026, 11, 30)),
        ("2024-02", date(2024, 2, 1), date(2024, 2, 29)),
        ("2025-12", date(2025, 12, 1), date(2025, 12, 31)),
        ("2026-11-03", date(2026, 11, 3), date(2026, 11, 3)),
        ("2026-01-30..2026-02-02", date(2026, 1, 30), date(2026, 2, 2)),
    ],
)
def test_settlement_periods_name_inclusive_utc_days(period: str, start: date, end: date) -> None:
    assert parse_period(period, today=lambda: date(2026, 11, 25)) == (start, end)


def test_last_month_in_january_is_december_of_the_year_before() -> None:
    assert parse_period("last_month", today=lambda: date(2026, 1, 15)) == (date(2025, 12, 1), date(2025, 12, 31))


@pytest.mark.parametrize("period", ["2026-13", "2026-02-30", "yesterday-ish", "2026-02-02..2026-01-01",
                                    "2020-01-01..2026-01-01", ""])
def test_a_bad_period_is_a_400_naming_the_param(period: str) -> None:
    with pytest.raises(StripeError) as refused:
        parse_period(period, today=lambda: date(2026, 11, 25))
    assert refused.value.status == 400 and refused.value.param == "period"


def test_settlement_csv_has_a_header_and_one_line_per_row() -> None:
    text = to_csv([{"day": "2026-10-01", "currency": "usd", "gross": 1000, "fees": 59, "refunds": 0,
                    "dispute_debits": 0, "net": 941, "payouts": 0, "charge_count": 1}])
    assert text.splitlines() == ["day,currency,gross,fees,refunds,dispute_debits,net,payouts,charge_count",
                                 "2026-10-01,usd,1000,59,0,0,941,0,1"]


def test_stripe_form_keys_nest_into_hashes_and_lists() -> None:
    parsed = parse_nested([("metadata[order_id]", "1"), ("expand[]", "balance_transaction"),
                           ("expand[]", "customer"), ("evidence[customer_name]", "Jane")])
    assert parsed == {"metadata": {"order_id": "1"}, "expand": ["balance_transaction", "customer"],
                      "evidence": {"customer_name": "Jane"}}


@pytest.mark.parametrize("url", [
    "http://127.0.0.1/hook", "http://localhost:8000/hook", "http://10.1.2.3/hook", "http://192.168.0.1/",
    "http://169.254.169.254/latest/meta-data/", "http://metadata.google.internal/computeMetadata/v1/",
    "http://[::1]/hook", "http://[fd00:ec2::254]/", "http://[::ffff:127.0.0.1]/", "http://100.64.0.1/",
    "http://0.0.0.0/",
])
def test_webhooks_may_not_target_private_loopback_link_local_or_metadata_addresses(url: str) -> None:
    with pytest.raises(webhook_urls.WebhookUrlRefused) as refused:
        asyncio.run(webhook_urls.check(url, allow_private=False))
    assert refused.value.reason == "URL_FORBIDDEN"


@pytest.mark.parametrize("url", ["ftp://example.com/", "not a url", "http:///nohost", "http://u:p@93.184.216.34/"])
def test_webhook_urls_must_be_plain_http_or_https(url: str) -> None:
    with pytest.raises(webhook_urls.WebhookUrlRefused) as refused:
        asyncio.run(webhook_urls.check(url, allow_private=True))
    assert refused.value.reason == "URL_INVALID"


def test_a_public_address_is_accepted_and_the_development_setting_allows_loopback() -> None:
    asyncio.run(webhook_urls.check("https://93.184.216.34/hook", allow_private=False))
    asyncio.run(webhook_urls.check("http://127.0.0.1:9/hook", allow_private=True))


def test_the_signature_verifies_with_the_official_sdk() -> None:
    payload = json.dumps({"id": "evt_1", "object": "event", "type": "charge.succeeded",
                          "data": {"object": {"id": "ch_1", "object": "charge"}}})
    header = signature_header(payload, "whsec_test", timestamp=int(time.time()))
    event = stripe.Webhook.construct_event(payload, header, "whsec_test")
    assert event.type == "charge.succeeded"
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(payload, header, "whsec_other")


def _rpc_error(code: grpc.StatusCode, reason: str, field: str = "") -> grpc.aio.AioRpcError:
    status = status_with_reason(code, reason, f"{reason} happened", {"field": field} if field else None)
    return grpc.aio.AioRpcError(code, grpc.aio.Metadata(), grpc.aio.Metadata(*status.trailing_metadata),
                                details=status.details)


@pytest.mark.parametrize(
    ("code", "reason", "status", "error_type", "error_code"),
    [
        (grpc.StatusCode.UNAUTHENTICATED, "API_KEY_INVALID", 401, "invalid_request_error", "api_key_invalid"),
        (grpc.StatusCode.NOT_FOUND, "RESOURCE_MISSING", 404, "invalid_request_error", "resource_missing"),
        (grpc.StatusCode.ABORTED, "IDEMPOTENCY_KEY_IN_USE", 409, "idempotency_error", "idempotency_key_in_use"),
        (grpc.StatusCode.FAILED_PRECONDITION, "IDEMPOTENCY_KEY_REUSED", 400, "idempotency_error",
         "idempotency_key_in_use"),
        (grpc.StatusCode.FAILED_PRECONDITION, "INSUFFICIENT_FUNDS", 400, "invalid_request_error",
         "balance_insufficient"),
        (grpc.StatusCode.FAILED_PRECONDITION, "CHARGE_ALREADY_CAPTURED", 400, "invalid_request_error",
         "charge_already_captured"),
        (grpc.StatusCode.INVALID_ARGUMENT, "AMOUNT_TOO_SMALL", 400, "invalid_request_error", "amount_too_small"),
        (grpc.StatusCode.RESOURCE_EXHAUSTED, "RATE_LIMITED", 429, "invalid_request_error", "rate_limit"),
        (grpc.StatusCode.UNAVAILABLE, "DEPENDENCY_DOWN", 503, "api_error", None),
        (grpc.StatusCode.INTERNAL, "BUG", 500, "api_error", None),
    ],
)
def test_the_one_error_table_maps_grpc_refusals_to_stripe_errors(
        code: grpc.StatusCode, reason: str, status: int, error_type: str, error_code: str | None) -> None:
    error = from_rpc_error(_rpc_error(code, reason, field="amount"))
    assert (error.status, error.type, error.code) == (status, error_type, error_code)
    if status == 429:
        assert error.headers == {"Retry-After": "1"}
    if status < 500:
        assert error.param == "amount"


def test_a_declined_charge_is_a_402_card_error_naming_the_charge() -> None:
    body = json.loads(card_declined("ch_1", "", "insufficient_funds", "").response().body)
    assert body == {"error": {"type": "card_error", "code": "card_declined", "decline_code": "insufficient_funds",
                              "message": "Your card was declined.", "charge": "ch_1",
                                  "doc_url": "https://stripe.com/docs/error-codes/card-declined"}}


def test_a_redirect_to_the_metadata_address_is_refused_before_it_is_followed() -> None:
    # The one fake HTTP transport in the suite: the redirect's target is an address no test may reach,
    # and the first hop must look public, which a local server cannot.
    seen: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(307, headers={"Location": "http://169.254.169.254/latest/meta-data/"})

    async def post() -> None:
        async with httpx.AsyncClient(transport=httpx.MockTransport(answer)) as http:
            worker = EndpointWorker("we_1", None, None, http, (), allow_private=False)  # type: ignore[arg-type]
            endpoint = Endpoint("we_1", "acct_1", "https://93.184.216.34/hook", frozenset({"*"}), "whsec_1",
                                datetime.now(UTC))
            delivery = PendingDelivery(1, "we_1", "evt_1", "{}", 0, datetime.now(UTC))
            await worker._post(endpoint, delivery)

    with pytest.raises(webhook_urls.WebhookUrlRefused):
        asyncio.run(post())
    assert seen == ["https://93.184.216.34/hook"]


def test_a_log_event_is_shown_as_a_stripe_event_with_numeric_amounts() -> None:
    envelope = envelope_pb2.EventEnvelope(event_id="6f1c2a51-3a5e-4a0e-9b7e-1f2d3c4b5a69",
                                          event_type="PaymentAuthorized", aggregate_type="Charge",
                                          aggregate_id="ch_1", tenant_id="acct_1")
    envelope.payload.Pack(payment_events_pb2.PaymentAuthorized(charge_id="ch_1", amount=2000, currency="usd"))
    shaped = events.event(envelope)
    assert shaped["id"] == "evt_6f1c2a513a5e4a0e9b7e1f2d3c4b5a69" and shaped["type"] == "charge.succeeded"
    assert shaped["data"]["object"] == {"id": "ch_1", "object": "charge", "charge_id": "ch_1", "amount": 2000,
                                        "currency": "usd"}
    assert events.envelope_id(shaped["id"]) == envelope.event_id


def test_a_service_or_dependency_away_is_a_retryable_503_that_names_no_internals() -> None:
    from_service = from_rpc_error(_rpc_error(grpc.StatusCode.UNAVAILABLE, "DEPENDENCY_UNAVAILABLE"))
    from_channel = from_rpc_error(grpc.aio.AioRpcError(
        grpc.StatusCode.UNAVAILABLE, grpc.aio.Metadata(), grpc.aio.Metadata(),
        details="failed to connect to all addresses; last error: UNKNOWN: ipv4:127.0.0.1:50051: Connection refused"))
    for error in (from_service, from_channel):
        body = json.loads(error.response().body)["error"]
        assert (error.status, body["type"]) == (503, "api_error")
        assert error.headers == {"Retry-After": "1"}
        assert "127.0.0.1" not in body["message"] and "DEPENDENCY" not in body["message"]


def test_an_unexpected_failure_is_a_500_with_a_generic_message() -> None:
    error = from_rpc_error(grpc.aio.AioRpcError(
        grpc.StatusCode.UNKNOWN, grpc.aio.Metadata(), grpc.aio.Metadata(),
        details="Unexpected <class 'psycopg.errors.AdminShutdown'>: terminating connection"))
    assert (error.status, error.type, error.message) == (500, "api_error", "An unexpected error occurred.")
