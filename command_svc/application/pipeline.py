"""How every command runs: claim its idempotency key, load state, decide, commit with optimistic
concurrency (re-deciding on fresh state after a conflict, bounded), save the response in the same
transaction, then publish. Commands supply only the `decide` step; the transport supplies how its
responses are kept under a key."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import random
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from command_svc.application.ports import EventPublisher, EventStore, IdempotencyKeys
from command_svc.application.streams import Reservation
from command_svc.domain.errors import (
    AlreadyExistsError,
    ConcurrencyError,
    DomainError,
    NotFoundError,
    PreconditionError,
    ValidationError,
)
from eventlog.errors import IdempotencyKeyInUse, IdempotencyKeyReused, WrongExpectedVersion
from eventlog.records import (
    AuditContext,
    Claimed,
    Commit,
    IdempotentResponse,
    NewApiKey,
    SavedRefusal,
    SavedResponse,
    StoredEvent,
    StreamAppend,
    StreamReader,
)

log = logging.getLogger(__name__)
R = TypeVar("R")

MAX_IDEMPOTENCY_KEY = 255

# The refusals a key keeps, by the kind stored with them (migration 4 translates older rows to these
# names). A malformed request (ValidationError), lost races (ConcurrencyError) and failures keep
# nothing: sent again, the same request may succeed.
_KEPT_REFUSALS: dict[str, type[DomainError]] = {
    "not_found": NotFoundError,
    "already_exists": AlreadyExistsError,
    "failed_precondition": PreconditionError,
}


@dataclass(frozen=True)
class Decision:
    """What a command decided: the streams to append to, the domain result to answer with, and the
    API keys it issued (stored with its events). Appends to hot streams were decided on their state in
    memory (streams.HotStreams): their reservations are confirmed or abandoned with the commit, and
    `redecide` decides the command again, without suspending, on those streams' heads, which is how
    the store rebases a commit whose hot stream another writer moved."""

    appends: Sequence[StreamAppend]
    result: Any
    api_keys: Sequence[NewApiKey] = ()
    reservations: Sequence[Reservation] = ()
    redecide: Callable[[], Decision] | None = None


@dataclass(frozen=True)
class Idempotency(Generic[R]):
    """A request's idempotency key with what honouring it takes: the request in canonical bytes
    (without the key), and how the transport's response is saved and read back."""

    key: str
    request: bytes
    encode: Callable[[R], bytes]
    decode: Callable[[bytes], R]


def request_fingerprint(operation: str, canonical_request: bytes) -> str:
    return hashlib.sha256(operation.encode() + b"\x00" + canonical_request).hexdigest()


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

    async def run(
        self,
        *,
        tenant_id: str,
        operation: str,
        audit: AuditContext,
        decide: Callable[[], Awaitable[Decision]],
        present: Callable[[Any, list[StoredEvent]], R],
        idempotency: Idempotency[R] | None = None,
    ) -> R:
        """Run one command. `present` turns the decided result and its stored events into the
        response; that response is what a retry with the same key gets back. A refusal the command
        met is raised as the DomainError it was, also to a retry with the same key."""
        lease = ""
        if idempotency is not None:
            claim = await self._claim(tenant_id, operation, idempotency)
            if isinstance(claim, SavedResponse):
                return idempotency.decode(claim.response)
            if isinstance(claim, SavedRefusal):
                raise _KEPT_REFUSALS[claim.kind](claim.reason, claim.message, field=claim.field,
                                                 metadata=claim.metadata)
            lease = claim.lease
        try:
            stored, response = await self._decide_and_commit(tenant_id, audit, decide, present, idempotency, lease)
        except IdempotencyKeyInUse as exc:
            # The key was taken over while this command ran (its process was paused past the lease):
            # the retry that took it answers; this one wrote nothing.
            raise ConcurrencyError(exc.reason, exc.message) from exc
        except BaseException as exc:
            if idempotency is not None:
                await self._settle_key(tenant_id, idempotency.key, lease, exc)
            raise
        await self._publish(stored)
        return response

    async def _settle_key(self, tenant_id: str, key: str, lease: str, exc: BaseException) -> None:
        """Keep the command's refusal under its key, or free the key for a retry. Failing here (the
        database is away) must not hide why the command failed; the keys adapter frees it later."""
        refusal = _kept_refusal(exc)
        try:
            if refusal is None:
                await self._keys.release(tenant_id, key, lease)
            else:
                await self._keys.save_refusal(tenant_id, key, refusal, lease)
        except Exception as failure:
            log.warning("could not settle idempotency key after a failed command: %s", failure)

    async def _claim(
        self, tenant_id: str, operation: str, idempotency: Idempotency[R]
    ) -> Claimed | SavedResponse | SavedRefusal:
        if len(idempotency.key) > MAX_IDEMPOTENCY_KEY:
            raise ValidationError("IDEMPOTENCY_KEY_TOO_LONG",
                                  f"Idempotency keys are at most {MAX_IDEMPOTENCY_KEY} characters.",
                                  field="idempotency_key")
        fingerprint = request_fingerprint(operation, idempotency.request)
        try:
            return await self._keys.claim(tenant_id, idempotency.key, operation, fingerprint)
        except IdempotencyKeyReused as exc:
            raise PreconditionError(exc.reason, exc.message) from exc
        except IdempotencyKeyInUse as exc:
            raise ConcurrencyError(exc.reason, exc.message) from exc

    async def _decide_and_commit(
        self, tenant_id: str, audit: AuditContext, decide: Callable[[], Awaitable[Decision]],
        present: Callable[[Any, list[StoredEvent]], R], idempotency: Idempotency[R] | None, lease: str,
    ) -> tuple[list[StoredEvent], R]:
        last_conflict: WrongExpectedVersion | None = None
        for attempt in range(self._max_attempts):
            if attempt:
                await asyncio.sleep(random.uniform(0, min(self._max_backoff_s, 0.002 * 2**attempt)))
            pending = _Attempt(tenant_id, audit, present, idempotency, lease, await decide())
            try:
                # Queued before this coroutine first suspends: no other command decides on our hot
                # streams in between.
                stored = await self._store.commit(pending.commit_of(pending.decision))
            except BaseException as failure:
                for reservation in pending.decision.reservations:
                    reservation.abandon()
                if isinstance(failure, WrongExpectedVersion):
                    last_conflict = failure
                    continue
                raise
            written = {e.event_id for e in stored}
            for reservation in pending.decision.reservations:
                reservation.settle(written)
            response = pending.responses[-1] if pending.responses else present(pending.decision.result, stored)
            return stored, response
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


class _Attempt(Generic[R]):
    """One decision of a command on its way to the store; a rebase replaces the decision."""

    def __init__(self, tenant_id: str, audit: AuditContext, present: Callable[[Any, list[StoredEvent]], R],
                 idempotency: Idempotency[R] | None, lease: str, decision: Decision) -> None:
        self._tenant_id = tenant_id
        self._audit = audit
        self._present = present
        self._idempotency = idempotency
        self._lease = lease
        self.decision = decision
        self.responses: list[R] = []

    def commit_of(self, decided: Decision) -> Commit:
        return Commit(self._tenant_id, tuple(decided.appends), self._audit,
                      _saved_response(decided, self._present, self._idempotency, self._lease, self.responses),
                      tuple(decided.api_keys), self._rebase if decided.redecide is not None else None)

    async def _rebase(self, reader: StreamReader) -> Commit:
        """Decide again on the hot streams as the store, holding them, shows them."""
        assert self.decision.redecide is not None
        for reservation in self.decision.reservations:
            await reservation.writer.rebase(reservation.stream_id, reader)
        self.decision = self.decision.redecide()
        return self.commit_of(self.decision)


def _saved_response(
    decision: Decision, present: Callable[[Any, list[StoredEvent]], R], idempotency: Idempotency[R] | None,
    lease: str, responses: list[R],
) -> IdempotentResponse | None:
    """The response the commit saves under the key, presented once from the stored events and kept
    in `responses` so the caller answers with the very same one."""
    if idempotency is None:
        return None

    def build(stored: list[StoredEvent]) -> bytes:
        responses.append(present(decision.result, stored))
        return idempotency.encode(responses[-1])

    return IdempotentResponse(idempotency.key, build, lease)


def _kept_refusal(exc: BaseException) -> SavedRefusal | None:
    if isinstance(exc, DomainError):
        for kind, refusal in _KEPT_REFUSALS.items():
            if isinstance(exc, refusal):
                return SavedRefusal(kind, exc.reason, exc.message, exc.field, dict(exc.metadata))
    return None
