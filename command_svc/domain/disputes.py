"""The Dispute aggregate: opened by the network, answered with evidence, closed or resolved.

One stream per dispute. The money moves on the ledger: DisputeCreated -> `ledger.reserve_dispute`,
DisputeResolved -> `ledger.settle_dispute` (won: released, lost: debited), appended in the same
transaction as the dispute event.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import Enum
from functools import reduce
from typing import Final, TypeAlias, assert_never

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
from command_svc.domain.money import normalize_currency, validate_amount
from command_svc.domain.rules import set_metadata

# Stripe's dispute reasons.
DISPUTE_REASONS: Final = frozenset(
    {
        "bank_cannot_process", "check_returned", "credit_not_processed", "customer_initiated",
        "debit_not_authorized", "duplicate", "fraudulent", "general", "incorrect_account_details",
        "insufficient_funds", "product_not_received", "product_unacceptable",
        "subscription_canceled", "unrecognized",
    }
)  # fmt: skip

# Stripe's text evidence fields; file evidence travels as file_references instead.
EVIDENCE_FIELDS: Final = frozenset(
    {
        "access_activity_log", "billing_address", "cancellation_policy_disclosure",
        "cancellation_rebuttal", "customer_email_address", "customer_name", "customer_purchase_ip",
        "duplicate_charge_explanation", "duplicate_charge_id", "product_description",
        "refund_policy_disclosure", "refund_refusal_explanation", "service_date",
        "shipping_address", "shipping_carrier", "shipping_date", "shipping_tracking_number",
        "uncategorized_text",
    }
)  # fmt: skip
MAX_EVIDENCE_LENGTH: Final = 20_000
_FILE_REFERENCE = re.compile(r"^file_[A-Za-z0-9]{1,64}$")


@dataclass(frozen=True, kw_only=True)
class DisputeConfig:
    evidence_window: timedelta = timedelta(days=7)
    dispute_fee: int = 1500
    dispute_fee_overrides: Mapping[str, int] = field(default_factory=dict)

    def fee_for(self, currency: str) -> int:
        return self.dispute_fee_overrides.get(currency, self.dispute_fee)


DEFAULT_DISPUTE_CONFIG: Final = DisputeConfig()


class DisputeStatus(Enum):
    NOT_CREATED = "not_created"
    NEEDS_RESPONSE = "needs_response"
    UNDER_REVIEW = "under_review"
    WON = "won"
    LOST = "lost"


@dataclass(frozen=True, kw_only=True)
class DisputeState:
    status: DisputeStatus = DisputeStatus.NOT_CREATED
    dispute_id: str = ""
    charge_id: str = ""
    account_id: str = ""
    reason: str = ""
    amount: int = 0
    currency: str = ""
    dispute_fee: int = 0
    evidence_due_date: datetime | None = None
    evidence: Mapping[str, str] = field(default_factory=dict)
    file_references: tuple[str, ...] = ()
    evidence_submitted_at: datetime | None = None
    resolution: DisputeResolution = DisputeResolution.UNSPECIFIED
    final_amount: int = 0
    accepted_by_merchant: bool = False
    resolved_at: datetime | None = None
    version: int = 0

    @property
    def resolved(self) -> bool:
        return self.status in (DisputeStatus.WON, DisputeStatus.LOST)


def initial_state() -> DisputeState:
    return DisputeState()


@dataclass(frozen=True, kw_only=True)
class CreateDispute:
    dispute_id: str
    charge_id: str
    account_id: str
    currency: str
    reason: str
    now: datetime
    # From the charge: only what was captured and not refunded can be disputed.
    charge_amount_captured: int
    charge_amount_refunded: int
    amount: int | None = None


@dataclass(frozen=True, kw_only=True)
class SubmitEvidence:
    now: datetime
    # An empty value clears a field staged earlier.
    evidence: Mapping[str, str] = field(default_factory=dict)
    file_references: tuple[str, ...] = ()
    # False stages the evidence; True sends everything staged to the network.
    submit: bool = False


@dataclass(frozen=True, kw_only=True)
class CloseDispute:
    """The merchant accepts the dispute: it is lost."""

    now: datetime


@dataclass(frozen=True, kw_only=True)
class ResolveDispute:
    """The network's verdict."""

    won: bool
    now: datetime


DisputeCommand: TypeAlias = CreateDispute | SubmitEvidence | CloseDispute | ResolveDispute


def decide(
    command: DisputeCommand, state: DisputeState, config: DisputeConfig = DEFAULT_DISPUTE_CONFIG
) -> list[DisputeEvent]:
    match command:
        case CreateDispute():
            return [_create(command, state, config)]
        case SubmitEvidence():
            return _submit_evidence(command, _open(state))
        case CloseDispute():
            state = _open(state)
            if state.status is DisputeStatus.UNDER_REVIEW:
                raise PreconditionError(
                    "DISPUTE_UNDER_REVIEW", "Evidence was submitted; the network is deciding."
                )
            return [_resolved(state, won=False, now=command.now, accepted=True)]
        case ResolveDispute():
            return [_resolved(_open(state), won=command.won, now=command.now, accepted=False)]
        case _:
            assert_never(command)


def _open(state: DisputeState) -> DisputeState:
    if state.status is DisputeStatus.NOT_CREATED:
        raise NotFoundError("DISPUTE_NOT_FOUND", "No such dispute.", field="dispute")
    if state.resolved:
        raise PreconditionError(
            "DISPUTE_ALREADY_RESOLVED", f"The dispute was already {state.status.value}."
        )
    return state


def _create(cmd: CreateDispute, state: DisputeState, config: DisputeConfig) -> DisputeCreated:
    if state.status is not DisputeStatus.NOT_CREATED:
        raise AlreadyExistsError(
            "DISPUTE_ALREADY_EXISTS", f"Dispute {cmd.dispute_id} already exists."
        )
    currency = normalize_currency(cmd.currency)
    if cmd.reason not in DISPUTE_REASONS:
        raise ValidationError("DISPUTE_REASON_INVALID", "Unknown dispute reason.", field="reason")
    disputable = cmd.charge_amount_captured - cmd.charge_amount_refunded
    if disputable <= 0:
        raise PreconditionError(
            "CHARGE_NOT_DISPUTABLE", "Only captured, not fully refunded charges can be disputed."
        )
    amount = validate_amount(disputable if cmd.amount is None else cmd.amount)
    if amount > disputable:
        raise ValidationError(
            "DISPUTE_EXCEEDS_CHARGE",
            f"Disputed amount exceeds the {disputable} captured and not refunded.",
            field="amount",
        )
    return DisputeCreated(
        dispute_id=cmd.dispute_id,
        charge_id=cmd.charge_id,
        dispute_reason=cmd.reason,
        evidence_due_date=cmd.now + config.evidence_window,
        chargeback_amount=amount,
        currency=currency,
        dispute_fee=config.fee_for(currency),
        merchant_id=cmd.account_id,
    )


def _submit_evidence(cmd: SubmitEvidence, state: DisputeState) -> list[DisputeEvent]:
    if state.status is DisputeStatus.UNDER_REVIEW:
        raise PreconditionError(
            "EVIDENCE_ALREADY_SUBMITTED", "Evidence was already submitted to the network."
        )
    if state.evidence_due_date is not None and cmd.now > state.evidence_due_date:
        raise PreconditionError(
            "EVIDENCE_DUE_DATE_PASSED",
            "The evidence due date has passed.",
            metadata={"evidence_due_date": state.evidence_due_date.isoformat()},
        )
    _validate_evidence(cmd.evidence, cmd.file_references)
    if not cmd.submit and not cmd.evidence and not cmd.file_references:
        return []
    has_text = bool(set_metadata(state.evidence, cmd.evidence))
    has_files = bool(state.file_references or cmd.file_references)
    if cmd.submit and not has_text and not has_files:
        raise ValidationError(
            "EVIDENCE_REQUIRED", "Submit at least one piece of evidence.", field="evidence"
        )
    return [
        EvidenceSubmitted(
            dispute_id=state.dispute_id,
            evidence_type=_evidence_type(has_text=has_text, has_files=has_files),
            evidence=dict(cmd.evidence),
            file_references=cmd.file_references,
            submission_timestamp=cmd.now,
            submitted=cmd.submit,
        )
    ]


def _validate_evidence(evidence: Mapping[str, str], file_references: tuple[str, ...]) -> None:
    for name, text in evidence.items():
        if name not in EVIDENCE_FIELDS:
            raise ValidationError(
                "EVIDENCE_FIELD_UNKNOWN",
                f"Unknown evidence field {name[:40]!r}.",
                field="evidence",
                metadata={"allowed": ",".join(sorted(EVIDENCE_FIELDS))},
            )
        if len(text) > MAX_EVIDENCE_LENGTH:
            raise ValidationError(
                "EVIDENCE_TOO_LONG",
                f"Evidence field {name} is longer than {MAX_EVIDENCE_LENGTH} characters.",
                field="evidence",
                metadata={"evidence_field": name},
            )
    for reference in file_references:
        if not _FILE_REFERENCE.match(reference):
            raise ValidationError(
                "EVIDENCE_FILE_INVALID",
                "File references must be uploaded file ids (file_...).",
                field="file_references",
            )


def _evidence_type(*, has_text: bool, has_files: bool) -> str:
    if has_text and has_files:
        return "mixed"
    return "file" if has_files else "text"


def _resolved(state: DisputeState, *, won: bool, now: datetime, accepted: bool) -> DisputeResolved:
    return DisputeResolved(
        dispute_id=state.dispute_id,
        resolution_type=DisputeResolution.WON if won else DisputeResolution.LOST,
        # A lost dispute costs the disputed amount plus the fee, both already reserved.
        final_amount=0 if won else state.amount + state.dispute_fee,
        currency=state.currency,
        resolution_date=now,
        accepted_by_merchant=accepted,
    )


def evolve(state: DisputeState, event: DisputeEvent) -> DisputeState:
    state = replace(state, version=state.version + 1)
    match event:
        case DisputeCreated():
            return replace(
                state,
                status=DisputeStatus.NEEDS_RESPONSE,
                dispute_id=event.dispute_id,
                charge_id=event.charge_id,
                account_id=event.merchant_id,
                reason=event.dispute_reason,
                amount=event.chargeback_amount,
                currency=event.currency,
                dispute_fee=event.dispute_fee,
                evidence_due_date=event.evidence_due_date,
            )
        case EvidenceSubmitted():
            files = state.file_references + tuple(
                ref for ref in event.file_references if ref not in state.file_references
            )
            return replace(
                state,
                status=DisputeStatus.UNDER_REVIEW if event.submitted else state.status,
                evidence=set_metadata(state.evidence, event.evidence),
                file_references=files,
                evidence_submitted_at=(
                    event.submission_timestamp if event.submitted else state.evidence_submitted_at
                ),
            )
        case DisputeResolved():
            won = event.resolution_type is DisputeResolution.WON
            return replace(
                state,
                status=DisputeStatus.WON if won else DisputeStatus.LOST,
                resolution=event.resolution_type,
                final_amount=event.final_amount,
                accepted_by_merchant=event.accepted_by_merchant,
                resolved_at=event.resolution_date,
            )
        case _:
            assert_never(event)


def fold(events: Iterable[DisputeEvent]) -> DisputeState:
    return reduce(evolve, events, initial_state())
