"""Why the domain refuses a command, in a form the API layer maps to one gRPC status per class.

ValidationError -> INVALID_ARGUMENT, NotFoundError -> NOT_FOUND, AlreadyExistsError -> ALREADY_EXISTS,
PreconditionError (and InsufficientFundsError) -> FAILED_PRECONDITION, ConcurrencyError -> ABORTED.
`reason` travels as google.rpc.ErrorInfo.reason, so clients can branch on it; `message` is for humans.

A card decline is not an error: it is a normal outcome recorded as a PaymentDeclined event.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

_REASON = re.compile(r"^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$")


class DomainError(Exception):
    """A command the domain refuses; nothing was decided."""

    def __init__(
        self,
        reason: str,
        message: str,
        *,
        field: str | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> None:
        if not _REASON.match(reason):
            # A malformed reason would leak into every client's error handling; fail at the source.
            raise ValueError(f"error reason must be UPPER_SNAKE, got {reason!r}")
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.field = field
        self.metadata: dict[str, str] = dict(metadata or {})

    def __repr__(self) -> str:
        return f"{type(self).__name__}(reason={self.reason!r}, field={self.field!r}, message={self.message!r})"


class ValidationError(DomainError):
    """The command itself is malformed (INVALID_ARGUMENT)."""


class NotFoundError(DomainError):
    """The object the command targets does not exist (NOT_FOUND)."""


class AlreadyExistsError(DomainError):
    """The command would create an object, or reuse an id, that already exists (ALREADY_EXISTS)."""


class PreconditionError(DomainError):
    """The command is well formed but the current state forbids it (FAILED_PRECONDITION)."""


class InsufficientFundsError(PreconditionError):
    """The available balance does not cover the debit (FAILED_PRECONDITION, INSUFFICIENT_FUNDS)."""

    def __init__(
        self,
        message: str,
        *,
        field: str | None = "amount",
        metadata: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__("INSUFFICIENT_FUNDS", message, field=field, metadata=metadata)


class ConcurrencyError(DomainError):
    """The stream moved on since it was read; the caller may reload and retry (ABORTED)."""
