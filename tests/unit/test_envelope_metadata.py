"""The rebuild's direct JSON form of an event's metadata must equal the message's JSON form, field for
field, or a rebuilt audit trail differs from the live one (it did, when key_kind was added)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.timestamp_pb2 import Timestamp
from hypothesis import given
from hypothesis import strategies as st
from ledgermesh.events.v1 import envelope_pb2

from eventcodec.codec import message_json
from eventlog.envelope import envelope_metadata, envelope_metadata_json, timestamp_of
from eventlog.records import StoredEvent

_FROM_EVENT = {"event_hash", "previous_event_hash", "signature"}


def _stored(metadata: dict[str, str]) -> StoredEvent:
    return StoredEvent(
        global_position=7, event_id=uuid.uuid4(), tenant_id="acct_1", aggregate_id="ch_1", aggregate_type="Charge",
        aggregate_version=1, event_type="ChargeRequested", event_version=1, data={}, metadata=metadata,
        created_at=datetime(2026, 12, 1, tzinfo=UTC), event_hash="h" * 64, previous_event_hash="p" * 64,
        signature="sig")


def test_every_metadata_field_reads_the_same_on_the_rebuilds_direct_path() -> None:
    metadata: dict[str, str] = {}
    for field in envelope_pb2.EventMetadata.DESCRIPTOR.fields:
        if field.name in _FROM_EVENT:
            continue
        if field.type == FieldDescriptor.TYPE_ENUM:
            metadata[field.name] = field.enum_type.values[-1].name
        else:
            metadata[field.name] = f"value of {field.name}"
    stored = _stored(metadata)
    direct = envelope_metadata_json(stored)
    assert direct == message_json(envelope_metadata(stored))
    assert set(direct) == {f.name for f in envelope_pb2.EventMetadata.DESCRIPTOR.fields}


def test_empty_metadata_reads_the_same_on_the_rebuilds_direct_path() -> None:
    stored = _stored({})
    assert envelope_metadata_json(stored) == message_json(envelope_metadata(stored))


@given(st.datetimes(timezones=st.none() | st.timezones()))
def test_an_envelopes_time_is_the_moment_timestamp_from_datetime_gives(moment: datetime) -> None:
    expected = Timestamp()
    expected.FromDatetime(moment)

    assert timestamp_of(moment) == expected
