"""The command service's real use cases on in-memory ports, run the way the gRPC servicers run them:
every command through one CommandRunner (idempotency keys, optimistic concurrency, one commit,
publish). Only the transport is replaced: a command answers with its use case's result and the
position its commit took, and a response is kept under an idempotency key with pickle."""

from __future__ import annotations

import pickle
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from command_svc.adapters.memory import InMemoryChargeHistory, InMemoryWebhookEndpoints
from command_svc.adapters.webhook_urls import ResolvingUrlPolicy
from command_svc.application.accounts import AccountResult, AccountsApp, PayoutResult
from command_svc.application.disputes import DisputeResult, DisputesApp, config_from
from command_svc.application.payments import ChargeResult, PaymentsApp
from command_svc.application.pipeline import CommandRunner, Decision, Idempotency
from command_svc.application.postings import dispute_id_for, ledger_streams
from command_svc.application.streams import load
from command_svc.application.webhooks import WebhookEndpointsApp
from command_svc.domain import ledger, payments
from command_svc.domain.card_network import SimulatedCardNetwork
from command_svc.domain.money import FeeSchedule
from eventlog.memory import InMemoryEventStore, InMemoryIdempotencyKeys, RecordingPublisher
from eventlog.records import AuditContext, StoredEvent
from support.settings import Settings

START = datetime(2025, 3, 3, 12, tzinfo=UTC)


class Clock:
    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass(frozen=True)
class Answer:
    """What a command answered: its use case's result and the read-your-writes position."""

    result: Any
    position: int


def audit() -> AuditContext:
    return AuditContext(correlation_id=uuid.uuid4())


def _answer(result: Any, stored: list[StoredEvent]) -> Answer:
    return Answer(result, max((e.commit_position for e in stored), default=0))


class CommandSide:
    def __init__(self, settings: Settings | None = None, *, network: SimulatedCardNetwork | None = None) -> None:
        settings = settings or Settings()
        self.clock = Clock()
        self.keys = InMemoryIdempotencyKeys(self.clock)
        self.store = InMemoryEventStore(self.keys, self.clock)
        self.publisher = RecordingPublisher()
        self.runner = CommandRunner(self.store, self.keys, self.publisher, max_backoff_s=0.0)
        fees = FeeSchedule(settings.fee_percent_bps, settings.fee_fixed)
        ledgers = ledger_streams(self.store)
        self.payments = PaymentsApp(
            self.store, InMemoryChargeHistory(self.store), network or SimulatedCardNetwork(), ledgers=ledgers,
            default_fees=fees, settlement_delay_days=settings.settlement_delay_days, clock=self.clock,
            dispute_config=config_from(settings))
        self.disputes = DisputesApp(self.store, ledgers=ledgers, settings=settings, clock=self.clock)
        self.accounts = AccountsApp(self.store, ledgers=ledgers, default_fees=fees, settings=settings,
                                    clock=self.clock)
        self.webhooks = WebhookEndpointsApp(InMemoryWebhookEndpoints(), ResolvingUrlPolicy(allow_private=False),
                                            clock=self.clock)

    async def run(self, tenant_id: str, operation: str, decide: Callable[[], Awaitable[Decision]], *,
                  key: str = "", request: object = None) -> Answer:
        """Run one command as a servicer does; `request` stands for the request message (what a
        retry under the same key is compared by)."""
        idempotency = Idempotency(key, repr(request).encode(), pickle.dumps, pickle.loads) if key else None
        return await self.runner.run(tenant_id=tenant_id, operation=operation,
                                     audit=audit(), decide=decide,
                                     present=_answer, idempotency=idempotency)

    # --- Accounts ---------------------------------------------------------------------------------

    async def onboard(self, email: str = "shop@example.com", **terms: Any) -> AccountResult:
        """A new account is its own tenant: decided first, then run under its own id."""
        decision = await self.accounts.onboard(
            email=email, country=terms.get("country", "US"), default_currency="usd", business_name="Shop",
            fee_percent_bps=terms.get("fee_percent_bps"), fee_fixed=terms.get("fee_fixed"), metadata={})
        result: AccountResult = decision.result

        async def decided() -> Decision:
            return decision

        await self.run(result.state.account_id, "CreateAccount", decided)
        return result

    async def verify(self, account_id: str, status: str = "verified") -> AccountResult:
        await self.run(account_id, "StartKyc", lambda: self.accounts.start_kyc(account_id, account_id, "basic", []))
        answer = await self.run(account_id, "CompleteKyc", lambda: self.accounts.complete_kyc(
            account_id, account_id, status, [], "low"))
        return answer.result

    async def verified_merchant(self) -> str:
        account = await self.onboard()
        await self.verify(account.state.account_id)
        return account.state.account_id

    async def payout(self, account_id: str, amount: int, *, key: str = "") -> PayoutResult:
        answer = await self.run(account_id, "CreatePayout", lambda: self.accounts.payout(
            account_id, amount=amount, currency="usd", destination="", description="", metadata={}),
            key=key, request=("payout", amount))
        return answer.result

    async def settle(self, account_id: str) -> dict[str, int]:
        answer = await self.run(account_id, "SettleFunds", lambda: self.accounts.settle(account_id, ""))
        return answer.result.settled

    async def balance(self, account_id: str) -> ledger.LedgerState:
        return (await load(self.store, ledger.stream_id(account_id, "usd"), ledger.fold)).state

    # --- Charges ----------------------------------------------------------------------------------

    async def charge(self, account_id: str, amount: int, source: str = "tok_visa", *, capture: bool = True,
                     key: str = "", **fields: Any) -> ChargeResult:
        request = {"amount": amount, "currency": "usd", "source": source, "capture": capture, **fields}
        answer = await self.run(account_id, "CreateCharge", lambda: self.payments.create_charge(account_id, request),
                                key=key, request=request)
        return answer.result

    async def capture(self, account_id: str, charge_id: str, amount: int | None = None, *,
                      key: str = "") -> ChargeResult:
        answer = await self.run(account_id, "CaptureCharge", lambda: self.payments.capture(
            account_id, charge_id, amount), key=key, request=(charge_id, amount))
        return answer.result

    async def refund(self, account_id: str, charge_id: str, amount: int | None = None, *,
                     key: str = "") -> ChargeResult:
        answer = await self.run(account_id, "CreateRefund", lambda: self.payments.refund(
            account_id, charge_id, amount, "requested_by_customer", {}), key=key, request=(charge_id, amount))
        return answer.result

    async def charge_state(self, account_id: str, charge_id: str) -> payments.ChargeState:
        return (await self.payments.load_charge(account_id, charge_id)).state

    # --- Disputes ---------------------------------------------------------------------------------

    async def dispute(self, account_id: str, charge_id: str, amount: int | None = None) -> DisputeResult:
        answer = await self.run(account_id, "CreateDispute", lambda: self.disputes.create(
            account_id, charge_id, "fraudulent", amount))
        return answer.result

    async def submit_evidence(self, account_id: str, charge_id: str, evidence: dict[str, str]) -> DisputeResult:
        answer = await self.run(account_id, "SubmitEvidence", lambda: self.disputes.submit_evidence(
            account_id, dispute_id_for(charge_id), evidence, [], True))
        return answer.result

    async def resolve(self, account_id: str, charge_id: str, *, won: bool) -> DisputeResult:
        answer = await self.run(account_id, "ResolveDispute", lambda: self.disputes.resolve(
            account_id, dispute_id_for(charge_id), won))
        return answer.result
