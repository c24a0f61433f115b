"""Identity verification as Stripe runs it for connected accounts: the account holder submits who they
are, a verification provider decides, the platform records the outcome. The provider here is the test
mode one, driven by the values Stripe documents for testing Connect (docs.stripe.com/connect/testing):

- date of birth 1901-01-01: verified; 1902-01-01: verified at once; any other: not verified;
- id number (individual) or tax id (company) 000000000: verified; 222222222: verified at once;
  111111111: not verified (no match);
- address line1 `address_full_match`: verified; `address_no_match` / `address_line1_no_match`: not verified.

What is submitted is passed to the provider and never stored: only the outcome becomes events."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Final, Protocol

from command_svc.domain.errors import ValidationError
from command_svc.domain.rules import normalize_country


class BusinessType(Enum):
    INDIVIDUAL = "individual"
    COMPANY = "company"


@dataclass(frozen=True, kw_only=True)
class Address:
    line1: str = ""
    line2: str = ""
    city: str = ""
    state: str = ""
    postal_code: str = ""
    country: str = ""


@dataclass(frozen=True, kw_only=True)
class Identity:
    business_type: BusinessType
    first_name: str = ""
    last_name: str = ""
    dob: date | None = None
    id_number: str = ""
    ssn_last_4: str = ""
    company_name: str = ""
    tax_id: str = ""
    address: Address = Address()
    tos_date: datetime | None = None
    tos_ip: str = ""


@dataclass(frozen=True)
class VerificationOutcome:
    verified: bool
    # Stripe's requirement names the provider could not verify, e.g. "individual.id_number".
    failed_requirements: tuple[str, ...] = ()


VERIFIED_DOBS: Final = frozenset({date(1901, 1, 1), date(1902, 1, 1)})
VERIFIED_ID_NUMBERS: Final = frozenset({"000000000", "222222222"})
UNVERIFIED_ADDRESSES: Final = frozenset({"address_no_match", "address_line1_no_match"})
MAX_FIELD_LENGTH: Final = 200


def parse_dob(day: int, month: int, year: int) -> date | None:
    if not (day or month or year):
        return None
    try:
        return date(year, month, day)
    except ValueError as exc:
        raise ValidationError("DOB_INVALID", "individual[dob] is not a valid date.", field="individual[dob]") from exc


def business_type(text: str) -> BusinessType:
    try:
        return BusinessType(text)
    except ValueError as exc:
        raise ValidationError("BUSINESS_TYPE_INVALID", "business_type must be individual or company.",
                              field="business_type") from exc


def requirements_due(identity: Identity) -> tuple[str, ...]:
    """What Stripe lists in `requirements.currently_due` until it is given, in Stripe's names."""
    due: list[str] = []
    if identity.business_type is BusinessType.INDIVIDUAL:
        for name, value in (("individual.first_name", identity.first_name), ("individual.last_name", identity.last_name),
                            ("individual.dob.day", identity.dob), ("individual.address.line1", identity.address.line1),
                            ("individual.id_number", identity.id_number or identity.ssn_last_4)):
            if not value:
                due.append(name)
    else:
        for name, value in (("company.name", identity.company_name), ("company.tax_id", identity.tax_id),
                            ("company.address.line1", identity.address.line1)):
            if not value:
                due.append(name)
    if identity.tos_date is None:
        due.append("tos_acceptance.date")
    if not identity.tos_ip:
        due.append("tos_acceptance.ip")
    return tuple(due)


def validate_identity(identity: Identity) -> Identity:
    """Refuse what no provider could check; name the first missing requirement."""
    for value, name in ((identity.first_name, "individual[first_name]"), (identity.last_name, "individual[last_name]"),
                        (identity.id_number, "individual[id_number]"), (identity.company_name, "company[name]"),
                        (identity.tax_id, "company[tax_id]"), (identity.address.line1, "address[line1]")):
        if len(value) > MAX_FIELD_LENGTH:
            raise ValidationError("FIELD_TOO_LONG", f"{name} is longer than {MAX_FIELD_LENGTH} characters.", field=name)
    if identity.address.country:
        normalize_country(identity.address.country, field="address[country]")
    due = requirements_due(identity)
    if due:
        field = due[0].replace(".day", "").replace(".", "[", 1).replace(".", "][") + "]"
        raise ValidationError("PARAMETER_MISSING", f"Missing required param: {field}.", field=field,
                              metadata={"currently_due": ",".join(due)})
    return identity


class VerificationProvider(Protocol):
    def verify(self, identity: Identity) -> VerificationOutcome: ...


class SimulatedVerificationProvider:
    """The test-mode verification provider: deterministic, by Stripe's documented test values."""

    def verify(self, identity: Identity) -> VerificationOutcome:
        failed: list[str] = []
        if identity.business_type is BusinessType.INDIVIDUAL:
            if identity.dob not in VERIFIED_DOBS:
                failed.append("individual.dob.day")
            if identity.id_number and identity.id_number not in VERIFIED_ID_NUMBERS:
                failed.append("individual.id_number")
            if identity.address.line1 in UNVERIFIED_ADDRESSES:
                failed.append("individual.address.line1")
        else:
            if identity.tax_id not in VERIFIED_ID_NUMBERS:
                failed.append("company.tax_id")
            if identity.address.line1 in UNVERIFIED_ADDRESSES:
                failed.append("company.address.line1")
        return VerificationOutcome(not failed, tuple(failed))
