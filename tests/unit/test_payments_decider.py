from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import reduce
from typing import Any

import pytest

from command_svc.domain import payments
from command_svc.domain.card_network import SimulatedCardNetwork
from command_svc.domain.errors import (
    AlreadyExistsError,
    NotFoundError,
    PreconditionError,
    ValidationError,
)
from command_svc.domain.events import (
    AuthorizationExpired,
    ChargeEvent,
    ChargeRequested,
    ChargeUpdated,
    FraudCheckCompleted,
    FraudDecision,
    PaymentAuthorized,
    PaymentCaptured,
    PaymentDeclined,
    RefundCreated,
)
from command_svc.domain.money import FeeSchedule
from command_svc.domain.payments import (
    CaptureCharge,
    ChargeState,
    ChargeStatus,
    CreateCharge,
    ExpireAuthorization,
    RefundCharge,
    UpdateCharge,
)

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
NETWORK = SimulatedCardNetwork(seed="unit-tests")


def create(**overrides: Any) -> CreateCharge:
    command = CreateCharge(
        charge_id="ch_1",
        account_id="acct_1",
        amount=1_000,
        currency="usd",
        source="tok_visa",
        now=NOW,
        balance_transaction_id="txn_capture",
    )
    return replace(command, **overrides)


def decide(command: payments.ChargeCommand, state: ChargeState) -> list[ChargeEvent]:
    return payments.decide(command, state, network=NETWORK)


def apply(state: ChargeState, events: list[ChargeEvent]) -> ChargeState:
    return reduce(payments.evolve, events, state)


def given(command: CreateCharge) -> ChargeState:
    return payments.fold(decide(command, payments.initial_state()))


def captured_charge(amount: int = 1_000) -> ChargeState:
    return given(create(amount=amount))


def uncaptured_charge() -> ChargeState:
    return given(create(capture=False))


def refund(**overrides: Any) -> RefundCharge:
    return replace(
        RefundCharge(refund_id="re_1", balance_transaction_id="txn_refund", now=NOW), **overrides
    )


def refused(error: type[Exception], command: payments.ChargeCommand, state: ChargeState) -> Any:
    with pytest.raises(error) as raised:
        decide(command, state)
    return raised.value


# --- create ---------------------------------------------------------------------------------------


def test_charge_on_a_good_card_is_requested_checked_authorized_and_captured_in_order() -> None:
    events = decide(create(), payments.initial_state())

    assert [type(event) for event in events] == [
        ChargeRequested,
        FraudCheckCompleted,
        PaymentAuthorized,
        PaymentCaptured,
    ]
    assert payments.fold(events).status is ChargeStatus.CAPTURED


def test_charge_request_records_card_facts_but_never_a_card_number() -> None:
    requested = decide(create(), payments.initial_state())[0]

    assert isinstance(requested, ChargeRequested)
    assert (requested.card.brand, requested.card.last4, requested.card.country) == (
        "visa",
        "4242",
        "US",
    )
    assert requested.card.fingerprint
    assert requested.merchant_id == "acct_1"


def test_immediate_capture_charges_2_9_percent_plus_30_and_settles_after_two_days() -> None:
    captured = decide(create(), payments.initial_state())[-1]

    assert isinstance(captured, PaymentCaptured)
    assert (captured.captured_amount, captured.processing_fees, captured.net_amount) == (
        1_000,
        59,
        941,
    )
    assert captured.settlement_date == NOW + timedelta(days=2)
    assert captured.balance_transaction_id == "txn_capture"


def test_account_fee_override_is_applied_on_capture() -> None:
    state = given(create(amount=10_000, fees=FeeSchedule(percent_bps=150, fixed=0)))

    assert (state.fee, state.net) == (150, 9_850)


def test_uncaptured_charge_is_authorized_with_a_seven_day_expiry() -> None:
    events = decide(create(capture=False), payments.initial_state())

    authorized = events[-1]
    assert isinstance(authorized, PaymentAuthorized)
    assert authorized.expires_at == NOW + timedelta(days=7)
    assert authorized.authorization_code and authorized.network_transaction_id
    assert payments.fold(events).status is ChargeStatus.AUTHORIZED


@pytest.mark.parametrize(
    ("token", "failure_code", "decline_code"),
    [
        ("tok_chargeDeclined", "card_declined", "generic_decline"),
        ("tok_chargeDeclinedInsufficientFunds", "card_declined", "insufficient_funds"),
        ("tok_chargeDeclinedFraudulent", "card_declined", "fraudulent"),
    ],
)
def test_issuer_decline_is_recorded_as_a_declined_payment_not_an_error(
    token: str, failure_code: str, decline_code: str
) -> None:
    events = decide(create(source=token), payments.initial_state())

    declined = events[-1]
    assert isinstance(declined, PaymentDeclined)
    assert (declined.failure_code, declined.decline_code) == (failure_code, decline_code)
    assert declined.network_transaction_id  # the network was asked
    assert payments.fold(events).status is ChargeStatus.DECLINED


def test_fraud_block_declines_as_fraudulent_without_asking_the_network() -> None:
    events = decide(create(source="tok_riskLevelHighest"), payments.initial_state())

    fraud, declined = events[1], events[2]
    assert isinstance(fraud, FraudCheckCompleted) and fraud.decision is FraudDecision.BLOCK
    assert isinstance(declined, PaymentDeclined)
    assert declined.decline_code == "fraudulent"
    assert declined.network_transaction_id == ""
    assert len(events) == 3


def test_elevated_risk_charge_is_authorized_but_flagged_for_review() -> None:
    state = given(create(source="tok_riskLevelElevated"))

    assert state.status is ChargeStatus.CAPTURED
    assert state.fraud_decision is FraudDecision.REVIEW
    assert state.risk_level == "elevated"


def test_card_testing_from_abroad_is_blocked_by_velocity_rules() -> None:
    state = given(create(card_charges_last_hour=12, ip_country="ru"))

    assert state.status is ChargeStatus.DECLINED
    assert state.decline_code == "fraudulent"
    assert "card_velocity" in state.rules_triggered


def test_bypass_pending_token_makes_funds_due_at_capture_time() -> None:
    state = given(create(source="tok_bypassPending"))

    assert state.settlement_date == NOW


def test_same_command_always_decides_the_same_events() -> None:
    assert decide(create(), payments.initial_state()) == decide(create(), payments.initial_state())


def test_raw_card_number_is_refused_without_echoing_it() -> None:
    error = refused(ValidationError, create(source="4242 4242 4242 4242"), payments.initial_state())

    assert error.reason == "RAW_CARD_NUMBER_REFUSED"
    assert error.field == "source"
    assert "4242" not in error.message


@pytest.mark.parametrize("source", ["tok_doesNotExist", "card_123", ""])
def test_unknown_payment_source_is_refused(source: str) -> None:
    error = refused(ValidationError, create(source=source), payments.initial_state())

    assert (error.reason, error.field) == ("SOURCE_INVALID", "source")


def test_unsupported_currency_is_refused() -> None:
    error = refused(ValidationError, create(currency="xyz"), payments.initial_state())

    assert error.reason == "CURRENCY_UNSUPPORTED"


def test_amount_above_the_limit_is_refused() -> None:
    error = refused(ValidationError, create(amount=100_000_000), payments.initial_state())

    assert error.reason == "AMOUNT_TOO_LARGE"


@pytest.mark.parametrize(
    ("metadata", "reason"),
    [
        ({f"k{i}": "v" for i in range(51)}, "METADATA_TOO_MANY_KEYS"),
        ({"k" * 41: "v"}, "METADATA_KEY_TOO_LONG"),
        ({"k": "v" * 501}, "METADATA_VALUE_TOO_LONG"),
    ],
)
def test_metadata_beyond_stripe_limits_is_refused(metadata: dict[str, str], reason: str) -> None:
    error = refused(ValidationError, create(metadata=metadata), payments.initial_state())

    assert (error.reason, error.field) == (reason, "metadata")


def test_metadata_at_stripe_limits_is_kept() -> None:
    metadata = {f"{i:0>40}": "v" * 500 for i in range(50)}

    assert given(create(metadata=metadata)).metadata == metadata


@pytest.mark.parametrize(
    ("field", "value"),
    [("description", "d" * 1001), ("statement_descriptor", "s" * 23), ("customer", "c" * 256)],
)
def test_text_fields_beyond_their_limits_are_refused(field: str, value: str) -> None:
    error = refused(ValidationError, create(**{field: value}), payments.initial_state())

    assert error.field == field
    assert error.reason == f"{field.upper()}_TOO_LONG"


def test_malformed_receipt_email_is_refused() -> None:
    error = refused(ValidationError, create(receipt_email="not-an-email"), payments.initial_state())

    assert (error.reason, error.field) == ("EMAIL_INVALID", "receipt_email")


def test_creating_a_charge_twice_is_refused() -> None:
    error = refused(AlreadyExistsError, create(), captured_charge())

    assert error.reason == "CHARGE_ALREADY_EXISTS"


# --- capture --------------------------------------------------------------------------------------


def test_full_capture_of_an_authorization_captures_the_authorized_amount() -> None:
    events = decide(CaptureCharge(now=NOW, balance_transaction_id="txn_2"), uncaptured_charge())

    captured = events[0]
    assert isinstance(captured, PaymentCaptured)
    assert (captured.captured_amount, captured.released_amount) == (1_000, 0)
    assert captured.balance_transaction_id == "txn_2"


def test_partial_capture_releases_the_rest_of_the_authorization() -> None:
    authorized = uncaptured_charge()
    events = decide(CaptureCharge(now=NOW, balance_transaction_id="txn_2", amount=600), authorized)

    state = apply(authorized, events)
    captured = events[0]
    assert isinstance(captured, PaymentCaptured)
    assert (captured.captured_amount, captured.released_amount) == (600, 400)
    assert captured.processing_fees == 47  # 17.4 -> 17, plus 30
    assert (state.status, state.amount_captured) == (ChargeStatus.CAPTURED, 600)


def test_capture_more_than_authorized_is_refused() -> None:
    error = refused(
        ValidationError,
        CaptureCharge(now=NOW, balance_transaction_id="txn_2", amount=1_001),
        uncaptured_charge(),
    )

    assert (error.reason, error.field) == ("AMOUNT_EXCEEDS_AUTHORIZED", "amount")


def test_capturing_twice_is_refused() -> None:
    error = refused(
        PreconditionError, CaptureCharge(now=NOW, balance_transaction_id="t"), captured_charge()
    )

    assert error.reason == "CHARGE_ALREADY_CAPTURED"


def test_capture_seven_days_after_authorization_is_refused() -> None:
    error = refused(
        PreconditionError,
        CaptureCharge(now=NOW + timedelta(days=7), balance_transaction_id="t"),
        uncaptured_charge(),
    )

    assert error.reason == "AUTHORIZATION_EXPIRED"


def test_capture_of_an_expired_authorization_is_refused() -> None:
    later = NOW + timedelta(days=8)
    state = uncaptured_charge()
    state = apply(state, decide(ExpireAuthorization(now=later), state))

    error = refused(PreconditionError, CaptureCharge(now=later, balance_transaction_id="t"), state)

    assert error.reason == "AUTHORIZATION_EXPIRED"


def test_capture_of_a_declined_charge_is_refused() -> None:
    error = refused(
        PreconditionError,
        CaptureCharge(now=NOW, balance_transaction_id="t"),
        given(create(source="tok_chargeDeclined")),
    )

    assert error.reason == "CHARGE_NOT_CAPTURABLE"


def test_capture_of_an_unknown_charge_is_not_found() -> None:
    error = refused(
        NotFoundError, CaptureCharge(now=NOW, balance_transaction_id="t"), payments.initial_state()
    )

    assert error.reason == "CHARGE_NOT_FOUND"


# --- refund ---------------------------------------------------------------------------------------


def test_refund_without_amount_refunds_everything_left() -> None:
    events = decide(refund(), captured_charge())

    refunded = events[0]
    assert isinstance(refunded, RefundCreated)
    assert (refunded.amount, refunded.currency, refunded.charge_id) == (1_000, "usd", "ch_1")
    assert refunded.balance_transaction_id == "txn_refund"


def test_partial_refunds_add_up_and_the_default_takes_the_remainder() -> None:
    state = captured_charge()
    state = apply(state, decide(refund(amount=300), state))
    state = apply(state, decide(refund(refund_id="re_2"), state))

    assert state.amount_refunded == 1_000
    assert state.refunded
    assert state.refund_ids == ("re_1", "re_2")


def test_refund_more_than_captured_minus_refunded_is_refused() -> None:
    state = captured_charge()
    state = apply(state, decide(refund(amount=700), state))

    error = refused(ValidationError, refund(refund_id="re_2", amount=301), state)

    assert error.reason == "REFUND_EXCEEDS_CAPTURED"


def test_refund_of_a_partially_captured_charge_is_limited_to_the_captured_amount() -> None:
    state = uncaptured_charge()
    state = apply(
        state, decide(CaptureCharge(now=NOW, balance_transaction_id="t", amount=400), state)
    )

    error = refused(ValidationError, refund(amount=401), state)

    assert error.reason == "REFUND_EXCEEDS_CAPTURED"


def test_refund_of_a_fully_refunded_charge_is_refused() -> None:
    state = captured_charge()
    state = apply(state, decide(refund(), state))

    error = refused(PreconditionError, refund(refund_id="re_2"), state)

    assert error.reason == "CHARGE_ALREADY_REFUNDED"


def test_refund_of_an_uncaptured_charge_is_refused() -> None:
    error = refused(PreconditionError, refund(), uncaptured_charge())

    assert error.reason == "CHARGE_NOT_CAPTURED"


def test_refund_with_an_unknown_reason_is_refused() -> None:
    error = refused(ValidationError, refund(reason="changed_my_mind"), captured_charge())

    assert (error.reason, error.field) == ("REFUND_REASON_INVALID", "reason")


def test_reusing_a_refund_id_is_refused() -> None:
    state = captured_charge()
    state = apply(state, decide(refund(amount=100), state))

    error = refused(AlreadyExistsError, refund(amount=100), state)

    assert error.reason == "REFUND_ALREADY_EXISTS"


# --- expire ---------------------------------------------------------------------------------------


def test_uncaptured_authorization_expires_after_seven_days() -> None:
    events = decide(ExpireAuthorization(now=NOW + timedelta(days=7)), uncaptured_charge())

    assert events == [AuthorizationExpired(charge_id="ch_1", amount=1_000, currency="usd")]


def test_authorization_cannot_expire_before_seven_days() -> None:
    error = refused(
        PreconditionError, ExpireAuthorization(now=NOW + timedelta(days=6)), uncaptured_charge()
    )

    assert error.reason == "AUTHORIZATION_NOT_EXPIRED"


def test_captured_charge_never_expires() -> None:
    error = refused(
        PreconditionError, ExpireAuthorization(now=NOW + timedelta(days=30)), captured_charge()
    )

    assert error.reason == "CHARGE_NOT_EXPIRABLE"


# --- update ---------------------------------------------------------------------------------------


def test_update_sets_description_and_merges_metadata_and_empty_value_deletes() -> None:
    state = given(create(metadata={"order": "42", "tmp": "x"}))

    events = decide(
        UpdateCharge(now=NOW, description="Order 42", metadata={"tmp": "", "note": "gift"}), state
    )
    state = apply(state, events)

    assert isinstance(events[0], ChargeUpdated)
    assert state.description == "Order 42"
    assert state.metadata == {"order": "42", "note": "gift"}


def test_update_without_description_keeps_the_old_one() -> None:
    state = given(create(description="first"))

    state = apply(state, decide(UpdateCharge(now=NOW, metadata={"a": "b"}), state))

    assert state.description == "first"


def test_update_with_nothing_to_change_records_nothing() -> None:
    assert decide(UpdateCharge(now=NOW), captured_charge()) == []


def test_update_that_would_exceed_fifty_metadata_keys_is_refused() -> None:
    state = given(create(metadata={f"k{i}": "v" for i in range(50)}))

    error = refused(ValidationError, UpdateCharge(now=NOW, metadata={"one_more": "v"}), state)

    assert error.reason == "METADATA_TOO_MANY_KEYS"
