"""The test-mode verification provider decides by the values Stripe documents for testing Connect."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from command_svc.domain.errors import ValidationError
from command_svc.domain.verification import (
    Address,
    BusinessType,
    Identity,
    SimulatedVerificationProvider,
    parse_dob,
    validate_identity,
)

PROVIDER = SimulatedVerificationProvider()


def person(**changes: object) -> Identity:
    fields: dict[str, object] = {
        "business_type": BusinessType.INDIVIDUAL, "first_name": "Jenny", "last_name": "Rosen",
        "dob": date(1901, 1, 1), "id_number": "000000000", "address": Address(line1="address_full_match"),
        "tos_date": datetime(2026, 1, 1, tzinfo=UTC), "tos_ip": "203.0.113.7",
    }
    fields.update(changes)
    return Identity(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize("identity", [person(), person(dob=date(1902, 1, 1)), person(id_number="222222222")])
def test_stripes_successful_test_values_verify(identity: Identity) -> None:
    assert PROVIDER.verify(validate_identity(identity)).verified


@pytest.mark.parametrize(("identity", "failed"), [
    (person(id_number="111111111"), ("individual.id_number",)),
    (person(dob=date(1970, 5, 5)), ("individual.dob.day",)),
    (person(address=Address(line1="address_no_match")), ("individual.address.line1",)),
    (person(address=Address(line1="address_line1_no_match"), id_number="111111111"),
     ("individual.id_number", "individual.address.line1")),
])
def test_stripes_failing_test_values_name_what_failed(identity: Identity, failed: tuple[str, ...]) -> None:
    outcome = PROVIDER.verify(validate_identity(identity))
    assert not outcome.verified and outcome.failed_requirements == failed


def test_a_company_is_verified_by_its_tax_id() -> None:
    company = Identity(business_type=BusinessType.COMPANY, company_name="Rosen LLC", tax_id="000000000",
                       address=Address(line1="1 Main St"), tos_date=datetime(2026, 1, 1, tzinfo=UTC), tos_ip="::1")
    assert PROVIDER.verify(company).verified
    rejected = PROVIDER.verify(Identity(**{**company.__dict__, "tax_id": "111111111"}))
    assert rejected.failed_requirements == ("company.tax_id",)


def test_missing_requirements_are_refused_by_their_stripe_parameter_name() -> None:
    with pytest.raises(ValidationError) as missing:
        validate_identity(person(last_name=""))
    assert missing.value.field == "individual[last_name]"
    with pytest.raises(ValidationError) as no_tos:
        validate_identity(person(tos_date=None))
    assert no_tos.value.field == "tos_acceptance[date]"
    with pytest.raises(ValidationError):
        parse_dob(31, 2, 1990)
    with pytest.raises(ValidationError):
        validate_identity(person(address=Address(line1="address_full_match", country="ZZ")))
