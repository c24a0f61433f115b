"""The read models. Each projection has its own durable consumer and checkpoint."""

from __future__ import annotations

from projector.projections.accounts import AccountsProjection
from projector.projections.base import Projection
from projector.projections.charges import ChargesProjection


def all_projections() -> list[Projection]:
    return [ChargesProjection(), AccountsProjection()]
