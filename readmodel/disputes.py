"""The dispute read model: the one place a dispute becomes its protobuf message.

Evidence is staged field by field and sent later, so a dispute hash holds each evidence field as
`evidence:<name>` and each file once as `evidence_file:<file id>` (valued "<position>:<index>", the
order it was first given in)."""

from __future__ import annotations

from ledgermesh.disputes.v1 import dispute_pb2

from readmodel.values import Hash, integer, timestamp_from_text, timestamp_from_us

# A dispute hash's `status`, in Stripe's words.
NEEDS_RESPONSE = "needs_response"
UNDER_REVIEW = "under_review"
WON = "won"
LOST = "lost"

DISPUTE_STATUSES = {
    NEEDS_RESPONSE: dispute_pb2.DISPUTE_STATUS_NEEDS_RESPONSE,
    UNDER_REVIEW: dispute_pb2.DISPUTE_STATUS_UNDER_REVIEW,
    WON: dispute_pb2.DISPUTE_STATUS_WON,
    LOST: dispute_pb2.DISPUTE_STATUS_LOST,
}

# What Stripe's `status=open` filter means.
OPEN = frozenset({NEEDS_RESPONSE, UNDER_REVIEW})

_EVIDENCE = "evidence:"
_EVIDENCE_FILE = "evidence_file:"


def evidence_field(name: str) -> str:
    return _EVIDENCE + name


def evidence_file(file_id: str) -> str:
    return _EVIDENCE_FILE + file_id


def evidence_file_order(position: int, index: int) -> str:
    return f"{position}:{index}"


def _order(value: str) -> tuple[int, ...]:
    return tuple(int(part) for part in value.split(":"))


def evidence_of(h: Hash) -> tuple[dict[str, str], list[str]]:
    """The evidence fields, and the evidence files in the order they were first given."""
    fields = {name[len(_EVIDENCE):]: value for name, value in h.items() if name.startswith(_EVIDENCE)}
    files = sorted((_order(order), name[len(_EVIDENCE_FILE):]) for name, order in h.items()
                   if name.startswith(_EVIDENCE_FILE))
    return fields, [file_id for _, file_id in files]


def dispute_from_hash(h: Hash) -> dispute_pb2.Dispute:
    evidence, files = evidence_of(h)
    dispute = dispute_pb2.Dispute(
        id=h["id"], charge_id=h.get("charge_id", ""), account_id=h.get("account_id", ""),
        amount=integer(h, "amount"), currency=h.get("currency", ""), reason=h.get("reason", ""),
        status=DISPUTE_STATUSES.get(h.get("status", ""), dispute_pb2.DISPUTE_STATUS_UNSPECIFIED),
        evidence=evidence, evidence_files=files,
        submission_count=integer(h, "submission_count"), created=timestamp_from_us(h.get("created_us")),
        dispute_fee=integer(h, "dispute_fee"), version=integer(h, "version"), position=integer(h, "position"),
    )
    due = timestamp_from_text(h.get("evidence_due_by"))
    if due is not None:
        dispute.evidence_due_by.CopyFrom(due)
    return dispute
