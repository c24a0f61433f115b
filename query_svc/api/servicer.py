"""gRPC QueryService: reads scoped to the caller's account; another account's object is NOT_FOUND.
The handlers live in one mixin per area of the read side."""

from __future__ import annotations

from ledgermesh.query.v1 import query_service_pb2_grpc

from query_svc.adapters.read_models import ReadModels
from query_svc.api.charges import ChargeQueries
from query_svc.api.compliance import ComplianceQueries
from query_svc.api.ledger import EventObjects, LedgerQueries
from query_svc.api.reports import ReportQueries


class QueryServicer(
    ChargeQueries, LedgerQueries, ReportQueries, ComplianceQueries, query_service_pb2_grpc.QueryServiceServicer
):
    def __init__(self, read_models: ReadModels, event_objects: EventObjects | None = None) -> None:
        self.rm = read_models
        self.event_objects = event_objects
