"""Every Stripe object LedgerMesh serves, by its `object` name: the message it is made from and the one
function that shapes it. The field-coverage test walks this table against Stripe's fixtures, so an
object added here (and to the gateway's OpenAPI) is held to the same bar."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from google.protobuf.message import Message
from ledgermesh.accounts.v1 import account_pb2
from ledgermesh.disputes.v1 import dispute_pb2
from ledgermesh.events.v1 import envelope_pb2
from ledgermesh.payments.v1 import charge_pb2, customer_pb2

from stripe_shapes import customers, events, objects


@dataclass(frozen=True)
class Served:
    message: type[Message]
    shape: Callable[[Any], dict[str, Any]]


SERVED: dict[str, Served] = {
    "account": Served(account_pb2.Account, objects.account),
    "balance": Served(account_pb2.Balance, objects.balance),
    "balance_transaction": Served(account_pb2.BalanceTransaction, objects.balance_transaction),
    "charge": Served(charge_pb2.Charge, objects.charge),
    "customer": Served(customer_pb2.Customer, customers.customer),
    "dispute": Served(dispute_pb2.Dispute, objects.dispute),
    "event": Served(envelope_pb2.EventEnvelope, events.event),
    "payment_intent": Served(customer_pb2.PaymentIntent, lambda p: customers.payment_intent(p, "")),
    "payment_method": Served(customer_pb2.PaymentMethod, customers.payment_method),
    "payout": Served(account_pb2.Payout, objects.payout),
    "refund": Served(charge_pb2.Refund, objects.refund),
    "setup_intent": Served(customer_pb2.SetupIntent, lambda s: customers.setup_intent(s, "")),
    "webhook_endpoint": Served(account_pb2.WebhookEndpoint, objects.webhook_endpoint),
}
