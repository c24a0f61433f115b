"""Killing the command process between commit and publish loses nothing: what the log holds reaches
the bus and the read model once the system runs again."""

from __future__ import annotations

import grpc
from ledgermesh.query.v1 import query_service_pb2 as q
from ledgermesh.query.v1 import query_service_pb2_grpc

from command_svc.adapters.charge_history import PostgresChargeHistory
from command_svc.application.accounts import AccountsApp
from command_svc.application.payments import PaymentsApp
from command_svc.application.postings import ledger_streams
from command_svc.domain.card_network import SimulatedCardNetwork
from command_svc.domain.money import FeeSchedule
from composition.infrastructure import Infrastructure
from composition.system import BACKEND, start_system
from eventlog.records import Commit
from tests.conftest import eventually
from tests.integration.conftest import audit


async def test_given_a_charge_committed_but_never_published_when_the_system_starts_then_it_is_readable(
    settings, cleanup,
) -> None:
    # The command side's own use cases, stopped right after the commit: no publish ever happens.
    infra = await Infrastructure.open(settings)
    try:
        accounts = AccountsApp(infra.store, ledgers=ledger_streams(infra.store), default_fees=FeeSchedule(), settings=settings)
        onboard = await accounts.onboard(email="crash@example.com", country="US", default_currency="usd",
                                         business_name="Crash", fee_percent_bps=None, fee_fixed=None, metadata={})
        await infra.store.commit(Commit(onboard.result.state.account_id, tuple(onboard.appends), audit(),
                                        api_keys=tuple(onboard.api_keys)))
        account_id, secret = onboard.result.state.account_id, onboard.result.secret_key
        charges = PaymentsApp(infra.store, PostgresChargeHistory(infra.pool), SimulatedCardNetwork(), ledgers=ledger_streams(infra.store),
                              default_fees=FeeSchedule(), settlement_delay_days=2)
        decision = await charges.create_charge(account_id, {"amount": 7_700, "currency": "usd", "source": "tok_visa"})
        stored = await infra.store.append(account_id, decision.appends, audit())
        charge_id = decision.result.state.charge_id
    finally:
        await infra.close()

    running = await start_system(settings, BACKEND)
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{running.query_port}")
    try:
        queries = query_service_pb2_grpc.QueryServiceStub(channel)

        async def projected() -> q.GetChargeResponse | None:
            try:
                got = await queries.GetCharge(q.GetChargeRequest(charge_id=charge_id),
                                              metadata=[("authorization", f"Bearer {secret}")])
                return got if got.charge.captured else None
            except grpc.aio.AioRpcError as error:
                # Catching up from the log, the read side may not know the charge, nor yet the key.
                if error.code() in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.UNAUTHENTICATED):
                    return None
                raise

        read = await eventually(projected, message="the unpublished charge never reached the read model")
        assert read.charge.amount == 7_700 and read.charge.captured

        async def all_on_the_bus() -> bool:
            info = await running.infra.nc.jetstream().stream_info(settings.stream_name)
            return info.state.messages >= len(stored) + 2  # + the account's two events

        await eventually(all_on_the_bus, message="not every committed event reached JetStream")
    finally:
        await channel.close()
        await running.stop()
