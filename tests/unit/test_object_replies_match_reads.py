"""A command's reply shows a customer, payment method, PaymentIntent or SetupIntent exactly as a read
will: over arbitrary histories, the reply built from the decided state (command_svc/api/object_resources.py)
equals the read model the objects projection builds from the same events once they are stored and travel
the bus (codec -> JSON -> protobuf)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from itertools import count
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from command_svc.api import object_resources
from command_svc.application.event_records import to_new_event
from command_svc.domain import customers, payment_intents, payments
from command_svc.domain.card_network import TEST_PAYMENT_METHODS
from command_svc.domain.customers import CustomerChanges, CustomerState, PaymentMethodState
from command_svc.domain.errors import DomainError
from command_svc.domain.events import CustomerAddress
from command_svc.domain.money import FeeSchedule
from command_svc.domain.payment_intents import IntentStatus, PaymentIntentState, SetupIntentState
from eventlog.records import StoredEvent
from projector.adapters.jetstream_consumer import stored_projected_event
from projector.projections.objects import ObjectsProjection
from readmodel.keys import Keys
from readmodel.objects import (
    customer_from_hash,
    payment_intent_from_hash,
    payment_method_from_hash,
    setup_intent_from_hash,
)
from tests.unit.projected import MemoryRedis, stored
from tests.unit.test_replies_match_read_models import ACCOUNT, NETWORK, START

KEYS = Keys("p:")
PROJECTION = ObjectsProjection()
metadata = st.dictionaries(st.sampled_from(["order", "note"]), st.sampled_from(["", "o-1", "x"]), max_size=2)
texts = st.one_of(st.none(), st.sampled_from(["", "Ada", "ada@example.com"]))
addresses = st.one_of(st.none(), st.just(CustomerAddress()), st.builds(
    CustomerAddress, line1=st.sampled_from(["", "1 Main St"]), country=st.sampled_from(["", "US"])))
PAYMENT_METHODS = ("pm_card_visa", "pm_card_chargeDeclined", "pm_card_threeDSecure2Required",
                   "pm_card_authenticationRequiredOnSetup", "pm_card_chargeDeclinedInsufficientFunds")


@dataclass
class Log:
    redis: MemoryRedis = field(default_factory=MemoryRedis)
    positions: count[int] = field(default_factory=lambda: count(1))
    versions: dict[str, int] = field(default_factory=dict)
    now: Any = START

    def commit(self, aggregate_id: str, aggregate_type: str, events: list[Any]) -> list[StoredEvent]:
        self.now += timedelta(minutes=1, microseconds=7)
        rows = []
        for event in events:
            version = self.versions[aggregate_id] = self.versions.get(aggregate_id, 0) + 1
            new = to_new_event(event)
            rows.append((version, new.event_type, new.data, next(self.positions)))
        commit = max((row[3] for row in rows), default=0)
        written = [stored(event_type, data, aggregate_id=aggregate_id, aggregate_type=aggregate_type, version=version,
                          position=position, tenant_id=ACCOUNT, created_at=self.now, commit_position=commit)
                   for version, event_type, data, position in rows]
        for event in written:
            self.redis.apply(PROJECTION.apply(stored_projected_event(event), KEYS))
        return written


def _replied(reply: Any, events: list[Any]) -> Any:
    if not events:
        reply.position = 0
    return reply


def _read(read: Any, events: list[Any]) -> Any:
    if not events:
        read.position = 0
    return read


@settings(max_examples=100, deadline=None)
@given(texts, addresses, metadata, st.lists(st.one_of(
    st.tuples(st.just("update"), texts, texts, addresses, metadata), st.tuples(st.just("delete"))), max_size=5))
def test_every_customer_reply_equals_the_customer_read_after_it(
        email: str | None, address: CustomerAddress | None, meta: dict[str, str], steps: list[Any]) -> None:
    log = Log()
    try:
        events = customers.decide_customer(customers.CreateCustomer(
            customer_id="cus_1", account_id=ACCOUNT, changes=CustomerChanges(
                email=email if email and "@" in email else None, address=address, metadata=meta)),
            CustomerState(customer_id="cus_1"))
    except DomainError:
        return
    state = customers.fold_customer(events)
    written = log.commit("cus_1", "Customer", events)
    created = written[0].created_at
    assert object_resources.customer(state, created, written) == customer_from_hash(log.redis.hash(KEYS.customer("cus_1")))
    for step in steps:
        command: customers.CustomerCommand
        if step[0] == "update":
            command = customers.UpdateCustomer(changes=CustomerChanges(
                name=step[1], description=step[2], address=step[3], metadata=step[4]))
        else:
            command = customers.DeleteCustomer()
        try:
            events = customers.decide_customer(command, state)
        except DomainError:
            continue
        for event in events:
            state = customers.evolve_customer(state, event)
        written = log.commit("cus_1", "Customer", events)
        assert object_resources.customer(state, created, written) == customer_from_hash(
            log.redis.hash(KEYS.customer("cus_1")))


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(sorted(TEST_PAYMENT_METHODS)), metadata, st.lists(st.one_of(
    st.tuples(st.just("update"), metadata, st.one_of(st.none(), st.integers(1, 12)), texts),
    st.tuples(st.just("attach")), st.tuples(st.just("detach"))), max_size=5))
def test_every_payment_method_reply_equals_the_payment_method_read_after_it(
        test_pm: str, meta: dict[str, str], steps: list[Any]) -> None:
    log = Log()
    events = customers.decide_payment_method(customers.CreatePaymentMethod(
        payment_method_id="pm_1", account_id=ACCOUNT, type="card", card_token=TEST_PAYMENT_METHODS[test_pm],
        metadata=meta), PaymentMethodState(payment_method_id="pm_1"), network=NETWORK)
    state = customers.fold_payment_method(events)
    written = log.commit("pm_1", "PaymentMethod", events)
    created = written[0].created_at
    customer = customers.fold_customer(customers.decide_customer(customers.CreateCustomer(
        customer_id="cus_1", account_id=ACCOUNT, changes=CustomerChanges()), CustomerState()))
    assert object_resources.payment_method(state, created, written) == payment_method_from_hash(
        log.redis.hash(KEYS.payment_method("pm_1")))
    for step in steps:
        command: customers.PaymentMethodCommand
        if step[0] == "update":
            command = customers.UpdatePaymentMethod(metadata=step[1], exp_month=step[2], billing_name=step[3])
        elif step[0] == "attach":
            command = customers.AttachPaymentMethod(customer=customer)
        else:
            command = customers.DetachPaymentMethod()
        try:
            events = customers.decide_payment_method(command, state, network=NETWORK)
        except DomainError:
            continue
        for event in events:
            state = customers.evolve_payment_method(state, event)
        written = log.commit("pm_1", "PaymentMethod", events)
        assert _replied(object_resources.payment_method(state, created, written), events) == _read(
            payment_method_from_hash(log.redis.hash(KEYS.payment_method("pm_1"))), events)


intent_steps = st.lists(st.one_of(
    st.tuples(st.just("update"), metadata, st.one_of(st.none(), st.sampled_from(["", "order"])),
              st.one_of(st.none(), st.just(""), st.sampled_from(PAYMENT_METHODS))),
    st.tuples(st.just("confirm"), st.sampled_from(PAYMENT_METHODS), st.booleans()),
    st.tuples(st.just("authenticate"), st.booleans()),
    st.tuples(st.just("capture"), st.one_of(st.none(), st.integers(1, 20_000))),
    st.tuples(st.just("increment"), st.integers(1, 40_000)),
    st.tuples(st.just("cancel"), st.sampled_from(["", "abandoned"])),
), max_size=6)


@settings(max_examples=150, deadline=None)
@given(st.integers(50, 20_000), st.sampled_from(["automatic", "manual"]), metadata, intent_steps)
def test_every_payment_intent_reply_equals_the_payment_intent_read_after_it(
        amount: int, capture_method: str, meta: dict[str, str], steps: list[Any]) -> None:
    log = Log()
    charges = count(1)
    events: list[Any] = payment_intents.decide(payment_intents.CreatePaymentIntent(
        payment_intent_id="pi_1", account_id=ACCOUNT, amount=amount, currency="usd", client_secret="pi_1_secret_x",
        capture_method=capture_method, metadata=meta), PaymentIntentState(payment_intent_id="pi_1"))
    state = payment_intents.fold(events)
    written = log.commit("pi_1", "PaymentIntent", events)
    created = written[0].created_at
    charge: payments.ChargeState | None = None

    def pay(pm: str) -> list[Any]:
        nonlocal charge
        token = TEST_PAYMENT_METHODS[pm]
        charge_events = payments.decide(payments.CreateCharge(
            charge_id=f"ch_{next(charges)}", account_id=ACCOUNT, amount=state.amount, currency=state.currency,
            source=token, now=log.now, balance_transaction_id="txn_1", capture=state.capture_method == "automatic",
            fees=FeeSchedule(290, 30)), payments.initial_state(), network=NETWORK)
        charge = payments.fold(charge_events)
        return payment_intents.decide(payment_intents.RecordPayment(charge=charge, payment_method=pm), state)

    assert object_resources.payment_intent(state, created, written) == payment_intent_from_hash(
        log.redis.hash(KEYS.payment_intent("pi_1")))
    for step in steps:
        try:
            if step[0] == "update":
                events = payment_intents.decide(payment_intents.UpdatePaymentIntent(
                    metadata=step[1], description=step[2], payment_method=step[3]), state)
            elif step[0] == "confirm":
                source = NETWORK.resolve(TEST_PAYMENT_METHODS[step[1]])
                plan = payment_intents.plan_confirmation(payment_intents.Confirm(
                    payment_method=step[1], authentication=source.authentication, set_up=False, off_session=step[2],
                    return_url="", redirect_path="/v1/payment_intents/pi_1/authenticate"), state)
                events = plan.events or pay(plan.charge_with)
            elif step[0] == "authenticate":
                plan = payment_intents.plan_authentication(payment_intents.Authenticate(fail=step[1]), state)
                events = plan.events or pay(plan.charge_with)
            elif step[0] == "capture":
                amount_to_capture = payment_intents.require_capturable(state, step[1])
                assert charge is not None
                captured = payments.decide(payments.CaptureCharge(
                    now=log.now, balance_transaction_id="txn_2", amount=amount_to_capture), charge, network=NETWORK)
                for event in captured:
                    charge = payments.evolve(charge, event)
                events = payment_intents.decide(payment_intents.RecordCapture(charge=charge), state)
            elif step[0] == "increment":
                payment_intents.require_incrementable(state)
                assert charge is not None
                raised = payments.decide(payments.IncrementAuthorization(now=log.now, amount=step[1]), charge,
                                         network=NETWORK)
                for event in raised:
                    charge = payments.evolve(charge, event)
                events = payment_intents.decide(payment_intents.RecordIncrement(charge=charge), state)
            else:
                released = state.amount_capturable if state.status is IntentStatus.REQUIRES_CAPTURE else 0
                events = payment_intents.decide(payment_intents.CancelPaymentIntent(
                    cancellation_reason=step[1], released_amount=released), state)
        except DomainError:
            continue
        for event in events:
            state = payment_intents.evolve(state, event)
        written = log.commit("pi_1", "PaymentIntent", events)
        read = payment_intent_from_hash(log.redis.hash(KEYS.payment_intent("pi_1")))
        reply = object_resources.payment_intent(state, created, written)
        if state.status is IntentStatus.CANCELED and not any(e.event_type == "PaymentIntentCanceled" for e in written):
            # Only the cancel's own reply knows when it was canceled; later commands are refused anyway.
            reply.canceled_at.CopyFrom(read.canceled_at)
        assert _replied(reply, events) == _read(read, events)


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(PAYMENT_METHODS), st.lists(st.one_of(
    st.tuples(st.just("confirm"), st.sampled_from(PAYMENT_METHODS)), st.tuples(st.just("authenticate"), st.booleans()),
    st.tuples(st.just("cancel"))), max_size=5))
def test_every_setup_intent_reply_equals_the_setup_intent_read_after_it(first: str, steps: list[Any]) -> None:
    log = Log()
    events: list[Any] = payment_intents.decide_setup(payment_intents.CreateSetupIntent(
        setup_intent_id="seti_1", account_id=ACCOUNT, client_secret="seti_1_secret_x", customer="cus_1",
        payment_method=first), SetupIntentState(setup_intent_id="seti_1"))
    state = payment_intents.fold_setup(events)
    written = log.commit("seti_1", "SetupIntent", events)
    created = written[0].created_at
    assert object_resources.setup_intent(state, created, written) == setup_intent_from_hash(
        log.redis.hash(KEYS.setup_intent("seti_1")))
    for step in steps:
        pm = step[1] if step[0] == "confirm" else state.payment_method
        source = NETWORK.resolve(TEST_PAYMENT_METHODS.get(pm, "tok_visa"))
        verdict = NETWORK.authorize(source, amount=0, currency="usd", reference="seti_1")
        decline = "" if verdict.approved else verdict.decline_code
        command: payment_intents.SetupIntentCommand
        if step[0] == "confirm":
            command = payment_intents.ConfirmSetup(payment_method=pm, authentication=source.authentication,
                                                   redirect_path="/v1/setup_intents/seti_1/authenticate",
                                                   decline_code=decline, decline_message=verdict.message)
        elif step[0] == "authenticate":
            command = payment_intents.AuthenticateSetup(fail=step[1], decline_code=decline,
                                                        decline_message=verdict.message)
        else:
            command = payment_intents.CancelSetupIntent()
        try:
            events = payment_intents.decide_setup(command, state)
        except DomainError:
            continue
        for event in events:
            state = payment_intents.evolve_setup(state, event)
        written = log.commit("seti_1", "SetupIntent", events)
        assert object_resources.setup_intent(state, created, written) == setup_intent_from_hash(
            log.redis.hash(KEYS.setup_intent("seti_1")))
