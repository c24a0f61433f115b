"""Composition root of the command service."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import grpc
from ledgermesh.accounts.v1 import account_service_pb2, account_service_pb2_grpc
from ledgermesh.disputes.v1 import dispute_service_pb2, dispute_service_pb2_grpc
from ledgermesh.payments.v1 import payment_service_pb2, payment_service_pb2_grpc
from psycopg_pool import AsyncConnectionPool

from command_svc.api.payments import PaymentServicer
from command_svc.application.payments import PaymentsApp
from command_svc.application.pipeline import CommandRunner
from command_svc.domain.card_network import SimulatedCardNetwork
from command_svc.domain.money import FeeSchedule
from eventlog.bus import EventPublisher
from eventlog.idempotency import IdempotencyKeys
from runtime.app import Infrastructure
from runtime.auth import AuthInterceptor, CachedResolver
from runtime.grpc_server import build_server, set_serving

PAYMENTS = payment_service_pb2.DESCRIPTOR.services_by_name["PaymentCommandService"].full_name
DISPUTES = dispute_service_pb2.DESCRIPTOR.services_by_name["DisputeCommandService"].full_name
ACCOUNTS = account_service_pb2.DESCRIPTOR.services_by_name["AccountCommandService"].full_name


class PostgresKeyResolver:
    def __init__(self, pool: AsyncConnectionPool) -> None:
        self._pool = pool

    async def account_for(self, key_hash: str) -> str | None:
        async with self._pool.connection() as conn:
            cur = await conn.execute(
                "SELECT account_id FROM api_keys WHERE key_hash = %s AND revoked_at IS NULL", (key_hash,)
            )
            row = await cur.fetchone()
        return str(row[0]) if row else None


@dataclass
class RunningCommandServer:
    server: grpc.aio.Server
    port: int
    runner: CommandRunner

    async def stop(self) -> None:
        await self.server.stop(grace=2.0)


async def start_command_server(infra: Infrastructure) -> RunningCommandServer:
    s = infra.settings
    publisher = EventPublisher(infra.nc.jetstream(), s.subject_prefix)
    runner = CommandRunner(infra.store, IdempotencyKeys(infra.pool, timedelta(hours=s.idempotency_ttl_hours)), publisher)
    network = SimulatedCardNetwork()
    fees = FeeSchedule(s.fee_percent_bps, s.fee_fixed)
    payments = PaymentServicer(runner, PaymentsApp(infra.store, network, default_fees=fees,
                                                   settlement_delay_days=s.settlement_delay_days))
    accounts, disputes = _account_and_dispute_servicers(infra, runner, network, fees)

    def register(server: grpc.aio.Server) -> None:
        payment_service_pb2_grpc.add_PaymentCommandServiceServicer_to_server(payments, server)
        if accounts is not None:
            account_service_pb2_grpc.add_AccountCommandServiceServicer_to_server(accounts, server)
        if disputes is not None:
            dispute_service_pb2_grpc.add_DisputeCommandServiceServicer_to_server(disputes, server)

    public = frozenset({f"/{ACCOUNTS}/CreateAccount"}) if s.allow_signup else frozenset()
    names = [PAYMENTS, ACCOUNTS, DISPUTES]
    server, health, port = build_server(
        [AuthInterceptor(CachedResolver(PostgresKeyResolver(infra.pool)), public)], register, names,
        f"{s.host}:{s.command_port}",
    )
    await server.start()
    await set_serving(health, names, True)
    return RunningCommandServer(server, port, runner)


def _account_and_dispute_servicers(infra, runner, network, fees):  # type: ignore[no-untyped-def]
    from command_svc.api.accounts import AccountServicer
    from command_svc.application.accounts import AccountsApp

    s = infra.settings
    accounts = AccountServicer(runner, AccountsApp(infra.store, default_fees=fees, settings=s))
    try:
        from command_svc.api.disputes import DisputeServicer
        from command_svc.application.disputes import DisputesApp
    except ImportError:  # being built; the dispute service is registered once it exists
        return accounts, None
    return accounts, DisputeServicer(runner, DisputesApp(infra.store, settings=s))
