"""`ledgermesh accounts create` against the running stack prints a key that works on the REST API."""

from __future__ import annotations

import asyncio

from composition.cli import main


async def test_accounts_create_prints_a_working_secret_key(system, monkeypatch, tmp_path, capsys) -> None:
    # Given the stack's command port in the environment (no stack file in this data dir)
    monkeypatch.setenv("LEDGERMESH_DATA_DIR", str(tmp_path / "empty"))
    monkeypatch.setenv("LEDGERMESH_HOST", "127.0.0.1")
    monkeypatch.setenv("LEDGERMESH_COMMAND_PORT", str(system.system.command_port))

    # When the CLI creates an account (in a thread: it runs its own event loop)
    code = await asyncio.to_thread(main, ["accounts", "create", "--email", "cli@example.com",
                                          "--business-name", "CLI Shop"])

    # Then it prints one sk_test_ key, and the key is accepted by the gateway
    assert code == 0
    key = capsys.readouterr().out.strip()
    assert key.startswith("sk_test_") and "\n" not in key
    response = await system.http.post("/v1/charges", headers={"Authorization": f"Bearer {key}"},
                                      data={"amount": "1000", "currency": "usd", "source": "tok_visa"})
    assert response.status_code == 200, response.text


def test_accounts_create_says_why_when_nothing_is_running(monkeypatch, tmp_path, capsys) -> None:
    monkeypatch.setenv("LEDGERMESH_DATA_DIR", str(tmp_path / "empty"))
    monkeypatch.setenv("LEDGERMESH_COMMAND_PORT", "1")
    assert main(["accounts", "create", "--timeout", "1"]) == 1
    assert "UNAVAILABLE" in capsys.readouterr().err
