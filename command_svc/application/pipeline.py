"""How every command runs: claim its idempotency key, load state, decide, append with optimistic
concurrency (re-deciding on fresh state after a conflict, bounded), save the response in the same
transaction, then publish. Commands supply only the `decide` step."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import grpc
from google.protobuf.message import Message

from command_svc.domain.errors import ConcurrencyError, DomainError, ValidationError
from eventlog.bus import EventPublisher
from eventlog.errors import IdempotencyKeyInUse, IdempotencyKeyReused, WrongExpectedVersion
from eventlog.idempotency import Claimed, IdempotencyKeys, SavedResponse, request_fingerprint
from eventlog.records import AuditContext, StoredEvent, StreamAppend
from eventlog.store import EventStore, IdempotentResult

log = logging.getLogger(__name__)
R = TypeVar("R", bound=Message)


@dataclass(frozen=True)
class Decision:
    """What a command decided: the streams to append to, and the domain result to answer with."""

    appends: Sequence[StreamAppend]
    result: Any
    extra_statements: Sequence[tuple[str, tuple[Any, ...]]] = field(default_factory=tuple)


class SavedRefusal(Exception):
    """A refusal saved under an idempotency key, replayed to a retry."""

    def __init__(self, code: int, reason: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message


def _fingerprint(operation: str, request: Message) -> str:
    copy = type(request)()
    copy.CopyFrom(request)
    if "idempotency_key" in copy.DESCRIPTOR.fields_by_name:
        copy.ClearField("idempotency_key")
    return request_fingerprint(operation, copy.SerializeToString(deterministic=True))


def max_position(events: Sequence[StoredEvent]) -> int:
    return max((e.global_position for e in events), default=0)


class CommandRunner:
    def __init__(
        self, store: EventStore, keys: IdempotencyKeys, publisher: EventPublisher, *, max_attempts: int = 16,
        max_backoff_s: float = 0.05,
    ) -> None:
        self._store = store
        self._keys = keys
        self._publisher = publisher
        # Each conflict means another command committed to one of our streams, so a command only
        # exhausts its attempts on a stream that many writers are moving at once; the jittered
        # backoff spreads such a crowd out instead of letting it collide round after round.
        self._max_attempts = max_attempts
        self._max_backoff_s = max_backoff_s

    @property
    def store(self) -> EventStore:
        return self._store

    async def run(
        self,
        *,
        tenant_id: str,
        operation: str,
        request: Message,
        response_type: type[R],
        audit: AuditContext,
        decide: Callable[[], Awaitable[Decision]],
        present: Callable[[Any, list[StoredEvent]], R],
        idempotency_key: str = "",
    ) -> R:
        """Run one command. `present` turns the decided result and its stored events into the
        response message; that message is what a retry with the same key gets back."""
        if idempotency_key:
            claim = await self._claim(tenant_id, idempotency_key, operation, request)
            if isinstance(claim, SavedResponse):
                return self._replay(claim, response_type)
        try:
            stored, response = await self._decide_and_append(tenant_id, audit, decide, present, idempotency_key)
        except ValidationError:
            if idempotency_key:
                await self._keys.release(tenant_id, idempotency_key)
            raise
        except DomainError as exc:
            if idempotency_key:
                code = _code_for(exc)
                await self._keys.save_error(tenant_id, idempotency_key, code.value[0], exc.reason, exc.message)
            raise
        except BaseException:
            if idempotency_key:
                await self._keys.release(tenant_id, idempotency_key)
            raise
        await self._publish(stored)
        assert isinstance(response, response_type)
        return response

    async def _claim(self, tenant_id: str, key: str, operation: str, request: Message) -> Claimed | SavedResponse:
        if len(key) > 255:
            raise ValidationError("IDEMPOTENCY_KEY_TOO_LONG", "Idempotency keys are at most 255 characters.",
                                  field="idempotency_key")
        try:
            return await self._keys.claim(tenant_id, key, operation, _fingerprint(operation, request))
        except IdempotencyKeyReused as exc:
            raise SavedRefusal(grpc.StatusCode.FAILED_PRECONDITION.value[0], exc.reason, exc.message) from exc
        except IdempotencyKeyInUse as exc:
            raise SavedRefusal(grpc.StatusCode.ABORTED.value[0], exc.reason, exc.message) from exc

    def _replay(self, saved: SavedResponse, response_type: type[R]) -> R:
        if saved.error_code is not None:
            raise SavedRefusal(saved.error_code, saved.error_reason or "", saved.error_message or "")
        response = response_type()
        response.ParseFromString(saved.response or b"")
        return response

    async def _decide_and_append(
        self, tenant_id: str, audit: AuditContext, decide: Callable[[], Awaitable[Decision]],
        present: Callable[[Any, list[StoredEvent]], Message], key: str,
    ) -> tuple[list[StoredEvent], Message]:
        last_conflict: WrongExpectedVersion | None = None
        for attempt in range(self._max_attempts):
            if attempt:
                await asyncio.sleep(random.uniform(0, min(self._max_backoff_s, 0.002 * 2**attempt)))
            decision = await decide()
            built: dict[str, Message] = {}

            def respond(
                stored: list[StoredEvent], decision: Decision = decision, built: dict[str, Message] = built
            ) -> IdempotentResult | None:
                built["response"] = present(decision.result, stored)
                if not key:
                    return None
                return IdempotentResult(tenant_id, key, built["response"].SerializeToString(deterministic=True))

            try:
                stored = await self._store.append(
                    tenant_id, decision.appends, audit,
                    idempotent_result=respond, extra_statements=decision.extra_statements,
                )
            except WrongExpectedVersion as conflict:
                last_conflict = conflict
                continue
            if "response" not in built:
                built["response"] = present(decision.result, stored)
            return stored, built["response"]
        raise ConcurrencyError(
            "CONCURRENT_MODIFICATION",
            f"The object changed concurrently {self._max_attempts} times; retry the request.",
        ) from last_conflict

    async def _publish(self, stored: list[StoredEvent]) -> None:
        if not stored:
            return
        try:
            await self._publisher.publish(stored)
        except Exception:
            # Committed is committed: the relay republishes from the log.
            log.warning("publish after commit failed; the relay will deliver %d events", len(stored), exc_info=True)


def _code_for(exc: DomainError) -> grpc.StatusCode:
    from command_svc.api.errors import status_code_for

    return status_code_for(exc)
