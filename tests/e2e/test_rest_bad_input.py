"""Bad input over REST, as a Stripe client would send it: each gets a Stripe-shaped 400 or 413 naming the
parameter, with a code and its doc_url, and nothing reaches the log. Oversized bodies, chunked ones
included, are cut off at the limit while they stream, before the key is even looked at."""

from __future__ import annotations

import resource
from collections.abc import AsyncIterator
from typing import Any

import pytest

from support.settings import Settings
from tests.e2e.support import count_events

GOOD = b"amount=1000&currency=usd&source=tok_visa"
LIMIT = 64 * 1024


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.with_(gateway_max_body_bytes=LIMIT)


def _assert_stripe_error(response: Any, status: int, code: str, param: str | None) -> None:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error"
    assert error["code"] == code
    assert error.get("param") == param
    assert error["message"]
    assert error["doc_url"] == "https://stripe.com/docs/error-codes/" + code.replace("_", "-")


@pytest.mark.parametrize(("body", "code", "param"), [
    (b"amount=%20100&currency=usd&source=tok_visa", "parameter_invalid_integer", "amount"),
    (b"amount=1_000&currency=usd&source=tok_visa", "parameter_invalid_integer", "amount"),
    ("amount=١٢٣&currency=usd&source=tok_visa".encode(), "parameter_invalid_integer", "amount"),
    (b"amount=%2B5&currency=usd&source=tok_visa", "parameter_invalid_integer", "amount"),
    (b"amount[x]=5&currency=usd&source=tok_visa", "parameter_invalid_integer", "amount"),
    (GOOD + b"&metadata[a][b]=v", "parameter_invalid", "metadata[a]"),
    (GOOD + b"&amount=2000", "parameter_invalid", "amount"),
    (GOOD + b"&description=%FF%FE", "parameter_invalid", "description"),
    (GOOD + b"&description=caf\xc3", "parameter_invalid", "description"),
    (GOOD + b"&metadata" + b"[a]" * 1000 + b"=v", "parameter_invalid", "metadata"),
    (GOOD + b"&capturee=false", "parameter_unknown", "capturee"),
    (GOOD + b"&metadata[a]=1&shipping[name]=x", "parameter_unknown", "shipping"),
])
async def test_bad_charge_parameters_get_a_stripe_400_naming_them_and_nothing_is_stored(
        system, body: bytes, code: str, param: str) -> None:
    merchant = await system.merchant()
    before = await count_events(system)
    response = await system.http.post("/v1/charges", content=body, headers={
        **merchant.headers, "Content-Type": "application/x-www-form-urlencoded"})
    _assert_stripe_error(response, 400, code, param)
    assert await count_events(system) == before
    listed = await system.http.get("/v1/charges", headers=merchant.headers)
    assert listed.json()["data"] == []


async def test_unknown_nested_and_query_parameters_are_refused_by_name(system) -> None:
    merchant = await system.merchant()
    profile = await system.http.post("/v1/accounts", data={"business_profile[name]": "Shop",
                                                           "business_profile[colour]": "red"})
    _assert_stripe_error(profile, 400, "parameter_unknown", "business_profile[colour]")
    listed = await system.http.get("/v1/charges?limit=3&colour=red", headers=merchant.headers)
    _assert_stripe_error(listed, 400, "parameter_unknown", "colour")
    repeated = await system.http.get("/v1/charges?limit=3&limit=4", headers=merchant.headers)
    _assert_stripe_error(repeated, 400, "parameter_invalid", "limit")
    assert (await system.http.get("/v1/charges?limit=3&created[gte]=0", headers=merchant.headers)).status_code == 200


async def _endless(sent: list[int], chunk: bytes, total: int) -> AsyncIterator[bytes]:
    while sent[0] < total:
        sent[0] += len(chunk)
        yield chunk


def _rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize()


def _reset_peak_rss() -> None:
    # The process's peak (VmHWM) back to its current RSS (Linux: clear_refs 5), so the peak measured
    # next is this request's, not that of whatever ran earlier in this test process.
    with open("/proc/self/clear_refs", "w") as clear_refs:
        clear_refs.write("5")


def _peak_rss_bytes() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM in /proc/self/status")


@pytest.mark.parametrize("with_key", [True, False])
async def test_a_500_mb_chunked_body_gets_413_at_the_limit_and_is_never_held_in_memory(
        system, with_key: bool) -> None:
    merchant = await system.merchant()
    sent = [0]
    total = 500 * 1024 * 1024
    headers = {"Content-Type": "application/x-www-form-urlencoded", **(merchant.headers if with_key else {})}
    events_before = await count_events(system)
    before = _rss_bytes()
    _reset_peak_rss()
    response = await system.http.post("/v1/charges", headers=headers,
                                      content=_endless(sent, b"description=" + b"x" * 65_524 + b"&", total))
    _assert_stripe_error(response, 413, "request_too_large", None)
    assert response.request.headers["transfer-encoding"] == "chunked" and sent[0] >= total
    # The gateway runs in this process: its peak memory over the whole request stayed within a small
    # margin of where it started, although 500 MB went through it (parsed up to the limit, the rest
    # discarded as it arrived).
    assert _peak_rss_bytes() - before < 100 * 1024 * 1024
    assert await count_events(system) == events_before


async def test_a_body_with_too_many_keys_is_refused_while_streaming(system) -> None:
    merchant = await system.merchant()
    body = b"&".join(b"metadata[k%d]=v" % i for i in range(1_500))
    response = await system.http.post("/v1/charges", content=body, headers={
        **merchant.headers, "Content-Type": "application/x-www-form-urlencoded"})
    _assert_stripe_error(response, 400, "parameter_invalid", None)
    assert "Too many parameters" in response.json()["error"]["message"]
    assert (await system.http.get("/v1/charges", headers=merchant.headers)).json()["data"] == []


async def test_replies_carry_request_id_stripe_version_and_the_idempotency_key(system) -> None:
    merchant = await system.merchant()
    created = await system.http.post("/v1/charges", content=GOOD, headers={
        **merchant.headers, "Content-Type": "application/x-www-form-urlencoded",
        "Idempotency-Key": "order-77", "Stripe-Version": "2023-10-16"})
    assert created.status_code == 200, created.text
    assert created.headers["Idempotency-Key"] == "order-77"
    assert created.headers["Stripe-Version"] == "2023-10-16"
    assert created.headers["Request-Id"].startswith("req_")
    plain = await system.http.get("/v1/balance", headers=merchant.headers)
    assert plain.headers["Stripe-Version"] == "2024-06-20" and "Idempotency-Key" not in plain.headers



async def test_a_malformed_stripe_version_is_refused_before_anything_happens(system) -> None:
    merchant = await system.merchant()
    before = await count_events(system)
    refused = await system.http.post("/v1/charges", content=GOOD, headers={
        **merchant.headers, "Content-Type": "application/x-www-form-urlencoded", "Stripe-Version": "latest; drop"})
    _assert_stripe_error(refused, 400, "api_version_invalid", None)
    assert refused.headers["Stripe-Version"] == "2024-06-20"
    assert await count_events(system) == before
    named = await system.http.get("/v1/balance", headers={**merchant.headers, "Stripe-Version": "2025-03-31.basil"})
    assert named.status_code == 200 and named.headers["Stripe-Version"] == "2025-03-31.basil"
