"""gRPC AccountCommandService."""

from __future__ import annotations

from datetime import UTC, datetime

import grpc
from ledgermesh.accounts.v1 import account_pb2, account_service_pb2_grpc
from ledgermesh.accounts.v1 import account_service_pb2 as pb

from command_svc.api import resources
from command_svc.api.base import CommandServicerBase
from command_svc.api.context import audit_context
from command_svc.api.errors import abort_for
from command_svc.api.webhook_endpoints import WebhookEndpointMethods
from command_svc.application.accounts import AccountResult, AccountsApp, PayoutResult, SettleResult
from command_svc.application.ledger_history import AsOf
from command_svc.application.pipeline import CommandRunner, Decision
from command_svc.application.webhooks import WebhookEndpointsApp
from command_svc.domain import verification
from command_svc.domain.errors import DomainError
from eventlog.records import StoredEvent
from support.auth import caller_if_any, current_caller
from support.errors import abort


class AccountServicer(WebhookEndpointMethods, CommandServicerBase,
                      account_service_pb2_grpc.AccountCommandServiceServicer):
    def __init__(self, runner: CommandRunner, app: AccountsApp, webhooks: WebhookEndpointsApp | None = None) -> None:
        super().__init__(runner)
        self.app = app
        self.webhooks = webhooks

    async def CreateAccount(self, request: pb.CreateAccountRequest, context: grpc.aio.ServicerContext) -> pb.CreateAccountResponse:
        def present(result: AccountResult, stored: list[StoredEvent]) -> pb.CreateAccountResponse:
            return pb.CreateAccountResponse(account=resources.account(result.state, result.created_at, stored),
                                            secret_key=result.secret_key,
                                            global_position=resources.position_of(stored))

        caller = caller_if_any()
        if (request.HasField("fee_percent_bps") or request.HasField("fee_fixed")) and not (
                caller and caller.is_operator):
            # A merchant picking its own fees is a money failure: only the platform sets a fee schedule.
            await abort(context, grpc.StatusCode.PERMISSION_DENIED, "PLATFORM_ONLY",
                        "Only the platform may set an account's fees. Having the 'platform' permission would "
                        "allow this request to continue.", {"permission": "platform", "field": "fee_percent_bps"})
        decision = None
        try:
            decision = await self.app.onboard(
                email=request.email, country=request.country, default_currency=request.default_currency,
                business_name=request.business_name,
                fee_percent_bps=request.fee_percent_bps if request.HasField("fee_percent_bps") else None,
                fee_fixed=request.fee_fixed if request.HasField("fee_fixed") else None,
                metadata=dict(request.metadata),
            )
            account_id = decision.result.state.account_id

            async def decide(_tenant: str = "", decision=decision):  # type: ignore[no-untyped-def]
                return decision

            # A new account is its own tenant; there is no caller to scope an idempotency key to.
            return await self.runner.run(
                tenant_id=account_id, operation="CreateAccount", audit=audit_context(context, caller), decide=decide,
                present=present,
            )
        except DomainError as exc:
            await abort_for(context, exc)
            raise AssertionError("unreachable") from exc

    def _present_account(self, response_type):  # type: ignore[no-untyped-def]
        def present(result: AccountResult, stored: list[StoredEvent]):  # type: ignore[no-untyped-def]
            return response_type(account=resources.account(result.state, result.created_at, stored),
                                 global_position=resources.position_of(stored))
        return present

    async def StartKyc(self, request: pb.StartKycRequest, context: grpc.aio.ServicerContext) -> pb.StartKycResponse:
        return await self.execute(
            context, operation="StartKyc", request=request, response_type=pb.StartKycResponse,
            decide=lambda tenant: self.app.start_kyc(tenant, request.account_id, request.verification_level,
                                                     list(request.required_documents)),
            present=self._present_account(pb.StartKycResponse), idempotency_key=request.idempotency_key,
        )

    async def CompleteKyc(self, request: pb.CompleteKycRequest, context: grpc.aio.ServicerContext) -> pb.CompleteKycResponse:
        return await self.execute(
            context, operation="CompleteKyc", request=request, response_type=pb.CompleteKycResponse,
            decide=lambda tenant: self.app.complete_kyc(tenant, request.account_id, request.verification_status,
                                                        list(request.approved_capabilities), request.risk_level),
            present=self._present_account(pb.CompleteKycResponse), idempotency_key=request.idempotency_key,
        )

    async def SubmitIdentity(self, request: pb.SubmitIdentityRequest,
                             context: grpc.aio.ServicerContext) -> pb.SubmitIdentityResponse:
        async def decide(tenant: str) -> Decision:
            return await self.app.submit_identity(tenant, request.account_id, _identity(request))

        return await self.execute(
            context, operation="SubmitIdentity", request=request, response_type=pb.SubmitIdentityResponse,
            decide=decide, present=self._present_account(pb.SubmitIdentityResponse),
            idempotency_key=request.idempotency_key,
        )

    async def CreatePayout(self, request: pb.CreatePayoutRequest, context: grpc.aio.ServicerContext) -> pb.CreatePayoutResponse:
        def present(result: PayoutResult, stored: list[StoredEvent]) -> pb.CreatePayoutResponse:
            return pb.CreatePayoutResponse(payout=resources.payout(result.payout, result.created_at, stored),
                                           global_position=resources.position_of(stored))

        return await self.execute(
            context, operation="CreatePayout", request=request, response_type=pb.CreatePayoutResponse,
            decide=lambda tenant: self.app.payout(
                tenant, amount=request.amount, currency=request.currency, destination=request.destination,
                description=request.description, metadata=dict(request.metadata)),
            present=present, idempotency_key=request.idempotency_key,
        )

    async def SettleFunds(self, request: pb.SettleFundsRequest, context: grpc.aio.ServicerContext) -> pb.SettleFundsResponse:
        def present(result: SettleResult, stored: list[StoredEvent]) -> pb.SettleFundsResponse:
            return pb.SettleFundsResponse(
                settled=[account_pb2.BalanceAmount(amount=v, currency=c) for c, v in sorted(result.settled.items())],
                global_position=resources.position_of(stored))

        return await self.execute(
            context, operation="SettleFunds", request=request, response_type=pb.SettleFundsResponse,
            decide=lambda tenant: self.app.settle(tenant, request.currency), present=present,
        )

    async def GetBalanceAsOf(self, request: pb.GetBalanceAsOfRequest,
                             context: grpc.aio.ServicerContext) -> pb.GetBalanceAsOfResponse:
        which = request.WhichOneof("as_of")
        if which is None:
            await abort(context, grpc.StatusCode.INVALID_ARGUMENT, "AS_OF_REQUIRED",
                        "Give the point in the log: a time or a global position.", {"field": "as_of"})
        try:
            as_of = AsOf(position=request.position) if which == "position" else AsOf(
                moment=request.time.ToDatetime(tzinfo=UTC))
        except (ValueError, OverflowError):
            await abort(context, grpc.StatusCode.INVALID_ARGUMENT, "AS_OF_INVALID",
                        "as_of is not a valid time.", {"field": "as_of"})
        try:
            result = await self.app.balances_as_of(current_caller().account_id, as_of)
        except DomainError as exc:
            await abort_for(context, exc)
            raise AssertionError("unreachable") from exc
        return pb.GetBalanceAsOfResponse(balance=resources.balance(result.ledgers), entries=result.entries,
                                         last_position=result.last_position)

    async def _unimplemented(self, context: grpc.aio.ServicerContext, what: str) -> None:
        await abort(context, grpc.StatusCode.UNIMPLEMENTED, "NOT_IMPLEMENTED", f"{what} is not available yet")


def _address(a: pb.IdentityAddress) -> verification.Address:
    return verification.Address(line1=a.line1, line2=a.line2, city=a.city, state=a.state,
                                postal_code=a.postal_code, country=a.country)


def _identity(request: pb.SubmitIdentityRequest) -> verification.Identity:
    kind = verification.business_type(request.business_type)
    tos = request.tos_acceptance
    common = {"tos_date": datetime.fromtimestamp(tos.date, UTC) if tos.date > 0 else None, "tos_ip": tos.ip}
    if kind is verification.BusinessType.INDIVIDUAL:
        person = request.individual
        return verification.Identity(
            business_type=kind, first_name=person.first_name, last_name=person.last_name,
            dob=verification.parse_dob(person.dob_day, person.dob_month, person.dob_year),
            id_number=person.id_number, ssn_last_4=person.ssn_last_4, address=_address(person.address), **common)
    company = request.company
    return verification.Identity(business_type=kind, company_name=company.name, tax_id=company.tax_id,
                                 address=_address(company.address), **common)
