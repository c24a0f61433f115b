"""Composition root of the command service."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import grpc
from ledgermesh.accounts.v1 import account_service_pb2, account_service_pb2_grpc
from ledgermesh.disputes.v1 import dispute_service_pb2, dispute_service_pb2_grpc
from ledgermesh.payments.v1 import payment_service_pb2, payment_service_pb2_grpc
from psycopg_pool import AsyncConnectionPool

from command_svc.adapters.charge_history import PostgresChargeHistory
from command_svc.api.payments import PaymentServicer
from command_svc.application.disputes import config_from as dispute_config_from
from command_svc.application.payments import PaymentsApp
from command_svc.application.pipeline import CommandRunner
from command_svc.domain.card_network import SimulatedCardNetwork
from command_svc.domain.money import FeeSchedule
from composition.app import Infrastructure
from eventlog.bus import EventPublisher
from eventlog.idempotency import IdempotencyKeys
from support.auth import AuthInterceptor, CachedResolver
from support.grpc_server import build_server
from support.health import HealthWatcher, nats, postgres
from support.metrics import count_appended

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


class CountingPublisher(EventPublisher):
    """Counts committed events for ledgermesh_events_appended_total: the runner hands every commit here."""

    async def publish(self, events):  # type: ignore[no-untyped-def]
        count_appended(events)
        await super().publish(events)


@dataclass
class RunningCommandServer:
    server: grpc.aio.Server
    port: int
    runner: CommandRunner
    health: HealthWatcher

    async def stop(self) -> None:
        await self.health.stop()
        await self.server.stop(grace=2.0)


async def start_command_server(infra: Infrastructure) -> RunningCommandServer:
    s = infra.settings
    publisher = CountingPublisher(infra.nc.jetstream(), s.subject_prefix)
    runner = CommandRunner(infra.store, IdempotencyKeys(infra.pool, timedelta(hours=s.idempotency_ttl_hours)), publisher)
    network = SimulatedCardNetwork()
    fees = FeeSchedule(s.fee_percent_bps, s.fee_fixed)
    payments = PaymentServicer(runner, PaymentsApp(infra.store, PostgresChargeHistory(infra.pool), network,
                                                   default_fees=fees,
                                                   settlement_delay_days=s.settlement_delay_days,
                                                   dispute_config=dispute_config_from(s)))
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
    watcher = await HealthWatcher(health, names, [postgres(infra.pool), nats(infra.nc)]).start()
    return RunningCommandServer(server, port, runner, watcher)


def _account_and_dispute_servicers(infra, runner, network, fees):  # type: ignore[no-untyped-def]
    from command_svc.api.accounts import AccountServicer
    from command_svc.application.accounts import AccountsApp

    s = infra.settings
    from command_svc.adapters.webhook_endpoints import WebhookEndpointTable
    from command_svc.adapters.webhook_urls import ResolvingUrlPolicy
    from command_svc.application.webhooks import WebhookEndpointsApp

    webhooks = WebhookEndpointsApp(WebhookEndpointTable(infra.pool),
                                   ResolvingUrlPolicy(allow_private=s.webhooks_allow_private))
    accounts = AccountServicer(runner, AccountsApp(infra.store, default_fees=fees, settings=s), webhooks)
    try:
        from command_svc.api.disputes import DisputeServicer
        from command_svc.application.disputes import DisputesApp
    except ImportError:  # being built; the dispute service is registered once it exists
        return accounts, None
    return accounts, DisputeServicer(runner, DisputesApp(infra.store, settings=s))
