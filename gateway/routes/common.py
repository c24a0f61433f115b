"""What every route shares: parsing Stripe form bodies, call metadata, and error translation."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import grpc
from fastapi import Request

from gateway.errors import StripeError, from_rpc_error
from gateway.forms import FormError, parse_nested
from gateway.grpc_clients import Backends
from gateway.read_your_writes import written_positions

T = TypeVar("T")

MAX_BODY_BYTES = 256 * 1024


async def form(request: Request) -> dict[str, Any]:
    body = await request.body()
    settings = getattr(request.app.state, "settings", None)
    if len(body) > (settings.gateway_max_body_bytes if settings else MAX_BODY_BYTES):
        raise StripeError(413, "invalid_request_error", "Request body too large.", code="request_too_large")
    if not body:
        return {}
    from urllib.parse import parse_qsl

    try:
        return parse_nested(parse_qsl(body.decode(), keep_blank_values=True, strict_parsing=False))
    except (UnicodeDecodeError, ValueError) as exc:
        param = exc.param if isinstance(exc, FormError) else None
        raise StripeError(400, "invalid_request_error", f"Invalid request body: {exc}", param=param) from exc


def query_params(request: Request) -> dict[str, Any]:
    try:
        return parse_nested((k, v) for k, v in request.query_params.multi_items() if k != "key")
    except FormError as exc:
        raise StripeError(400, "invalid_request_error", str(exc), param=exc.param) from exc


def backends(request: Request) -> Backends:
    return request.app.state.backends  # type: ignore[no-any-return]


def idempotency_key(request: Request) -> str:
    return request.headers.get("idempotency-key", "")


def authorization(request: Request) -> str | None:
    """The caller's key: the Authorization header, or `?key=sk_test_...` for the dashboard page,
    whose EventSource cannot send headers."""
    header = request.headers.get("authorization")
    if header:
        return header
    # Only the dashboard: keys in URLs end up in logs and history, so the API proper never takes them.
    key = request.query_params.get("key") if request.url.path.startswith("/dashboard") else None
    return f"Bearer {key}" if key else None


def call_metadata(request: Request) -> list[tuple[str, str]]:
    metadata = [("x-request-id", request.state.request_id)]
    auth = authorization(request)
    if auth:
        metadata.append(("authorization", auth))
    client = request.headers.get("x-forwarded-for", request.client.host if request.client else "")
    if client:
        metadata.append(("x-client-ip", client.split(",")[0].strip()))
    written = written_positions(request.app.state).metadata(auth)
    if written:
        metadata.append(written)
    return metadata


def new_request_id() -> str:
    return "req_" + secrets.token_hex(7)


async def call(request: Request, rpc: Callable[..., Awaitable[T]], message: Any, timeout: float = 10.0) -> T:
    try:
        reply = await rpc(message, metadata=call_metadata(request), timeout=timeout)
    except grpc.aio.AioRpcError as exc:
        raise from_rpc_error(exc) from exc
    written_positions(request.app.state).note(authorization(request), reply)
    return reply


def require(params: dict[str, Any], name: str) -> Any:
    value = params.get(name)
    if value is None or value == "":
        raise StripeError(400, "invalid_request_error", f"Missing required param: {name}.",
                          code="parameter_missing", param=name)
    return value


def integer(params: dict[str, Any], name: str, *, required: bool = False) -> int | None:
    raw = require(params, name) if required else params.get(name)
    if raw is None or raw == "":
        return None
    try:
        value = int(str(raw))
    except ValueError as exc:
        raise StripeError(400, "invalid_request_error", f"Invalid integer: {raw}",
                          code="parameter_invalid_integer", param=name) from exc
    if not -(2**63) <= value < 2**63:
        raise StripeError(400, "invalid_request_error", f"Invalid integer: {raw}",
                          code="parameter_invalid_integer", param=name)
    return value


def boolean(params: dict[str, Any], name: str) -> bool | None:
    raw = params.get(name)
    if raw is None or raw == "":
        return None
    text = str(raw).lower()
    if text not in ("true", "false"):
        raise StripeError(400, "invalid_request_error", f"Invalid boolean: {raw}", param=name)
    return text == "true"


def string_map(params: dict[str, Any], name: str) -> dict[str, str]:
    raw = params.get(name)
    if raw is None or raw == "":
        return {}
    if not isinstance(raw, dict):
        raise StripeError(400, "invalid_request_error", f"Invalid {name}: must be a hash", param=name)
    return {str(k): str(v) for k, v in raw.items()}


def expand(params: dict[str, Any]) -> set[str]:
    raw = params.get("expand")
    if isinstance(raw, list):
        return {str(x) for x in raw}
    if isinstance(raw, dict):
        return {str(x) for x in raw.values()}
    return {str(raw)} if raw else set()


def string_list(params: dict[str, Any], name: str) -> list[str]:
    raw = params.get(name)
    if raw is None or raw == "":
        return []
    if isinstance(raw, list):
        return [str(x) for x in raw]
    if isinstance(raw, dict):
        return [str(v) for _, v in sorted(raw.items(), key=lambda kv: int(kv[0]) if kv[0].isdigit() else 0)]
    return [str(raw)]


def text(params: dict[str, Any], name: str) -> str:
    raw = params.get(name, "")
    if isinstance(raw, (dict, list)):
        raise StripeError(400, "invalid_request_error", f"Invalid {name}: must be a string", param=name)
    return str(raw)
