"""The read models. Each projection has its own checkpoint (one worker applies them all per batch), and owns the keys
matching its `key_patterns` (no two projections write the same key), so each can be rebuilt alone."""

from __future__ import annotations

from projector.projections.accounts import AccountsProjection
from projector.projections.analytics import AnalyticsProjection
from projector.projections.balance import BalanceProjection
from projector.projections.base import Projection
from projector.projections.charges import ChargesProjection
from projector.projections.compliance import ComplianceProjection
from projector.projections.dashboard import DashboardProjection
from projector.projections.disputes import DisputesProjection
from projector.projections.events import EventsProjection
from projector.projections.objects import ObjectsProjection
from projector.projections.settlement import SettlementProjection


def all_projections() -> list[Projection]:
    return [
        ChargesProjection(), AccountsProjection(), BalanceProjection(), DisputesProjection(),
        AnalyticsProjection(), ComplianceProjection(), SettlementProjection(), DashboardProjection(),
        EventsProjection(), ObjectsProjection(),
    ]


def projection_named(name: str) -> Projection:
    for projection in all_projections():
        if projection.name == name:
            return projection
    raise KeyError(f"no projection named {name!r}; known: {', '.join(p.name for p in all_projections())}")
