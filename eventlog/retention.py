"""How long the log must keep an event, from its `data_classification` and `retention_period`
metadata, and whether it may leave hot storage (PostgreSQL) for the archive yet."""

from __future__ import annotations

import calendar
import re
from datetime import datetime, timedelta

# The least an event of each classification is kept, whatever its own retention_period says:
# financial records 7 years (the books and their audit trail); an unknown classification is treated
# as the strictest.
MINIMUM_YEARS = {
    "DATA_CLASSIFICATION_FINANCIAL": 7,
    "DATA_CLASSIFICATION_PII": 7,
    "DATA_CLASSIFICATION_INTERNAL": 2,
    "DATA_CLASSIFICATION_PUBLIC": 1,
}
STRICTEST_YEARS = 7

_PERIOD = re.compile(r"^\s*(\d+)[_\s-]*(day|days|month|months|year|years)\s*$", re.IGNORECASE)


def _add_years(moment: datetime, years: int) -> datetime:
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:  # 29 February into a year without one: the day after 28 February, never before
        return moment.replace(year=moment.year + years, month=3, day=1)


def period_end(start: datetime, period: str) -> datetime | None:
    """`start` plus a retention period such as "7_years", "18 months", "90_days"; None if unreadable."""
    match = _PERIOD.match(period or "")
    if not match:
        return None
    amount, unit = int(match.group(1)), match.group(2).lower()
    if unit.startswith("day"):
        return start + timedelta(days=amount)
    if unit.startswith("month"):
        years, months = divmod(start.month - 1 + amount, 12)
        year, month = start.year + years, months + 1
        # A day the month lacks (31 April) becomes its last day: a retention never ends early.
        return start.replace(year=year, month=month, day=min(start.day, calendar.monthrange(year, month)[1]))
    return _add_years(start, amount)


def retain_until(created_at: datetime, metadata: dict[str, object]) -> datetime:
    """The latest of the classification's minimum and the event's own retention period."""
    classification = str(metadata.get("data_classification") or "")
    minimum = _add_years(created_at, MINIMUM_YEARS.get(classification, STRICTEST_YEARS))
    own = period_end(created_at, str(metadata.get("retention_period") or ""))
    return max(minimum, own) if own else minimum


def may_leave_hot_storage(created_at: datetime, now: datetime, min_hot_days: int) -> bool:
    return created_at <= now - timedelta(days=min_hot_days)
