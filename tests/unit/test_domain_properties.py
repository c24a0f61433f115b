"""Properties of the domain's money arithmetic. Properties of whole command sequences (balanced
books, no overdraw) run on the real application: tests/application/test_properties.py."""

from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from command_svc.domain.money import fee


@given(
    amount=st.integers(min_value=0, max_value=99_999_999),
    percent_bps=st.integers(min_value=0, max_value=10_000),
    fixed=st.integers(min_value=0, max_value=1_000),
)
def test_fee_is_the_exact_percentage_rounded_half_up_plus_fixed_capped_at_amount(
    amount: int, percent_bps: int, fixed: int
) -> None:
    exact = Fraction(amount * percent_bps, 10_000)
    rounded = int(exact) + (1 if exact - int(exact) >= Fraction(1, 2) else 0)

    charged = fee(amount, percent_bps, fixed)

    assert charged == min(amount, rounded + fixed)
    assert 0 <= amount - charged <= amount
