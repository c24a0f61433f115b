"""Domain refusals -> gRPC status codes with ErrorInfo."""

from __future__ import annotations

import grpc

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


async def abort_for(context: grpc.aio.ServicerContext, exc: DomainError) -> None:
    metadata = dict(exc.metadata)
    if exc.field:
        metadata["field"] = exc.field
    await abort(context, status_code_for(exc), exc.reason, exc.message, metadata)
