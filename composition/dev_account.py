"""A ready-to-use test account for `ledgermesh up`, so the README's curl works straight away."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING

import grpc
from ledgermesh.accounts.v1 import account_service_pb2, account_service_pb2_grpc

from support.api_keys import hash_key
from support.settings import Settings

if TYPE_CHECKING:
    from composition.app import RunningSystem

log = logging.getLogger(__name__)


def dev_account_file(settings: Settings) -> Path:
    return Path(settings.data_dir) / "dev_account.json"


async def _key_is_known(system: RunningSystem, secret: str) -> bool:
    async with system.infra.pool.connection() as conn:
        cur = await conn.execute("SELECT 1 FROM api_keys WHERE key_hash = %s", (hash_key(secret),))
        return await cur.fetchone() is not None


async def ensure_dev_account(settings: Settings, system: RunningSystem) -> tuple[str, str]:
    """Reuse the saved dev account when the database still knows its key; otherwise create one."""
    path = dev_account_file(settings)
    if path.exists():
        saved = json.loads(path.read_text())
        if await _key_is_known(system, saved["secret_key"]):
            _announce(saved["account_id"], saved["secret_key"], settings)
            return saved["account_id"], saved["secret_key"]
    async with grpc.aio.insecure_channel(f"127.0.0.1:{system.command_port}") as channel:
        response = await account_service_pb2_grpc.AccountCommandServiceStub(channel).CreateAccount(
            account_service_pb2.CreateAccountRequest(email="dev@ledgermesh.local", business_name="LedgerMesh Dev"),
            timeout=10,
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"account_id": response.account.id, "secret_key": response.secret_key}))
    path.chmod(0o600)
    _announce(response.account.id, response.secret_key, settings)
    return response.account.id, response.secret_key


def _announce(account_id: str, secret: str, settings: Settings) -> None:
    print(
        f"  test account {account_id}\n  test key     {secret}\n"
        f"  try:  curl -s http://127.0.0.1:{settings.gateway_port}/v1/charges -u {secret}: "
        "-d amount=4999 -d currency=usd -d source=tok_visa",
        flush=True,
    )
