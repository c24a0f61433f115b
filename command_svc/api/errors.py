"""Domain refusals -> gRPC status codes with ErrorInfo."""

from __future__ import annotations

import grpc

from command_svc.application.pipeline import SavedRefusal
from command_svc.domain.errors import (
    AlreadyExistsError,
    ConcurrencyError,
    DomainError,
    NotFoundError,
    PreconditionError,
    ValidationError,
)
from support.errors import abort

_CODES: tuple[tuple[type[DomainError], grpc.StatusCode], ...] = (
    (ValidationError, grpc.StatusCode.INVALID_ARGUMENT),
    (NotFoundError, grpc.StatusCode.NOT_FOUND),
    (AlreadyExistsError, grpc.StatusCode.ALREADY_EXISTS),
    (PreconditionError, grpc.StatusCode.FAILED_PRECONDITION),
    (ConcurrencyError, grpc.StatusCode.ABORTED),
)


def status_code_for(exc: DomainError) -> grpc.StatusCode:
    for cls, code in _CODES:
        if isinstance(exc, cls):
            return code
    return grpc.StatusCode.INTERNAL


def _code_from_value(value: int) -> grpc.StatusCode:
    for code in grpc.StatusCode:
        if code.value[0] == value:
            return code
    return grpc.StatusCode.UNKNOWN


async def abort_for(context: grpc.aio.ServicerContext, exc: DomainError | SavedRefusal) -> None:
    if isinstance(exc, SavedRefusal):
        await abort(context, _code_from_value(exc.code), exc.reason, exc.message)
        return
    metadata = dict(exc.metadata)
    if exc.field:
        metadata["field"] = exc.field
    await abort(context, status_code_for(exc), exc.reason, exc.message, metadata)
