"""The gateway's outermost layer: every limit decided from the request's headers alone, before FastAPI's
routing, body parsing, metrics and spans see the request, answered with a pre-serialized 429 in Stripe's
shape with Retry-After. One caller's flood then costs next to nothing and cannot slow anyone else down.

In order (gateway/rate_limit.py):
- unauthenticated attempts (answered 401 by a service: no key, unknown or revoked key) are limited per
  client address: a flood of random keys is refused here before it costs a lookup;
- a caller a service just refused for its account's rate (429, with the exact wait in RETRY_AFTER_MS)
  is answered 429 here until that wait is over;
- per caller (its credential: Authorization and Stripe-Account, or the dashboard's session cookie): at
  most N requests in progress (until their response starts, so an open event stream does not hold a
  slot), and the account's read and write rates.

Calls without a credential (public sign-up) pass to the services, which answer or refuse them."""

from __future__ import annotations

import hashlib
import math
import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from gateway.errors import RETRY_AFTER_MS, StripeError
from gateway.rate_limit import CallerLimits, RecentlyLimited, Refusal, TokenBuckets, Turn

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

GUARDED = ("/v1/", "/dashboard/", "/reports/")
_READS = frozenset({"GET", "HEAD", "OPTIONS"})
_RETRY_AFTER_MS = RETRY_AFTER_MS.lower().encode()


def _body(message: str) -> bytes:
    return bytes(StripeError(429, "invalid_request_error", message, code="rate_limit").response().body)


# Stripe's 429 (the SDK raises RateLimitError on it), serialized once.
_BODIES = {
    "rate": _body("Too many requests hit the API too quickly."),
    "concurrency": _body("Too many requests for this API key are in progress at once; "
                         "retry when earlier ones have finished."),
}


class FastRefusals:
    def __init__(self, app: Any, failed_auth: TokenBuckets, callers: CallerLimits | None = None,
                 limited: RecentlyLimited | None = None) -> None:
        self.app = app
        self._failed_auth = failed_auth
        self._callers = callers or CallerLimits(0, 0, 0.0, 0.0)
        self._limited = limited or RecentlyLimited()

    @property
    def state(self) -> Any:
        """The wrapped app's state (GatewayServer finds the shutdown event there)."""
        return self.app.state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = str(scope.get("path", ""))
        if scope["type"] != "http" or not path.startswith(GUARDED):
            await self.app(scope, receive, send)
            return
        address = (scope.get("client") or ("",))[0]
        authorization = stripe_account = cookie = b""
        for key, value in scope.get("headers") or ():
            if key == b"authorization":
                authorization = value
            elif key == b"stripe-account":
                stripe_account = value
            elif key == b"cookie":
                cookie = value
        # The dashboard's calls carry their session in a cookie instead of a key (gateway/sessions.py).
        credential = authorization or (cookie if path.startswith("/dashboard/") else b"")
        caller = hashlib.sha256(bytes(credential) + b"|" + bytes(stripe_account)).hexdigest()
        wait = self._failed_auth.wait(address) or self._limited.wait(caller)
        if wait:
            await self._refuse(send, "rate", wait)
            return
        turn: Turn | None = None
        if credential:
            admitted = await self._callers.admit(caller, write=scope.get("method") not in _READS)
            if isinstance(admitted, Refusal):
                await self._refuse(send, admitted.limit, admitted.wait_seconds)
                return
            turn = admitted

        async def noting(message: Message) -> None:
            nonlocal turn
            if message["type"] == "http.response.start":
                if turn is not None:
                    self._callers.done(turn)
                    turn = None
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

        try:
            await self.app(scope, receive, noting)
        finally:
            if turn is not None:
                self._callers.done(turn)

    @staticmethod
    async def _refuse(send: Send, limit: str, wait: float) -> None:
        body = _BODIES[limit]
        await send({"type": "http.response.start", "status": 429, "headers": [
            (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
            (b"retry-after", str(max(1, math.ceil(wait))).encode()),
            (b"request-id", ("req_" + secrets.token_hex(7)).encode()),
        ]})
        await send({"type": "http.response.body", "body": body})
