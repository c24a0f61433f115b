"""Use cases of the Account aggregate: onboard (with the first API key), KYC, payouts, settlement."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from command_svc.application.ids import new_id
from command_svc.application.ledger_history import AsOf, BalancesAsOf, balances_as_of
from command_svc.application.pipeline import Decision
from command_svc.application.ports import EventStore
from command_svc.application.postings import Clock, appends_for, ledger_appends, on_hot_streams, utcnow
from command_svc.application.streams import HotStreams, Loaded, load
from command_svc.domain import accounts, ledger, verification
from command_svc.domain.errors import NotFoundError, PreconditionError
from command_svc.domain.events import LedgerEntryPosted, PayoutCreated
from command_svc.domain.money import FeeSchedule, normalize_currency
from eventlog.records import NewApiKey
from support.api_keys import KeyKind, display_prefix, hash_key, new_key_id, new_secret_key
from support.settings import Settings


@dataclass(frozen=True)
class AccountResult:
    state: accounts.AccountState
    created_at: datetime
    secret_key: str = ""


@dataclass(frozen=True)
class PayoutResult:
    payout: PayoutCreated
    created_at: datetime


@dataclass(frozen=True)
class SettleResult:
    settled: dict[str, int]


class AccountsApp:
    def __init__(self, store: EventStore, *, ledgers: HotStreams[ledger.LedgerState], default_fees: FeeSchedule,
                 settings: Settings, clock: Clock = utcnow,
                 verifier: verification.VerificationProvider | None = None) -> None:
        self._store = store
        self._fees = default_fees
        self._settings = settings
        self._clock = clock
        self._ledgers = ledgers
        # Test mode: Stripe's documented test values decide (command_svc/domain/verification.py).
        self._verifier = verifier or verification.SimulatedVerificationProvider()
        # Payouts race on the account stream too (PayoutCreated): its single writer sequences them.
        self._accounts = HotStreams(store, "Account", accounts.evolve, accounts.initial_state)

    async def onboard(self, *, email: str, country: str, default_currency: str, business_name: str,
                      fee_percent_bps: int | None, fee_fixed: int | None, metadata: dict[str, str]) -> Decision:
        now = self._clock()
        account_id = new_id("acct")
        fees = FeeSchedule(
            self._fees.percent_bps if fee_percent_bps is None else fee_percent_bps,
            self._fees.fixed if fee_fixed is None else fee_fixed,
        )
        state = accounts.initial_state()
        events: list[object] = []
        onboard = accounts.OnboardAccount(account_id=account_id, email=email, country=country or "US",
                                          default_currency=default_currency or "usd", now=now,
                                          business_name=business_name, fees=fees, metadata=metadata)
        secret = new_secret_key()
        key = NewApiKey(hash_key(secret), account_id, display_prefix(secret), new_key_id(), KeyKind.SECRET.value)
        for command in (onboard, accounts.IssueApiKey(key_hash=key.key_hash, key_prefix=key.key_prefix)):
            decided = accounts.decide(command, state)
            for event in decided:
                state = accounts.evolve(state, event)
            events += decided
        return Decision(
            [appends_for(account_id, "Account", 0, events)],
            AccountResult(state, now, secret),
            api_keys=[key],
        )

    async def _account(self, tenant_id: str, account_id: str) -> Loaded[accounts.AccountState]:
        if account_id and account_id != tenant_id:
            raise NotFoundError("RESOURCE_MISSING", f"No such account: '{account_id}'", field="account")
        loaded = await load(self._store, tenant_id, accounts.fold)
        if not loaded.events:
            raise NotFoundError("RESOURCE_MISSING", f"No such account: '{tenant_id}'", field="account")
        return loaded

    async def _on_account(self, tenant_id: str, account_id: str, command: accounts.AccountCommand) -> Decision:
        loaded = await self._account(tenant_id, account_id)
        events = accounts.decide(command, loaded.state)
        state = loaded.state
        for event in events:
            state = accounts.evolve(state, event)
        return Decision([appends_for(tenant_id, "Account", loaded.version, events)],
                        AccountResult(state, loaded.created_at or self._clock()))

    async def start_kyc(self, tenant_id: str, account_id: str, level: str, documents: list[str]) -> Decision:
        return await self._on_account(tenant_id, account_id, accounts.StartKyc(
            now=self._clock(), verification_level=level or "basic", required_documents=tuple(documents)))

    async def complete_kyc(self, tenant_id: str, account_id: str, status: str, capabilities: list[str],
                           risk_level: str) -> Decision:
        return await self._on_account(tenant_id, account_id, accounts.CompleteKyc(
            now=self._clock(), verification_status=status, approved_capabilities=tuple(capabilities),
            risk_level=risk_level or "low"))

    async def submit_identity(self, tenant_id: str, account_id: str, identity: verification.Identity) -> Decision:
        """The holder's identity to the verification provider; its outcome recorded as KYC events."""
        loaded = await self._account(tenant_id, account_id)
        verification.validate_identity(identity)
        if loaded.state.kyc_status is accounts.KycStatus.VERIFIED:
            raise PreconditionError("KYC_ALREADY_VERIFIED", "The account is already verified.")
        outcome = self._verifier.verify(identity)
        now = self._clock()
        commands: list[accounts.AccountCommand] = []
        if loaded.state.kyc_status is not accounts.KycStatus.PENDING:
            commands.append(accounts.StartKyc(now=now, verification_level="basic",
                                              required_documents=verification.requirements_due(
                                                  verification.Identity(business_type=identity.business_type))))
        commands.append(accounts.CompleteKyc(
            now=now, verification_status="verified" if outcome.verified else "rejected",
            risk_level="low" if outcome.verified else "high", failed_requirements=outcome.failed_requirements))
        state, events = loaded.state, []
        for command in commands:
            decided = accounts.decide(command, state)
            for event in decided:
                state = accounts.evolve(state, event)
            events += decided
        return Decision([appends_for(tenant_id, "Account", loaded.version, events)],
                        AccountResult(state, loaded.created_at or now))

    async def payout(self, tenant_id: str, *, amount: int, currency: str, destination: str, description: str,
                     metadata: dict[str, str]) -> Decision:
        now = self._clock()
        account = await self._account(tenant_id, "")
        currency = normalize_currency(currency or account.state.default_currency)
        stream = ledger.stream_id(tenant_id, currency)
        command = accounts.CreatePayout(
            payout_id=new_id("po"), balance_transaction_id=new_id("txn"), amount=amount, currency=currency,
            now=now, destination_account=destination or "ba_default", description=description, metadata=metadata)

        def decide() -> Decision:
            # On both streams' heads in memory: concurrent payouts are decided one after the other.
            events = accounts.decide_payout(self._accounts.head(tenant_id).state, self._ledgers.head(stream).state,
                                            command)
            payout = [e for e in events if isinstance(e, PayoutCreated)]
            on_account = self._accounts.append(tenant_id, lambda _state: payout)
            assert on_account is not None
            try:
                on_ledger = self._ledgers.append(stream, lambda _state: [e for e in events
                                                                         if isinstance(e, LedgerEntryPosted)])
            except BaseException:
                on_account[1].abandon()
                raise
            assert on_ledger is not None
            return Decision([on_account[0], on_ledger[0]], PayoutResult(payout[0], now),
                            reservations=[on_account[1], on_ledger[1]], redecide=decide)

        return await on_hot_streams([(self._accounts, tenant_id), (self._ledgers, stream)], decide)

    async def settle(self, tenant_id: str, currency: str) -> Decision:
        now = self._clock()
        account = await self._account(tenant_id, "")
        currencies = [normalize_currency(currency)] if currency else [
            ledger_id.rsplit(":", 1)[1] for ledger_id in await self._store.stream_ids(tenant_id, "Ledger")]
        commands = [ledger.Settle(entry_id=new_id("txn"), account_id=account.state.account_id, currency=cur, now=now)
                    for cur in currencies]

        def decide() -> Decision:
            posted = ledger_appends(self._ledgers, commands)
            settled = {a.aggregate_id.rsplit(":", 1)[1]: sum(int(e.data["available_delta"]) for e in a.events)
                       for a in posted.appends}
            return Decision(posted.appends, SettleResult(settled), reservations=posted.reservations,
                            redecide=decide)

        return await on_hot_streams([(self._ledgers, ledger.stream_id(tenant_id, c)) for c in currencies], decide)

    async def balances_as_of(self, tenant_id: str, as_of: AsOf) -> BalancesAsOf:
        """The account's balances per currency as the log stood at `as_of` (the operator's audit read)."""
        return await balances_as_of(self._store, tenant_id, as_of, self._clock())
