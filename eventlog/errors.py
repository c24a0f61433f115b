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

    def __init__(self, message: str = "Keys for idempotent requests can only be used with the same parameters"
                                       " they were first used with.") -> None:
        super().__init__(message)


class IdempotencyKeyInUse(EventLogError):
    reason = "IDEMPOTENCY_KEY_IN_USE"

    def __init__(self, message: str = "There is currently another in-progress request using this idempotency key."
                                       " Retry later.") -> None:
        super().__init__(message)
