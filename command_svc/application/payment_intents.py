"""Use cases of the PaymentIntent and SetupIntent aggregates.

A PaymentIntent's payment is a real charge: confirming decides it with the Charge use cases
(PaymentsApp: fraud rules, network, ledger postings, fees) and appends the charge's streams, the
intent's outcome and the payment method's changes in one transaction. Capturing and canceling go
through the charge the same way, so refunds and disputes of `latest_charge` work as for any charge."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from command_svc.application.customers import (
    ResolvedPaymentMethod,
    load_customer,
    resolve_payment_method,
    well_formed,
)
from command_svc.application.ids import new_id
from command_svc.application.payments import PaymentsApp
from command_svc.application.pipeline import Decision
from command_svc.application.ports import EventStore
from command_svc.application.postings import Clock, appends_for, unchanged, utcnow
from command_svc.application.streams import Loaded, load
from command_svc.domain import customers, payment_intents
from command_svc.domain.card_network import Authentication, CardNetwork
from command_svc.domain.errors import NotFoundError, PreconditionError
from command_svc.domain.events import PaymentIntentEvent, SetupIntentEvent, SetupIntentSucceeded
from command_svc.domain.payment_intents import IntentStatus, PaymentIntentState, SetupIntentState
from command_svc.domain.payments import ChargeStatus
from eventlog.records import StreamAppend


@dataclass(frozen=True)
class PaymentIntentResult:
    state: PaymentIntentState
    created_at: datetime


@dataclass(frozen=True)
class SetupIntentResult:
    state: SetupIntentState
    created_at: datetime


def authentication_path(kind: str, intent_id: str) -> str:
    """LedgerMesh's simulated 3-D Secure page for an intent, relative to the API base."""
    return f"/v1/{kind}/{intent_id}/authenticate"


def _secret(intent_id: str) -> str:
    return f"{intent_id}_secret_{secrets.token_urlsafe(18)}"


def _joined(decision: Decision, appends: Sequence[StreamAppend], result: Any) -> Decision:
    """The charge's decision (with its ledger postings, decided again on a rebase) plus the intent's
    appends, answering with the intent."""
    redecide = decision.redecide
    return Decision([*decision.appends, *appends], result, reservations=decision.reservations,
                    redecide=(lambda: _joined(redecide(), appends, result)) if redecide is not None else None)


def _evolved(state: PaymentIntentState, events: Sequence[PaymentIntentEvent]) -> PaymentIntentState:
    for event in events:
        state = payment_intents.evolve(state, event)
    return state


class PaymentIntentsApp:
    def __init__(self, store: EventStore, network: CardNetwork, payments: PaymentsApp, *,
                 clock: Clock = utcnow) -> None:
        self._store = store
        self._network = network
        self._payments = payments
        self._clock = clock

    async def _load(self, tenant_id: str, intent_id: str) -> Loaded[PaymentIntentState]:
        loaded = await load(self._store, intent_id, payment_intents.fold) if well_formed(intent_id, "pi_") else None
        if loaded is None or not loaded.events or loaded.events[0].tenant_id != tenant_id:
            raise NotFoundError("RESOURCE_MISSING", f"No such payment_intent: '{intent_id}'", field="intent")
        return loaded

    async def _payment_method(self, tenant_id: str, payment_method_id: str, customer: str,
                              now: datetime) -> ResolvedPaymentMethod:
        pm = await resolve_payment_method(self._store, self._network, tenant_id, payment_method_id, now=now)
        if pm.state.customer and customer and pm.state.customer != customer:
            raise PreconditionError(
                "PAYMENT_METHOD_CUSTOMER_MISMATCH",
                f"The provided PaymentMethod belongs to another customer than {customer}.", field="payment_method")
        if pm.state.customer and not customer:
            raise PreconditionError(
                "PAYMENT_METHOD_CUSTOMER_MISMATCH",
                "The provided PaymentMethod was previously attached to a Customer; pass that customer too.",
                field="payment_method")
        return pm

    async def create(self, tenant_id: str, fields: dict[str, Any], *, confirm: bool, off_session: bool,
                     return_url: str) -> Decision:
        now = self._clock()
        intent_id = new_id("pi")
        guards: list[StreamAppend] = []
        customer = str(fields.get("customer") or "")
        if customer:
            loaded_customer = await load_customer(self._store, tenant_id, customer)
            guards.append(unchanged(customer, "Customer", loaded_customer.version))
        pm = None
        if fields.get("payment_method"):
            pm = await self._payment_method(tenant_id, str(fields["payment_method"]), customer, now)
            fields = {**fields, "payment_method": pm.state.payment_method_id}
        events = payment_intents.decide(payment_intents.CreatePaymentIntent(
            payment_intent_id=intent_id, account_id=tenant_id, client_secret=_secret(intent_id), **fields),
            PaymentIntentState(payment_intent_id=intent_id))
        state = _evolved(PaymentIntentState(), events)
        if not confirm:
            appends = [appends_for(intent_id, "PaymentIntent", 0, events)]
            if pm is not None:
                appends.append(pm.append if not pm.new_events else
                               appends_for(pm.state.payment_method_id, "PaymentMethod", 0, pm.new_events))
            return Decision([*appends, *guards], PaymentIntentResult(state, now))
        return await self._confirm(tenant_id, state, 0, events, pm, off_session=off_session, return_url=return_url,
                                   guards=guards, created_at=now)

    async def update(self, tenant_id: str, intent_id: str, command: payment_intents.UpdatePaymentIntent) -> Decision:
        loaded = await self._load(tenant_id, intent_id)
        now = self._clock()
        appends: list[StreamAppend] = []
        customer = loaded.state.customer if command.customer is None else command.customer
        if command.customer:
            found = await load_customer(self._store, tenant_id, command.customer)
            appends.append(unchanged(command.customer, "Customer", found.version))
        if command.payment_method:
            pm = await self._payment_method(tenant_id, command.payment_method, customer, now)
            command = payment_intents.UpdatePaymentIntent(**{**command.__dict__,
                                                             "payment_method": pm.state.payment_method_id})
            appends.append(pm.append if not pm.new_events else
                           appends_for(pm.state.payment_method_id, "PaymentMethod", 0, pm.new_events))
        events = payment_intents.decide(command, loaded.state)
        state = _evolved(loaded.state, events)
        return Decision([appends_for(intent_id, "PaymentIntent", loaded.version, events), *appends],
                        PaymentIntentResult(state, loaded.created_at or now))

    async def confirm(self, tenant_id: str, intent_id: str, payment_method: str, *, off_session: bool,
                      return_url: str) -> Decision:
        loaded = await self._load(tenant_id, intent_id)
        now = self._clock()
        pm_id = payment_method or loaded.state.payment_method
        pm = await self._payment_method(tenant_id, pm_id, loaded.state.customer, now) if pm_id else None
        return await self._confirm(tenant_id, loaded.state, loaded.version, [], pm, off_session=off_session,
                                   return_url=return_url, guards=[], created_at=loaded.created_at or now)

    async def _confirm(self, tenant_id: str, state: PaymentIntentState, version: int,
                       earlier: Sequence[PaymentIntentEvent], pm: ResolvedPaymentMethod | None, *, off_session: bool,
                       return_url: str, guards: Sequence[StreamAppend], created_at: datetime) -> Decision:
        # The state is checked before the card, whose refusal would otherwise hide the state's.
        source = self._network.resolve(pm.state.network_token) if pm is not None and state.status in (
            IntentStatus.REQUIRES_PAYMENT_METHOD, IntentStatus.REQUIRES_CONFIRMATION) else None
        plan = payment_intents.plan_confirmation(payment_intents.Confirm(
            payment_method=pm.state.payment_method_id if pm is not None else "",
            authentication=source.authentication if source is not None else Authentication.NEVER,
            set_up=bool(pm is not None and pm.state.customer), off_session=off_session, return_url=return_url,
            redirect_path=authentication_path("payment_intents", state.payment_intent_id)), state)
        assert pm is not None  # plan_confirmation refuses a confirmation without a payment method
        if not plan.charge_with:
            events = [*earlier, *plan.events]
            appends = [appends_for(state.payment_intent_id, "PaymentIntent", version, events),
                       self._pm_append(pm, []), *guards]
            return Decision(appends, PaymentIntentResult(_evolved(state, plan.events), created_at))
        return await self._charge(tenant_id, state, version, earlier, pm, guards, created_at)

    @staticmethod
    def _pm_append(pm: ResolvedPaymentMethod, events: Sequence[Any]) -> StreamAppend:
        if not pm.new_events and not events:
            return pm.append
        return appends_for(pm.state.payment_method_id, "PaymentMethod", pm.version, [*pm.new_events, *events])

    async def _charge(self, tenant_id: str, state: PaymentIntentState, version: int,
                      earlier: Sequence[PaymentIntentEvent], pm: ResolvedPaymentMethod,
                      guards: Sequence[StreamAppend], created_at: datetime) -> Decision:
        decision = await self._payments.create_charge(tenant_id, {
            "amount": state.amount, "currency": state.currency, "source": pm.state.network_token,
            "capture": state.capture_method == "automatic", "description": state.description,
            "metadata": dict(state.metadata), "customer": state.customer,
            "statement_descriptor": state.statement_descriptor, "receipt_email": state.receipt_email,
            "payment_intent": state.payment_intent_id, "payment_method": pm.state.payment_method_id,
        })
        charge = decision.result.state
        outcome = payment_intents.decide(payment_intents.RecordPayment(
            charge=charge, payment_method=pm.state.payment_method_id), state)
        after = _evolved(state, outcome)
        pm_events: list[Any] = []
        if (state.setup_future_usage and state.customer and not pm.state.customer
                and after.status in (IntentStatus.SUCCEEDED, IntentStatus.REQUIRES_CAPTURE)):
            # setup_future_usage saves the card to the customer once a payment with it went through.
            customer = await load_customer(self._store, tenant_id, state.customer)
            pm_events = customers.decide_payment_method(customers.AttachPaymentMethod(customer=customer.state),
                                                        pm.state, network=self._network)
        appends = [appends_for(state.payment_intent_id, "PaymentIntent", version, [*earlier, *outcome]),
                   self._pm_append(pm, pm_events), *guards]
        return _joined(decision, appends, PaymentIntentResult(after, created_at))

    async def authenticate(self, tenant_id: str, intent_id: str, fail: bool) -> Decision:
        loaded = await self._load(tenant_id, intent_id)
        plan = payment_intents.plan_authentication(payment_intents.Authenticate(fail=fail), loaded.state)
        created = loaded.created_at or self._clock()
        if not plan.charge_with:
            return Decision([appends_for(intent_id, "PaymentIntent", loaded.version, plan.events)],
                            PaymentIntentResult(_evolved(loaded.state, plan.events), created))
        pm = await resolve_payment_method(self._store, self._network, tenant_id, plan.charge_with, now=created)
        return await self._charge(tenant_id, loaded.state, loaded.version, [], pm, [], created)

    async def capture(self, tenant_id: str, intent_id: str, amount_to_capture: int | None) -> Decision:
        loaded = await self._load(tenant_id, intent_id)
        amount = payment_intents.require_capturable(loaded.state, amount_to_capture)
        decision = await self._payments.capture(tenant_id, loaded.state.latest_charge, amount)
        events = payment_intents.decide(payment_intents.RecordCapture(charge=decision.result.state), loaded.state)
        return _joined(decision, [appends_for(intent_id, "PaymentIntent", loaded.version, events)],
                       PaymentIntentResult(_evolved(loaded.state, events), loaded.created_at or self._clock()))

    async def increment_authorization(self, tenant_id: str, intent_id: str, amount: int) -> Decision:
        """Raise an uncaptured intent's authorization to `amount` (the new total)."""
        loaded = await self._load(tenant_id, intent_id)
        state = payment_intents.require_incrementable(loaded.state)
        decision = await self._payments.increment_authorization(tenant_id, state.latest_charge, amount)
        events = payment_intents.decide(payment_intents.RecordIncrement(charge=decision.result.state), state)
        return _joined(decision, [appends_for(intent_id, "PaymentIntent", loaded.version, events)],
                       PaymentIntentResult(_evolved(state, events), loaded.created_at or self._clock()))

    async def cancel(self, tenant_id: str, intent_id: str, reason: str) -> Decision:
        loaded = await self._load(tenant_id, intent_id)
        created = loaded.created_at or self._clock()
        if loaded.state.status is not IntentStatus.REQUIRES_CAPTURE:
            events = payment_intents.decide(payment_intents.CancelPaymentIntent(cancellation_reason=reason),
                                            loaded.state)
            return Decision([appends_for(intent_id, "PaymentIntent", loaded.version, events)],
                            PaymentIntentResult(_evolved(loaded.state, events), created))
        # The authorization the charge holds is released with the cancel.
        decision = await self._payments.void(tenant_id, loaded.state.latest_charge)
        events = payment_intents.decide(payment_intents.CancelPaymentIntent(
            cancellation_reason=reason, released_amount=loaded.state.amount_capturable), loaded.state)
        return _joined(decision, [appends_for(intent_id, "PaymentIntent", loaded.version, events)],
                       PaymentIntentResult(_evolved(loaded.state, events), created))

    async def refund(self, tenant_id: str, intent_id: str, amount: int | None, reason: str,
                     metadata: dict[str, str]) -> Decision:
        """Refund the intent's charge (Stripe's `payment_intent=` on POST /v1/refunds)."""
        loaded = await self._load(tenant_id, intent_id)
        if loaded.state.status is not IntentStatus.SUCCEEDED:
            raise PreconditionError(
                "PAYMENT_INTENT_UNEXPECTED_STATE",
                f"This PaymentIntent has a status of {loaded.state.status.value}; only a succeeded one can be "
                "refunded.", field="payment_intent", metadata={"status": loaded.state.status.value})
        decision = await self._payments.refund(tenant_id, loaded.state.latest_charge, amount, reason, metadata)
        return _joined(decision, [unchanged(intent_id, "PaymentIntent", loaded.version)], decision.result)

    async def expirable(self, tenant_id: str, limit: int) -> list[str]:
        """Uncaptured intents whose authorization lapsed (or whose charge the charge sweeper expired)."""
        now = self._clock()
        lapsed: list[str] = []
        for intent_id in await self._store.stream_ids(tenant_id, "PaymentIntent"):
            state = (await load(self._store, intent_id, payment_intents.fold)).state
            if state.status is not IntentStatus.REQUIRES_CAPTURE:
                continue
            charge = (await self._payments.load_charge(tenant_id, state.latest_charge)).state
            if charge.status is ChargeStatus.EXPIRED or (charge.expires_at is not None and now >= charge.expires_at):
                lapsed.append(intent_id)
                if len(lapsed) >= limit:
                    break
        return lapsed

    async def expire(self, tenant_id: str, intent_id: str) -> Decision:
        """Cancel an uncaptured intent whose authorization lapsed, expiring its charge in the same commit."""
        loaded = await self._load(tenant_id, intent_id)
        created = loaded.created_at or self._clock()
        cancel = payment_intents.CancelPaymentIntent(cancellation_reason=payment_intents.AUTOMATIC,
                                                     released_amount=loaded.state.amount_capturable)
        if loaded.state.status is not IntentStatus.REQUIRES_CAPTURE:
            raise PreconditionError("PAYMENT_INTENT_UNEXPECTED_STATE", "Only an uncaptured intent expires.")
        charge = await self._payments.load_charge(tenant_id, loaded.state.latest_charge)
        events = payment_intents.decide(cancel, loaded.state)
        appends = [appends_for(intent_id, "PaymentIntent", loaded.version, events)]
        result = PaymentIntentResult(_evolved(loaded.state, events), created)
        if charge.state.status is ChargeStatus.EXPIRED:
            return Decision([*appends, unchanged(charge.state.charge_id, "Charge", charge.version)], result)
        return _joined(await self._payments.expire(tenant_id, charge.state.charge_id), appends, result)

    # --- SetupIntents ---------------------------------------------------------------------------

    async def _load_setup(self, tenant_id: str, intent_id: str) -> Loaded[SetupIntentState]:
        loaded = await load(self._store, intent_id, payment_intents.fold_setup) if well_formed(
            intent_id, "seti_") else None
        if loaded is None or not loaded.events or loaded.events[0].tenant_id != tenant_id:
            raise NotFoundError("RESOURCE_MISSING", f"No such setupintent: '{intent_id}'", field="intent")
        return loaded

    async def create_setup(self, tenant_id: str, fields: dict[str, Any], *, confirm: bool,
                           return_url: str = "") -> Decision:
        now = self._clock()
        intent_id = new_id("seti")
        guards: list[StreamAppend] = []
        customer = str(fields.get("customer") or "")
        if customer:
            found = await load_customer(self._store, tenant_id, customer)
            guards.append(unchanged(customer, "Customer", found.version))
        pm = None
        if fields.get("payment_method"):
            pm = await self._payment_method(tenant_id, str(fields["payment_method"]), customer, now)
            fields = {**fields, "payment_method": pm.state.payment_method_id}
        events = payment_intents.decide_setup(payment_intents.CreateSetupIntent(
            setup_intent_id=intent_id, account_id=tenant_id, client_secret=_secret(intent_id), **fields),
            SetupIntentState(setup_intent_id=intent_id))
        state = payment_intents.fold_setup(events)
        if not confirm or pm is None:
            if confirm:
                payment_intents.decide_setup(self._confirm_setup_command("", None), state)
            appends = [appends_for(intent_id, "SetupIntent", 0, events), *guards]
            if pm is not None:
                appends.append(self._pm_append(pm, []))
            return Decision(appends, SetupIntentResult(state, now))
        return await self._set_up(tenant_id, state, 0, events, pm, guards, now, return_url)

    def _confirm_setup_command(self, intent_id: str, pm: ResolvedPaymentMethod | None,
                               return_url: str = "") -> payment_intents.ConfirmSetup:
        if pm is None:
            return payment_intents.ConfirmSetup(payment_method="", authentication=Authentication.NEVER,
                                                redirect_path="")
        source = self._network.resolve(pm.state.network_token)
        # Setting a card up verifies it with the issuer (Stripe's $0 authorization).
        verdict = self._network.authorize(source, amount=0, currency="usd", reference=intent_id)
        return payment_intents.ConfirmSetup(
            payment_method=pm.state.payment_method_id, authentication=source.authentication,
            redirect_path=authentication_path("setup_intents", intent_id), return_url=return_url,
            decline_code="" if verdict.approved else verdict.decline_code,
            decline_message="" if verdict.approved else verdict.message)

    async def _set_up(self, tenant_id: str, state: SetupIntentState, version: int,
                      earlier: Sequence[SetupIntentEvent], pm: ResolvedPaymentMethod, guards: Sequence[StreamAppend],
                      created_at: datetime, return_url: str = "") -> Decision:
        events = payment_intents.decide_setup(self._confirm_setup_command(state.setup_intent_id, pm, return_url),
                                              state)
        return await self._record_setup(tenant_id, state, version, [*earlier, *events], pm, guards, created_at)

    async def _record_setup(self, tenant_id: str, state: SetupIntentState, version: int,
                            events: Sequence[SetupIntentEvent], pm: ResolvedPaymentMethod,
                            guards: Sequence[StreamAppend], created_at: datetime) -> Decision:
        after = state
        for event in events:
            after = payment_intents.evolve_setup(after, event)
        pm_events: list[Any] = []
        if any(isinstance(e, SetupIntentSucceeded) for e in events) and after.customer and not pm.state.customer:
            customer = await load_customer(self._store, tenant_id, after.customer)
            pm_events = customers.decide_payment_method(customers.AttachPaymentMethod(customer=customer.state),
                                                        pm.state, network=self._network)
        appends = [appends_for(state.setup_intent_id, "SetupIntent", version, events),
                   self._pm_append(pm, pm_events), *guards]
        return Decision(appends, SetupIntentResult(after, created_at))

    async def confirm_setup(self, tenant_id: str, intent_id: str, payment_method: str,
                            return_url: str = "") -> Decision:
        loaded = await self._load_setup(tenant_id, intent_id)
        now = self._clock()
        pm_id = payment_method or loaded.state.payment_method
        if not pm_id or loaded.state.status not in (IntentStatus.REQUIRES_PAYMENT_METHOD,
                                                    IntentStatus.REQUIRES_CONFIRMATION):
            payment_intents.decide_setup(self._confirm_setup_command(intent_id, None), loaded.state)
        pm = await self._payment_method(tenant_id, pm_id, loaded.state.customer, now)
        return await self._set_up(tenant_id, loaded.state, loaded.version, [], pm, [], loaded.created_at or now,
                                  return_url)

    async def authenticate_setup(self, tenant_id: str, intent_id: str, fail: bool) -> Decision:
        loaded = await self._load_setup(tenant_id, intent_id)
        created = loaded.created_at or self._clock()
        if loaded.state.status is not IntentStatus.REQUIRES_ACTION:
            payment_intents.decide_setup(payment_intents.AuthenticateSetup(fail=fail), loaded.state)
        pm = await resolve_payment_method(self._store, self._network, tenant_id, loaded.state.payment_method,
                                          now=created)
        confirm = self._confirm_setup_command(intent_id, pm)
        events = payment_intents.decide_setup(payment_intents.AuthenticateSetup(
            fail=fail, decline_code=confirm.decline_code, decline_message=confirm.decline_message), loaded.state)
        return await self._record_setup(tenant_id, loaded.state, loaded.version, events, pm, [], created)

    async def cancel_setup(self, tenant_id: str, intent_id: str, reason: str) -> Decision:
        loaded = await self._load_setup(tenant_id, intent_id)
        events = payment_intents.decide_setup(payment_intents.CancelSetupIntent(cancellation_reason=reason),
                                              loaded.state)
        state = loaded.state
        for event in events:
            state = payment_intents.evolve_setup(state, event)
        return Decision([appends_for(intent_id, "SetupIntent", loaded.version, events)],
                        SetupIntentResult(state, loaded.created_at or self._clock()))


__all__ = ["PaymentIntentsApp", "PaymentIntentResult", "SetupIntentResult", "authentication_path"]
