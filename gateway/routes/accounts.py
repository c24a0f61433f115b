"""/v1/accounts and /v1/account over AccountCommandService.CreateAccount and QueryService.GetAccount.

Creating an account returns its first secret key once, in the LedgerMesh extension field
`secret_key` (Stripe has no such field; the SDK exposes it as `account.secret_key`)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from ledgermesh.accounts.v1 import account_service_pb2 as acc
from ledgermesh.query.v1 import query_service_pb2 as q

from gateway import openapi as doc
from gateway.errors import StripeError
from gateway.routes.common import backends, call, form, idempotency_key, integer, query_params, string_map, text
from stripe_shapes import objects

router = APIRouter(tags=["accounts"])

ACCOUNT = doc.stripe_object("account", ("id", "charges_enabled", "payouts_enabled", "requirements"))
_INT32 = 2**31


@router.post("/v1/accounts", response_model=None, responses=doc.responds(ACCOUNT),
             openapi_extra=doc.form({"email": doc.STRING, "country": doc.STRING, "default_currency": doc.STRING,
                                     "business_profile": {"type": "object",
                                                          "properties": {"name": doc.STRING}},
                                     "metadata": doc.METADATA, "type": doc.STRING,
                                     # LedgerMesh extensions: the account's fee schedule.
                                     "fee_percent_bps": doc.INTEGER, "fee_fixed": doc.INTEGER}))
async def create_account(request: Request) -> dict[str, Any]:
    p = await form(request)
    profile = p.get("business_profile") or {}
    if not isinstance(profile, dict):
        raise StripeError(400, "invalid_request_error", "business_profile must be a hash", param="business_profile")
    message = acc.CreateAccountRequest(
        email=text(p, "email"), country=text(p, "country"), default_currency=text(p, "default_currency"),
        business_name=text(profile, "name"), metadata=string_map(p, "metadata"),
        idempotency_key=idempotency_key(request),
    )
    # LedgerMesh extensions: per-account fee schedule.
    bps = integer(p, "fee_percent_bps")
    if bps is not None:
        if not 0 <= bps < _INT32:
            raise StripeError(400, "invalid_request_error", "fee_percent_bps is out of range",
                              param="fee_percent_bps")
        message.fee_percent_bps = bps
    fixed = integer(p, "fee_fixed")
    if fixed is not None:
        message.fee_fixed = fixed
    response = await call(request, backends(request).accounts.CreateAccount, message)
    return objects.account(response.account, response.secret_key)


_IDENTITY_PARAMS = {"business_type", "individual", "company", "tos_acceptance", "expand"}
_ADDRESS = {"type": "object", "properties": {n: doc.STRING for n in ("line1", "line2", "city", "state",
                                                                     "postal_code", "country")}}


def _hash(p: dict[str, Any], name: str) -> dict[str, Any]:
    raw = p.get(name) or {}
    if not isinstance(raw, dict):
        raise StripeError(400, "invalid_request_error", f"Invalid {name}: must be a hash", param=name)
    return raw


def _address(p: dict[str, Any], owner: str) -> acc.IdentityAddress:
    a = _hash(p, "address")
    try:
        return acc.IdentityAddress(**{n: text(a, n) for n in ("line1", "line2", "city", "state", "postal_code",
                                                             "country")})
    except StripeError as exc:
        raise StripeError(400, "invalid_request_error", exc.message, param=f"{owner}[address]") from exc


def _small_int(p: dict[str, Any], name: str, param: str) -> int:
    value = integer(p, name)
    if value is not None and not 0 <= value < _INT32:
        raise StripeError(400, "invalid_request_error", f"Invalid integer: {value}", param=param)
    return value or 0


@router.post("/v1/accounts/{account_id}", response_model=None, responses=doc.responds(ACCOUNT),
             openapi_extra=doc.form({
                 "business_type": {"type": "string", "enum": ["individual", "company"]},
                 "individual": {"type": "object", "properties": {
                     "first_name": doc.STRING, "last_name": doc.STRING, "id_number": doc.STRING,
                     "ssn_last_4": doc.STRING, "email": doc.STRING, "phone": doc.STRING, "address": _ADDRESS,
                     "dob": {"type": "object", "properties": {"day": doc.STRING, "month": doc.STRING,
                                                              "year": doc.STRING}}}},
                 "company": {"type": "object", "properties": {"name": doc.STRING, "tax_id": doc.STRING,
                                                              "phone": doc.STRING, "address": _ADDRESS}},
                 "tos_acceptance": {"type": "object", "properties": {"date": doc.STRING, "ip": doc.STRING,
                                                                     "user_agent": doc.STRING}}}))
async def update_account(request: Request, account_id: str) -> dict[str, Any]:
    """Identity verification the way Stripe does it: the holder's identity and acceptance of the terms,
    decided by the platform's verification provider. Returns the account with its requirements."""
    p = await form(request)
    unknown = sorted(set(p) - _IDENTITY_PARAMS)
    if unknown:
        raise StripeError(400, "invalid_request_error", f"Received unknown parameter: {unknown[0]}",
                          code="parameter_unknown", param=unknown[0])
    person, company, tos = _hash(p, "individual"), _hash(p, "company"), _hash(p, "tos_acceptance")
    dob = _hash(person, "dob")
    message = acc.SubmitIdentityRequest(
        account_id=account_id, business_type=text(p, "business_type") or ("company" if company else "individual"),
        individual=acc.IndividualIdentity(
            first_name=text(person, "first_name"), last_name=text(person, "last_name"),
            dob_day=_small_int(dob, "day", "individual[dob][day]"),
            dob_month=_small_int(dob, "month", "individual[dob][month]"),
            dob_year=_small_int(dob, "year", "individual[dob][year]"),
            id_number=text(person, "id_number"), ssn_last_4=text(person, "ssn_last_4"),
            address=_address(person, "individual"), email=text(person, "email"), phone=text(person, "phone")),
        company=acc.CompanyIdentity(name=text(company, "name"), tax_id=text(company, "tax_id"),
                                    address=_address(company, "company"), phone=text(company, "phone")),
        tos_acceptance=acc.TosAcceptance(date=integer(tos, "date") or 0, ip=text(tos, "ip"),
                                         user_agent=text(tos, "user_agent")),
        idempotency_key=idempotency_key(request),
    )
    response = await call(request, backends(request).accounts.SubmitIdentity, message)
    return objects.account(response.account)


@router.get("/v1/accounts/{account_id}", response_model=None, responses=doc.responds(ACCOUNT),
            openapi_extra=doc.query())
async def retrieve_account(request: Request, account_id: str) -> dict[str, Any]:
    query_params(request)
    response = await call(request, backends(request).query.GetAccount, q.GetAccountRequest(account_id=account_id))
    return objects.account(response.account)


@router.get("/v1/account", response_model=None, responses=doc.responds(ACCOUNT), openapi_extra=doc.query())
async def retrieve_own_account(request: Request) -> dict[str, Any]:
    query_params(request)
    response = await call(request, backends(request).query.GetAccount, q.GetAccountRequest())
    return objects.account(response.account)
