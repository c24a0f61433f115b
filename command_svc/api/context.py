"""Request-level audit metadata taken from the gRPC call."""

from __future__ import annotations

import ipaddress
import uuid

import grpc

from eventlog.records import AuditContext
from support.auth import Caller
from support.telemetry import current_traceparent


def _metadata(context: grpc.aio.ServicerContext) -> dict[str, str]:
    return {k: (v.decode() if isinstance(v, bytes) else v) for k, v in (context.invocation_metadata() or ())}


def _peer_ip(context: grpc.aio.ServicerContext, forwarded: str | None) -> str | None:
    candidate = forwarded
    if not candidate:
        peer = context.peer() or ""
        # "ipv4:127.0.0.1:5000" / "ipv6:[::1]:5000"
        kind, _, rest = peer.partition(":")
        if kind == "ipv4":
            candidate = rest.rsplit(":", 1)[0]
        elif kind == "ipv6":
            candidate = rest.rsplit(":", 1)[0].strip("[]")
    try:
        return str(ipaddress.ip_address(candidate)) if candidate else None
    except ValueError:
        return None


def audit_context(context: grpc.aio.ServicerContext, caller: Caller | None) -> AuditContext:
    md = _metadata(context)
    trace_id, traceparent = current_traceparent()
    request_id = md.get("x-request-id") or "req_" + uuid.uuid4().hex[:14]
    return AuditContext(
        correlation_id=uuid.uuid4(),
        request_id=request_id,
        trace_id=trace_id,
        traceparent=traceparent,
        user_id=caller.key_id if caller else "",
        key_kind=caller.kind.value if caller else "",
        acting_platform=caller.platform if caller else "",
        ip_address=_peer_ip(context, md.get("x-client-ip")),
    )
