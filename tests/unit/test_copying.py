"""`evolved`, the copy folds make once per event, is `dataclasses.replace` for the states."""

from __future__ import annotations

import dataclasses

import pytest

from command_svc.domain.copying import evolved
from command_svc.domain.payments import ChargeState, ChargeStatus


def test_an_evolved_state_equals_the_replaced_one_and_leaves_the_original_as_it_was() -> None:
    state = ChargeState(charge_id="ch_1", amount=1_000, metadata={"order": "1"})

    copy = evolved(state, status=ChargeStatus.CAPTURED, amount_captured=1_000, version=4)

    assert copy == dataclasses.replace(state, status=ChargeStatus.CAPTURED, amount_captured=1_000, version=4)
    assert (state.status, state.amount_captured, state.version) == (ChargeStatus.NOT_CREATED, 0, 0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        copy.amount = 5  # type: ignore[misc]


def test_a_field_the_state_does_not_have_is_refused() -> None:
    with pytest.raises(TypeError, match="amount_capturd"):
        evolved(ChargeState(), amount_capturd=1)
