import pytest

from command_svc.domain.errors import ValidationError
from command_svc.domain.money import (
    MAX_AMOUNT,
    FeeSchedule,
    currency_exponent,
    fee,
    minor_units,
    normalize_currency,
    validate_amount,
)


@pytest.mark.parametrize(
    ("currency", "exponent"),
    [("usd", 2), ("eur", 2), ("huf", 2), ("jpy", 0), ("krw", 0), ("bhd", 3), ("kwd", 3)],
)
def test_each_currency_has_its_iso_4217_exponent(currency: str, exponent: int) -> None:
    assert currency_exponent(currency) == exponent


def test_currency_codes_are_normalized_to_lower_case() -> None:
    assert normalize_currency(" USD ") == "usd"


def test_unsupported_currency_is_refused_on_the_currency_field() -> None:
    with pytest.raises(ValidationError) as refused:
        normalize_currency("xyz")
    assert refused.value.reason == "CURRENCY_UNSUPPORTED"
    assert refused.value.field == "currency"


def test_amounts_at_both_limits_are_accepted() -> None:
    assert validate_amount(1) == 1
    assert validate_amount(MAX_AMOUNT) == 99_999_999


@pytest.mark.parametrize(
    ("amount", "reason"),
    [(0, "AMOUNT_TOO_SMALL"), (-5, "AMOUNT_TOO_SMALL"), (100_000_000, "AMOUNT_TOO_LARGE")],
)
def test_amounts_outside_the_limits_are_refused(amount: int, reason: str) -> None:
    with pytest.raises(ValidationError) as refused:
        validate_amount(amount)
    assert refused.value.reason == reason
    assert refused.value.field == "amount"


def test_a_boolean_is_not_an_amount() -> None:
    with pytest.raises(ValidationError) as refused:
        validate_amount(True)
    assert refused.value.reason == "AMOUNT_INVALID"


def test_default_fee_is_2_9_percent_plus_30_minor_units() -> None:
    assert fee(1000, 290, 30) == 59
    assert FeeSchedule().fee_for(1000) == 59


def test_fee_percentage_rounds_half_up() -> None:
    assert fee(50, 100, 0) == 1  # 0.5 rounds up
    assert fee(49, 100, 0) == 0  # 0.49 rounds down
    assert fee(150, 100, 0) == 2  # 1.5 rounds up, not to even


def test_fee_never_exceeds_the_amount_so_net_is_never_negative() -> None:
    assert fee(10, 290, 30) == 10


def test_whole_units_convert_to_minor_units_by_exponent() -> None:
    assert minor_units(5, "usd") == 500
    assert minor_units(5, "jpy") == 5
    assert minor_units(5, "kwd") == 5000
