"""gRPC DisputeCommandService."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import grpc
from ledgermesh.disputes.v1 import dispute_service_pb2 as pb
from ledgermesh.disputes.v1 import dispute_service_pb2_grpc

from command_svc.api import resources
from command_svc.api.base import CommandServicerBase
from command_svc.application.disputes import DisputeResult, DisputesApp
from command_svc.application.pipeline import CommandRunner
from eventlog.records import StoredEvent

T = TypeVar("T", pb.CreateDisputeResponse, pb.SubmitEvidenceResponse, pb.CloseDisputeResponse,
              pb.ResolveDisputeResponse)


def _presenter(response_type: type[T]) -> Callable[[DisputeResult, list[StoredEvent]], T]:
    def present(result: DisputeResult, stored: list[StoredEvent]) -> T:
        return response_type(
            dispute=resources.dispute(result.state, result.created_at, result.submission_count, stored),
            global_position=resources.position_of(stored),
        )

    return present


class DisputeServicer(CommandServicerBase, dispute_service_pb2_grpc.DisputeCommandServiceServicer):
    def __init__(self, runner: CommandRunner, app: DisputesApp) -> None:
        super().__init__(runner)
        self.app = app

    async def CreateDispute(self, request: pb.CreateDisputeRequest, context: grpc.aio.ServicerContext) -> pb.CreateDisputeResponse:
        amount = request.amount if request.HasField("amount") else None
        return await self.execute(
            context, operation="CreateDispute", request=request, response_type=pb.CreateDisputeResponse,
            decide=lambda tenant: self.app.create(tenant, request.charge_id, request.reason, amount),
            present=_presenter(pb.CreateDisputeResponse), idempotency_key=request.idempotency_key,
        )

    async def SubmitEvidence(self, request: pb.SubmitEvidenceRequest, context: grpc.aio.ServicerContext) -> pb.SubmitEvidenceResponse:
        return await self.execute(
            context, operation="SubmitEvidence", request=request, response_type=pb.SubmitEvidenceResponse,
            decide=lambda tenant: self.app.submit_evidence(tenant, request.dispute_id, dict(request.evidence),
                                                           list(request.file_references), request.submit),
            present=_presenter(pb.SubmitEvidenceResponse), idempotency_key=request.idempotency_key,
        )

    async def CloseDispute(self, request: pb.CloseDisputeRequest, context: grpc.aio.ServicerContext) -> pb.CloseDisputeResponse:
        return await self.execute(
            context, operation="CloseDispute", request=request, response_type=pb.CloseDisputeResponse,
            decide=lambda tenant: self.app.close(tenant, request.dispute_id),
            present=_presenter(pb.CloseDisputeResponse), idempotency_key=request.idempotency_key,
        )

    async def ResolveDispute(self, request: pb.ResolveDisputeRequest, context: grpc.aio.ServicerContext) -> pb.ResolveDisputeResponse:
        return await self.execute(
            context, operation="ResolveDispute", request=request, response_type=pb.ResolveDisputeResponse,
            decide=lambda tenant: self.app.resolve(tenant, request.dispute_id, request.won),
            present=_presenter(pb.ResolveDisputeResponse), idempotency_key=request.idempotency_key,
        )
