"""What every route shares: parsing Stripe form bodies, call metadata, and error translation."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import grpc
from fastapi import Request

from gateway.errors import StripeError, from_rpc_error
from gateway.forms import FormError, FormLimits, FormParser, parse
from gateway.grpc_clients import Backends
from gateway.read_your_writes import written_positions
from gateway.sessions import COOKIE

T = TypeVar("T")

MAX_BODY_BYTES = 256 * 1024


def _limits(request: Request) -> FormLimits:
    settings = getattr(request.app.state, "settings", None)
    return FormLimits(max_bytes=settings.gateway_max_body_bytes if settings else MAX_BODY_BYTES)


def _refused(exc: FormError) -> StripeError:
    return StripeError(exc.status, "invalid_request_error", str(exc), code=exc.code, param=exc.param)


async def form(request: Request) -> dict[str, Any]:
    """The body's parameters, read as it streams in (limits cut it off at the limit, chunked or not),
    checked against the parameters the route declares."""
    parser = FormParser(_limits(request))
    try:
        async for chunk in request.stream():
            parser.feed(chunk)
        params = parser.finish()
    except FormError as exc:
        raise _refused(exc) from exc
    params_known(params, declared_body(request))
    return params


def query_params(request: Request) -> dict[str, Any]:
    """The query string's parameters, by the same rules as a body, checked against the route's declared
    query parameters."""
    try:
        params = parse(request.scope.get("query_string", b""), _limits(request))
    except FormError as exc:
        raise _refused(exc) from exc
    params_known(params, declared_query(request))
    return params


def _openapi_extra(request: Request) -> dict[str, Any]:
    route = request.scope.get("route")
    return getattr(route, "openapi_extra", None) or {}


def declared_body(request: Request) -> dict[str, Any]:
    """The route's form schema, from its OpenAPI declaration: the one place a route lists what it takes."""
    content = _openapi_extra(request).get("requestBody", {}).get("content", {})
    schema: dict[str, Any] = content.get("application/x-www-form-urlencoded", {}).get("schema", {})
    return schema


def declared_query(request: Request) -> dict[str, Any]:
    names = {str(p["name"]).partition("[")[0] for p in _openapi_extra(request).get("parameters", [])
             if p.get("in") == "query"}
    return {"type": "object", "properties": {name: {} for name in names}}


# Every Stripe request takes expand[].
_ALWAYS = frozenset({"expand"})


def params_known(params: dict[str, Any], schema: dict[str, Any], prefix: str = "") -> None:
    """Stripe refuses a parameter it does not know (400 parameter_unknown) instead of ignoring it: a
    misspelt `capture` would otherwise capture."""
    properties: dict[str, Any] = schema.get("properties", {})
    for name, value in params.items():
        param = f"{prefix}[{name}]" if prefix else name
        if name not in properties and not (not prefix and name in _ALWAYS):
            raise StripeError(400, "invalid_request_error", f"Received unknown parameter: {param}",
                              code="parameter_unknown", param=param)
        nested = properties.get(name, {})
        if isinstance(value, dict) and "properties" in nested and "additionalProperties" not in nested:
            params_known(value, nested, param)


def backends(request: Request) -> Backends:
    return request.app.state.backends  # type: ignore[no-any-return]


def idempotency_key(request: Request) -> str:
    return request.headers.get("idempotency-key", "")


def authorization(request: Request) -> str | None:
    """The caller's key: the Authorization header, or for the dashboard (whose EventSource cannot send
    headers) the key behind its session cookie (gateway/sessions.py). Never a key in a URL."""
    header = request.headers.get("authorization")
    if header:
        return header
    sessions = getattr(request.app.state, "sessions", None)
    if sessions is None or not request.url.path.startswith("/dashboard"):
        return None
    key = sessions.key_for(request.cookies.get(COOKIE))
    return f"Bearer {key}" if key else None


def call_metadata(request: Request) -> list[tuple[str, str]]:
    metadata = [("x-request-id", request.state.request_id)]
    auth = authorization(request)
    if auth:
        metadata.append(("authorization", auth))
    # Stripe Connect: the platform's key acting on one of its accounts (refused for merchant keys).
    stripe_account = request.headers.get("stripe-account")
    if stripe_account:
        metadata.append(("stripe-account", stripe_account.strip()))
    client = request.headers.get("x-forwarded-for", request.client.host if request.client else "")
    if client:
        metadata.append(("x-client-ip", client.split(",")[0].strip()))
    written = written_positions(request.app.state).metadata(auth)
    if written:
        metadata.append(written)
    return metadata


async def call(request: Request, rpc: Callable[..., Awaitable[T]], message: Any, timeout: float = 10.0) -> T:
    try:
        reply = await rpc(message, metadata=call_metadata(request), timeout=timeout)
    except grpc.aio.AioRpcError as exc:
        raise from_rpc_error(exc) from exc
    written_positions(request.app.state).note(authorization(request), reply)
    # A command's log position: reads made for this request's reply (expand[]) wait until it is projected.
    position = getattr(reply, "global_position", 0)
    if isinstance(position, int) and position > getattr(request.state, "min_position", 0):
        request.state.min_position = position
    return reply


def min_position(request: Request) -> int:
    """The log position this request wrote up to (0 when it wrote nothing)."""
    return int(getattr(request.state, "min_position", 0))


def require(params: dict[str, Any], name: str) -> Any:
    value = params.get(name)
    if value is None or value == "":
        raise StripeError(400, "invalid_request_error", f"Missing required param: {name}.",
                          code="parameter_missing", param=name)
    return value


# Stripe's integers: ASCII digits, an optional minus sign; no spaces, `+`, `_` nor other scripts' digits,
# all of which Python's int() would accept.
_INTEGER = re.compile(r"-?[0-9]{1,19}\Z")


def integer(params: dict[str, Any], name: str, *, required: bool = False) -> int | None:
    raw = require(params, name) if required else params.get(name)
    if raw is None or raw == "":
        return None
    if not isinstance(raw, str) or _INTEGER.match(raw) is None or not -(2**63) <= int(raw) < 2**63:
        shown = raw if isinstance(raw, str) else "a hash or an array"
        raise StripeError(400, "invalid_request_error", f"Invalid integer: {shown[:100]}",
                          code="parameter_invalid_integer", param=name)
    return int(raw)


def boolean(params: dict[str, Any], name: str) -> bool | None:
    raw = params.get(name)
    if raw is None or raw == "":
        return None
    text = str(raw).lower()
    if text not in ("true", "false"):
        raise StripeError(400, "invalid_request_error", f"Invalid boolean: {str(raw)[:100]}", param=name,
                          code="parameter_invalid")
    return text == "true"


def string_map(params: dict[str, Any], name: str) -> dict[str, str]:
    raw = params.get(name)
    if raw is None or raw == "":
        return {}
    if not isinstance(raw, dict):
        raise StripeError(400, "invalid_request_error", f"Invalid {name}: must be a hash", param=name,
                          code="parameter_invalid")
    for key, value in raw.items():
        if not isinstance(value, str):
            raise StripeError(400, "invalid_request_error",
                              f"Invalid {name}[{key}]: {name} values must be strings, not nested hashes or arrays",
                              code="parameter_invalid", param=f"{name}[{key}]")
    return dict(raw)


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
        raise StripeError(400, "invalid_request_error", f"Invalid {name}: must be a string", param=name,
                          code="parameter_invalid")
    return str(raw)
