"""`ledgermesh keys create|list|revoke` and `ledgermesh accounts verify` against the running stack."""

from __future__ import annotations

import asyncio
import json

import pytest

from composition.cli import main
from composition.dev_account import ensure_dev_account, saved_operator_key
from tests.conftest import eventually


@pytest.fixture
def cli_env(system, settings, monkeypatch, tmp_path):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("LEDGERMESH_DATA_DIR", str(tmp_path / "empty"))
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("LEDGERMESH_DB_SCHEMA", settings.db_schema)
    monkeypatch.setenv("LEDGERMESH_HOST", "127.0.0.1")
    monkeypatch.setenv("LEDGERMESH_COMMAND_PORT", str(system.system.command_port))
    monkeypatch.delenv("LEDGERMESH_OPERATOR_KEY", raising=False)


async def cli(capsys, *args: str) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    code = await asyncio.to_thread(main, list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


async def test_keys_create_list_and_revoke_on_the_running_stack(system, cli_env, capsys) -> None:
    merchant = await system.merchant()

    code, out, _ = await cli(capsys, "keys", "create", "--account", merchant.account_id,
                             "--restricted", "charges:read", "--json")
    assert code == 0
    restricted = json.loads(out)
    assert restricted["kind"] == "restricted" and restricted["secret"].startswith("rk_test_")
    headers = {"Authorization": f"Bearer {restricted['secret']}"}
    assert (await system.http.get("/v1/charges", headers=headers)).status_code == 200
    refused = await system.http.post("/v1/charges", headers=headers,
                                     data={"amount": "100", "currency": "usd", "source": "tok_visa"})
    assert refused.status_code == 403 and "charges:write" in refused.json()["error"]["message"]

    code, out, _ = await cli(capsys, "keys", "list", "--account", merchant.account_id, "--json")
    listed = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and [k["kind"] for k in listed] == ["secret", "restricted"]
    assert listed[1]["key_id"] == restricted["key_id"] and listed[1]["permissions"] == "charges:read"
    assert restricted["secret"] not in out and merchant.secret_key not in out

    code, out, _ = await cli(capsys, "keys", "revoke", restricted["key_id"])
    assert code == 0 and "revoked" in out

    async def unauthorized() -> bool:
        return (await system.http.get("/v1/charges", headers=headers)).status_code == 401

    await eventually(unauthorized, timeout=1.0, message="the revoked key still worked")
    code, out, _ = await cli(capsys, "keys", "list", "--account", merchant.account_id, "--json")
    assert json.loads(out.splitlines()[1])["revoked_at"] is not None
    assert (await cli(capsys, "keys", "revoke", "key_nothing"))[0] == 1
    assert (await cli(capsys, "keys", "create", "--account", "acct_nobody"))[0] == 1
    assert (await cli(capsys, "keys", "create", "--account", merchant.account_id, "--restricted", "cards:read"))[0] == 2


async def test_an_operator_key_from_the_cli_records_a_manual_verification(system, cli_env, capsys) -> None:
    merchant = await system.merchant()
    code, out, _ = await cli(capsys, "keys", "create", "--operator")
    operator = out.strip()
    assert code == 0 and operator.startswith("op_test_")

    # A merchant key cannot verify its own account, the operator's can.
    assert (await cli(capsys, "accounts", "verify", merchant.account_id, "--api-key", merchant.secret_key))[0] == 1
    code, out, _ = await cli(capsys, "accounts", "verify", merchant.account_id, "--api-key", operator)
    assert code == 0, out

    async def payouts_enabled() -> bool:
        account = await system.http.get(f"/v1/accounts/{merchant.account_id}", headers=merchant.headers)
        return account.status_code == 200 and account.json()["payouts_enabled"] is True

    await eventually(payouts_enabled, message="the verified account never had payouts enabled")


async def test_the_dev_stack_prints_a_merchant_key_and_the_operator_key_and_reuses_them(system, settings,
                                                                                          capsys) -> None:
    account, secret = await ensure_dev_account(settings, system.system.infra.pool, system.system.command_port)
    printed = capsys.readouterr().out
    operator = saved_operator_key(settings)
    assert secret in printed and operator and operator in printed and operator.startswith("op_test_")
    operator_headers = {"Authorization": f"Bearer {operator}", "Stripe-Account": account}
    assert (await system.http.get("/v1/charges", headers=operator_headers)).status_code == 200

    assert await ensure_dev_account(settings, system.system.infra.pool, system.system.command_port) == (account, secret)
    assert saved_operator_key(settings) == operator
