"""Who may call which gRPC method: the one table the interceptor (support/auth.py) enforces.

A method needs a resource permission (restricted keys must hold it; secret and operator keys hold them
all), or is the platform's alone (the operator key: card-network decisions, verification outcomes,
settlement, platform-wide views). Methods that act on one account need that account: a merchant key's
own, or the operator's `Stripe-Account`. A method missing from the table needs a full-access key
(secret or operator), so a new RPC is never open to restricted or publishable keys by accident;
tests/unit/test_access_rules.py fails until it is listed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from support.permissions import Access, Permission


@dataclass(frozen=True)
class Rule:
    # The permission a restricted key needs; None: only full-access keys (secret, operator).
    permission: Permission | None
    # Only the operator key may call it.
    platform_only: bool = False
    # Acts on one account (the merchant's own, or the operator's Stripe-Account).
    account_scoped: bool = True

    def describe(self) -> str:
        if self.platform_only:
            return "platform"
        return str(self.permission) if self.permission else "full_access"


def _need(resource: str, access: Access) -> Rule:
    return Rule(Permission(resource, access))


READ, WRITE = Access.READ, Access.WRITE
PLATFORM = Rule(None, platform_only=True)
PLATFORM_WIDE = Rule(None, platform_only=True, account_scoped=False)
# Any full-access key; restricted and publishable keys never.
FULL_ACCESS = Rule(None)

_P = "/ledgermesh.payments.v1.PaymentCommandService/"
_A = "/ledgermesh.accounts.v1.AccountCommandService/"
_D = "/ledgermesh.disputes.v1.DisputeCommandService/"
_Q = "/ledgermesh.query.v1.QueryService/"
_C = "/ledgermesh.payments.v1.CustomerCommandService/"
_I = "/ledgermesh.payments.v1.PaymentIntentCommandService/"
_O = "/ledgermesh.query.v1.ObjectQueryService/"

METHOD_RULES: Mapping[str, Rule] = MappingProxyType({
    _P + "CreateCharge": _need("charges", WRITE),
    _P + "CaptureCharge": _need("charges", WRITE),
    _P + "UpdateCharge": _need("charges", WRITE),
    _P + "CreateRefund": _need("refunds", WRITE),
    _P + "ExpireAuthorizations": _need("charges", WRITE),
    # Opening an account is the platform's, unless the settings open self sign-up (composition/command.py).
    _A + "CreateAccount": PLATFORM_WIDE,
    _A + "StartKyc": _need("accounts", WRITE),
    # The verification provider's outcome, recorded by the platform; never by the merchant.
    _A + "CompleteKyc": PLATFORM,
    # The holder's identity goes to the platform's verification provider, which decides.
    _A + "SubmitIdentity": _need("accounts", WRITE),
    _A + "CreatePayout": _need("payouts", WRITE),
    _A + "SettleFunds": PLATFORM,
    _A + "CreateWebhookEndpoint": _need("webhook_endpoints", WRITE),
    _A + "UpdateWebhookEndpoint": _need("webhook_endpoints", WRITE),
    _A + "DeleteWebhookEndpoint": _need("webhook_endpoints", WRITE),
    _A + "GetWebhookEndpoint": _need("webhook_endpoints", READ),
    _A + "ListWebhookEndpoints": _need("webhook_endpoints", READ),
    # The audit read of the books as they stood (docs/audit.md section 8): it folds the log on the
    # command side, so it is the platform's, for one account at a time.
    _A + "GetBalanceAsOf": PLATFORM,
    # The card network's decisions.
    _D + "CreateDispute": PLATFORM,
    _D + "ResolveDispute": PLATFORM,
    _D + "SubmitEvidence": _need("disputes", WRITE),
    # Accepting a dispute (Stripe's close) is the merchant's choice.
    _D + "CloseDispute": _need("disputes", WRITE),
    _Q + "GetCharge": _need("charges", READ),
    _Q + "ListCharges": _need("charges", READ),
    _Q + "GetRefund": _need("refunds", READ),
    _Q + "ListRefunds": _need("refunds", READ),
    _Q + "GetDispute": _need("disputes", READ),
    _Q + "ListDisputes": _need("disputes", READ),
    _Q + "GetPayout": _need("payouts", READ),
    _Q + "ListPayouts": _need("payouts", READ),
    _Q + "GetAccount": _need("accounts", READ),
    _Q + "GetBalance": _need("balance", READ),
    _Q + "GetBalanceTransaction": _need("balance", READ),
    _Q + "ListBalanceTransactions": _need("balance", READ),
    _Q + "GetEvent": _need("events", READ),
    _Q + "ListEvents": _need("events", READ),
    _Q + "GetDashboard": _need("charges", READ),
    _Q + "WatchDashboard": _need("charges", READ),
    _Q + "GetSettlementReport": _need("balance", READ),
    _Q + "GetAnalytics": _need("charges", READ),
    _Q + "GetAuditTrail": _need("events", READ),
    _Q + "ListSuspiciousActivity": _need("charges", READ),
    _Q + "GetProjectionStatus": PLATFORM_WIDE,
    _C + "CreateCustomer": _need("customers", WRITE),
    _C + "UpdateCustomer": _need("customers", WRITE),
    _C + "DeleteCustomer": _need("customers", WRITE),
    # What a browser does with a publishable key: collect card details into a payment method (or token).
    _C + "CreatePaymentMethod": _need("payment_methods", WRITE),
    # Changing whose card it is, or its details, is the merchant's server's: publishable keys hold
    # payment_methods:write for creation only, so these need the customers permission.
    _C + "UpdatePaymentMethod": _need("customers", WRITE),
    _C + "AttachPaymentMethod": _need("customers", WRITE),
    _C + "DetachPaymentMethod": _need("customers", WRITE),
    _I + "CreatePaymentIntent": _need("payment_intents", WRITE),
    _I + "UpdatePaymentIntent": _need("payment_intents", WRITE),
    _I + "ConfirmPaymentIntent": _need("payment_intents", WRITE),
    _I + "AuthenticatePaymentIntent": _need("payment_intents", WRITE),
    _I + "CapturePaymentIntent": _need("payment_intents", WRITE),
    _I + "IncrementAuthorization": _need("payment_intents", WRITE),
    _I + "CancelPaymentIntent": _need("payment_intents", WRITE),
    _I + "RefundPaymentIntent": _need("refunds", WRITE),
    _I + "ExpirePaymentIntents": _need("payment_intents", WRITE),
    # Stripe has no separate SetupIntents permission in LedgerMesh's list: saving a card for a customer.
    _I + "CreateSetupIntent": _need("customers", WRITE),
    _I + "ConfirmSetupIntent": _need("customers", WRITE),
    _I + "AuthenticateSetupIntent": _need("customers", WRITE),
    _I + "CancelSetupIntent": _need("customers", WRITE),
    _O + "GetCustomer": _need("customers", READ),
    _O + "ListCustomers": _need("customers", READ),
    # Reading saved cards is a customer read: a publishable key's payment_methods:write must not list them.
    _O + "GetPaymentMethod": _need("customers", READ),
    _O + "ListPaymentMethods": _need("customers", READ),
    _O + "GetPaymentIntent": _need("payment_intents", READ),
    _O + "ListPaymentIntents": _need("payment_intents", READ),
    _O + "GetSetupIntent": _need("customers", READ),
    _O + "ListSetupIntents": _need("customers", READ),
})


def rule_for(method: str) -> Rule:
    return METHOD_RULES.get(method, FULL_ACCESS)


def is_write(method: str, rule: Rule) -> bool:
    """Which of an account's two rate limits a call counts against."""
    if rule.permission is not None:
        return rule.permission.access is WRITE
    return not method.startswith((_Q, _O))
