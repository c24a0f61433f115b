"""A ready-to-use test account and the platform's operator key for `ledgermesh up`, so the README's
curl works straight away."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import grpc
from ledgermesh.accounts.v1 import account_service_pb2, account_service_pb2_grpc
from psycopg_pool import AsyncConnectionPool

from composition.keys import issue_key, key_id_of
from support.api_keys import KeyKind
from support.settings import Settings

log = logging.getLogger(__name__)


def dev_account_file(settings: Settings) -> Path:
    return Path(settings.data_dir) / "dev_account.json"


def _saved(settings: Settings) -> dict[str, Any]:
    path = dev_account_file(settings)
    try:
        saved = json.loads(path.read_text())
    except (FileNotFoundError, ValueError):
        return {}
    return saved if isinstance(saved, dict) else {}


def saved_operator_key(settings: Settings) -> str | None:
    key = _saved(settings).get("operator_key")
    return key if isinstance(key, str) and key else None


async def ensure_dev_account(settings: Settings, pool: AsyncConnectionPool, command_port: int) -> tuple[str, str]:
    """Reuse the saved dev account and operator key when the database still knows them (not revoked);
    otherwise create them."""
    saved = _saved(settings)
    account_id, secret = saved.get("account_id"), saved.get("secret_key")
    operator = saved.get("operator_key")
    if not (isinstance(operator, str) and await key_id_of(pool, operator)):
        operator = (await issue_key(pool, KeyKind.OPERATOR)).secret
    if not (isinstance(secret, str) and await key_id_of(pool, secret)):
        # The platform opens the account, whether or not self sign-up is allowed.
        async with grpc.aio.insecure_channel(f"127.0.0.1:{command_port}") as channel:
            response = await account_service_pb2_grpc.AccountCommandServiceStub(channel).CreateAccount(
                account_service_pb2.CreateAccountRequest(email="dev@ledgermesh.local",
                                                         business_name="LedgerMesh Dev"),
                metadata=[("authorization", f"Bearer {operator}")], timeout=10,
            )
        account_id, secret = response.account.id, response.secret_key
    path = dev_account_file(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"account_id": account_id, "secret_key": secret, "operator_key": operator}))
    path.chmod(0o600)
    _announce(str(account_id), secret, operator, settings)
    return str(account_id), secret


def _announce(account_id: str, secret: str, operator: str, settings: Settings) -> None:
    print(
        f"  test account {account_id}\n  test key     {secret}\n  operator key {operator}"
        "  (the platform: add 'Stripe-Account: acct_...' to act on an account)\n"
        f"  try:  curl -s http://127.0.0.1:{settings.gateway_port}/v1/charges -u {secret}: "
        "-d amount=4999 -d currency=usd -d source=tok_visa",
        flush=True,
    )
