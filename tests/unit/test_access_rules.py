"""The one table of who may call what: every RPC is in it, and the key kinds get what Stripe gives them."""

from __future__ import annotations

import pytest
from ledgermesh.accounts.v1 import account_service_pb2
from ledgermesh.disputes.v1 import dispute_service_pb2
from ledgermesh.payments.v1 import customer_service_pb2, payment_intent_service_pb2, payment_service_pb2
from ledgermesh.query.v1 import object_query_service_pb2, query_service_pb2

from support.access_rules import METHOD_RULES, rule_for
from support.api_keys import KeyKind
from support.auth import authorize
from support.key_store import ApiKeyRecord
from support.permissions import Access, Permission, grants, parse_permissions

SERVICES = [
    m.DESCRIPTOR.services_by_name[name]
    for m, name in ((payment_service_pb2, "PaymentCommandService"), (account_service_pb2, "AccountCommandService"),
                    (dispute_service_pb2, "DisputeCommandService"), (query_service_pb2, "QueryService"),
                    (customer_service_pb2, "CustomerCommandService"),
                    (payment_intent_service_pb2, "PaymentIntentCommandService"),
                    (object_query_service_pb2, "ObjectQueryService"))
]


def test_every_rpc_of_every_service_has_a_rule() -> None:
    methods = {f"/{service.full_name}/{method.name}" for service in SERVICES for method in service.methods}
    assert methods - set(METHOD_RULES) == set()


def test_restricted_permissions_parse_and_write_implies_read() -> None:
    parsed = parse_permissions("charges:read, refunds:write,charges:write")
    assert parsed == {"charges": Access.WRITE, "refunds": Access.WRITE}
    assert grants(KeyKind.RESTRICTED, parsed, Permission("refunds", Access.READ))
    assert not grants(KeyKind.RESTRICTED, parsed, Permission("balance", Access.READ))
    for bad in ("", "charges", "charges:delete", "cards:read"):
        with pytest.raises(ValueError):
            parse_permissions(bad)


def test_a_publishable_key_may_only_create_tokens_and_payment_methods() -> None:
    assert grants(KeyKind.PUBLISHABLE, {}, Permission("payment_methods", Access.WRITE))
    assert grants(KeyKind.PUBLISHABLE, {}, Permission("tokens", Access.WRITE))
    assert not grants(KeyKind.PUBLISHABLE, {"charges": Access.WRITE}, Permission("charges", Access.READ))


def test_only_the_operator_acts_for_the_platform_and_on_other_accounts() -> None:
    merchant = ApiKeyRecord("key_m", "acct_1", KeyKind.SECRET, "sk_test_abcd")
    operator = ApiKeyRecord("key_o", "platform", KeyKind.OPERATOR, "op_test_abcd")
    complete_kyc = rule_for("/ledgermesh.accounts.v1.AccountCommandService/CompleteKyc")

    assert not hasattr(authorize(merchant, complete_kyc, None, "sk_test_abcdef"), "account_id")
    acting = authorize(operator, complete_kyc, "acct_1", "op_test_abcdef")
    assert getattr(acting, "account_id", None) == "acct_1" and getattr(acting, "platform", None) == "platform"
    get_charge = rule_for("/ledgermesh.query.v1.QueryService/GetCharge")
    assert not hasattr(authorize(merchant, get_charge, "acct_2", "sk_test_abcdef"), "account_id")
    assert getattr(authorize(merchant, get_charge, "acct_1", "sk_test_abcdef"), "account_id", None) == "acct_1"


def test_a_method_missing_from_the_table_needs_a_full_access_key() -> None:
    rule = rule_for("/ledgermesh.payments.v1.PaymentCommandService/SomethingNew")
    restricted = ApiKeyRecord("key_r", "acct_1", KeyKind.RESTRICTED, "rk_test_abcd", {"charges": Access.WRITE})
    secret = ApiKeyRecord("key_s", "acct_1", KeyKind.SECRET, "sk_test_abcd")
    assert not hasattr(authorize(restricted, rule, None, "rk_test_abcdef"), "account_id")
    assert getattr(authorize(secret, rule, None, "sk_test_abcdef"), "account_id", None) == "acct_1"
