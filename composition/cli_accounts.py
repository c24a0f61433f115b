"""`ledgermesh accounts create`: onboard a merchant on the running stack and print its secret key.
`ledgermesh accounts verify ACCT`: the operator records a manual identity verification of ACCT
(StartKyc when none is running, then CompleteKyc verified), with the operator key from --api-key,
LEDGERMESH_OPERATOR_KEY, or the one `ledgermesh up` saved.

The key is printed once (only its hash is stored). The target is the command service of the stack
that `ledgermesh up` recorded, or LEDGERMESH_HOST / LEDGERMESH_COMMAND_PORT."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys

import grpc
from ledgermesh.accounts.v1 import account_service_pb2 as pb
from ledgermesh.accounts.v1 import account_service_pb2_grpc

from composition.dev_account import saved_operator_key
from composition.devstack import client_host, settings_from_stack_file
from composition.subcommand import Subcommand
from support.errors import error_info
from support.settings import Settings


async def create_account(target: str, email: str, business_name: str, country: str, currency: str,
                         api_key: str | None, timeout_s: float) -> tuple[str, str]:
    metadata = [("authorization", f"Bearer {api_key}")] if api_key else []
    async with grpc.aio.insecure_channel(target) as channel:
        response = await account_service_pb2_grpc.AccountCommandServiceStub(channel).CreateAccount(
            pb.CreateAccountRequest(email=email, business_name=business_name, country=country,
                                    default_currency=currency),
            metadata=metadata, timeout=timeout_s)
    return response.account.id, response.secret_key


async def verify_account(target: str, account_id: str, operator_key: str, timeout_s: float) -> str:
    """Start verification if none is running, then record it verified; returns the final status."""
    metadata = [("authorization", f"Bearer {operator_key}"), ("stripe-account", account_id)]
    async with grpc.aio.insecure_channel(target) as channel:
        stub = account_service_pb2_grpc.AccountCommandServiceStub(channel)
        try:
            await stub.StartKyc(pb.StartKycRequest(account_id=account_id, verification_level="basic"),
                                metadata=metadata, timeout=timeout_s)
        except grpc.aio.AioRpcError as exc:
            # Already running is fine: the outcome is what the operator records now.
            info = error_info(exc)
            if info is None or info.reason != "KYC_ALREADY_STARTED":
                raise
        response = await stub.CompleteKyc(
            pb.CompleteKycRequest(account_id=account_id, verification_status="verified", risk_level="low"),
            metadata=metadata, timeout=timeout_s)
    return str(response.account.verification_status)


def _configure(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    create = actions.add_parser("create", help="create an account and print its sk_test_ key",
                                description="Create an account on the running stack and print its secret key.")
    create.add_argument("--email", default="owner@example.com", help="contact email")
    create.add_argument("--business-name", default="", help="business name")
    create.add_argument("--country", default="US", help="ISO 3166-1 alpha-2 country")
    create.add_argument("--currency", default="usd", help="default currency")
    create.add_argument("--api-key", default=None,
                        help="a platform key, when the stack does not allow self sign-up")
    create.add_argument("--json", action="store_true", help="print {account_id, secret_key} as JSON")
    create.add_argument("--timeout", type=float, default=10.0, help="seconds to wait for the command service")
    verify = actions.add_parser("verify", help="record a manual identity verification (operator)",
                                description="The operator records that ACCT's identity was verified by hand.")
    verify.add_argument("account_id", metavar="ACCT")
    verify.add_argument("--api-key", default=None, help="the operator key (default: LEDGERMESH_OPERATOR_KEY or "
                                                        "the key `ledgermesh up` saved)")
    verify.add_argument("--timeout", type=float, default=10.0, help="seconds to wait for the command service")


def _verify(args: argparse.Namespace, settings: Settings, target: str) -> int:
    operator_key = args.api_key or os.environ.get("LEDGERMESH_OPERATOR_KEY") or saved_operator_key(settings)
    if not operator_key:
        print("ledgermesh accounts verify: no operator key: pass --api-key (from `ledgermesh keys create "
              "--operator`) or set LEDGERMESH_OPERATOR_KEY", file=sys.stderr)
        return 2
    try:
        asyncio.run(verify_account(target, args.account_id, operator_key, args.timeout))
    except grpc.aio.AioRpcError as exc:
        print(f"ledgermesh accounts verify: {target}: {exc.code().name}: {exc.details()}", file=sys.stderr)
        return 1
    print(f"{args.account_id}: verified")
    return 0


def run(args: argparse.Namespace) -> int:
    settings = settings_from_stack_file(Settings.from_env())
    target = f"{client_host(settings.host)}:{settings.command_port}"
    if args.action == "verify":
        return _verify(args, settings, target)
    try:
        account_id, secret_key = asyncio.run(create_account(
            target, args.email, args.business_name, args.country, args.currency, args.api_key, args.timeout))
    except grpc.aio.AioRpcError as exc:
        print(f"ledgermesh accounts create: {target}: {exc.code().name}: {exc.details()}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps({"account_id": account_id, "secret_key": secret_key}))
    else:
        print(f"account: {account_id}", file=sys.stderr)
        print(secret_key)
    return 0


COMMAND = Subcommand(run=run, configure=_configure)
