"""The canonical bytes of an event stay exactly what `ledgermesh verify` and offline verifiers compute
(docs/audit.md, section 2: sorted keys, `,` and `:`, non-ASCII as is), whichever encoder writes them."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from eventlog.integrity import canonical_bytes

CREATED = datetime(2026, 1, 1, tzinfo=UTC)
_json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70) | st.text()
    | st.floats(allow_nan=False, allow_infinity=False),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=12,
)


def _standard_library_form(data: dict[str, Any], metadata: dict[str, Any]) -> bytes:
    document = {"event_id": "e", "tenant_id": "acct_1", "aggregate_id": "ch_1", "aggregate_type": "Charge",
                "aggregate_version": 1, "event_type": "ChargeRequested", "event_version": 1,
                "created_at": "2026-01-01T00:00:00.000000Z", "data": data, "metadata": metadata}
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _canonical(data: dict[str, Any], metadata: dict[str, Any]) -> bytes:
    return canonical_bytes(event_id="e", tenant_id="acct_1", aggregate_id="ch_1", aggregate_type="Charge",
                           aggregate_version=1, event_type="ChargeRequested", event_version=1, created_at=CREATED,
                           data=data, metadata=metadata)


@given(st.dictionaries(st.text(max_size=8), _json_values, max_size=6),
       st.dictionaries(st.text(max_size=8), st.text(), max_size=4))
def test_canonical_bytes_are_the_standard_librarys_sorted_compact_utf8_json(data: dict[str, Any],
                                                                            metadata: dict[str, Any]) -> None:
    assert _canonical(data, metadata) == _standard_library_form(data, metadata)


def test_every_code_point_and_control_character_is_written_as_the_standard_library_writes_it() -> None:
    every = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF)
    keys = {chr(c): c for c in (0x41, 0x61, 0x7F, 0x80, 0xE9, 0xFFFF, 0x10000, 0x1F600, 0x10FFFF)}
    data = {"text": every, "keys": keys, "tuple": (1, "a"), "ints": [-(2**63), 2**64 - 1]}

    assert _canonical(data, {"m": "\u2028\x00"}) == _standard_library_form(data, {"m": "\u2028\x00"})


def test_floats_and_integers_beyond_64_bits_are_written_as_the_standard_library_writes_them() -> None:
    data = {"small": 1e-05, "tiny": 2.5e-7, "large": 1e16, "big": 2**64, "negative": -(2**63) - 1}

    assert _canonical(data, {}) == _standard_library_form(data, {})


def test_the_hash_metadata_is_not_part_of_the_canonical_bytes() -> None:
    sealed = {"request_id": "req_1", "event_hash": "ab", "previous_event_hash": "", "signature": "cd"}

    assert _canonical({}, sealed) == _standard_library_form({}, {"request_id": "req_1"})
