"""The one server interceptor per process that turns an API key (support/api_keys.py) into a tenant.

gRPC callers send `authorization: Bearer sk_test_...`; the gateway forwards the merchant's header
unchanged, so direct gRPC clients and REST callers obey the same rules."""

from __future__ import annotations

import base64
import contextvars
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

import grpc

from support.api_keys import display_prefix, hash_key
from support.errors import status_with_reason


@dataclass(frozen=True)
class Caller:
    account_id: str
    key_prefix: str


_caller: contextvars.ContextVar[Caller | None] = contextvars.ContextVar("ledgermesh_caller", default=None)


def current_caller() -> Caller:
    caller = _caller.get()
    if caller is None:
        raise LookupError("no authenticated caller in this context")
    return caller


class KeyResolver(Protocol):
    async def account_for(self, key_hash: str) -> str | None: ...


class CachedResolver:
    """Caches positive answers briefly; keys are rarely revoked and every call needs one."""

    def __init__(self, inner: KeyResolver, ttl_seconds: float = 30.0) -> None:
        self._inner = inner
        self._ttl = ttl_seconds
        self._cache: dict[str, tuple[str, float]] = {}

    async def account_for(self, key_hash: str) -> str | None:
        hit = self._cache.get(key_hash)
        now = time.monotonic()
        if hit and hit[1] > now:
            return hit[0]
        account = await self._inner.account_for(key_hash)
        if account:
            self._cache[key_hash] = (account, now + self._ttl)
        return account


def _bearer(metadata: tuple[tuple[str, Any], ...] | None) -> str | None:
    for key, value in metadata or ():
        if key == "authorization":
            text = value.decode() if isinstance(value, bytes) else str(value)
            scheme, _, token = text.partition(" ")
            if scheme.lower() == "bearer":
                return token.strip()
            if scheme.lower() == "basic":
                # `curl -u sk_test_...:` as Stripe accepts it: the key is the user name.
                try:
                    return base64.b64decode(token.strip()).decode().split(":", 1)[0] or None
                except (ValueError, UnicodeDecodeError):
                    return None
            return None
    return None


def _refusing(handler: grpc.RpcMethodHandler, status: grpc.Status) -> grpc.RpcMethodHandler:
    async def refuse(request: Any, context: grpc.aio.ServicerContext) -> Any:
        await context.abort_with_status(status)

    if handler.response_streaming:
        async def refuse_stream(request: Any, context: grpc.aio.ServicerContext) -> Any:
            await context.abort_with_status(status)
            yield  # pragma: no cover

        return grpc.unary_stream_rpc_method_handler(
            refuse_stream, handler.request_deserializer, handler.response_serializer
        )
    return grpc.unary_unary_rpc_method_handler(refuse, handler.request_deserializer, handler.response_serializer)


def _with_caller(handler: grpc.RpcMethodHandler, caller: Caller) -> grpc.RpcMethodHandler:
    if handler.unary_unary:
        inner_uu = handler.unary_unary

        async def unary(request: Any, context: grpc.aio.ServicerContext) -> Any:
            _caller.set(caller)
            return await inner_uu(request, context)

        return handler._replace(unary_unary=unary)
    if handler.unary_stream:
        inner_us = handler.unary_stream

        async def stream(request: Any, context: grpc.aio.ServicerContext) -> Any:
            _caller.set(caller)
            async for item in inner_us(request, context):
                yield item

        return handler._replace(unary_stream=stream)
    return handler


class AuthInterceptor(grpc.aio.ServerInterceptor):
    def __init__(self, resolver: KeyResolver, public_methods: frozenset[str] = frozenset()) -> None:
        self._resolver = resolver
        self._public = public_methods

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        handler = await continuation(handler_call_details)
        method = handler_call_details.method
        if handler is None or method.startswith(("/grpc.health.", "/grpc.reflection.")):
            return handler
        secret = _bearer(handler_call_details.invocation_metadata)
        if not secret:
            if method in self._public:
                return handler
            return _refusing(handler, status_with_reason(
                grpc.StatusCode.UNAUTHENTICATED, "API_KEY_MISSING",
                "You did not provide an API key. Send 'authorization: Bearer sk_test_...'.",
            ))
        account = await self._resolver.account_for(hash_key(secret))
        if account is None:
            return _refusing(handler, status_with_reason(
                grpc.StatusCode.UNAUTHENTICATED, "API_KEY_INVALID",
                f"Invalid API Key provided: {display_prefix(secret)}****",
            ))
        return _with_caller(handler, Caller(account_id=account, key_prefix=display_prefix(secret)))
