"""Uncaptured authorizations lapse after 7 days: the sweeper finds and expires them, and a capture
after that is refused. The clock is injected; everything else is the real event log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from command_svc.adapters.charge_history import PostgresChargeHistory
from command_svc.application.payments import PaymentsApp
from command_svc.application.pipeline import Decision
from command_svc.application.postings import ledger_streams
from command_svc.domain.card_network import SimulatedCardNetwork
from command_svc.domain.errors import PreconditionError
from command_svc.domain.money import FeeSchedule
from command_svc.domain.payments import ChargeStatus
from composition.infrastructure import Infrastructure
from tests.integration.conftest import audit

TENANT = "acct_expiry0000000000000000000"


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


async def _commit(infra: Infrastructure, decision: Decision) -> None:
    await infra.store.append(TENANT, decision.appends, audit())


async def test_given_an_authorization_older_than_7_days_when_the_sweeper_runs_then_it_expires(infra) -> None:
    clock = Clock()
    app = PaymentsApp(infra.store, PostgresChargeHistory(infra.pool), SimulatedCardNetwork(), ledgers=ledger_streams(infra.store),
                      default_fees=FeeSchedule(), settlement_delay_days=2, clock=clock)
    created = await app.create_charge(TENANT, {"amount": 3_000, "currency": "usd", "source": "tok_visa",
                                               "capture": False})
    await _commit(infra, created)
    charge_id = created.result.state.charge_id

    clock.now += timedelta(days=6, hours=23)
    assert await app.expirable_charges(TENANT, 100) == []

    clock.now += timedelta(hours=1, seconds=1)
    due = await app.expirable_charges(TENANT, 100)
    assert due == [charge_id]
    for lapsed in due:
        await _commit(infra, await app.expire(TENANT, lapsed))

    assert (await app.load_charge(TENANT, charge_id)).state.status is ChargeStatus.EXPIRED
    assert await app.expirable_charges(TENANT, 100) == []
    with pytest.raises(PreconditionError) as refused:
        await app.capture(TENANT, charge_id, None)
    assert refused.value.reason == "AUTHORIZATION_EXPIRED"


async def test_given_a_captured_charge_when_the_sweeper_runs_a_week_later_then_it_is_left_alone(infra) -> None:
    clock = Clock()
    app = PaymentsApp(infra.store, PostgresChargeHistory(infra.pool), SimulatedCardNetwork(), ledgers=ledger_streams(infra.store),
                      default_fees=FeeSchedule(), settlement_delay_days=2, clock=clock)
    await _commit(infra, await app.create_charge(TENANT, {"amount": 3_000, "currency": "usd", "source": "tok_visa"}))

    clock.now += timedelta(days=8)

    assert await app.expirable_charges(TENANT, 100) == []
