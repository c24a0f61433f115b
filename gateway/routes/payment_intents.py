"""/v1/payment_intents and /v1/setup_intents: Stripe's PaymentIntents and SetupIntents APIs over
PaymentIntentCommandService and ObjectQueryService, with LedgerMesh's simulated 3-D Secure page
(`next_action.redirect_to_url.url`), which completes the authentication (`?fail=true` fails it)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from ledgermesh.payments.v1 import customer_pb2
from ledgermesh.payments.v1 import payment_intent_service_pb2 as pis
from ledgermesh.query.v1 import object_query_service_pb2 as oq

from gateway import openapi as doc
from gateway.errors import StripeError
from gateway.routes import expansion
from gateway.routes.common import (
    backends,
    boolean,
    call,
    form,
    idempotency_key,
    integer,
    query_params,
    require,
    string_list,
    string_map,
    text,
)
from gateway.routes.pages import page_from
from stripe_shapes import customers as shapes
from stripe_shapes import objects

router = APIRouter(tags=["payment_intents"])

PAYMENT_INTENT = doc.stripe_object("payment_intent", ("id", "amount", "currency", "status"))
SETUP_INTENT = doc.stripe_object("setup_intent", ("id", "status"))
_PI_FORM = {
    "amount": doc.INTEGER, "currency": doc.STRING, "capture_method": doc.STRING, "customer": doc.STRING,
    "payment_method": doc.STRING, "description": doc.STRING, "metadata": doc.METADATA,
    "statement_descriptor": doc.STRING, "setup_future_usage": doc.STRING, "receipt_email": doc.STRING,
    "confirm": doc.BOOLEAN, "off_session": doc.BOOLEAN, "return_url": doc.STRING, "expand": doc.EXPAND,
    "payment_method_types": doc.STRING_ARRAY, "automatic_payment_methods": doc.AUTOMATIC_PAYMENT_METHODS,
}
_SETUP_FORM = {
    "customer": doc.STRING, "payment_method": doc.STRING, "usage": doc.STRING, "description": doc.STRING,
    "metadata": doc.METADATA, "confirm": doc.BOOLEAN, "return_url": doc.STRING, "payment_method_types": doc.STRING_ARRAY,
    "automatic_payment_methods": doc.AUTOMATIC_PAYMENT_METHODS,
}


def _cards_only(p: dict[str, Any]) -> None:
    """Integrations name the payment methods they take (`payment_method_types[]=card`, or
    `automatic_payment_methods[enabled]=true`, Stripe's default since 2023); cards are the only kind
    LedgerMesh has, so either is accepted as long as it asks for no other kind."""
    other = [kind for kind in string_list(p, "payment_method_types") if kind != "card"]
    if other:
        raise StripeError(400, "invalid_request_error", f"The payment method type {other[0][:40]!r} is invalid: "
                          "LedgerMesh takes cards only.", code="payment_method_invalid_parameter",
                          param="payment_method_types")
    automatic = p.get("automatic_payment_methods")
    if automatic in (None, ""):
        return
    if not isinstance(automatic, dict):
        raise StripeError(400, "invalid_request_error", "Invalid automatic_payment_methods: must be a hash",
                          code="parameter_invalid", param="automatic_payment_methods")
    unknown = sorted(set(automatic) - {"enabled", "allow_redirects"})
    if unknown:
        raise StripeError(400, "invalid_request_error",
                          f"Received unknown parameter: automatic_payment_methods[{unknown[0][:40]}]",
                          code="parameter_unknown", param=f"automatic_payment_methods[{unknown[0][:40]}]")
    boolean(automatic, "enabled")


async def _shaped(request: Request, intent: customer_pb2.PaymentIntent, params: dict[str, Any]) -> dict[str, Any]:
    return await expansion.expand(request, shapes.payment_intent(intent, expansion.api_base(request)), params)


async def _setup_shaped(request: Request, intent: customer_pb2.SetupIntent, params: dict[str, Any]) -> dict[str, Any]:
    return await expansion.expand(request, shapes.setup_intent(intent, expansion.api_base(request)), params)


async def _answer(request: Request, intent: customer_pb2.PaymentIntent, params: dict[str, Any],
                  confirmed: bool) -> dict[str, Any] | JSONResponse:
    """A confirmation whose payment failed answers 402, as Stripe does, with the intent in the error."""
    shaped = await _shaped(request, intent, params)
    if confirmed and intent.HasField("last_payment_error") and intent.status == "requires_payment_method":
        error = dict(shaped["last_payment_error"])
        error["payment_intent"] = shaped
        error = {k: v for k, v in error.items() if v is not None}
        return JSONResponse({"error": error}, status_code=402)
    return shaped


@router.post("/v1/payment_intents", response_model=None, responses=doc.responds(PAYMENT_INTENT),
             openapi_extra=doc.form(_PI_FORM, ("amount", "currency")))
async def create_payment_intent(request: Request) -> dict[str, Any] | JSONResponse:
    p = await form(request)
    _cards_only(p)
    confirm = bool(boolean(p, "confirm"))
    message = pis.CreatePaymentIntentRequest(
        amount=integer(p, "amount", required=True) or 0, currency=text(p, "currency") or str(require(p, "currency")),
        capture_method=text(p, "capture_method"), customer=text(p, "customer"),
        payment_method=text(p, "payment_method"), description=text(p, "description"),
        metadata=string_map(p, "metadata"), statement_descriptor=text(p, "statement_descriptor"),
        setup_future_usage=text(p, "setup_future_usage"), receipt_email=text(p, "receipt_email"), confirm=confirm,
        off_session=_off_session(p), return_url=text(p, "return_url"), idempotency_key=idempotency_key(request))
    response = await call(request, backends(request).intents.CreatePaymentIntent, message)
    return await _answer(request, response.payment_intent, p, confirm)


def _off_session(p: dict[str, Any]) -> bool:
    # Stripe accepts a boolean, or "one_off" / "recurring".
    raw = p.get("off_session")
    if raw in ("one_off", "recurring"):
        return True
    return bool(boolean(p, "off_session"))


@router.get("/v1/payment_intents/{intent_id}", response_model=None, responses=doc.responds(PAYMENT_INTENT),
            openapi_extra=doc.query(("expand[]", doc.STRING)))
async def retrieve_payment_intent(request: Request, intent_id: str) -> dict[str, Any]:
    response = await call(request, backends(request).objects.GetPaymentIntent,
                          oq.GetPaymentIntentRequest(payment_intent_id=intent_id))
    return await _shaped(request, response.payment_intent, query_params(request))


@router.post("/v1/payment_intents/{intent_id}", response_model=None, responses=doc.responds(PAYMENT_INTENT),
             openapi_extra=doc.form(_PI_FORM))
async def update_payment_intent(request: Request, intent_id: str) -> dict[str, Any]:
    p = await form(request)
    _cards_only(p)
    message = pis.UpdatePaymentIntentRequest(payment_intent_id=intent_id, metadata=string_map(p, "metadata"),
                                             idempotency_key=idempotency_key(request))
    if "amount" in p:
        message.amount = integer(p, "amount") or 0
    for name in ("customer", "payment_method", "description", "statement_descriptor", "setup_future_usage"):
        if name in p:
            setattr(message, name, text(p, name))
    response = await call(request, backends(request).intents.UpdatePaymentIntent, message)
    return await _shaped(request, response.payment_intent, p)


@router.post("/v1/payment_intents/{intent_id}/confirm", response_model=None, responses=doc.responds(PAYMENT_INTENT),
             openapi_extra=doc.form({"payment_method": doc.STRING, "off_session": doc.BOOLEAN,
                                     "return_url": doc.STRING, "expand": doc.EXPAND}))
async def confirm_payment_intent(request: Request, intent_id: str) -> dict[str, Any] | JSONResponse:
    p = await form(request)
    response = await call(request, backends(request).intents.ConfirmPaymentIntent, pis.ConfirmPaymentIntentRequest(
        payment_intent_id=intent_id, payment_method=text(p, "payment_method"), off_session=_off_session(p),
        return_url=text(p, "return_url"), idempotency_key=idempotency_key(request)))
    return await _answer(request, response.payment_intent, p, True)


@router.post("/v1/payment_intents/{intent_id}/capture", response_model=None, responses=doc.responds(PAYMENT_INTENT),
             openapi_extra=doc.form({"amount_to_capture": doc.INTEGER, "expand": doc.EXPAND}))
async def capture_payment_intent(request: Request, intent_id: str) -> dict[str, Any]:
    p = await form(request)
    message = pis.CapturePaymentIntentRequest(payment_intent_id=intent_id, idempotency_key=idempotency_key(request))
    amount = integer(p, "amount_to_capture")
    if amount is not None:
        message.amount_to_capture = amount
    response = await call(request, backends(request).intents.CapturePaymentIntent, message)
    return await _shaped(request, response.payment_intent, p)


@router.post("/v1/payment_intents/{intent_id}/increment_authorization", response_model=None,
             responses=doc.responds(PAYMENT_INTENT),
             openapi_extra=doc.form({"amount": doc.INTEGER, "expand": doc.EXPAND}, ("amount",)))
async def increment_authorization(request: Request, intent_id: str) -> dict[str, Any]:
    p = await form(request)
    response = await call(request, backends(request).intents.IncrementAuthorization,
                          pis.IncrementAuthorizationRequest(payment_intent_id=intent_id,
                                                            amount=integer(p, "amount", required=True) or 0,
                                                            idempotency_key=idempotency_key(request)))
    return await _shaped(request, response.payment_intent, p)


@router.post("/v1/payment_intents/{intent_id}/cancel", response_model=None, responses=doc.responds(PAYMENT_INTENT),
             openapi_extra=doc.form({"cancellation_reason": doc.STRING, "expand": doc.EXPAND}))
async def cancel_payment_intent(request: Request, intent_id: str) -> dict[str, Any]:
    p = await form(request)
    response = await call(request, backends(request).intents.CancelPaymentIntent, pis.CancelPaymentIntentRequest(
        payment_intent_id=intent_id, cancellation_reason=text(p, "cancellation_reason"),
        idempotency_key=idempotency_key(request)))
    return await _shaped(request, response.payment_intent, p)


@router.get("/v1/payment_intents/{intent_id}/authenticate", response_model=None, operation_id="authenticate_payment_intent",
            responses=doc.responds(PAYMENT_INTENT), openapi_extra=doc.query(("fail", doc.BOOLEAN)))
@router.post("/v1/payment_intents/{intent_id}/authenticate", response_model=None,
             operation_id="authenticate_payment_intent_post", responses=doc.responds(PAYMENT_INTENT),
             openapi_extra=doc.form({"fail": doc.BOOLEAN}))
async def authenticate_payment_intent(request: Request, intent_id: str) -> dict[str, Any] | JSONResponse:
    """LedgerMesh's simulated 3-D Secure page: the cardholder completes (or, `fail=true`, fails) the
    challenge, and the payment proceeds."""
    p = {**query_params(request), **(await form(request) if request.method == "POST" else {})}
    response = await call(request, backends(request).intents.AuthenticatePaymentIntent,
                          pis.AuthenticatePaymentIntentRequest(payment_intent_id=intent_id,
                                                               fail=bool(boolean(p, "fail")),
                                                               idempotency_key=idempotency_key(request)))
    return await _shaped(request, response.payment_intent, {})


@router.get("/v1/payment_intents", response_model=None, responses=doc.responds(doc.list_of(PAYMENT_INTENT)),
            openapi_extra=doc.list_query(("customer", doc.STRING)))
async def list_payment_intents(request: Request) -> dict[str, Any]:
    p = query_params(request)
    response = await call(request, backends(request).objects.ListPaymentIntents, oq.ListPaymentIntentsRequest(
        page=page_from(p), customer=text(p, "customer")))
    return await expansion.expand(request, objects.list_object(
        "/v1/payment_intents", [shapes.payment_intent(i, expansion.api_base(request)) for i in response.payment_intents],
        response.has_more), p)


# --- SetupIntents --------------------------------------------------------------------------------


@router.post("/v1/setup_intents", response_model=None, responses=doc.responds(SETUP_INTENT),
             openapi_extra=doc.form(_SETUP_FORM))
async def create_setup_intent(request: Request) -> dict[str, Any]:
    p = await form(request)
    _cards_only(p)
    response = await call(request, backends(request).intents.CreateSetupIntent, pis.CreateSetupIntentRequest(
        customer=text(p, "customer"), payment_method=text(p, "payment_method"), usage=text(p, "usage"),
        description=text(p, "description"), metadata=string_map(p, "metadata"), confirm=bool(boolean(p, "confirm")),
        return_url=text(p, "return_url"), idempotency_key=idempotency_key(request)))
    return await _setup_shaped(request, response.setup_intent, p)


@router.get("/v1/setup_intents/{intent_id}", response_model=None, responses=doc.responds(SETUP_INTENT),
            openapi_extra=doc.query())
async def retrieve_setup_intent(request: Request, intent_id: str) -> dict[str, Any]:
    p = query_params(request)
    response = await call(request, backends(request).objects.GetSetupIntent,
                          oq.GetSetupIntentRequest(setup_intent_id=intent_id))
    return await _setup_shaped(request, response.setup_intent, p)


@router.post("/v1/setup_intents/{intent_id}/confirm", response_model=None, responses=doc.responds(SETUP_INTENT),
             openapi_extra=doc.form({"payment_method": doc.STRING, "return_url": doc.STRING}))
async def confirm_setup_intent(request: Request, intent_id: str) -> dict[str, Any]:
    p = await form(request)
    response = await call(request, backends(request).intents.ConfirmSetupIntent, pis.ConfirmSetupIntentRequest(
        setup_intent_id=intent_id, payment_method=text(p, "payment_method"), return_url=text(p, "return_url"),
        idempotency_key=idempotency_key(request)))
    return await _setup_shaped(request, response.setup_intent, p)


@router.get("/v1/setup_intents/{intent_id}/authenticate", response_model=None, operation_id="authenticate_setup_intent",
            responses=doc.responds(SETUP_INTENT), openapi_extra=doc.query(("fail", doc.BOOLEAN)))
@router.post("/v1/setup_intents/{intent_id}/authenticate", response_model=None,
             operation_id="authenticate_setup_intent_post", responses=doc.responds(SETUP_INTENT),
             openapi_extra=doc.form({"fail": doc.BOOLEAN}))
async def authenticate_setup_intent(request: Request, intent_id: str) -> dict[str, Any]:
    p = {**query_params(request), **(await form(request) if request.method == "POST" else {})}
    response = await call(request, backends(request).intents.AuthenticateSetupIntent,
                          pis.AuthenticateSetupIntentRequest(setup_intent_id=intent_id, fail=bool(boolean(p, "fail")),
                                                             idempotency_key=idempotency_key(request)))
    return await _setup_shaped(request, response.setup_intent, {})


@router.post("/v1/setup_intents/{intent_id}/cancel", response_model=None, responses=doc.responds(SETUP_INTENT),
             openapi_extra=doc.form({"cancellation_reason": doc.STRING}))
async def cancel_setup_intent(request: Request, intent_id: str) -> dict[str, Any]:
    p = await form(request)
    response = await call(request, backends(request).intents.CancelSetupIntent, pis.CancelSetupIntentRequest(
        setup_intent_id=intent_id, cancellation_reason=text(p, "cancellation_reason"),
        idempotency_key=idempotency_key(request)))
    return await _setup_shaped(request, response.setup_intent, p)


@router.get("/v1/setup_intents", response_model=None, responses=doc.responds(doc.list_of(SETUP_INTENT)),
            openapi_extra=doc.list_query(("customer", doc.STRING)))
async def list_setup_intents(request: Request) -> dict[str, Any]:
    p = query_params(request)
    response = await call(request, backends(request).objects.ListSetupIntents, oq.ListSetupIntentsRequest(
        page=page_from(p), customer=text(p, "customer")))
    return await expansion.expand(request, objects.list_object(
        "/v1/setup_intents", [shapes.setup_intent(s, expansion.api_base(request)) for s in response.setup_intents],
        response.has_more), p)
