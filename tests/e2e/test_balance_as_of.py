"""The operator's balance as of a time or a log position (docs/audit.md section 8): over REST
(`GET /v1/balance?as_of=`) and gRPC (AccountCommandService.GetBalanceAsOf), equal to `ledgermesh
balance --as-of` and to the sum of the ledger's stored entries up to that point; merchants refused."""

from __future__ import annotations

import json
import math
import time
from datetime import UTC, datetime
from typing import Any

import grpc
import pytest
from google.protobuf.timestamp_pb2 import Timestamp
from ledgermesh.accounts.v1 import account_service_pb2 as acc
from ledgermesh.payments.v1 import payment_service_pb2 as pay

from support.settings import Settings
from tests.conftest import eventually
from tests.e2e.conftest import Client, Merchant
from tests.integration.audit_support import ledgermesh


async def _charge(system: Client, merchant: Merchant, amount: int) -> pay.CreateChargeResponse:
    response: pay.CreateChargeResponse = await system.payments.CreateCharge(
        pay.CreateChargeRequest(amount=amount, currency="usd", source="tok_visa", capture=True),
        metadata=merchant.metadata)
    return response


async def _next_second() -> int:
    """The next whole Unix second, once the clock has passed it (REST's as_of counts in seconds)."""
    boundary = math.floor(time.time()) + 1

    async def passed() -> bool:
        return time.time() >= boundary

    await eventually(passed, message="the clock did not move")
    return boundary


async def _logged(system: Client, account_id: str, before: datetime | None = None,
                  position: int | None = None) -> dict[str, int]:
    """The account's balances as the sum of its stored ledger entries up to the point."""
    async with system.system.infra.pool.connection() as conn:
        cur = await conn.execute(
            "SELECT coalesce(sum((event_data->>'available_delta')::bigint), 0),"
            " coalesce(sum((event_data->>'pending_delta')::bigint), 0),"
            " coalesce(sum((event_data->>'reserved_delta')::bigint), 0) FROM events"
            " WHERE tenant_id = %s AND event_type = 'LedgerEntryPosted'"
            " AND (%s::timestamptz IS NULL OR created_at < %s) AND (%s::bigint IS NULL OR global_position <= %s)",
            (account_id, before, before, position, position))
        row = await cur.fetchone()
    assert row is not None
    return dict(zip(("available", "pending", "reserved"), map(int, row), strict=True))


def _usd(buckets: dict[str, Any]) -> dict[str, int]:
    return {bucket: sum(a["amount"] for a in buckets[bucket] if a["currency"] == "usd")
            for bucket in ("available", "pending", "reserved")}


def _grpc_usd(response: acc.GetBalanceAsOfResponse) -> dict[str, int]:
    b = response.balance
    return {bucket: sum(a.amount for a in getattr(b, bucket) if a.currency == "usd")
            for bucket in ("available", "pending", "reserved")}


def _cli(settings: Settings, account_id: str, as_of: str) -> dict[str, int]:
    result = ledgermesh(settings, "balance", "--account", account_id, "--as-of", as_of)
    assert result.returncode == 0, result.stdout + result.stderr
    return dict(json.loads(result.stdout)["balances"].get("usd", {"available": 0, "pending": 0, "reserved": 0}))


async def test_the_operator_reads_a_past_balance_over_rest_and_grpc_as_the_cli_and_the_log_show_it(
    system: Client, settings: Settings,
) -> None:
    merchant = await system.merchant()
    operator = {"Authorization": f"Bearer {merchant.operator_key}", "Stripe-Account": merchant.account_id}
    first = await _charge(system, merchant, 4200)
    boundary = await _next_second()
    await _charge(system, merchant, 1000)
    moment = datetime.fromtimestamp(boundary, UTC)

    expected = await _logged(system, merchant.account_id, before=moment)
    # Only the first charge's net, pending: the second came after.
    assert expected["pending"] > 0 and expected != await _logged(system, merchant.account_id)

    rest = await system.http.get("/v1/balance", params={"as_of": str(boundary)}, headers=operator)
    assert rest.status_code == 200, rest.text
    assert rest.json()["object"] == "balance"
    assert _usd(rest.json()) == expected
    by_time = await system.accounts.GetBalanceAsOf(acc.GetBalanceAsOfRequest(time=Timestamp(seconds=boundary)),
                                                   metadata=merchant.platform)
    assert _grpc_usd(by_time) == expected and by_time.entries == 1
    assert _cli(settings, merchant.account_id, moment.isoformat()) == expected

    # By log position (inclusive), as `rebuild --as-of POSITION` reads it.
    by_position = await system.accounts.GetBalanceAsOf(acc.GetBalanceAsOfRequest(position=first.global_position),
                                                       metadata=merchant.platform)
    assert _grpc_usd(by_position) == expected == await _logged(system, merchant.account_id,
                                                               position=first.global_position)
    rest = await system.http.get("/v1/balance", params={"as_of_position": str(first.global_position)},
                                 headers=operator)
    assert _usd(rest.json()) == expected
    assert _cli(settings, merchant.account_id, str(first.global_position)) == expected

    # Now: both charges, as the ledger stands. A second the clock has passed after the second charge:
    # on a quick machine int(time.time()) can still be that charge's own second, whose entries come after it.
    now = await system.accounts.GetBalanceAsOf(
        acc.GetBalanceAsOfRequest(time=Timestamp(seconds=await _next_second())), metadata=merchant.platform)
    assert _grpc_usd(now) == await _logged(system, merchant.account_id) and now.entries == 2
    # Before the account's first entry: nothing.
    empty = await system.http.get("/v1/balance", params={"as_of": str(boundary - 3600)}, headers=operator)
    assert empty.json()["pending"] == [] and empty.json()["available"] == []


async def test_a_merchant_may_not_read_its_past_balance_and_bad_points_in_time_are_refused_clearly(
    system: Client,
) -> None:
    merchant = await system.merchant()
    operator = {"Authorization": f"Bearer {merchant.operator_key}", "Stripe-Account": merchant.account_id}

    own = await system.http.get("/v1/balance", params={"as_of": str(int(time.time()))}, headers=merchant.headers)
    assert own.status_code == 403 and own.json()["error"]["type"] == "invalid_request_error"
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await system.accounts.GetBalanceAsOf(acc.GetBalanceAsOfRequest(position=1), metadata=merchant.metadata)
    assert refused.value.code() is grpc.StatusCode.PERMISSION_DENIED
    # The live balance stays the merchant's own.
    assert (await system.http.get("/v1/balance", headers=merchant.headers)).status_code == 200

    for params, param in (({"as_of": "yesterday"}, "as_of"), ({"as_of": "-5"}, "as_of"),
                          ({"as_of": "99999999999999"}, "as_of"),
                          ({"as_of": str(int(time.time()) + 3600)}, "as_of"),
                          ({"as_of_position": "-1"}, "as_of_position"),
                          ({"as_of": "1", "as_of_position": "1"}, "as_of_position"),
                          ({"as_of_time": "1"}, "as_of_time")):
        bad = await system.http.get("/v1/balance", params=params, headers=operator)
        assert bad.status_code == 400, (params, bad.text)
        error = bad.json()["error"]
        assert (error["type"], error["param"]) == ("invalid_request_error", param), (params, error)
        assert error["message"]
    with pytest.raises(grpc.aio.AioRpcError) as missing:
        await system.accounts.GetBalanceAsOf(acc.GetBalanceAsOfRequest(), metadata=merchant.platform)
    assert missing.value.code() is grpc.StatusCode.INVALID_ARGUMENT
