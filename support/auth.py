"""The one server interceptor per process that turns an API key into a Caller and enforces who may do
what (support/access_rules.py), before any servicer runs.

gRPC callers send `authorization: Bearer sk_test_...`, and the platform `stripe-account: acct_...` to act
on an account; the gateway forwards both headers unchanged, so direct gRPC clients and REST callers
obey the same rules. Keys come from PostgreSQL (support/key_store.py)."""

from __future__ import annotations

import base64
import contextvars
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import grpc
import psycopg
import psycopg_pool

from support.access_rules import Rule, is_write, rule_for
from support.api_keys import KeyKind, display_prefix, hash_key
from support.errors import status_with_reason
from support.key_store import ApiKeyRecord, KeyLookup
from support.permissions import Access, grants
from support.rate_limit import AccountLimits, TokenBuckets, retry_after_header

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Caller:
    """Who is calling: the key (by id, never the secret), its kind and grants, the account acted on,
    and the acting platform when the operator used Stripe-Account."""

    account_id: str
    key_prefix: str
    key_id: str = ""
    kind: KeyKind = KeyKind.SECRET
    permissions: Mapping[str, Access] = field(default_factory=dict)
    # The operator key's platform when it acts on `account_id` through Stripe-Account; "" otherwise.
    platform: str = ""

    @property
    def is_operator(self) -> bool:
        return self.kind is KeyKind.OPERATOR


_caller: contextvars.ContextVar[Caller | None] = contextvars.ContextVar("ledgermesh_caller", default=None)


def current_caller() -> Caller:
    caller = _caller.get()
    if caller is None:
        raise LookupError("no authenticated caller in this context")
    return caller


def caller_if_any() -> Caller | None:
    """The caller of a method that also admits anonymous calls (self sign-up)."""
    return _caller.get()


def _metadata_value(metadata: tuple[tuple[str, Any], ...] | None, name: str) -> str | None:
    for key, value in metadata or ():
        if key == name:
            return value.decode() if isinstance(value, bytes) else str(value)
    return None


def _bearer(metadata: tuple[tuple[str, Any], ...] | None) -> str | None:
    text = _metadata_value(metadata, "authorization")
    if text is None:
        return None
    scheme, _, token = text.partition(" ")
    if scheme.lower() == "bearer":
        return token.strip() or None
    if scheme.lower() == "basic":
        # `curl -u sk_test_...:` as Stripe accepts it: the key is the user name.
        try:
            return base64.b64decode(token.strip()).decode().split(":", 1)[0] or None
        except (ValueError, UnicodeDecodeError):
            return None
    return None


# PostgreSQL (the keys' truth) unreachable: a clean, retryable refusal, never a driver's message.
_UNAVAILABLE = status_with_reason(grpc.StatusCode.UNAVAILABLE, "AUTH_UNAVAILABLE",
                                  "Authentication is unavailable for a moment; retry shortly.")


def _denied(reason: str, message: str, **metadata: str) -> grpc.Status:
    return status_with_reason(grpc.StatusCode.PERMISSION_DENIED, reason, message, metadata)


def authorize(record: ApiKeyRecord, rule: Rule, stripe_account: str | None, secret: str) -> Caller | grpc.Status:
    """The caller this key may act as for a method with `rule`, or the status refusing it."""
    shown = f"{display_prefix(secret)}****"
    if record.kind is KeyKind.OPERATOR:
        account = stripe_account or ""
        if rule.account_scoped and not account:
            return status_with_reason(
                grpc.StatusCode.INVALID_ARGUMENT, "STRIPE_ACCOUNT_REQUIRED",
                "The platform acts on an account: send the 'Stripe-Account: acct_...' header.",
                {"field": "stripe_account"})
        return Caller(account_id=account, key_prefix=display_prefix(secret), key_id=record.key_id,
                      kind=record.kind, permissions=record.permissions,
                      platform=record.account_id if account else "")
    if stripe_account and stripe_account != record.account_id:
        return _denied("ACCOUNT_ACCESS_DENIED",
                       f"The provided key '{shown}' does not have access to account '{stripe_account}' "
                       "(or that account does not exist). Application access may have been revoked.",
                       account=stripe_account)
    if rule.platform_only:
        return _denied("PLATFORM_ONLY",
                       f"The provided key '{shown}' cannot do this: only the platform may. Having the "
                       "'platform' permission would allow this request to continue.", permission="platform")
    needed = rule.permission
    allowed = grants(record.kind, record.permissions, needed) if needed else record.kind is KeyKind.SECRET
    if not allowed:
        name = rule.describe()
        return _denied("PERMISSION_MISSING",
                       f"The provided key '{shown}' does not have the required permissions for this endpoint "
                       f"on account '{record.account_id}'. Having the '{name}' permission would allow this "
                       "request to continue.", permission=name)
    return Caller(account_id=record.account_id, key_prefix=display_prefix(secret), key_id=record.key_id,
                  kind=record.kind, permissions=record.permissions)


def _peer_address(context: grpc.aio.ServicerContext) -> str:
    # "ipv4:127.0.0.1:5000" / "ipv6:[::1]:5000" / "unix:..."
    kind, _, rest = (context.peer() or "").partition(":")
    return rest.rsplit(":", 1)[0].strip("[]") if kind in ("ipv4", "ipv6") else kind


def _deciding(handler: grpc.RpcMethodHandler,
              decide: Callable[[grpc.aio.ServicerContext], Awaitable[Caller | grpc.Status | None]]
              ) -> grpc.RpcMethodHandler:
    """The handler, run only once `decide` (at call time, when the peer is known) let the call through:
    a Caller runs it as that caller, None runs it anonymously (a public method), a Status refuses it."""
    if handler.unary_unary:
        inner_uu = handler.unary_unary

        async def unary(request: Any, context: grpc.aio.ServicerContext) -> Any:
            decided = await decide(context)
            if isinstance(decided, grpc.Status):
                await context.abort_with_status(decided)
            _caller.set(decided)
            return await inner_uu(request, context)

        return handler._replace(unary_unary=unary)
    if handler.unary_stream:
        inner_us = handler.unary_stream

        async def stream(request: Any, context: grpc.aio.ServicerContext) -> Any:
            decided = await decide(context)
            if isinstance(decided, grpc.Status):
                await context.abort_with_status(decided)
            _caller.set(decided)
            async for item in inner_us(request, context):
                yield item

        return handler._replace(unary_stream=stream)
    return handler


class AuthInterceptor(grpc.aio.ServerInterceptor):
    def __init__(self, keys: KeyLookup, public_methods: frozenset[str] = frozenset(),
                 limits: AccountLimits | None = None, failed_auth: TokenBuckets | None = None) -> None:
        self._keys = keys
        self._public = public_methods
        self._limits = limits
        # Failed authentication per peer address: once a peer has failed too often, keys this process
        # does not already know are refused without a lookup (known keys still pass).
        self._failed_auth = failed_auth

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        # Resolved once per method (support/grpc_server.py): everything about the call is read from
        # its context when it runs.
        handler = await continuation(handler_call_details)
        method = handler_call_details.method
        if handler is None or method.startswith(("/grpc.health.", "/grpc.reflection.")):
            return handler

        async def decide(context: grpc.aio.ServicerContext) -> Caller | grpc.Status | None:
            return await self._decide(method, context.invocation_metadata(), _peer_address(context))

        return _deciding(handler, decide)

    async def _decide(self, method: str, metadata: tuple[tuple[str, Any], ...] | None,
                      peer: str) -> Caller | grpc.Status | None:
        secret = _bearer(metadata)
        if not secret:
            if method in self._public:
                return None
            return status_with_reason(
                grpc.StatusCode.UNAUTHENTICATED, "API_KEY_MISSING",
                "You did not provide an API key. Send 'authorization: Bearer sk_test_...'.")
        key_hash = hash_key(secret)
        if (self._failed_auth is not None and self._failed_auth.wait(peer)
                and self._keys.known(key_hash) is None):
            return self._failed_auth_refusal(peer)
        try:
            record = await self._keys.lookup(key_hash)
        except (psycopg.Error, psycopg_pool.PoolTimeout, OSError) as exc:
            log.warning("api key lookup failed: %s", type(exc).__name__)
            return _UNAVAILABLE
        if record is None:
            if self._failed_auth is not None:
                self._failed_auth.take(peer)
            return status_with_reason(
                grpc.StatusCode.UNAUTHENTICATED, "API_KEY_INVALID",
                f"Invalid API Key provided: {display_prefix(secret)}****")
        rule = rule_for(method)
        if method in self._public and record.kind is not KeyKind.OPERATOR:
            # Self sign-up is open: a merchant's key does not make it the platform's call.
            return None
        stripe_account = _metadata_value(metadata, "stripe-account")
        decided = authorize(record, rule, stripe_account, secret)
        if isinstance(decided, grpc.Status):
            return decided
        try:
            phantom = bool(decided.platform and stripe_account) and not await self._keys.account_exists(
                stripe_account or "")
        except (psycopg.Error, psycopg_pool.PoolTimeout, OSError) as exc:
            log.warning("account lookup failed: %s", type(exc).__name__)
            return _UNAVAILABLE
        if phantom:
            # The platform acts on its accounts only, never on one that was not onboarded.
            return _denied(
                "ACCOUNT_ACCESS_DENIED", f"The provided key '{display_prefix(secret)}****' does not have access to "
                f"account '{stripe_account}' (or that account does not exist).", account=stripe_account or "")
        if self._limits is not None:
            wait = self._limits.take(decided.account_id or decided.key_id, write=is_write(method, rule))
            if wait:
                return self._limits.refusal(wait)
        return decided

    def _failed_auth_refusal(self, peer: str) -> grpc.Status:
        wait = self._failed_auth.wait(peer) if self._failed_auth is not None else 1.0
        return status_with_reason(
            grpc.StatusCode.RESOURCE_EXHAUSTED, "AUTHENTICATION_RATE_LIMITED",
            "Too many requests with invalid API keys from this address.",
            {"retry_after": str(retry_after_header(wait))})
