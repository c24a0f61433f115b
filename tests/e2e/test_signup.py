"""Sign-up is closed unless a setting opens it: then the platform's operator creates accounts."""

from __future__ import annotations

import grpc
import pytest
from ledgermesh.accounts.v1 import account_service_pb2 as acc

from support.settings import Settings


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.with_(allow_signup=False)


def test_self_sign_up_is_off_unless_a_setting_opens_it() -> None:
    assert Settings().allow_signup is False and Settings.from_env({}).allow_signup is False
    assert Settings.from_env({"LEDGERMESH_ALLOW_SIGNUP": "1"}).allow_signup is True


async def test_with_sign_up_closed_only_the_operator_creates_accounts(system) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await system.accounts.CreateAccount(acc.CreateAccountRequest(email="walk-in@example.com"))
    assert caught.value.code() is grpc.StatusCode.UNAUTHENTICATED
    anonymous = await system.http.post("/v1/accounts", data={"email": "walk-in@example.com"})
    assert anonymous.status_code == 401

    merchant = await system.accounts.CreateAccount(acc.CreateAccountRequest(email="first@example.com"),
                                                   metadata=system.operator)
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await system.accounts.CreateAccount(acc.CreateAccountRequest(email="second@example.com"),
                                            metadata=[("authorization", f"Bearer {merchant.secret_key}")])
    assert caught.value.code() is grpc.StatusCode.PERMISSION_DENIED
    created = await system.http.post("/v1/accounts", headers={"Authorization": f"Bearer {system.operator_key}"},
                                     data={"email": "rest@example.com", "country": "DE"})
    assert created.status_code == 200, created.text
    assert created.json()["country"] == "DE" and created.json()["id"].startswith("acct_")
