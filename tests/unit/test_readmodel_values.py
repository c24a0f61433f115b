"""Values as read-model hashes store them read back exactly as protobuf's own JSON mapping would."""

from __future__ import annotations

from datetime import UTC, datetime

from google.protobuf.timestamp_pb2 import Timestamp
from hypothesis import given
from hypothesis import strategies as st

from readmodel.values import rfc3339, timestamp_from_text

instants = st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(2200, 1, 1), timezones=st.just(UTC))


@given(instants, st.integers(0, 999))
def test_a_stored_timestamp_reads_back_as_protobuf_parses_it(instant: datetime, extra_nanos: int) -> None:
    ts = Timestamp()
    ts.FromDatetime(instant)
    ts.nanos += extra_nanos if ts.nanos + extra_nanos < 10**9 else 0
    text = ts.ToJsonString()
    expected = Timestamp()
    expected.FromJsonString(text)
    assert timestamp_from_text(text) == expected


@given(instants)
def test_a_domain_datetime_is_stored_as_the_events_timestamps_are(instant: datetime) -> None:
    ts = Timestamp()
    ts.FromDatetime(instant)
    assert rfc3339(instant) == ts.ToJsonString()
    assert timestamp_from_text(rfc3339(instant)) == ts
