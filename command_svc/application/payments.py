"""Use cases of the Charge aggregate: create, capture, update, refund, expire. A capture or refund
also moves the account's ledger stream, appended in the same transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from command_svc.application.customers import SAVED_CARD_PREFIXES, load_customer, load_saved_card
from command_svc.application.disputes import TEST_DISPUTE_REASON, OpenedDispute, open_dispute
from command_svc.application.ids import new_id
from command_svc.application.pipeline import Decision
from command_svc.application.ports import ChargeHistory, EventStore
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
from command_svc.domain.card_network import TEST_TOKENS, CardNetwork
from command_svc.domain.disputes import DEFAULT_DISPUTE_CONFIG, DisputeConfig, DisputeState, DisputeStatus
from command_svc.domain.errors import PreconditionError, ValidationError
from command_svc.domain.events import LedgerEntryPosted, PaymentCaptured, RefundCreated
from command_svc.domain.fraud import DEFAULT_FRAUD_RULES
from command_svc.domain.money import FeeSchedule
from eventlog.records import StreamAppend


@dataclass(frozen=True)
class AccountTerms:
    """What charging needs to know about the merchant account."""

    fees: FeeSchedule
    country: str


@dataclass(frozen=True)
class ChargeResult:
    state: payments.ChargeState
    created_at: datetime
    refund: RefundCreated | None = None
    dispute: DisputeState | None = None


# A dispute in these states holds the charge's funds: refunding as well would pay the cardholder twice.
_BLOCKS_REFUNDS = frozenset({DisputeStatus.NEEDS_RESPONSE, DisputeStatus.UNDER_REVIEW, DisputeStatus.LOST})


class PaymentsApp:
    def __init__(
        self, store: EventStore, charges: ChargeHistory, network: CardNetwork, *, ledgers: HotStreams[ledger.LedgerState],
        default_fees: FeeSchedule, settlement_delay_days: int, clock: Clock = utcnow,
        dispute_config: DisputeConfig = DEFAULT_DISPUTE_CONFIG,
    ) -> None:
        self._store = store
        self._charges = charges
        self._network = network
        self._default_fees = default_fees
        self._delay = settlement_delay_days
        self._clock = clock
        self._dispute_config = dispute_config
        self._ledgers = ledgers
        # Terms come from AccountOnboarded, which never changes: read once per account and process.
        self._terms: dict[str, AccountTerms] = {}

    async def account_terms(self, account_id: str) -> AccountTerms:
        cached = self._terms.get(account_id)
        if cached is not None:
            return cached
        loaded = await self._store.read_stream(account_id)
        for event in loaded:
            if event.event_type == "AccountOnboarded":
                bps = int(event.data.get("fee_percent_bps") or 0)
                fixed = int(event.data.get("fee_fixed") or 0)
                fees = FeeSchedule(bps, fixed) if (bps or fixed) else self._default_fees
                terms = AccountTerms(fees, str(event.data.get("country", "")))
                if len(self._terms) > 100_000:
                    self._terms.clear()
                self._terms[account_id] = terms
                return terms
        return AccountTerms(self._default_fees, "")

    async def _card_charges_last_hour(self, tenant_id: str, source: str, now: datetime) -> int:
        """How often the card was charged on the account in the last hour, for the card velocity rule;
        0 for a card whose history is no signal (Stripe's ordinary test cards) and for a source that
        does not resolve (the decider refuses it), which spares their charges the query."""
        try:
            card = self._network.resolve(source)
        except ValidationError:
            return 0
        if not card.counts_toward_velocity:
            return 0
        threshold = DEFAULT_FRAUD_RULES.card_charges_per_hour
        return await self._charges.card_charges(tenant_id, card.card.fingerprint, since=now - timedelta(hours=1),
                                                cap=threshold + 1)

    async def load_charge(self, tenant_id: str, charge_id: str) -> Loaded[payments.ChargeState]:
        return await load_charge(self._store, tenant_id, charge_id)

    async def _saved_card(self, tenant_id: str, cmd_fields: dict[str, Any]) -> tuple[dict[str, Any], list[StreamAppend]]:
        """A charge on a saved card (`source=card_...`, a token from POST /v1/tokens, or only
        `customer=` for the customer's default source) is a charge on the card's network token; the
        decision guards the payment method (and customer) it read."""
        source = str(cmd_fields.get("source", "") or "")
        customer = str(cmd_fields.get("customer", "") or "")
        if source in TEST_TOKENS or (source and not source.startswith(SAVED_CARD_PREFIXES)):
            return cmd_fields, []
        if not source and not customer:
            return cmd_fields, []
        guards: list[StreamAppend] = []
        if not source:
            found = await load_customer(self._store, tenant_id, customer)
            source = found.state.default_source
            if not source:
                raise PreconditionError("CUSTOMER_NO_SOURCE", f"Cannot charge a customer that has no active card: "
                                        f"{customer}.", field="customer")
            guards.append(unchanged(customer, "Customer", found.version))
        card = await load_saved_card(self._store, tenant_id, source)
        if customer and card.state.customer != customer:
            raise ValidationError("SOURCE_INVALID", f"Customer {customer} does not have a linked source with ID "
                                  f"{source}.", field="source")
        guards.append(unchanged(card.state.payment_method_id, "PaymentMethod", card.version))
        return {**cmd_fields, "source": card.state.network_token}, guards

    async def create_charge(self, tenant_id: str, cmd_fields: dict[str, Any]) -> Decision:
        now = self._clock()
        cmd_fields, guards = await self._saved_card(tenant_id, cmd_fields)
        terms = await self.account_terms(tenant_id)
        card_charges = await self._card_charges_last_hour(tenant_id, str(cmd_fields.get("source", "")), now)
        command = payments.CreateCharge(
            charge_id=new_id("ch"), account_id=tenant_id, now=now, balance_transaction_id=new_id("txn"),
            fees=terms.fees, account_country=terms.country, settlement_delay_days=self._delay,
            card_charges_last_hour=card_charges, **cmd_fields,
        )
        events = payments.decide(command, payments.initial_state(), network=self._network)
        state = payments.fold(events)
        appends = [appends_for(command.charge_id, "Charge", 0, events), *guards]
        dispute = self._test_dispute(state, events, DisputeState(), now)
        if dispute is not None:
            appends.append(appends_for(dispute.dispute_id, "Dispute", 0, dispute.events))
        return await with_postings(self._ledgers, appends, self._postings(tenant_id, events, now, dispute),
                                   ChargeResult(state, now, dispute=dispute.state if dispute else None))

    def _test_dispute(
        self, state: payments.ChargeState, events: Sequence[Any], existing: DisputeState, now: datetime
    ) -> OpenedDispute | None:
        """Stripe's tok_createDispute: the cardholder disputes the charge as soon as it is captured."""
        if not any(isinstance(e, PaymentCaptured) for e in events):
            return None
        if not self._network.resolve(state.source).creates_dispute:
            return None
        return open_dispute(state, existing, reason=TEST_DISPUTE_REASON, amount=None, now=now,
                            config=self._dispute_config)

    @staticmethod
    def _postings(
        tenant_id: str, events: Sequence[Any], now: datetime, dispute: OpenedDispute | None = None
    ) -> list[ledger.LedgerCommand]:
        commands: list[ledger.LedgerCommand] = []
        for event in events:
            if isinstance(event, PaymentCaptured):
                commands.append(ledger.post_capture(event, account_id=tenant_id, now=now))
            elif isinstance(event, RefundCreated):
                commands.append(ledger.post_refund(event, account_id=tenant_id))
        if dispute is not None:
            commands.append(dispute.reserve)
        return commands

    async def _on_existing(self, tenant_id: str, charge_id: str, command: payments.ChargeCommand) -> Decision:
        loaded = await self.load_charge(tenant_id, charge_id)
        dispute = await load(self._store, dispute_id_for(charge_id), disputes.fold)
        if isinstance(command, payments.RefundCharge) and dispute.state.status in _BLOCKS_REFUNDS:
            raise PreconditionError(
                "CHARGE_DISPUTED", f"Charge {charge_id} has been charged back; it cannot be refunded.",
                field="charge", metadata={"dispute": dispute.state.dispute_id})
        now = self._clock()
        events = payments.decide(command, loaded.state, network=self._network)
        state = loaded.state
        for event in events:
            state = payments.evolve(state, event)
        opened = self._test_dispute(state, events, dispute.state, now)
        appends = [appends_for(charge_id, "Charge", loaded.version, events)]
        if opened is not None:
            appends.append(appends_for(opened.dispute_id, "Dispute", dispute.version, opened.events))
        else:
            # The decision depends on there being no open dispute; one racing in must not be missed.
            appends.append(unchanged(dispute_id_for(charge_id), "Dispute", dispute.version))
        refund = next((e for e in events if isinstance(e, RefundCreated)), None)
        shown = opened.state if opened is not None else (dispute.state if dispute.events else None)
        return await with_postings(self._ledgers, appends, self._postings(tenant_id, events, now, opened),
                                   ChargeResult(state, loaded.created_at or now, refund, shown))

    async def capture(self, tenant_id: str, charge_id: str, amount: int | None) -> Decision:
        terms = await self.account_terms(tenant_id)
        return await self._on_existing(tenant_id, charge_id, payments.CaptureCharge(
            now=self._clock(), balance_transaction_id=new_id("txn"), amount=amount, fees=terms.fees,
            settlement_delay_days=self._delay))

    async def update(self, tenant_id: str, charge_id: str, description: str | None, metadata: dict[str, str]) -> Decision:
        return await self._on_existing(tenant_id, charge_id, payments.UpdateCharge(
            now=self._clock(), description=description, metadata=metadata))

    async def refund(self, tenant_id: str, charge_id: str, amount: int | None, reason: str,
                     metadata: dict[str, str]) -> Decision:
        return await self._on_existing(tenant_id, charge_id, payments.RefundCharge(
            refund_id=new_id("re"), balance_transaction_id=new_id("txn"), now=self._clock(), amount=amount,
            reason=reason, metadata=metadata))

    async def expirable_charges(self, tenant_id: str, limit: int) -> list[str]:
        """Authorized, uncaptured charges whose authorization has lapsed."""
        return await self._charges.lapsed_authorizations(tenant_id, self._clock(), limit)

    async def expire(self, tenant_id: str, charge_id: str) -> Decision:
        return await self._on_existing(tenant_id, charge_id, payments.ExpireAuthorization(now=self._clock()))

    async def increment_authorization(self, tenant_id: str, charge_id: str, amount: int) -> Decision:
        return await self._on_existing(tenant_id, charge_id, payments.IncrementAuthorization(now=self._clock(),
                                                                                             amount=amount))

    async def void(self, tenant_id: str, charge_id: str) -> Decision:
        """Release an uncaptured authorization now (its PaymentIntent was canceled)."""
        return await self._on_existing(tenant_id, charge_id, payments.ExpireAuthorization(now=self._clock(),
                                                                                          void=True))


__all__ = ["PaymentsApp", "ChargeResult", "AccountTerms", "LedgerEntryPosted", "appends_for", "Clock", "utcnow"]
