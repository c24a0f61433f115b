from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import reduce
from typing import Any

import pytest

from command_svc.domain import disputes, ledger
from command_svc.domain.disputes import (
    CloseDispute,
    CreateDispute,
    DisputeConfig,
    DisputeState,
    DisputeStatus,
    ResolveDispute,
    SubmitEvidence,
)
from command_svc.domain.errors import (
    AlreadyExistsError,
    NotFoundError,
    PreconditionError,
    ValidationError,
)
from command_svc.domain.events import (
    DisputeCreated,
    DisputeEvent,
    DisputeResolution,
    DisputeResolved,
    EvidenceSubmitted,
)

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def open_dispute(**overrides: Any) -> CreateDispute:
    command = CreateDispute(
        dispute_id="dp_1",
        charge_id="ch_1",
        account_id="acct_1",
        currency="usd",
        reason="fraudulent",
        now=NOW,
        charge_amount_captured=1_000,
        charge_amount_refunded=0,
    )
    return replace(command, **overrides)


def apply(state: DisputeState, events: list[DisputeEvent]) -> DisputeState:
    return reduce(disputes.evolve, events, state)


def opened() -> DisputeState:
    return disputes.fold(disputes.decide(open_dispute(), disputes.initial_state()))


def after(state: DisputeState, command: disputes.DisputeCommand) -> DisputeState:
    return apply(state, disputes.decide(command, state))


def under_review() -> DisputeState:
    return after(opened(), SubmitEvidence(now=NOW, evidence={"customer_name": "Ada"}, submit=True))


def refused(error: type[Exception], command: disputes.DisputeCommand, state: DisputeState) -> Any:
    with pytest.raises(error) as raised:
        disputes.decide(command, state)
    return raised.value


def test_dispute_opens_for_what_was_captured_and_not_refunded_with_a_fee_and_due_date() -> None:
    [created] = disputes.decide(open_dispute(charge_amount_refunded=300), disputes.initial_state())

    assert isinstance(created, DisputeCreated)
    assert (created.chargeback_amount, created.dispute_fee) == (700, 1_500)
    assert created.evidence_due_date == NOW + timedelta(days=7)
    assert created.merchant_id == "acct_1"
    assert disputes.fold([created]).status is DisputeStatus.NEEDS_RESPONSE


def test_evidence_window_and_fee_come_from_configuration() -> None:
    config = DisputeConfig(evidence_window=timedelta(days=21), dispute_fee=2_000)

    [created] = disputes.decide(open_dispute(), disputes.initial_state(), config)

    assert isinstance(created, DisputeCreated)
    assert created.evidence_due_date == NOW + timedelta(days=21)
    assert created.dispute_fee == 2_000


def test_dispute_larger_than_the_undisputed_captured_amount_is_refused() -> None:
    error = refused(
        ValidationError,
        open_dispute(amount=901, charge_amount_refunded=100),
        disputes.initial_state(),
    )

    assert (error.reason, error.field) == ("DISPUTE_EXCEEDS_CHARGE", "amount")


def test_fully_refunded_charge_cannot_be_disputed() -> None:
    error = refused(
        PreconditionError, open_dispute(charge_amount_refunded=1_000), disputes.initial_state()
    )

    assert error.reason == "CHARGE_NOT_DISPUTABLE"


def test_unknown_dispute_reason_is_refused() -> None:
    error = refused(ValidationError, open_dispute(reason="bored"), disputes.initial_state())

    assert error.reason == "DISPUTE_REASON_INVALID"


def test_opening_the_same_dispute_twice_is_refused() -> None:
    error = refused(AlreadyExistsError, open_dispute(), opened())

    assert error.reason == "DISPUTE_ALREADY_EXISTS"


def test_staged_evidence_keeps_the_dispute_waiting_for_a_response() -> None:
    state = after(opened(), SubmitEvidence(now=NOW, evidence={"customer_name": "Ada"}))

    assert state.status is DisputeStatus.NEEDS_RESPONSE
    assert state.evidence == {"customer_name": "Ada"}


def test_submitting_evidence_puts_the_dispute_under_review_with_all_staged_evidence() -> None:
    state = after(opened(), SubmitEvidence(now=NOW, evidence={"customer_name": "Ada"}))
    events = disputes.decide(
        SubmitEvidence(now=NOW, file_references=("file_receipt1",), submit=True), state
    )
    state = apply(state, events)

    submitted = events[0]
    assert isinstance(submitted, EvidenceSubmitted)
    assert (submitted.submitted, submitted.evidence_type) == (True, "mixed")
    assert state.status is DisputeStatus.UNDER_REVIEW
    assert state.evidence == {"customer_name": "Ada"}
    assert state.file_references == ("file_receipt1",)


def test_submitting_without_any_evidence_is_refused() -> None:
    error = refused(ValidationError, SubmitEvidence(now=NOW, submit=True), opened())

    assert error.reason == "EVIDENCE_REQUIRED"


@pytest.mark.parametrize(
    ("command", "reason"),
    [
        (SubmitEvidence(now=NOW, evidence={"favourite_colour": "blue"}), "EVIDENCE_FIELD_UNKNOWN"),
        (
            SubmitEvidence(now=NOW, evidence={"uncategorized_text": "x" * 20_001}),
            "EVIDENCE_TOO_LONG",
        ),
        (SubmitEvidence(now=NOW, file_references=("https://evil",)), "EVIDENCE_FILE_INVALID"),
    ],
)
def test_malformed_evidence_is_refused(command: SubmitEvidence, reason: str) -> None:
    error = refused(ValidationError, command, opened())

    assert error.reason == reason


def test_evidence_of_the_maximum_length_is_accepted() -> None:
    text = "x" * 20_000

    state = after(opened(), SubmitEvidence(now=NOW, evidence={"uncategorized_text": text}))

    assert state.evidence["uncategorized_text"] == text


def test_evidence_after_the_due_date_is_refused() -> None:
    late = SubmitEvidence(now=NOW + timedelta(days=7, seconds=1), evidence={"customer_name": "A"})

    error = refused(PreconditionError, late, opened())

    assert error.reason == "EVIDENCE_DUE_DATE_PASSED"


def test_evidence_after_submission_is_refused() -> None:
    error = refused(
        PreconditionError, SubmitEvidence(now=NOW, evidence={"customer_name": "B"}), under_review()
    )

    assert error.reason == "EVIDENCE_ALREADY_SUBMITTED"


def test_closing_a_dispute_accepts_the_loss_of_amount_and_fee() -> None:
    [resolved] = disputes.decide(CloseDispute(now=NOW), opened())

    assert isinstance(resolved, DisputeResolved)
    assert resolved.resolution_type is DisputeResolution.LOST
    assert resolved.accepted_by_merchant
    assert resolved.final_amount == 1_000 + 1_500
    assert apply(opened(), [resolved]).status is DisputeStatus.LOST


def test_closing_a_dispute_under_review_is_refused() -> None:
    error = refused(PreconditionError, CloseDispute(now=NOW), under_review())

    assert error.reason == "DISPUTE_UNDER_REVIEW"


def test_won_dispute_costs_the_merchant_nothing() -> None:
    [resolved] = disputes.decide(ResolveDispute(won=True, now=NOW), under_review())

    assert isinstance(resolved, DisputeResolved)
    assert (resolved.resolution_type, resolved.final_amount) == (DisputeResolution.WON, 0)
    assert not resolved.accepted_by_merchant
    assert apply(under_review(), [resolved]).status is DisputeStatus.WON


def test_lost_dispute_without_a_response_costs_amount_and_fee() -> None:
    [resolved] = disputes.decide(ResolveDispute(won=False, now=NOW), opened())

    assert isinstance(resolved, DisputeResolved)
    assert resolved.final_amount == 2_500
    assert not resolved.accepted_by_merchant


def test_nothing_can_change_a_resolved_dispute() -> None:
    state = after(opened(), ResolveDispute(won=True, now=NOW))

    for command in (
        ResolveDispute(won=False, now=NOW),
        CloseDispute(now=NOW),
        SubmitEvidence(now=NOW, evidence={"customer_name": "A"}),
    ):
        assert refused(PreconditionError, command, state).reason == "DISPUTE_ALREADY_RESOLVED"


def test_commands_on_an_unknown_dispute_are_not_found() -> None:
    error = refused(NotFoundError, CloseDispute(now=NOW), disputes.initial_state())

    assert error.reason == "DISPUTE_NOT_FOUND"


def test_dispute_events_move_money_on_the_ledger_and_a_win_gives_it_back() -> None:
    [created] = disputes.decide(open_dispute(), disputes.initial_state())
    [resolved] = disputes.decide(ResolveDispute(won=True, now=NOW), opened())
    assert isinstance(created, DisputeCreated) and isinstance(resolved, DisputeResolved)

    book = ledger.initial_state()
    for command in (
        ledger.reserve_dispute(created, entry_id="txn_1"),
        ledger.settle_dispute(resolved, account_id="acct_1", entry_id="txn_2"),
    ):
        book = reduce(ledger.evolve, ledger.decide(command, book), book)

    assert (book.available, book.pending, book.reserved) == (0, 0, 0)
