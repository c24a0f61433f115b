"""The gateway's outermost limits (gateway/refusals.py), in front of a stand-in for the rest of the
gateway: per key, requests in progress (Stripe's concurrency limiter) and the account's rates, refused
in Stripe's 429 shape with Retry-After before anything behind them runs; other keys are not affected."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from gateway.rate_limit import CallerLimits, InFlight, TokenBuckets
from gateway.refusals import FastRefusals

A = {"Authorization": "Bearer sk_test_flooder"}
B = {"Authorization": "Bearer sk_test_calm"}


class Backend:
    """The rest of the gateway: answers 200, holding /v1/held requests until released."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.reached: list[str] = []

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        self.reached.append(scope["path"])
        if scope["path"] == "/v1/held":
            await self.release.wait()
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": b"{}"})


def _client(backend: Backend, callers: CallerLimits) -> httpx.AsyncClient:
    guarded = FastRefusals(backend, TokenBuckets(10.0, 50), callers)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=guarded), base_url="http://gateway")


def _is_stripes_rate_limit(response: httpx.Response) -> bool:
    error = response.json()["error"]
    return (response.status_code == 429 and int(response.headers["Retry-After"]) >= 1
            and error["type"] == "invalid_request_error" and error["code"] == "rate_limit"
            and response.headers["Request-Id"].startswith("req_"))


async def _until(condition: Any) -> None:
    """Let the event loop run until `condition()` holds (no clock involved: only other tasks' progress)."""
    for _ in range(10_000):
        if condition():
            return
        await asyncio.sleep(0)
    raise AssertionError("the condition never held")


async def _settle() -> None:
    """Let every task that can run go as far as it can."""
    for _ in range(100):
        await asyncio.sleep(0)


async def test_a_key_beyond_its_requests_in_progress_waits_then_gets_429_while_another_key_passes() -> None:
    backend = Backend()
    async with _client(backend, CallerLimits(2, 1, 0.0, 0.0)) as http:
        held = [asyncio.create_task(http.get("/v1/held", headers=A)) for _ in range(3)]
        await _until(lambda: backend.reached.count("/v1/held") == 2)

        refused = await http.get("/v1/held", headers=A)
        calm = await http.get("/v1/charges", headers=B)

        assert _is_stripes_rate_limit(refused)
        assert "in progress" in refused.json()["error"]["message"]
        assert calm.status_code == 200
        assert backend.reached.count("/v1/held") == 2  # the third waits for one of A's own slots
        backend.release.set()
        assert [r.status_code for r in await asyncio.gather(*held)] == [200, 200, 200]
        assert backend.reached.count("/v1/held") == 3


async def test_a_key_over_its_accounts_rate_is_refused_before_the_gateway_and_reads_and_writes_count_apart() -> None:
    backend = Backend()
    async with _client(backend, CallerLimits(4, 8, reads_per_second=2.0, writes_per_second=1.0,
                                             burst_seconds=1.0)) as http:
        reads = [await http.get("/v1/charges", headers=A) for _ in range(3)]
        writes = [await http.post("/v1/charges", headers=A) for _ in range(2)]
        calm = await http.get("/v1/charges", headers=B)

    assert [r.status_code for r in reads[:2]] == [200, 200] and _is_stripes_rate_limit(reads[2])
    assert writes[0].status_code == 200 and _is_stripes_rate_limit(writes[1])
    assert calm.status_code == 200
    assert len(backend.reached) == 4  # the refused calls never reached the rest of the gateway


async def test_calls_without_a_key_are_left_to_the_services() -> None:
    backend = Backend()
    async with _client(backend, CallerLimits(1, 0, reads_per_second=1.0, writes_per_second=1.0)) as http:
        statuses = [(await http.post("/v1/accounts")).status_code for _ in range(5)]
    assert statuses == [200] * 5


async def test_a_response_that_has_started_gives_its_slot_back() -> None:
    """An open event stream (the dashboard's) holds no slot once its response has started."""
    in_flight = InFlight(1, 0)
    sent: list[dict[str, Any]] = []
    streaming = asyncio.Event()
    end = asyncio.Event()

    async def stream(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        streaming.set()
        await end.wait()
        await send({"type": "http.response.body", "body": b""})

    guarded = FastRefusals(stream, TokenBuckets(10.0, 50), CallerLimits(1, 0, 0.0, 0.0))
    guarded._callers.in_flight = in_flight
    scope = {"type": "http", "path": "/dashboard/stream", "method": "GET", "client": ("203.0.113.7", 1),
             "headers": [(b"authorization", b"Bearer sk_test_watcher")]}

    async def record(message: dict[str, Any]) -> None:
        sent.append(message)

    task = asyncio.create_task(guarded(scope, None, record))
    await streaming.wait()
    assert len(in_flight) == 0
    end.set()
    await task
    assert sent[0]["status"] == 200


async def test_a_busy_keys_waiting_request_yields_to_a_calm_keys_request_then_goes_on() -> None:
    in_flight = InFlight(1, 4)
    first = await in_flight.enter("busy")
    second = asyncio.create_task(in_flight.enter("busy"))
    await _settle()
    assert first is not None and first.prompt
    in_flight.leave(first)
    busy = await second
    assert busy is not None and not busy.prompt  # it waited behind its own key's request

    third = asyncio.create_task(in_flight.enter("busy"))
    await _settle()
    calm = await in_flight.enter("calm")
    assert calm is not None and calm.prompt  # another key never waits behind the busy one
    in_flight.leave(busy)
    await _settle()
    assert not third.done()  # the busy key's next request waits while the calm key's is in progress
    in_flight.leave(calm)
    assert await third is not None


async def test_a_key_past_its_limit_is_served_one_request_at_a_time() -> None:
    in_flight = InFlight(2, 4)
    first, second = await in_flight.enter("busy"), await in_flight.enter("busy")
    third = asyncio.create_task(in_flight.enter("busy"))
    await _settle()
    assert first is not None and second is not None
    in_flight.leave(first)
    await _settle()
    assert not third.done()  # it starts once none of its key's requests is in progress
    in_flight.leave(second)
    assert await third is not None


async def test_a_cancelled_wait_hands_its_turn_to_the_next_request() -> None:
    in_flight = InFlight(1, 2)
    held = await in_flight.enter("a")
    first = asyncio.create_task(in_flight.enter("a"))
    second = asyncio.create_task(in_flight.enter("a"))
    await _settle()
    first.cancel()
    with pytest.raises(asyncio.CancelledError):
        await first
    assert held is not None
    in_flight.leave(held)
    turn = await second
    assert turn is not None
    in_flight.leave(turn)
    assert len(in_flight) == 0
