"""The official stripe SDK pointed at the running gateway, for e2e tests."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import stripe

from tests.conftest import eventually

T = TypeVar("T")


def sdk_client(gateway_port: int, secret_key: str) -> stripe.StripeClient:
    return stripe.StripeClient(secret_key, base_addresses={"api": f"http://127.0.0.1:{gateway_port}"},
                               max_network_retries=0)


async def until_readable(read: Callable[[], Awaitable[T]], accept: Callable[[T], bool] = lambda _: True,
                         *, timeout: float = 15.0) -> T:
    """Reads go to the read model, which trails the command by a few milliseconds: poll until the
    object is there (404 meanwhile) and `accept` holds."""

    async def probe() -> Any:
        try:
            value = await read()
        except stripe.InvalidRequestError as exc:
            if exc.http_status == 404:
                return None
            raise
        return value if accept(value) else None

    return await eventually(probe, timeout=timeout, message="object never reached the expected state")
