"""Personal data in events: which payload fields hold it (the one table), and how they are sealed with
a data subject's key and opened again (crypto-shredding, docs/audit.md section 9).

A sealed field's stored JSON is `{"enc": "v1", "kid": key id, "n": nonce, "ct": ciphertext}` (nonce
and ciphertext base64): AES-256-GCM under the subject's 256-bit data key, with `<event id>/<field>`
(a map value: `<event id>/<field>[<key>]`) as associated data, so a sealed value cannot be moved to
another event or field. Proto string fields cannot hold an object, so on the bus (and wherever a
payload message is built from stored JSON) the same object travels as its compact JSON text
(keys sorted, e.g. `{"ct":"...","enc":"v1","kid":"...","n":"..."}`). Hash chain, signatures and
Merkle leaves cover the stored (sealed) payload, so they verify whether or not the key still exists.

Registering a new event's personal fields (the objects engineer's Customers, PaymentMethods,
PaymentIntents...): add one `PersonalFields` entry to PERSONAL_FIELDS (or call `register`), naming
string and map<string, string> fields, dotted for fields of nested messages
(`billing_details.address.line1`), the payload field that names the subject (`customer`; the
tenant account otherwise) and the fields that get a blind index (`email`). Nothing else changes:
the event log seals them on append, readers open them, `forget` finds them."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from google.protobuf.message import Message
from ledgermesh.events.v1 import customer_events_pb2

REDACTED: Final = "[redacted]"
SEALED_VERSION: Final = "v1"
_SEALED_TEXT_START: Final = '{"ct":'


@dataclass(frozen=True)
class PersonalFields:
    """The personal fields of one event type."""

    # Payload fields holding personal data: strings or map<string, string> (each value sealed), a dot
    # for a field of a nested message.
    fields: tuple[str, ...]
    # The payload field naming the data subject (a customer id); when absent or empty, the event's
    # tenant (the account) is the subject.
    subject_field: str = ""
    # Fields whose normalized value also gets an equality blind index (lookups like "by e-mail").
    indexed: tuple[str, ...] = ()


# The parts of a postal address (Stripe's address hash), as the events carry it.
ADDRESS_PARTS: Final = tuple(f.name for f in customer_events_pb2.CustomerAddress.DESCRIPTOR.fields)


def _address(field: str) -> tuple[str, ...]:
    """A postal address field's parts, each sealed on its own (`address.line1`): read models keep
    them as separate fields, so that redacting the erased ones live equals a rebuild's result."""
    return tuple(f"{field}.{part}" for part in ADDRESS_PARTS)


# The one table of personal fields, by event type. Amounts, currencies, ids, statuses, times and card
# facts stay clear: the books must survive an erasure for their 7 years.
PERSONAL_FIELDS: dict[str, PersonalFields] = {
    "ChargeRequested": PersonalFields(("description", "receipt_email", "metadata"), subject_field="customer",
                                      indexed=("receipt_email",)),
    "ChargeUpdated": PersonalFields(("description", "metadata")),
    "AccountOnboarded": PersonalFields(("email", "business_name", "metadata"), subject_field="account_id",
                                       indexed=("email",)),
    # Dispute evidence names the cardholder: customer_name, customer_email_address, billing_address...
    "EvidenceSubmitted": PersonalFields(("evidence",)),
    # Customers are their own data subjects, postal addresses included (each line of it a field).
    "CustomerCreated": PersonalFields(("email", "name", "phone", "description", "metadata", *_address("address")),
                                      subject_field="customer_id", indexed=("email",)),
    "CustomerUpdated": PersonalFields(("email", "name", "phone", "description", "metadata", *_address("address")),
                                      subject_field="customer_id", indexed=("email",)),
    "PaymentMethodCreated": PersonalFields(("billing_name", "billing_email", "billing_phone", "metadata",
                                            *_address("billing_address")), subject_field="customer"),
    # Names no customer: sealed for the account (a card's holder updated later is the merchant's record).
    "PaymentMethodUpdated": PersonalFields(("billing_name", "billing_email", "metadata")),
    "PaymentIntentCreated": PersonalFields(("description", "receipt_email", "metadata"), subject_field="customer"),
    "PaymentIntentUpdated": PersonalFields(("description", "metadata"), subject_field="customer"),
    "SetupIntentCreated": PersonalFields(("description", "metadata"), subject_field="customer"),
}

# The audit metadata key holding the caller's IP address: sealed for the commit's tenant.
IP_ADDRESS: Final = "ip_address"


def register(event_type: str, personal: PersonalFields) -> None:
    """Declare an event type's personal fields (once per event type)."""
    if event_type in PERSONAL_FIELDS and PERSONAL_FIELDS[event_type] != personal:
        raise ValueError(f"{event_type}'s personal fields are declared already")
    PERSONAL_FIELDS[event_type] = personal


def has_personal_fields(event_type: str) -> bool:
    return event_type in PERSONAL_FIELDS


def subject_of(event_type: str, data: Mapping[str, Any], tenant_id: str) -> str:
    """The data subject whose key seals this event's personal fields."""
    personal = PERSONAL_FIELDS.get(event_type)
    if personal is not None and personal.subject_field:
        named = data.get(personal.subject_field)
        if isinstance(named, str) and named:
            return named
    return tenant_id


@dataclass(frozen=True)
class SubjectKey:
    """A subject's 256-bit data key, unwrapped."""

    key_id: str
    subject_id: str
    key: bytes


# --- Sealing and opening one value ---------------------------------------------------------------


def associated_data(event_id: str, field: str, map_key: str | None = None) -> bytes:
    where = f"{event_id}/{field}" if map_key is None else f"{event_id}/{field}[{map_key}]"
    return where.encode()


@lru_cache(maxsize=4096)
def _aead(key: bytes) -> AESGCM:
    return AESGCM(key)


def seal_value(key: SubjectKey, plaintext: str, aad: bytes) -> dict[str, str]:
    nonce = os.urandom(12)
    ciphertext = _aead(key.key).encrypt(nonce, plaintext.encode(), aad)
    return {"enc": SEALED_VERSION, "kid": key.key_id, "n": base64.b64encode(nonce).decode(),
            "ct": base64.b64encode(ciphertext).decode()}


# json.dumps(..., sort_keys=True, separators=(",", ":")) without making an encoder per call (a rebuild
# writes a few sealed values per event): the same encoder, so the same text.
_SEALED_JSON = json.JSONEncoder(sort_keys=True, separators=(",", ":")).encode


def sealed_text(sealed: Mapping[str, str]) -> str:
    """A sealed value as the bus carries it in a string field."""
    return _SEALED_JSON(dict(sealed))


def as_sealed(value: Any) -> dict[str, str] | None:
    """The sealed object of a stored (object) or bus (text) value; None for a plain value."""
    if isinstance(value, dict):
        return value if value.get("enc") == SEALED_VERSION else None
    if isinstance(value, str) and value.startswith(_SEALED_TEXT_START):
        try:
            parsed = json.loads(value)
        except ValueError:
            return None
        return parsed if isinstance(parsed, dict) and parsed.get("enc") == SEALED_VERSION else None
    return None


# A key by id: the key bytes, or None when it was destroyed (or is unknown here).
KeyById = Callable[[str], bytes | None]


def open_value(sealed: Mapping[str, str], aad: bytes, key_by_id: KeyById) -> str:
    """The plaintext, or REDACTED when the subject's key is gone."""
    key = key_by_id(sealed["kid"])
    if key is None:
        return REDACTED
    try:
        return _aead(key).decrypt(base64.b64decode(sealed["n"]), base64.b64decode(sealed["ct"]), aad).decode()
    except InvalidTag:
        # Moved to another event or field, or altered: never shown as if it were the original.
        return REDACTED


def open_ip_address(metadata: Mapping[str, Any], key_by_id: KeyById) -> str:
    """The caller's IP address of a stored event's metadata (sealed for the command, see
    eventlog.subject_keys), or as stored when it is not sealed."""
    value = metadata.get(IP_ADDRESS, "")
    sealed = as_sealed(value)
    if sealed is None:
        return str(value)
    return open_value(sealed, associated_data(str(metadata.get("correlation_id", "")), f"metadata.{IP_ADDRESS}"),
                      key_by_id)


def blind_index(index_key: bytes, value: str) -> str:
    """HMAC-SHA256 of the normalized value (trimmed, case-folded): equality lookups without the value."""
    return hmac.new(index_key, value.strip().casefold().encode(), hashlib.sha256).hexdigest()


# --- Whole payloads (stored JSON) ---------------------------------------------------------------


def _parent(data: dict[str, Any], path: str, create: bool) -> tuple[dict[str, Any] | None, str]:
    *parents, leaf = path.split(".")
    node: Any = data
    for name in parents:
        if not isinstance(node, dict) or not isinstance(node.get(name), dict):
            return None, leaf
        node = node[name]
    return (node if isinstance(node, dict) else None), leaf


@dataclass(frozen=True)
class SealedPayload:
    data: dict[str, Any]
    # (indexed field, normalized plaintext) pairs for the blind index.
    indexed: tuple[tuple[str, str], ...] = ()


def _copy(data: Mapping[str, Any], path: str) -> dict[str, Any]:
    # Copies the dicts on the way to `path`; the rest is shared with the original.
    out = dict(data)
    node = out
    for name in path.split(".")[:-1]:
        child = node.get(name)
        if not isinstance(child, dict):
            break
        node[name] = dict(child)
        node = node[name]
    return out


def seal_payload(event_type: str, event_id: str, data: Mapping[str, Any], key: SubjectKey) -> SealedPayload:
    """The stored payload with its personal fields sealed with `key` (empty values stay as they are:
    they say nothing)."""
    personal = PERSONAL_FIELDS.get(event_type)
    if personal is None:
        return SealedPayload(dict(data))
    out: dict[str, Any] = dict(data)
    indexed: list[tuple[str, str]] = []
    for path in personal.fields:
        if "." in path:
            out = _copy(out, path)
            parent, leaf = _parent(out, path, create=False)
            if parent is None:
                continue
        else:
            parent, leaf = out, path
        value = parent.get(leaf)
        if not value:
            continue
        if isinstance(value, str):
            # Always sealed, whatever it looks like: stored sealed values are objects, never text.
            parent[leaf] = seal_value(key, value, associated_data(event_id, path))
            if path in personal.indexed:
                indexed.append((f"{event_type}.{path}", value))
        elif isinstance(value, dict) and value.get("enc") != SEALED_VERSION:
            parent[leaf] = {k: seal_value(key, v, associated_data(event_id, path, k)) if isinstance(v, str) and v else v
                            for k, v in value.items()}
    return SealedPayload(out, tuple(indexed))


def _sealed_values(data: Mapping[str, Any], path: str) -> Iterator[tuple[str | None, dict[str, str]]]:
    parent, leaf = _parent(dict(data), path, create=False)
    if parent is None or leaf not in parent:
        return
    value = parent[leaf]
    sealed = as_sealed(value)
    if sealed is not None:
        yield None, sealed
    elif isinstance(value, dict):
        for k, v in value.items():
            inner = as_sealed(v)
            if inner is not None:
                yield k, inner


def sealed_fields(event_type: str, data: Mapping[str, Any]) -> list[tuple[str, str | None, str]]:
    """(field, map key or None, key id) of every sealed value of a stored payload."""
    personal = PERSONAL_FIELDS.get(event_type)
    if personal is None:
        return []
    return [(path, map_key, sealed["kid"]) for path in personal.fields
            for map_key, sealed in _sealed_values(data, path)]


def open_payload(event_type: str, event_id: str, data: Mapping[str, Any], key_by_id: KeyById) -> dict[str, Any]:
    """The stored payload with every sealed value opened (REDACTED where the key is gone)."""
    personal = PERSONAL_FIELDS.get(event_type)
    if personal is None:
        return dict(data)
    out: dict[str, Any] = dict(data)
    for path in personal.fields:
        out = _copy(out, path)
        parent, leaf = _parent(out, path, create=False)
        if parent is None or leaf not in parent:
            continue
        value = parent[leaf]
        sealed = as_sealed(value)
        if sealed is not None:
            parent[leaf] = open_value(sealed, associated_data(event_id, path), key_by_id)
        elif isinstance(value, dict):
            opened = {}
            for k, v in value.items():
                inner = as_sealed(v)
                opened[k] = v if inner is None else open_value(inner, associated_data(event_id, path, k), key_by_id)
            parent[leaf] = opened
    return out


def bus_form(event_type: str, data: Mapping[str, Any]) -> dict[str, Any]:
    """The stored payload with each sealed object as its JSON text, as a payload message holds it."""
    personal = PERSONAL_FIELDS.get(event_type)
    if personal is None:
        return dict(data)
    out: dict[str, Any] = dict(data)
    for path in personal.fields:
        out = _copy(out, path)
        parent, leaf = _parent(out, path, create=False)
        if parent is None or leaf not in parent:
            continue
        value = parent[leaf]
        if as_sealed(value) is not None:
            parent[leaf] = sealed_text(value)
        elif isinstance(value, dict):
            parent[leaf] = {k: sealed_text(v) if isinstance(v, dict) and as_sealed(v) else v for k, v in value.items()}
    return out


@dataclass(frozen=True)
class ErasedField:
    """One personal field of one stored event made unreadable by an erasure (SubjectForgotten's
    `erased_fields` entries): where it is, never what it was."""

    aggregate_id: str
    event_id: str
    event_type: str
    field: str
    map_key: str | None = None

    def text(self) -> str:
        head = f"{self.aggregate_id} {self.event_id} {self.event_type} {self.field}"
        return head if self.map_key is None else f"{head} {self.map_key}"

    @classmethod
    def parse(cls, text: str) -> ErasedField:
        parts = text.split(" ", 4)
        if len(parts) < 4:
            raise ValueError(f"not an erased field: {text!r}")
        return cls(parts[0], parts[1], parts[2], parts[3], parts[4] if len(parts) == 5 else None)


# --- Payload messages (what projections receive) --------------------------------------------------


def open_message(event_type: str, event_id: str, message: Message, key_by_id: KeyById) -> Message | None:
    """A copy of the payload message with its sealed values opened; None when nothing in it is sealed
    (the common case costs a few attribute reads)."""
    personal = PERSONAL_FIELDS.get(event_type)
    if personal is None:
        return None
    opened: Message | None = None
    for path in personal.fields:
        *parents, leaf = path.split(".")
        source: Any = message
        for name in parents:
            source = getattr(source, name)
        value = getattr(source, leaf)
        if isinstance(value, str):
            sealed = as_sealed(value)
            if sealed is None:
                continue
            if opened is None:
                opened = _clone(message)
            _target(opened, parents).__setattr__(leaf, open_value(sealed, associated_data(event_id, path), key_by_id))
        else:  # a map<string, string>
            for k, v in list(value.items()):
                inner = as_sealed(v)
                if inner is None:
                    continue
                if opened is None:
                    opened = _clone(message)
                getattr(_target(opened, parents), leaf)[k] = open_value(
                    inner, associated_data(event_id, path, k), key_by_id)
    return opened


def _clone(message: Message) -> Message:
    copy = type(message)()
    copy.CopyFrom(message)
    return copy


def _target(message: Message, parents: list[str]) -> Any:
    node: Any = message
    for name in parents:
        node = getattr(node, name)
    return node
