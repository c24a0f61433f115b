"""The one table from gRPC status + ErrorInfo reason to Stripe's error shape and HTTP status."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import grpc
from fastapi.responses import JSONResponse

from support.errors import error_info

log = logging.getLogger(__name__)

def doc_url(code: str) -> str:
    """Where Stripe documents an error code, as its errors link it."""
    return "https://stripe.com/docs/error-codes/" + code.replace("_", "-")


@dataclass
class StripeError(Exception):
    status: int
    type: str
    message: str
    code: str | None = None
    param: str | None = None
    decline_code: str | None = None
    headers: dict[str, str] | None = None
    charge: str | None = None

    def response(self) -> JSONResponse:
        body: dict[str, Any] = {"type": self.type, "message": self.message}
        if self.code:
            body["code"] = self.code
            body["doc_url"] = doc_url(self.code)
        if self.param:
            body["param"] = self.param
        if self.decline_code:
            body["decline_code"] = self.decline_code
        if self.charge:
            body["charge"] = self.charge
        return JSONResponse({"error": body}, status_code=self.status, headers=self.headers)


# (gRPC code, reason or None for any) -> (HTTP status, Stripe error type, Stripe error code or None).
# The first matching row wins; reasons are listed before the catch-all of their code.
ERROR_TABLE: tuple[tuple[grpc.StatusCode, str | None, int, str, str | None], ...] = (
    (grpc.StatusCode.UNAUTHENTICATED, None, 401, "invalid_request_error", "api_key_invalid"),
    (grpc.StatusCode.PERMISSION_DENIED, None, 403, "invalid_request_error", "permission_denied"),
    (grpc.StatusCode.NOT_FOUND, None, 404, "invalid_request_error", "resource_missing"),
    (grpc.StatusCode.FAILED_PRECONDITION, "IDEMPOTENCY_KEY_REUSED", 400, "idempotency_error", "idempotency_key_in_use"),
    (grpc.StatusCode.ABORTED, "IDEMPOTENCY_KEY_IN_USE", 409, "idempotency_error", "idempotency_key_in_use"),
    (grpc.StatusCode.FAILED_PRECONDITION, "INSUFFICIENT_FUNDS", 400, "invalid_request_error", "balance_insufficient"),
    (grpc.StatusCode.FAILED_PRECONDITION, "CARD_DECLINED", 402, "card_error", "card_declined"),
    (grpc.StatusCode.FAILED_PRECONDITION, None, 400, "invalid_request_error", None),
    (grpc.StatusCode.INVALID_ARGUMENT, None, 400, "invalid_request_error", "parameter_invalid"),
    (grpc.StatusCode.ALREADY_EXISTS, None, 400, "invalid_request_error", "resource_already_exists"),
    (grpc.StatusCode.ABORTED, None, 409, "api_error", "lock_timeout"),
    (grpc.StatusCode.RESOURCE_EXHAUSTED, None, 429, "invalid_request_error", "rate_limit"),
    (grpc.StatusCode.UNAVAILABLE, None, 503, "api_error", None),
    (grpc.StatusCode.DEADLINE_EXCEEDED, None, 504, "api_error", None),
)

# Field-specific codes that Stripe uses for well-known validation reasons.
REASON_CODES = {
    "AMOUNT_TOO_SMALL": "amount_too_small",
    "AMOUNT_TOO_LARGE": "amount_too_large",
    "CURRENCY_UNSUPPORTED": "invalid_currency",
    "PARAMETER_MISSING": "parameter_missing",
    "RAW_CARD_NUMBER_REFUSED": "card_number_in_source_not_allowed",
    "SOURCE_INVALID": "resource_missing",
    "CHARGE_ALREADY_CAPTURED": "charge_already_captured",
    "CHARGE_ALREADY_REFUNDED": "charge_already_refunded",
    "AUTHORIZATION_EXPIRED": "charge_expired_for_capture",
    "REFUND_EXCEEDS_CAPTURED": "amount_too_large",
    "AMOUNT_EXCEEDS_AUTHORIZED": "amount_too_large",
    "PAYMENT_INTENT_UNEXPECTED_STATE": "payment_intent_unexpected_state",
    "SETUP_INTENT_UNEXPECTED_STATE": "setup_intent_unexpected_state",
    "CARD_NUMBER_INVALID": "incorrect_number",
    "EMAIL_INVALID": "email_invalid",
    "PAYMENT_METHOD_NOT_ATTACHED": "payment_method_not_available",
    "PAYMENT_METHOD_ALREADY_ATTACHED": "payment_method_unexpected_state",
    "PAYMENT_METHOD_CUSTOMER_MISMATCH": "payment_method_unexpected_state",
}


def card_declined(charge_id: str, failure_code: str, decline_code: str, message: str) -> StripeError:
    """A declined charge is a normal command result (the charge exists, status failed); Stripe answers
    the create call with 402 card_error, naming the charge."""
    return StripeError(402, "card_error", message or "Your card was declined.",
                       code=failure_code or "card_declined", decline_code=decline_code or "generic_decline",
                       charge=charge_id)


# Internal: the exact wait of a service's rate-limit refusal, read (and removed) by the gateway's guard.
RETRY_AFTER_MS = "X-Ledgermesh-Retry-After-Ms"


def rate_limited(retry_after_seconds: int) -> StripeError:
    return StripeError(429, "invalid_request_error", "Too many requests hit the API too quickly.",
                       code="rate_limit", headers={"Retry-After": str(retry_after_seconds)})


def from_rpc_error(error: grpc.aio.AioRpcError) -> StripeError:
    code = error.code()
    info = error_info(error)
    reason = info.reason if info else None
    param = (info.metadata.get("field") or info.metadata.get("param")) if info else None
    if code == grpc.StatusCode.UNAVAILABLE:
        # A dependency or a service is away: retryable. The message is ours, never the channel's or a
        # driver's (they name addresses, classes and database errors). Logged with its cause: a
        # service's refusal names a reason, the channel's own failure (connection refused, reset) none.
        log.warning("503: upstream UNAVAILABLE (%s): %s", reason or "no reason: the channel", error.details())
        retry_after = (info.metadata.get("retry_after_s") if info else None) or "1"
        return StripeError(503, "api_error", "The service is temporarily unavailable; retry the request shortly.",
                           headers={"Retry-After": retry_after})
    if code in (grpc.StatusCode.UNKNOWN, grpc.StatusCode.INTERNAL):
        return StripeError(500, "api_error", "An unexpected error occurred.")
    for row_code, row_reason, status, err_type, err_code in ERROR_TABLE:
        if row_code == code and (row_reason is None or row_reason == reason):
            headers = None
            if status == 429:
                headers = {"Retry-After": (info.metadata.get("retry_after") if info else None) or "1"}
                if info and info.metadata.get("retry_after_ms"):
                    headers[RETRY_AFTER_MS] = info.metadata["retry_after_ms"]
            return StripeError(
                status=status, type=err_type, message=error.details() or code.name,
                code=REASON_CODES.get(reason or "", err_code), param=param or None, headers=headers,
            )
    return StripeError(500, "api_error", "An unexpected error occurred.")
