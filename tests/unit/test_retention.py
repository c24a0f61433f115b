"""How long events are kept: the longer of their own retention period and their classification's."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from eventlog.retention import may_leave_hot_storage, period_end, retain_until

JAN_31 = datetime(2026, 1, 31, 12, tzinfo=UTC)


@pytest.mark.parametrize(("period", "end"), [
    ("7_years", datetime(2033, 1, 31, 12, tzinfo=UTC)),
    ("90_days", datetime(2026, 5, 1, 12, tzinfo=UTC)),
    ("1 month", datetime(2026, 2, 28, 12, tzinfo=UTC)),
    ("13_months", datetime(2027, 2, 28, 12, tzinfo=UTC)),
])
def test_retention_periods_end_on_the_expected_day_and_never_early(period: str, end: datetime) -> None:
    assert period_end(JAN_31, period) == end


def test_a_leap_day_plus_years_ends_on_the_first_of_march_not_before() -> None:
    assert period_end(datetime(2028, 2, 29, tzinfo=UTC), "1_year") == datetime(2029, 3, 1, tzinfo=UTC)


def test_financial_records_are_kept_seven_years_even_when_the_event_asks_for_less() -> None:
    financial = {"data_classification": "DATA_CLASSIFICATION_FINANCIAL", "retention_period": "30_days"}
    longer = {"data_classification": "DATA_CLASSIFICATION_PUBLIC", "retention_period": "10_years"}
    unknown = {"retention_period": "unreadable"}

    assert retain_until(JAN_31, financial) == datetime(2033, 1, 31, 12, tzinfo=UTC)
    assert retain_until(JAN_31, longer) == datetime(2036, 1, 31, 12, tzinfo=UTC)
    assert retain_until(JAN_31, unknown) == datetime(2033, 1, 31, 12, tzinfo=UTC)


def test_events_stay_in_hot_storage_for_the_minimum_days() -> None:
    now = datetime(2026, 6, 1, tzinfo=UTC)
    assert may_leave_hot_storage(datetime(2026, 3, 1, tzinfo=UTC), now, 90)
    assert not may_leave_hot_storage(datetime(2026, 3, 5, tzinfo=UTC), now, 90)
