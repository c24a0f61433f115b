"""The resource an event is about, as it stood right after that event: a webhook's `data.object`.

Stripe sends the whole object (a `charge.refunded` event carries the refunded charge), not the event's
own fields. The live read model cannot give it: by delivery time it may be ahead (later events applied)
or behind (not projected yet). So the event's stream is read from the log up to the event's version and
folded, in memory, through the very projection handlers that build the read models, then mapped by
readmodel's mappers and stripe_shapes, as the API would have answered at that moment."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

from ledgermesh.events.v1 import envelope_pb2

from eventlog.records import StoredEvent
from projector.adapters.jetstream_consumer import stored_projected_event
from projector.projections.accounts import AccountsProjection
from projector.projections.base import Op, Projection
from projector.projections.charges import ChargesProjection
from projector.projections.disputes import DisputesProjection
from projector.projections.objects import ObjectsProjection
from readmodel.accounts import account_from_hash, payout_from_hash
from readmodel.charges import charge_from_hash, refund_from_hash
from readmodel.disputes import dispute_from_hash
from readmodel.keys import Keys
from readmodel.objects import (
    customer_from_hash,
    payment_intent_from_hash,
    payment_method_from_hash,
    setup_intent_from_hash,
)
from stripe_shapes import customers, events, objects

_FOLDED: tuple[Projection, ...] = (ChargesProjection(), DisputesProjection(), AccountsProjection(),
                                   ObjectsProjection())
_KEYS = Keys("")


class StreamReader(Protocol):
    async def read_stream(self, aggregate_id: str, *, after_version: int = 0) -> list[StoredEvent]: ...


class Hashes:
    """The hash commands of the projections, on dicts. Index writes (sorted sets, counters outside
    hashes) say nothing about one object and are skipped."""

    def __init__(self) -> None:
        self.hashes: dict[str, dict[str, str]] = {}

    def apply(self, op: Op) -> None:
        name, key, *args = op
        if name == "HSET":
            self.hashes.setdefault(key, {}).update(zip(args[::2], args[1::2], strict=True))
        elif name == "HSETNX":
            self.hashes.setdefault(key, {}).setdefault(args[0], args[1])
        elif name == "HINCRBY":
            h = self.hashes.setdefault(key, {})
            h[args[0]] = str(int(h.get(args[0], "0")) + int(args[1]))
        elif name == "HDEL":
            for field in args:
                self.hashes.get(key, {}).pop(field, None)
        elif name == "DEL":
            self.hashes.pop(key, None)

    def get(self, key: str) -> dict[str, str]:
        return self.hashes.get(key, {})


# Builds the Stripe object with this id from the folded hashes (None when the fold has none); the
# string is the API's base address, which intents' `next_action` links under.
Build = Callable[[Hashes, str, str], dict[str, Any] | None]


def _charge(hashes: Hashes, charge_id: str, _api_base: str) -> dict[str, Any] | None:
    h = hashes.get(_KEYS.charge(charge_id))
    if "id" not in h:
        return None
    refunds = sorted((refund_from_hash(r) for key, r in hashes.hashes.items()
                      if key.startswith(_KEYS.refund("")) and r.get("charge_id") == charge_id),
                     key=lambda r: (r.created.ToMicroseconds(), r.id), reverse=True)
    return objects.charge(charge_from_hash(h, hashes.get(_KEYS.charge_metadata(charge_id))), refunds)


def _from(key: Callable[[str], str], mapper: Callable[[dict[str, str]], Any],
          shape: Callable[[Any], dict[str, Any]]) -> Build:
    def build(hashes: Hashes, object_id: str, _api_base: str) -> dict[str, Any] | None:
        h = hashes.get(key(object_id))
        return shape(mapper(h)) if "id" in h else None
    return build


def _intent(key: Callable[[str], str], mapper: Callable[[dict[str, str]], Any],
            shape: Callable[[Any, str], dict[str, Any]]) -> Build:
    def build(hashes: Hashes, object_id: str, api_base: str) -> dict[str, Any] | None:
        h = hashes.get(key(object_id))
        return shape(mapper(h), api_base) if "id" in h else None
    return build


# Stripe event type prefix -> (which id in the event names the object, how to build it from the fold).
_OBJECTS: tuple[tuple[str, str, Build], ...] = (
    ("charge.dispute.", "aggregate_id", _from(_KEYS.dispute, dispute_from_hash, objects.dispute)),
    ("charge.", "aggregate_id", _charge),
    ("payout.", "payout_id", _from(_KEYS.payout, payout_from_hash, objects.payout)),
    ("account.", "aggregate_id", _from(_KEYS.account, account_from_hash, objects.account)),
    ("customer.", "aggregate_id", _from(_KEYS.customer, customer_from_hash, customers.customer)),
    ("payment_method.", "aggregate_id", _from(_KEYS.payment_method, payment_method_from_hash,
                                              customers.payment_method)),
    ("payment_intent.", "aggregate_id", _intent(_KEYS.payment_intent, payment_intent_from_hash,
                                                customers.payment_intent)),
    ("setup_intent.", "aggregate_id", _intent(_KEYS.setup_intent, setup_intent_from_hash, customers.setup_intent)),
)


def _target(envelope: envelope_pb2.EventEnvelope) -> tuple[str, Build] | None:
    """The id of the object `envelope` is about and how to build it; None for events with no object."""
    stripe_type = events.stripe_event_type(envelope.event_type)
    found = next(((id_field, build) for prefix, id_field, build in _OBJECTS if stripe_type.startswith(prefix)), None)
    if found is None:
        return None
    id_field, build = found
    object_id = envelope.aggregate_id if id_field == "aggregate_id" else str(
        events.event_payload(envelope).get(id_field, ""))
    return (object_id, build) if object_id else None


class ResourceHistory:
    """The objects events are about, folded from the log: webhooks' and the events API's `data.object`."""

    def __init__(self, log_reader: StreamReader, api_base: str = "") -> None:
        self._log = log_reader
        self._api_base = api_base

    async def object_at(self, envelope: envelope_pb2.EventEnvelope) -> dict[str, Any] | None:
        """The Stripe object `envelope` is about, right after it; None for events with no such object
        (the caller then sends the event's own fields)."""
        return (await self.objects_at([envelope]))[0]

    async def objects_at(self, envelopes: Sequence[envelope_pb2.EventEnvelope]) -> list[dict[str, Any] | None]:
        """object_at for each envelope, reading each stream once however many of its events are asked."""
        found: list[dict[str, Any] | None] = [None] * len(envelopes)
        by_stream: dict[str, list[int]] = {}
        targets = [_target(e) for e in envelopes]
        for i, target in enumerate(targets):
            if target is not None:
                by_stream.setdefault(envelopes[i].aggregate_id, []).append(i)
        for aggregate_id, asked in by_stream.items():
            asked.sort(key=lambda i: envelopes[i].aggregate_version)
            hashes = Hashes()
            for stored in await self._log.read_stream(aggregate_id):
                if stored.aggregate_version > envelopes[asked[-1]].aggregate_version:
                    break
                event = stored_projected_event(stored)
                for projection in _FOLDED:
                    if projection.handlers.handles(event.event_type):
                        for op in projection.handlers.apply(event, _KEYS):
                            hashes.apply(op)
                for i in asked:
                    if envelopes[i].aggregate_version == stored.aggregate_version:
                        target = targets[i]
                        assert target is not None
                        found[i] = target[1](hashes, target[0], self._api_base)
        return found
