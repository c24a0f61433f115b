"""What every command servicer shares: the caller, the audit context and error translation."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import grpc
from google.protobuf.message import Message

from command_svc.api.context import audit_context
from command_svc.api.errors import abort_for
from command_svc.application.pipeline import CommandRunner, Decision, Idempotency
from command_svc.domain.errors import DomainError
from eventlog.records import StoredEvent
from support.auth import current_caller

R = TypeVar("R", bound=Message)


def idempotency_for(key: str, request: Message, response_type: type[R]) -> Idempotency[R] | None:
    """What the runner needs to honour an idempotency key: the request without its key (which must
    not count when comparing a retry with the first request) and how responses are kept."""
    if not key:
        return None
    canonical = type(request)()
    canonical.CopyFrom(request)
    if "idempotency_key" in canonical.DESCRIPTOR.fields_by_name:
        canonical.ClearField("idempotency_key")
    return Idempotency(key, canonical.SerializeToString(deterministic=True), _serialized, response_type.FromString)


def _serialized(response: Message) -> bytes:
    return response.SerializeToString(deterministic=True)


class CommandServicerBase:
    def __init__(self, runner: CommandRunner) -> None:
        self.runner = runner

    async def execute(
        self,
        context: grpc.aio.ServicerContext,
        *,
        operation: str,
        request: Message,
        response_type: type[R],
        decide: Callable[[str], Awaitable[Decision]],
        present: Callable[[Any, list[StoredEvent]], R],
        idempotency_key: str = "",
    ) -> R:
        caller = current_caller()
        try:
            return await self.runner.run(
                tenant_id=caller.account_id, operation=operation, audit=audit_context(context, caller),
                decide=lambda: decide(caller.account_id), present=present,
                idempotency=idempotency_for(idempotency_key, request, response_type),
            )
        except DomainError as exc:
            await abort_for(context, exc)
            raise AssertionError("unreachable") from exc
