"""Charges through the real use cases on the in-memory store: create, capture (full or partial),
refund, declines, fraud velocity, authorization expiry. Money moves on the ledger in the same commit
as the charge, or not at all."""

from __future__ import annotations

import asyncio

import pytest

from command_svc.domain.errors import NotFoundError, PreconditionError, ValidationError
from command_svc.domain.payments import ChargeStatus
from tests.application.harness import CommandSide


async def test_a_captured_charge_credits_its_net_to_pending_in_the_same_commit(side: CommandSide) -> None:
    merchant = (await side.onboard()).state.account_id

    charge = await side.charge(merchant, 10_000)

    assert charge.state.status is ChargeStatus.CAPTURED
    assert (charge.state.amount_captured, charge.state.fee) == (10_000, 320)  # 2.9% + 30
    balance = await side.balance(merchant)
    assert (balance.pending, balance.available) == (9_680, 0)
    commit = [e for e in side.store.events if e.tenant_id == merchant and e.aggregate_type in ("Charge", "Ledger")]
    assert [e.event_type for e in commit] == [
        "ChargeRequested", "FraudCheckCompleted", "PaymentAuthorized", "PaymentCaptured", "LedgerEntryPosted"]
    assert len({e.tx_id for e in commit}) == 1
    assert side.publisher.published == side.store.events


async def test_an_authorization_captured_in_part_moves_only_the_captured_amount(side: CommandSide) -> None:
    merchant = (await side.onboard()).state.account_id
    authorized = await side.charge(merchant, 10_000, capture=False)
    assert authorized.state.status is ChargeStatus.AUTHORIZED
    assert (await side.balance(merchant)).pending == 0

    captured = await side.capture(merchant, authorized.state.charge_id, 6_000)

    assert captured.state.status is ChargeStatus.CAPTURED
    assert (captured.state.amount_captured, captured.state.fee) == (6_000, 204)
    assert (await side.balance(merchant)).pending == 5_796


async def test_capture_more_than_authorized_is_refused(side: CommandSide) -> None:
    merchant = (await side.onboard()).state.account_id
    authorized = await side.charge(merchant, 10_000, capture=False)
    before = side.store.events

    with pytest.raises(ValidationError) as refused:
        await side.capture(merchant, authorized.state.charge_id, 10_001)

    assert refused.value.reason == "AMOUNT_EXCEEDS_AUTHORIZED"
    assert refused.value.metadata == {"authorized_amount": "10000"}
    assert side.store.events == before
    assert (await side.charge_state(merchant, authorized.state.charge_id)).status is ChargeStatus.AUTHORIZED


async def test_capturing_a_charge_twice_is_refused(side: CommandSide) -> None:
    merchant = (await side.onboard()).state.account_id
    charge = await side.charge(merchant, 2_000)

    with pytest.raises(PreconditionError) as refused:
        await side.capture(merchant, charge.state.charge_id)

    assert refused.value.reason == "CHARGE_ALREADY_CAPTURED"
    assert (await side.balance(merchant)).pending == 2_000 - 88


async def test_a_refund_takes_the_money_back_from_the_ledger(side: CommandSide) -> None:
    merchant = (await side.onboard()).state.account_id
    charge = await side.charge(merchant, 10_000)

    refunded = await side.refund(merchant, charge.state.charge_id, 3_000)

    assert refunded.refund is not None and refunded.refund.amount == 3_000
    assert refunded.state.amount_refunded == 3_000
    assert (await side.balance(merchant)).pending == 9_680 - 3_000


async def test_refunding_more_than_is_left_is_refused_and_appends_nothing(side: CommandSide) -> None:
    merchant = (await side.onboard()).state.account_id
    charge = await side.charge(merchant, 10_000)
    await side.refund(merchant, charge.state.charge_id, 8_000)
    before = side.store.events

    with pytest.raises(ValidationError) as refused:
        await side.refund(merchant, charge.state.charge_id, 2_001)

    assert refused.value.reason == "REFUND_EXCEEDS_CAPTURED"
    assert refused.value.metadata == {"refundable_amount": "2000"}
    assert side.store.events == before
    assert (await side.charge_state(merchant, charge.state.charge_id)).amount_refunded == 8_000


async def test_a_declined_card_is_recorded_and_moves_no_money(side: CommandSide) -> None:
    merchant = (await side.onboard()).state.account_id

    declined = await side.charge(merchant, 5_000, "tok_chargeDeclined")

    assert declined.state.status is ChargeStatus.DECLINED
    assert declined.state.failure_code == "card_declined" and not declined.state.paid
    assert [e.event_type for e in await side.store.read_stream(declined.state.charge_id)] == [
        "ChargeRequested", "FraudCheckCompleted", "PaymentDeclined"]
    assert await side.store.stream_ids(merchant, "Ledger") == []


async def test_a_highest_risk_charge_is_blocked_by_the_fraud_rules(side: CommandSide) -> None:
    merchant = (await side.onboard()).state.account_id

    blocked = await side.charge(merchant, 5_000, "tok_riskLevelHighest")

    assert blocked.state.status is ChargeStatus.DECLINED
    assert "highest_risk_level" in blocked.state.rules_triggered
    assert await side.store.stream_ids(merchant, "Ledger") == []


async def test_a_radar_test_card_charged_five_times_within_an_hour_trips_the_velocity_rule_until_the_hour_passes(
    side: CommandSide,
) -> None:
    merchant = (await side.onboard()).state.account_id
    for _ in range(5):
        assert "card_velocity" not in (await side.charge(merchant, 1_000, "tok_riskLevelElevated")).state.rules_triggered
        side.clock.advance(minutes=1)

    assert "card_velocity" in (await side.charge(merchant, 1_000, "tok_riskLevelElevated")).state.rules_triggered

    side.clock.advance(minutes=56)
    assert "card_velocity" not in (await side.charge(merchant, 1_000, "tok_riskLevelElevated")).state.rules_triggered


async def test_card_velocity_counts_each_card_apart(side: CommandSide) -> None:
    merchant = (await side.onboard()).state.account_id
    for _ in range(5):
        await side.charge(merchant, 1_000, "tok_riskLevelElevated")

    other_card = await side.charge(merchant, 1_000, "tok_radarBlock")

    assert "card_velocity" not in other_card.state.rules_triggered


async def test_a_busy_merchant_selling_300_times_in_a_minute_is_never_declined_as_fraud(side: CommandSide) -> None:
    merchant = (await side.onboard()).state.account_id
    charges = []
    for n in range(300):
        charges.append(await side.charge(merchant, 1_000 + n, ("tok_visa", "tok_mastercard", "tok_amex")[n % 3]))
        side.clock.advance(seconds=0.2)

    assert all(c.state.status is ChargeStatus.CAPTURED for c in charges)
    assert all(c.state.rules_triggered == () for c in charges)
    assert {c.state.risk_level for c in charges} == {"normal"}


async def test_ordinary_test_cards_never_trip_card_velocity_however_often_they_are_charged(side: CommandSide) -> None:
    merchant = (await side.onboard()).state.account_id

    repeated = [await side.charge(merchant, 1_000, "tok_visa") for _ in range(50)]

    assert all("card_velocity" not in c.state.rules_triggered for c in repeated)
    assert all(c.state.status is ChargeStatus.CAPTURED for c in repeated)


async def test_tok_radar_block_is_blocked_at_the_highest_risk_level_and_never_reaches_the_network(
    side: CommandSide,
) -> None:
    merchant = (await side.onboard()).state.account_id

    blocked = await side.charge(merchant, 500, "tok_radarBlock")

    assert blocked.state.status is ChargeStatus.DECLINED
    assert blocked.state.decline_code == "fraudulent"
    assert blocked.state.risk_level == "highest"
    assert "always_blocked" in blocked.state.rules_triggered
    assert blocked.state.network_transaction_id == ""
    assert await side.store.stream_ids(merchant, "Ledger") == []


async def test_a_foreign_card_on_a_domestic_merchant_raises_the_risk_score_but_is_allowed(side: CommandSide) -> None:
    merchant = (await side.onboard(country="US")).state.account_id

    domestic = await side.charge(merchant, 2_000, "tok_visa")
    foreign = await side.charge(merchant, 2_000, "tok_br")

    assert "international_card" in foreign.state.rules_triggered
    assert foreign.state.risk_score > domestic.state.risk_score
    assert foreign.state.status is ChargeStatus.CAPTURED


async def test_a_card_from_another_country_than_the_buyers_ip_is_a_country_mismatch(side: CommandSide) -> None:
    merchant = (await side.onboard(country="US")).state.account_id

    mismatch = await side.charge(merchant, 2_000, "tok_visa", ip_country="FR")

    assert "country_mismatch" in mismatch.state.rules_triggered


async def test_a_large_amount_raises_the_risk_score(side: CommandSide) -> None:
    merchant = (await side.onboard()).state.account_id

    large = await side.charge(merchant, 600_000, "tok_visa")

    assert "large_amount" in large.state.rules_triggered
    assert large.state.status is ChargeStatus.CAPTURED


async def test_an_uncaptured_authorization_expires_after_7_days_and_can_no_longer_be_captured(
    side: CommandSide,
) -> None:
    merchant = (await side.onboard()).state.account_id
    authorized = await side.charge(merchant, 3_000, capture=False)
    charge_id = authorized.state.charge_id

    side.clock.advance(days=6, hours=23)
    assert await side.payments.expirable_charges(merchant, 100) == []
    side.clock.advance(hours=1, seconds=1)
    assert await side.payments.expirable_charges(merchant, 100) == [charge_id]

    await side.run(merchant, "ExpireAuthorization", lambda: side.payments.expire(merchant, charge_id))

    assert (await side.charge_state(merchant, charge_id)).status is ChargeStatus.EXPIRED
    assert await side.payments.expirable_charges(merchant, 100) == []
    with pytest.raises(PreconditionError) as refused:
        await side.capture(merchant, charge_id)
    assert refused.value.reason == "AUTHORIZATION_EXPIRED"


async def test_a_captured_charge_is_never_swept_as_expired(side: CommandSide) -> None:
    merchant = (await side.onboard()).state.account_id
    await side.charge(merchant, 3_000)

    side.clock.advance(days=8)

    assert await side.payments.expirable_charges(merchant, 100) == []


async def test_pending_funds_become_available_when_the_settlement_delay_has_passed(side: CommandSide) -> None:
    merchant = (await side.onboard()).state.account_id
    await side.charge(merchant, 10_000)
    assert await side.settle(merchant) == {}

    side.clock.advance(days=2)

    assert await side.settle(merchant) == {"usd": 9_680}
    balance = await side.balance(merchant)
    assert (balance.available, balance.pending) == (9_680, 0)


async def test_another_merchants_charge_is_not_found(side: CommandSide) -> None:
    owner = (await side.onboard()).state.account_id
    other = (await side.onboard("other@example.com")).state.account_id
    charge = await side.charge(owner, 2_000, capture=False)

    with pytest.raises(NotFoundError) as refused:
        await side.capture(other, charge.state.charge_id)

    assert refused.value.reason == "RESOURCE_MISSING"
    assert (await side.charge_state(owner, charge.state.charge_id)).status is ChargeStatus.AUTHORIZED


async def test_one_merchants_concurrent_charges_are_sequenced_on_its_ledger_and_none_is_refused(
    side: CommandSide,
) -> None:
    merchant = (await side.onboard()).state.account_id

    charges = await asyncio.gather(*(side.charge(merchant, 1_000 + n) for n in range(50)))

    assert all(c.state.status is ChargeStatus.CAPTURED for c in charges)
    ledger_events = await side.store.read_stream(f"ledger:{merchant}:usd")
    assert [e.aggregate_version for e in ledger_events] == list(range(1, 51))
    assert (await side.balance(merchant)).pending == sum(c.state.amount - c.state.fee for c in charges)
