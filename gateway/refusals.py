"""The gateway's outermost layer: refusals that must cost next to nothing, before FastAPI, tracing and
metrics see the request, so one caller's flood cannot slow anyone else down.

- unauthenticated attempts (answered 401 by a service: no key, unknown or revoked key) are limited per
  client address: a flood of random keys is refused here before it costs a lookup;
- a caller a service just refused for its account's rate (429, with the exact wait in
  RETRY_AFTER_MS) is answered 429 here until that wait is over, without a gRPC call.

Per-account limits themselves are decided after authentication, in every gRPC service
(support/rate_limit.py); this only remembers their answers for a few milliseconds."""

from __future__ import annotations

import hashlib
import json
import math
import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from gateway.errors import RETRY_AFTER_MS
from gateway.rate_limit import RecentlyLimited, TokenBuckets

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

GUARDED = ("/v1/", "/dashboard/", "/reports/")
_BODY = json.dumps({"error": {"type": "invalid_request_error", "code": "rate_limit",
                              "message": "Too many requests hit the API too quickly."}}).encode()
_RETRY_AFTER_MS = RETRY_AFTER_MS.lower().encode()


def _header(scope: Scope, name: bytes) -> bytes:
    for key, value in scope.get("headers") or ():
        if key == name:
            return bytes(value)
    return b""


class FastRefusals:
    def __init__(self, app: Any, failed_auth: TokenBuckets, limited: RecentlyLimited | None = None) -> None:
        self.app = app
        self._failed_auth = failed_auth
        self._limited = limited or RecentlyLimited()

    @property
    def state(self) -> Any:
        """The wrapped app's state (GatewayServer finds the shutdown event there)."""
        return self.app.state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not str(scope.get("path", "")).startswith(GUARDED):
            await self.app(scope, receive, send)
            return
        address = (scope.get("client") or ("",))[0]
        caller = hashlib.sha256(_header(scope, b"authorization") + b"|" + _header(scope, b"stripe-account")
                                ).hexdigest()
        wait = self._failed_auth.wait(address) or self._limited.wait(caller)
        if wait:
            await self._refuse(send, wait)
            return

        async def noting(message: Message) -> None:
            if message["type"] == "http.response.start":
                status = message["status"]
                if status == 401:
                    self._failed_auth.take(address)
                elif status == 429:
                    headers = list(message.get("headers") or ())
                    exact = next((v for k, v in headers if k.lower() == _RETRY_AFTER_MS), None)
                    if exact is not None:
                        message["headers"] = [(k, v) for k, v in headers if k.lower() != _RETRY_AFTER_MS]
                        self._limited.refused(caller, int(exact) / 1000)
            await send(message)

        await self.app(scope, receive, noting)

    @staticmethod
    async def _refuse(send: Send, wait: float) -> None:
        await send({"type": "http.response.start", "status": 429, "headers": [
            (b"content-type", b"application/json"), (b"content-length", str(len(_BODY)).encode()),
            (b"retry-after", str(max(1, math.ceil(wait))).encode()),
            (b"request-id", ("req_" + secrets.token_hex(7)).encode()),
        ]})
        await send({"type": "http.response.body", "body": _BODY})
