"""A fetched batch is applied up to the last whole transaction: a read waiting for a command's
position must never see part of that command projected."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from ledgermesh.events.v1 import envelope_pb2, payment_events_pb2

from projector.adapters.jetstream_consumer import whole_transactions


@dataclass(frozen=True)
class Message:
    data: bytes


def _event(position: int, commit: int) -> Message:
    envelope = envelope_pb2.EventEnvelope(
        event_id=f"00000000-0000-0000-0000-{position:012d}", event_type="ChargeUpdated", aggregate_type="Charge",
        aggregate_id=f"ch_{commit}", aggregate_version=position, global_position=position, tenant_id="acct_1",
        commit_position=commit)
    envelope.occurred_at.FromDatetime(datetime(2026, 11, 25, tzinfo=UTC))
    envelope.payload.Pack(payment_events_pb2.ChargeUpdated(charge_id=f"ch_{commit}"))
    return Message(envelope.SerializeToString())


def test_a_batch_of_whole_transactions_is_applied_at_once() -> None:
    assert whole_transactions([_event(1, 3), _event(2, 3), _event(3, 3), _event(4, 4)]) == 4


def test_a_batch_ending_inside_a_transaction_keeps_that_transaction_for_the_next_fetch() -> None:
    assert whole_transactions([_event(1, 2), _event(2, 2), _event(3, 5), _event(4, 5)]) == 2


def test_an_open_transaction_holds_back_the_events_after_it_to_keep_their_order() -> None:
    assert whole_transactions([_event(3, 5), _event(6, 6), _event(4, 5)]) == 0


def test_an_undecodable_message_is_not_held_back() -> None:
    assert whole_transactions([Message(b"\xff\x00not an envelope"), _event(1, 1)]) == 2


def test_the_delivery_count_is_the_one_jetstream_put_in_the_reply_subject() -> None:
    from nats.aio.msg import Msg

    from projector.adapters.jetstream_consumer import delivery_count

    for reply in ("$JS.ACK.LM.lm-projector.3.120.118.1764640000000000000.7",
                  "$JS.ACK._.AHASH.LM.lm-projector.5.120.118.1764640000000000000.7.token",
                  "$JS.ACK.hub.AHASH.LM.lm-projector.1.9.9.1764640000000000000.0"):
        msg = Msg(None, subject="lm.payments.ChargeRequested.3", reply=reply)  # type: ignore[arg-type]
        assert delivery_count(msg) == msg.metadata.num_delivered
    assert delivery_count(Msg(None, subject="lm.x", reply="")) == 1  # type: ignore[arg-type]
