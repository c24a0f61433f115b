"""The command service wired: use cases on the event store, their gRPC servicers, auth, health."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import grpc
from ledgermesh.accounts.v1 import account_service_pb2, account_service_pb2_grpc
from ledgermesh.disputes.v1 import dispute_service_pb2, dispute_service_pb2_grpc
from ledgermesh.payments.v1 import (
    customer_service_pb2,
    customer_service_pb2_grpc,
    payment_intent_service_pb2,
    payment_intent_service_pb2_grpc,
    payment_service_pb2,
    payment_service_pb2_grpc,
)

from command_svc.adapters.charge_history import PostgresChargeHistory
from command_svc.adapters.webhook_endpoints import WebhookEndpointTable
from command_svc.adapters.webhook_urls import ResolvingUrlPolicy
from command_svc.api.accounts import AccountServicer
from command_svc.api.customers import CustomerServicer
from command_svc.api.disputes import DisputeServicer
from command_svc.api.payment_intents import PaymentIntentServicer
from command_svc.api.payments import PaymentServicer
from command_svc.application.accounts import AccountsApp
from command_svc.application.customers import CustomersApp
from command_svc.application.disputes import DisputesApp
from command_svc.application.disputes import config_from as dispute_config_from
from command_svc.application.payment_intents import PaymentIntentsApp
from command_svc.application.payments import PaymentsApp
from command_svc.application.pipeline import CommandRunner
from command_svc.application.postings import ledger_streams
from command_svc.application.webhooks import WebhookEndpointsApp
from command_svc.domain.card_network import SimulatedCardNetwork
from command_svc.domain.money import FeeSchedule
from composition.infrastructure import Infrastructure
from eventlog.bus import BackgroundPublisher
from eventlog.idempotency import IdempotencyKeys
from eventlog.records import StoredEvent
from support.auth import AuthInterceptor
from support.grpc_server import RunningGrpcServer, start_server
from support.health import nats, postgres
from support.metrics import count_appended
from support.rate_limit import account_limits, failed_auth_limits

PAYMENTS = payment_service_pb2.DESCRIPTOR.services_by_name["PaymentCommandService"].full_name
DISPUTES = dispute_service_pb2.DESCRIPTOR.services_by_name["DisputeCommandService"].full_name
ACCOUNTS = account_service_pb2.DESCRIPTOR.services_by_name["AccountCommandService"].full_name
CUSTOMERS = customer_service_pb2.DESCRIPTOR.services_by_name["CustomerCommandService"].full_name
INTENTS = payment_intent_service_pb2.DESCRIPTOR.services_by_name["PaymentIntentCommandService"].full_name


class CountingPublisher(BackgroundPublisher):
    """Counts committed events for ledgermesh_events_appended_total: the store hands every batch here."""

    def enqueue(self, events: Sequence[StoredEvent]) -> None:
        count_appended(events)
        super().enqueue(events)


class PublishedAtCommit:
    """The runner's publisher while the store hands each batch to the fast path the moment it is durable
    (EventStore.when_durable): a command's events are queued before it resumes. Queued by the runner
    after its command resumed, they had waited for every other command of the batch to build and send
    its reply first (a quarter of created -> published under load, docs/write-path.md)."""

    async def publish(self, events: Sequence[StoredEvent]) -> None:
        return None


def idempotency_keys(infra: Infrastructure) -> IdempotencyKeys:
    """This process's idempotency keys: its claims are held while it beats (IdempotencyKeys.keep_alive)."""
    s = infra.settings
    return IdempotencyKeys(infra.pool, timedelta(hours=s.idempotency_ttl_hours), owner_id=infra.process_id or None,
                           stale_after=timedelta(milliseconds=s.idempotency_lease_stale_ms))


async def start_command_server(infra: Infrastructure, fast_path: BackgroundPublisher,
                               keys: IdempotencyKeys) -> RunningGrpcServer:
    """The command service, publishing through `fast_path` (whose publisher the relay of this process
    shares, so it skips what the fast path published) everything this process commits."""
    s = infra.settings
    infra.store.when_durable(fast_path.enqueue)
    runner = CommandRunner(infra.store, keys, PublishedAtCommit())
    network = SimulatedCardNetwork()
    fees = FeeSchedule(s.fee_percent_bps, s.fee_fixed)
    # The process's one writer of ledger streams, whichever use case posts to them.
    ledgers = ledger_streams(infra.store)
    payments_app = PaymentsApp(infra.store, PostgresChargeHistory(infra.pool), network, ledgers=ledgers,
                               default_fees=fees, settlement_delay_days=s.settlement_delay_days,
                               dispute_config=dispute_config_from(s))
    payments = PaymentServicer(runner, payments_app)
    # A PaymentIntent's payment is a charge: its use cases decide through the same PaymentsApp.
    customers = CustomerServicer(runner, CustomersApp(infra.store, network))
    intents = PaymentIntentServicer(runner, PaymentIntentsApp(infra.store, network, payments_app))
    webhooks = WebhookEndpointsApp(WebhookEndpointTable(infra.pool),
                                   ResolvingUrlPolicy(allow_private=s.webhooks_allow_private))
    accounts = AccountServicer(runner, AccountsApp(infra.store, ledgers=ledgers, default_fees=fees, settings=s),
                               webhooks)
    disputes = DisputeServicer(runner, DisputesApp(infra.store, ledgers=ledgers, settings=s))

    def register(server: grpc.aio.Server) -> None:
        payment_service_pb2_grpc.add_PaymentCommandServiceServicer_to_server(payments, server)
        account_service_pb2_grpc.add_AccountCommandServiceServicer_to_server(accounts, server)
        dispute_service_pb2_grpc.add_DisputeCommandServiceServicer_to_server(disputes, server)
        customer_service_pb2_grpc.add_CustomerCommandServiceServicer_to_server(customers, server)
        payment_intent_service_pb2_grpc.add_PaymentIntentCommandServiceServicer_to_server(intents, server)

    public = frozenset({f"/{ACCOUNTS}/CreateAccount"}) if s.allow_signup else frozenset()
    names = [PAYMENTS, ACCOUNTS, DISPUTES, CUSTOMERS, INTENTS]
    return await start_server(
        [AuthInterceptor(infra.keys, public, account_limits(s), failed_auth_limits(s))], register, names,
        f"{s.host}:{s.command_port}", [postgres(infra.pool), nats(infra.nc, required=False)], grace_s=2.0,
        unresponsive_after_s=s.dependency_unresponsive_ms / 1000,
    )
