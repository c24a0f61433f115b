"""Helpers for the command-side e2e tests: ledger balances and event counts read straight from
PostgreSQL (the strongly consistent truth), JetStream message counts, and a funded merchant."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import grpc
import httpx
import pytest_asyncio
from ledgermesh.accounts.v1 import account_service_pb2 as acc
from ledgermesh.disputes.v1 import dispute_service_pb2_grpc
from ledgermesh.payments.v1 import payment_service_pb2 as pay
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from composition.keys import issue_key
from composition.system import BACKEND, start_system
from support.api_keys import KeyKind
from support.settings import Settings
from support.telemetry import setup_tracing
from tests.conftest import eventually
from tests.e2e.conftest import Client, Merchant


@pytest_asyncio.fixture(name="system")
async def system_without_gateway(settings: Settings, cleanup: None) -> AsyncIterator[Client]:
    """The running system minus the HTTP gateway: command-side tests speak gRPC only, and must not
    depend on the gateway being startable. Import it into a test module to override `system`."""
    spans = InMemorySpanExporter()
    setup_tracing(settings, exporter=spans)
    running = await start_system(settings, BACKEND)
    command = grpc.aio.insecure_channel(f"127.0.0.1:{running.command_port}")
    query = grpc.aio.insecure_channel(f"127.0.0.1:{running.query_port}")
    http = httpx.AsyncClient(base_url="http://127.0.0.1:9", timeout=1)
    operator = await issue_key(running.infra.pool, KeyKind.OPERATOR)
    try:
        yield Client(running, command, query, http, spans, operator.secret)
    finally:
        await http.aclose()
        await command.close()
        await query.close()
        await running.stop()


@dataclass(frozen=True)
class Balance:
    available: int
    pending: int
    reserved: int


def disputes(system: Client) -> dispute_service_pb2_grpc.DisputeCommandServiceStub:
    return dispute_service_pb2_grpc.DisputeCommandServiceStub(system.command)


async def scalar(system: Client, query: str, params: tuple[Any, ...] = ()) -> Any:
    async with system.system.infra.pool.connection() as conn:
        cur = await conn.execute(query, params)
        row = await cur.fetchone()
        return row[0] if row else None


async def count_events(system: Client, where: str = "TRUE", params: tuple[Any, ...] = ()) -> int:
    return int(await scalar(system, f"SELECT count(*) FROM events WHERE {where}", params))


async def ledger_balance(system: Client, account_id: str, currency: str = "usd") -> Balance:
    """The ledger's balances as the sum of its stored entries' deltas."""
    async with system.system.infra.pool.connection() as conn:
        cur = await conn.execute(
            "SELECT coalesce(sum((event_data->>'available_delta')::bigint), 0),"
            "       coalesce(sum((event_data->>'pending_delta')::bigint), 0),"
            "       coalesce(sum((event_data->>'reserved_delta')::bigint), 0)"
            " FROM events WHERE aggregate_id = %s",
            (f"ledger:{account_id}:{currency}",),
        )
        row = await cur.fetchone()
    assert row is not None
    return Balance(int(row[0]), int(row[1]), int(row[2]))


async def ledger_entries(system: Client, account_id: str, currency: str = "usd") -> list[dict[str, Any]]:
    async with system.system.infra.pool.connection() as conn:
        cur = await conn.execute(
            "SELECT event_data FROM events WHERE aggregate_id = %s ORDER BY aggregate_version",
            (f"ledger:{account_id}:{currency}",),
        )
        return [row[0] for row in await cur.fetchall()]


async def stream_messages(system: Client) -> int:
    info = await system.system.infra.nc.jetstream().stream_info(system.system.infra.settings.stream_name)
    return int(info.state.messages)


async def all_published(system: Client) -> int:
    """Wait until every event in the log is on the bus (the command side publishes after answering),
    and return how many messages the stream holds."""

    async def published() -> int | None:
        messages = await stream_messages(system)
        return messages if messages == await count_events(system) else None

    return await eventually(published, message="committed events never all reached the bus")


async def verified_merchant(system: Client, **fields: Any) -> Merchant:
    """A merchant that passed KYC, so it may take payouts."""
    created = await system.accounts.CreateAccount(acc.CreateAccountRequest(
        email="owner@example.com", business_name="Payout Shop", **fields))
    merchant = Merchant(created.account.id, created.secret_key, system.operator_key)
    await system.accounts.StartKyc(acc.StartKycRequest(account_id=merchant.account_id), metadata=merchant.metadata)
    # The verification provider's outcome, recorded by the platform.
    await system.accounts.CompleteKyc(acc.CompleteKycRequest(
        account_id=merchant.account_id, verification_status="verified"), metadata=merchant.platform)
    return merchant


async def charge(system: Client, merchant: Merchant, amount: int, source: str = "tok_visa", **fields: Any) -> pay.Charge:
    response = await system.payments.CreateCharge(
        pay.CreateChargeRequest(amount=amount, currency="usd", source=source, **fields), metadata=merchant.metadata)
    return response.charge
