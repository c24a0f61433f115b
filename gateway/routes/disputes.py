"""/v1/disputes: Stripe's Disputes API over DisputeCommandService and QueryService.

Disputes are opened by the card network (DisputeCommandService.CreateDispute, or a charge on
`tok_createDispute`), so there is no create route, as in Stripe."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from ledgermesh.disputes.v1 import dispute_service_pb2 as dsp
from ledgermesh.query.v1 import query_service_pb2 as q

from gateway import openapi as doc
from gateway.routes import expansion
from gateway.routes.common import backends, boolean, call, form, idempotency_key, query_params, string_map
from gateway.routes.pages import page_from
from stripe_shapes import objects

router = APIRouter(tags=["disputes"])

DISPUTE = doc.stripe_object("dispute", ("id", "amount", "charge", "currency", "status", "evidence"))

# Evidence fields that name uploaded files rather than carry text.
_FILE_FIELDS = {"cancellation_policy", "customer_communication", "customer_signature",
                "duplicate_charge_documentation", "receipt", "refund_policy", "service_documentation",
                "shipping_documentation", "uncategorized_file"}


@router.get("/v1/disputes/{dispute_id}", response_model=None, responses=doc.responds(DISPUTE),
            openapi_extra=doc.query())
async def retrieve_dispute(request: Request, dispute_id: str) -> dict[str, Any]:
    p = query_params(request)
    response = await call(request, backends(request).query.GetDispute, q.GetDisputeRequest(dispute_id=dispute_id))
    return await expansion.expand(request, objects.dispute(response.dispute), p)


@router.get("/v1/disputes", response_model=None, responses=doc.responds(doc.list_of(DISPUTE)),
            openapi_extra=doc.list_query())
async def list_disputes(request: Request) -> dict[str, Any]:
    p = query_params(request)
    response = await call(request, backends(request).query.ListDisputes, q.ListDisputesRequest(page=page_from(p)))
    return await expansion.expand(request, objects.list_object(
        "/v1/disputes", [objects.dispute(d) for d in response.disputes], response.has_more), p)


@router.post("/v1/disputes/{dispute_id}", response_model=None, responses=doc.responds(DISPUTE),
             openapi_extra=doc.form({"evidence": doc.METADATA, "submit": doc.BOOLEAN, "metadata": doc.METADATA}))
async def update_dispute(request: Request, dispute_id: str) -> dict[str, Any]:
    """Stage evidence, or submit it with `submit=true` (Stripe's default is to submit)."""
    p = await form(request)
    evidence = string_map(p, "evidence")
    files = [f"{name}:{value}" for name, value in evidence.items() if name in _FILE_FIELDS]
    texts = {name: value for name, value in evidence.items() if name not in _FILE_FIELDS}
    submit = boolean(p, "submit")
    response = await call(request, backends(request).disputes.SubmitEvidence, dsp.SubmitEvidenceRequest(
        dispute_id=dispute_id, evidence=texts, file_references=files, submit=True if submit is None else submit,
        idempotency_key=idempotency_key(request)))
    return await expansion.expand(request, objects.dispute(response.dispute), p)


@router.post("/v1/disputes/{dispute_id}/close", response_model=None, responses=doc.responds(DISPUTE),
             openapi_extra=doc.form({}))
async def close_dispute(request: Request, dispute_id: str) -> dict[str, Any]:
    p = await form(request)
    response = await call(request, backends(request).disputes.CloseDispute, dsp.CloseDisputeRequest(
        dispute_id=dispute_id, idempotency_key=idempotency_key(request)))
    return await expansion.expand(request, objects.dispute(response.dispute), p)
