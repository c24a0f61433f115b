"""Errors of the event log, each with a machine-readable reason."""

from __future__ import annotations


class EventLogError(Exception):
    reason = "EVENT_LOG_ERROR"

    def __init__(self, message: str, **metadata: str) -> None:
        super().__init__(message)
        self.message = message
        self.metadata = metadata


class WrongExpectedVersion(EventLogError):
    """Another writer appended to the stream first; re-decide on fresh state."""

    reason = "STREAM_VERSION_CONFLICT"


class IdempotencyKeyReused(EventLogError):
    reason = "IDEMPOTENCY_KEY_REUSED"


class IdempotencyKeyInUse(EventLogError):
    reason = "IDEMPOTENCY_KEY_IN_USE"
