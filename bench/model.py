"""What a scenario is, and how its numbers are judged against the goals of the issues (7, 12)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from bench.harness import Servers


class Size(Enum):
    FULL = "full"
    QUICK = "quick"
    SMOKE = "smoke"


@dataclass(frozen=True)
class Goal:
    """`metric <op> target`, where metric is the LedgerMesh median or its ratio to the baseline."""

    text: str
    target: float
    at_least: bool
    on_ratio: bool = False

    def met(self, value: float, ratio: float | None) -> bool | None:
        subject = ratio if self.on_ratio else value
        if subject is None or subject != subject:
            return None
        return subject >= self.target if self.at_least else subject <= self.target


def ratio_at_least(target: float) -> Goal:
    return Goal(f">= {target:g}x baseline", target, at_least=True, on_ratio=True)


def ratio_at_most(target: float) -> Goal:
    return Goal(f"<= {target:g}x baseline", target, at_least=False, on_ratio=True)


def at_most(target: float, unit: str) -> Goal:
    return Goal(f"<= {target:g} {unit}", target, at_least=False)


def at_least(target: float, unit: str) -> Goal:
    return Goal(f">= {target:,g} {unit}", target, at_least=True)


@dataclass(frozen=True)
class Row:
    """One line of the results table: a LedgerMesh metric, optionally next to a baseline metric."""

    metric: str
    label: str
    unit: str
    baseline: str | None = None
    baseline_label: str = ""
    goal: Goal | None = None
    # The baseline is measured only in some set-ups (e.g. next to projector.rebuild when it exists).
    baseline_optional: bool = False


@dataclass
class RunContext:
    servers: Servers
    size: Size
    # Medians of earlier scenarios of this session (e.g. the lag scenario's load follows the command one).
    session: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Scenario:
    name: str
    title: str
    rows: tuple[Row, ...]
    run: Callable[[RunContext], Awaitable[dict[str, float]]]
    # When set, the scenario cannot run here and the table says why; never a made-up number.
    unavailable: Callable[[], str | None] = lambda: None
    # Wall-clock budget for all runs of the full-size scenario; later runs are skipped (and counted) past it.
    budget_s: float = 240.0
    # Work done once per session, before the runs (e.g. generating the rebuild data set).
    prepare: Callable[[RunContext], Awaitable[None]] | None = None
    cleanup: Callable[[RunContext], Awaitable[None]] | None = None
