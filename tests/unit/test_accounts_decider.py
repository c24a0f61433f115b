import hashlib
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import reduce
from typing import Any

import pytest

from command_svc.domain import accounts, ledger
from command_svc.domain.accounts import (
    AccountState,
    CompleteKyc,
    CreatePayout,
    IssueApiKey,
    KycStatus,
    OnboardAccount,
    StartKyc,
)
from command_svc.domain.errors import (
    AlreadyExistsError,
    InsufficientFundsError,
    NotFoundError,
    PreconditionError,
    ValidationError,
)
from command_svc.domain.events import (
    AccountOnboarded,
    KYCProcessStarted,
    LedgerEntryPosted,
    LedgerEntryType,
    PayoutCreated,
)
from command_svc.domain.money import FeeSchedule

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def onboard(**overrides: Any) -> OnboardAccount:
    command = OnboardAccount(
        account_id="acct_1",
        email="owner@shop.example",
        country="us",
        default_currency="USD",
        now=NOW,
        business_name="Shop",
    )
    return replace(command, **overrides)


def after(state: AccountState, *commands: accounts.AccountCommand) -> AccountState:
    for command in commands:
        state = reduce(accounts.evolve, accounts.decide(command, state), state)
    return state


def onboarded() -> AccountState:
    return after(accounts.initial_state(), onboard())


def kyc_pending() -> AccountState:
    return after(onboarded(), StartKyc(now=NOW))


def verified() -> AccountState:
    return after(kyc_pending(), CompleteKyc(now=NOW, verification_status="verified"))


def funded_ledger(available: int) -> ledger.LedgerState:
    credit = ledger.PostCharge(
        entry_id="txn_c",
        account_id="acct_1",
        currency="usd",
        charge_id="ch_1",
        amount=available,
        fee=0,
        available_on=NOW,
        now=NOW,
    )
    return ledger.fold(ledger.decide(credit, ledger.initial_state()))


def payout(**overrides: Any) -> CreatePayout:
    command = CreatePayout(
        payout_id="po_1", balance_transaction_id="txn_p", amount=500, currency="usd", now=NOW
    )
    return replace(command, **overrides)


def refused(error: type[Exception], command: accounts.AccountCommand, state: AccountState) -> Any:
    with pytest.raises(error) as raised:
        accounts.decide(command, state)
    return raised.value


def test_onboarding_records_a_normalized_account_with_default_pricing() -> None:
    [event] = accounts.decide(onboard(), accounts.initial_state())

    assert isinstance(event, AccountOnboarded)
    assert (event.country, event.default_currency) == ("US", "usd")
    assert (event.fee_percent_bps, event.fee_fixed) == (290, 30)
    assert not accounts.can_pay_out(onboarded())


def test_negotiated_fees_within_bounds_are_kept() -> None:
    state = after(accounts.initial_state(), onboard(fees=FeeSchedule(percent_bps=150, fixed=10)))

    assert state.fees == FeeSchedule(percent_bps=150, fixed=10)


@pytest.mark.parametrize(
    ("fees", "field"),
    [(FeeSchedule(percent_bps=1_001), "fee_percent_bps"), (FeeSchedule(fixed=-1), "fee_fixed")],
)
def test_fees_outside_sane_bounds_are_refused(fees: FeeSchedule, field: str) -> None:
    error = refused(ValidationError, onboard(fees=fees), accounts.initial_state())

    assert (error.reason, error.field) == ("FEE_OUT_OF_RANGE", field)


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"email": "nobody"}, "EMAIL_INVALID"),
        ({"default_currency": "xyz"}, "CURRENCY_UNSUPPORTED"),
        ({"country": "USA"}, "COUNTRY_INVALID"),
    ],
)
def test_malformed_onboarding_is_refused(overrides: dict[str, str], reason: str) -> None:
    error = refused(ValidationError, onboard(**overrides), accounts.initial_state())

    assert error.reason == reason


def test_onboarding_twice_is_refused() -> None:
    error = refused(AlreadyExistsError, onboard(), onboarded())

    assert error.reason == "ACCOUNT_ALREADY_EXISTS"


def test_kyc_starts_with_the_documents_of_its_level_and_a_due_date() -> None:
    [event] = accounts.decide(StartKyc(now=NOW, verification_level="enhanced"), onboarded())

    assert isinstance(event, KYCProcessStarted)
    assert "proof_of_address" in event.required_documents
    assert event.due_date == NOW + timedelta(days=30)
    assert after(onboarded(), StartKyc(now=NOW)).kyc_status is KycStatus.PENDING


def test_kyc_with_an_unknown_level_is_refused() -> None:
    error = refused(ValidationError, StartKyc(now=NOW, verification_level="maximal"), onboarded())

    assert error.reason == "VERIFICATION_LEVEL_INVALID"


def test_kyc_cannot_start_twice() -> None:
    assert (
        refused(PreconditionError, StartKyc(now=NOW), kyc_pending()).reason == "KYC_ALREADY_STARTED"
    )


def test_kyc_cannot_complete_before_it_started() -> None:
    error = refused(
        PreconditionError, CompleteKyc(now=NOW, verification_status="verified"), onboarded()
    )

    assert error.reason == "KYC_NOT_STARTED"


def test_verified_account_gets_payments_and_payouts() -> None:
    state = verified()

    assert state.kyc_status is KycStatus.VERIFIED
    assert set(state.capabilities) == {"card_payments", "payouts"}
    assert accounts.can_pay_out(state)


def test_rejected_account_gets_no_capabilities_and_may_try_again() -> None:
    state = after(kyc_pending(), CompleteKyc(now=NOW, verification_status="rejected"))

    assert state.capabilities == ()
    assert not state.charges_enabled
    assert after(state, StartKyc(now=NOW)).kyc_status is KycStatus.PENDING


def test_kyc_for_an_unknown_account_is_not_found() -> None:
    assert (
        refused(NotFoundError, StartKyc(now=NOW), accounts.initial_state()).reason
        == "ACCOUNT_NOT_FOUND"
    )


def test_payout_of_a_verified_account_debits_its_ledger_in_the_same_decision() -> None:
    events = accounts.decide_payout(verified(), funded_ledger(2_000), payout())

    created, debit = events
    assert isinstance(created, PayoutCreated) and isinstance(debit, LedgerEntryPosted)
    assert (created.payout_amount, created.balance_transaction_id) == (500, "txn_p")
    assert created.estimated_arrival == NOW + timedelta(days=2)
    assert (debit.type, debit.entry_id, debit.available_delta) == (
        LedgerEntryType.PAYOUT,
        "txn_p",
        -500,
    )


@pytest.mark.parametrize("state", [onboarded(), kyc_pending()])
def test_payout_before_kyc_is_verified_is_refused(state: AccountState) -> None:
    with pytest.raises(PreconditionError) as refused_payout:
        accounts.decide_payout(state, funded_ledger(2_000), payout())

    assert refused_payout.value.reason == "ACCOUNT_NOT_VERIFIED"


def test_payout_of_a_rejected_account_is_refused() -> None:
    rejected = after(kyc_pending(), CompleteKyc(now=NOW, verification_status="rejected"))

    with pytest.raises(PreconditionError) as refused_payout:
        accounts.decide_payout(rejected, funded_ledger(2_000), payout())

    assert refused_payout.value.reason == "ACCOUNT_NOT_VERIFIED"


def test_payout_without_the_payouts_capability_is_refused() -> None:
    state = after(
        kyc_pending(),
        CompleteKyc(
            now=NOW, verification_status="verified", approved_capabilities=("card_payments",)
        ),
    )

    with pytest.raises(PreconditionError) as refused_payout:
        accounts.decide_payout(state, funded_ledger(2_000), payout())

    assert refused_payout.value.reason == "PAYOUTS_CAPABILITY_MISSING"


def test_payout_beyond_available_funds_is_refused() -> None:
    with pytest.raises(InsufficientFundsError):
        accounts.decide_payout(verified(), funded_ledger(499), payout())


def test_payout_id_cannot_be_reused() -> None:
    account = verified()
    [created, _] = accounts.decide_payout(account, funded_ledger(2_000), payout())
    assert isinstance(created, PayoutCreated)
    account = accounts.evolve(account, created)

    with pytest.raises(AlreadyExistsError):
        accounts.decide_payout(
            account, funded_ledger(2_000), payout(balance_transaction_id="txn_q")
        )


def test_api_key_is_recorded_by_hash_only() -> None:
    key_hash = hashlib.sha256(b"sk_test_secret").hexdigest()

    state = after(onboarded(), IssueApiKey(key_hash=key_hash, key_prefix="sk_test_secr"))

    assert state.api_key_hashes == (key_hash,)
    error = refused(AlreadyExistsError, IssueApiKey(key_hash=key_hash, key_prefix="x"), state)
    assert error.reason == "API_KEY_ALREADY_EXISTS"


def test_api_key_that_is_not_a_sha256_is_refused() -> None:
    error = refused(
        ValidationError, IssueApiKey(key_hash="sk_test_plain", key_prefix="sk"), onboarded()
    )

    assert error.reason == "KEY_HASH_INVALID"
