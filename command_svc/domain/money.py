"""Money is an integer count of a currency's minor unit. Never a float, anywhere."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

from command_svc.domain.errors import ValidationError

# ISO 4217 minor-unit exponents of the currencies we settle.
CURRENCY_EXPONENTS: Final[Mapping[str, int]] = MappingProxyType(
    {
        "aud": 2, "bhd": 3, "brl": 2, "cad": 2, "chf": 2, "cny": 2, "czk": 2, "dkk": 2,
        "eur": 2, "gbp": 2, "hkd": 2, "huf": 2, "inr": 2, "jpy": 0, "krw": 0, "kwd": 3,
        "mxn": 2, "nok": 2, "nzd": 2, "pln": 2, "sek": 2, "sgd": 2, "usd": 2, "zar": 2,
    }
)  # fmt: skip

# Stripe's limits, in minor units, for every currency.
MIN_AMOUNT: Final = 1
MAX_AMOUNT: Final = 99_999_999

_MINOR_PER_MAJOR: Final = (1, 10, 100, 1000)

BPS_PER_UNIT: Final = 10_000
MAX_FEE_PERCENT_BPS: Final = BPS_PER_UNIT


def normalize_currency(code: str) -> str:
    """Lower-case ISO 4217 code of a currency we support."""
    normalized = code.strip().lower()
    if normalized not in CURRENCY_EXPONENTS:
        raise ValidationError(
            "CURRENCY_UNSUPPORTED",
            f"Currency {code[:8]!r} is not supported.",
            field="currency",
            metadata={"supported": ",".join(sorted(CURRENCY_EXPONENTS))},
        )
    return normalized


def currency_exponent(currency: str) -> int:
    return CURRENCY_EXPONENTS[normalize_currency(currency)]


def minor_units(major: int, currency: str) -> int:
    """`major` whole units of `currency` in its minor unit (5 usd -> 500, 5 jpy -> 5)."""
    return major * _MINOR_PER_MAJOR[currency_exponent(currency)]


def validate_amount(amount: int, *, field: str = "amount") -> int:
    """The amount itself when it is an integer within Stripe's limits."""
    # bool is an int subclass; True must not charge one cent.
    if not isinstance(amount, int) or isinstance(amount, bool):
        raise ValidationError(
            "AMOUNT_INVALID", "Amount must be an integer in minor units.", field=field
        )
    if amount < MIN_AMOUNT:
        raise ValidationError(
            "AMOUNT_TOO_SMALL", f"Amount must be at least {MIN_AMOUNT} minor unit.", field=field
        )
    if amount > MAX_AMOUNT:
        raise ValidationError(
            "AMOUNT_TOO_LARGE", f"Amount must be at most {MAX_AMOUNT} minor units.", field=field
        )
    return amount


def fee(amount: int, percent_bps: int, fixed: int) -> int:
    """Processing fee: percentage (rounded half up) plus a fixed part, capped at the amount.

    The cap keeps the net of a tiny charge at zero instead of negative: Stripe avoids the case with
    minimum charge amounts, while we accept charges from one minor unit.
    """
    if amount < 0 or fixed < 0 or not 0 <= percent_bps <= MAX_FEE_PERCENT_BPS:
        raise ValidationError(
            "FEE_SCHEDULE_INVALID", "Fee inputs must be non-negative.", field="fee"
        )
    percentage = (amount * percent_bps + BPS_PER_UNIT // 2) // BPS_PER_UNIT
    return min(amount, percentage + fixed)


@dataclass(frozen=True)
class FeeSchedule:
    """An account's pricing: 2.9% + 30 minor units unless the account negotiated otherwise."""

    percent_bps: int = 290
    fixed: int = 30

    def fee_for(self, amount: int) -> int:
        return fee(amount, self.percent_bps, self.fixed)
