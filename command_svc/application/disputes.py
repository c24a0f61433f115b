"""Use cases of the Dispute aggregate: open (from the network), submit evidence, close, resolve.

Opening reserves the disputed amount plus the dispute fee on the account's ledger, and resolving
releases (won) or debits (lost) that reserve, each in the same transaction as the dispute event."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from command_svc.application.ids import new_id
from command_svc.application.pipeline import Decision
from command_svc.application.ports import EventStore
from command_svc.application.postings import (
    Clock,
    appends_for,
    dispute_id_for,
    load_charge,
    unchanged,
    utcnow,
    with_postings,
)
from command_svc.application.streams import HotStreams, Loaded, load
from command_svc.domain import disputes, ledger, payments
from command_svc.domain.disputes import DisputeConfig, DisputeState
from command_svc.domain.errors import NotFoundError
from command_svc.domain.events import DisputeCreated, DisputeEvent, DisputeResolved, EvidenceSubmitted
from support.settings import Settings

# What Stripe's tok_createDispute charges are disputed for.
TEST_DISPUTE_REASON = "fraudulent"


@dataclass(frozen=True)
class DisputeResult:
    state: DisputeState
    created_at: datetime
    submission_count: int


@dataclass(frozen=True)
class OpenedDispute:
    """A dispute decided on a charge, and the ledger reserve that must go with it."""

    dispute_id: str
    events: list[DisputeEvent]
    reserve: ledger.ReserveForDispute

    @property
    def state(self) -> DisputeState:
        return disputes.fold(self.events)


def config_from(settings: Settings) -> DisputeConfig:
    return DisputeConfig(dispute_fee=settings.dispute_fee)


def open_dispute(
    charge: payments.ChargeState, existing: DisputeState, *, reason: str, amount: int | None, now: datetime,
    config: DisputeConfig,
) -> OpenedDispute:
    dispute_id = dispute_id_for(charge.charge_id)
    events = disputes.decide(disputes.CreateDispute(
        dispute_id=dispute_id, charge_id=charge.charge_id, account_id=charge.account_id, currency=charge.currency,
        reason=reason, now=now, charge_amount_captured=charge.amount_captured,
        charge_amount_refunded=charge.amount_refunded, amount=amount,
    ), existing, config)
    created = next(e for e in events if isinstance(e, DisputeCreated))
    return OpenedDispute(dispute_id, events, ledger.reserve_dispute(created, entry_id=new_id("txn")))


def submissions(events: Sequence[object]) -> int:
    return sum(1 for e in events if isinstance(e, EvidenceSubmitted) and e.submitted)


class DisputesApp:
    def __init__(self, store: EventStore, *, ledgers: HotStreams[ledger.LedgerState], settings: Settings,
                 clock: Clock = utcnow) -> None:
        self._store = store
        self._config = config_from(settings)
        self._clock = clock
        self._ledgers = ledgers

    async def _load(self, tenant_id: str, dispute_id: str) -> Loaded[DisputeState]:
        loaded = await load(self._store, dispute_id, disputes.fold)
        if not loaded.events or loaded.events[0].tenant_id != tenant_id or not dispute_id.startswith("dp_"):
            raise NotFoundError("RESOURCE_MISSING", f"No such dispute: '{dispute_id}'", field="dispute")
        return loaded

    async def create(self, tenant_id: str, charge_id: str, reason: str, amount: int | None) -> Decision:
        charge = await load_charge(self._store, tenant_id, charge_id)
        existing = await load(self._store, dispute_id_for(charge_id), disputes.fold)
        now = self._clock()
        opened = open_dispute(charge.state, existing.state, reason=reason or "general", amount=amount, now=now,
                              config=self._config)
        appends = [appends_for(opened.dispute_id, "Dispute", existing.version, opened.events),
                   # The disputable amount was read from the charge; a refund racing in must not be missed.
                   unchanged(charge_id, "Charge", charge.version)]
        return await with_postings(self._ledgers, appends, [opened.reserve], DisputeResult(opened.state, now, 0))

    async def _on_dispute(self, tenant_id: str, dispute_id: str, command: disputes.DisputeCommand) -> Decision:
        loaded = await self._load(tenant_id, dispute_id)
        events = disputes.decide(command, loaded.state, self._config)
        state = loaded.state
        for event in events:
            state = disputes.evolve(state, event)
        appends = [appends_for(dispute_id, "Dispute", loaded.version, events)]
        resolved = next((e for e in events if isinstance(e, DisputeResolved)), None)
        postings = [] if resolved is None else [
            ledger.settle_dispute(resolved, account_id=tenant_id, entry_id=new_id("txn"))]
        history = [e.data for e in loaded.events if e.event_type == "EvidenceSubmitted"]
        count = sum(1 for data in history if data.get("submitted")) + submissions(events)
        return await with_postings(self._ledgers, appends, postings,
                                   DisputeResult(state, loaded.created_at or self._clock(), count))

    async def submit_evidence(self, tenant_id: str, dispute_id: str, evidence: dict[str, str],
                              file_references: list[str], submit: bool) -> Decision:
        return await self._on_dispute(tenant_id, dispute_id, disputes.SubmitEvidence(
            now=self._clock(), evidence=evidence, file_references=tuple(file_references), submit=submit))

    async def close(self, tenant_id: str, dispute_id: str) -> Decision:
        return await self._on_dispute(tenant_id, dispute_id, disputes.CloseDispute(now=self._clock()))

    async def resolve(self, tenant_id: str, dispute_id: str, won: bool) -> Decision:
        return await self._on_dispute(tenant_id, dispute_id, disputes.ResolveDispute(won=won, now=self._clock()))


__all__ = ["DisputesApp", "DisputeResult", "OpenedDispute", "open_dispute", "TEST_DISPUTE_REASON"]
