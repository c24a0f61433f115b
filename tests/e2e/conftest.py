"""The running system in-process: real gRPC servers, real HTTP gateway, real PostgreSQL/NATS/Redis."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import grpc
import httpx
import pytest_asyncio
from ledgermesh.accounts.v1 import account_service_pb2 as accounts_pb
from ledgermesh.accounts.v1 import account_service_pb2_grpc
from ledgermesh.payments.v1 import payment_service_pb2_grpc
from ledgermesh.query.v1 import query_service_pb2_grpc
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from composition.keys import issue_key
from composition.system import RunningSystem, start_system
from support.api_keys import KeyKind
from support.settings import Settings
from support.telemetry import setup_tracing


@dataclass
class Merchant:
    account_id: str
    secret_key: str
    # The platform's operator key: what the card network, the verification provider and settlement use.
    operator_key: str = ""

    @property
    def metadata(self) -> list[tuple[str, str]]:
        return [("authorization", f"Bearer {self.secret_key}")]

    @property
    def platform(self) -> list[tuple[str, str]]:
        """The operator acting on this account (Stripe-Account)."""
        return [("authorization", f"Bearer {self.operator_key}"), ("stripe-account", self.account_id)]

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.secret_key}"}


@dataclass
class Client:
    system: RunningSystem
    command: grpc.aio.Channel
    query: grpc.aio.Channel
    http: httpx.AsyncClient
    spans: InMemorySpanExporter
    operator_key: str = ""

    @property
    def operator(self) -> list[tuple[str, str]]:
        """The platform's operator key, acting on no account in particular."""
        return [("authorization", f"Bearer {self.operator_key}")]

    @property
    def payments(self) -> payment_service_pb2_grpc.PaymentCommandServiceStub:
        return payment_service_pb2_grpc.PaymentCommandServiceStub(self.command)

    @property
    def accounts(self) -> account_service_pb2_grpc.AccountCommandServiceStub:
        return account_service_pb2_grpc.AccountCommandServiceStub(self.command)

    @property
    def queries(self) -> query_service_pb2_grpc.QueryServiceStub:
        return query_service_pb2_grpc.QueryServiceStub(self.query)

    async def merchant(self, **fields: str) -> Merchant:
        response = await self.accounts.CreateAccount(
            accounts_pb.CreateAccountRequest(email=fields.get("email", "owner@example.com"),
                                             business_name=fields.get("business_name", "Test Shop")))
        return Merchant(response.account.id, response.secret_key, self.operator_key)


@pytest_asyncio.fixture
async def system(settings: Settings, cleanup: None) -> AsyncIterator[Client]:
    spans = InMemorySpanExporter()
    setup_tracing(settings, exporter=spans)
    running = await start_system(settings)
    command = grpc.aio.insecure_channel(f"127.0.0.1:{running.command_port}")
    query = grpc.aio.insecure_channel(f"127.0.0.1:{running.query_port}")
    http = httpx.AsyncClient(base_url=f"http://127.0.0.1:{running.gateway_port}", timeout=15)
    operator = await issue_key(running.infra.pool, KeyKind.OPERATOR)
    try:
        yield Client(running, command, query, http, spans, operator.secret)
    finally:
        await http.aclose()
        await command.close()
        await query.close()
        await running.stop()
