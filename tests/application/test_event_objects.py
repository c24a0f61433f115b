"""The objects events are about, folded from the log (webhooks' and the events API's `data.object`): each
event shows its object as it stood right after it, and a page of events reads each stream once."""

from __future__ import annotations

from eventlog.envelope import to_envelope
from eventlog.records import StoredEvent
from projector.webhooks.resources import ResourceHistory
from tests.application.harness import CommandSide
from tests.application.objects import ObjectSide


class CountingReader:
    def __init__(self, side: CommandSide) -> None:
        self.side = side
        self.reads: list[str] = []

    async def read_stream(self, aggregate_id: str, *, after_version: int = 0) -> list[StoredEvent]:
        self.reads.append(aggregate_id)
        return await self.side.store.read_stream(aggregate_id, after_version=after_version)


async def test_each_intent_event_shows_the_intent_as_it_was_then_from_one_read_of_its_stream(
        side: CommandSide) -> None:
    objects = ObjectSide(side)
    merchant = (await side.onboard()).state.account_id
    intent = await objects.intent(merchant, 7_000, payment_method="pm_card_visa", capture_method="manual",
                                  confirm=True)
    intent_id = intent.state.payment_intent_id
    stream = await side.store.read_stream(intent_id)
    reader = CountingReader(side)

    shown = await ResourceHistory(reader, "http://gateway.test/").objects_at([to_envelope(e) for e in stream])

    assert reader.reads == [intent_id]
    assert [(o or {}).get("status") for o in shown] == ["requires_confirmation", "requires_capture"]
    assert all(o is not None and o["id"] == intent_id and o["amount"] == 7_000 for o in shown)
    assert shown[0]["latest_charge"] is None and shown[1]["latest_charge"] == intent.state.latest_charge
    assert shown[1]["amount_capturable"] == 7_000


async def test_an_event_about_no_object_has_none_and_reads_nothing(side: CommandSide) -> None:
    merchant = (await side.onboard()).state.account_id
    charge = await side.charge(merchant, 1_000)
    ledger_events = [e for e in side.store.events if e.event_type == "LedgerEntryPosted"]
    charge_events = await side.store.read_stream(charge.state.charge_id)
    reader = CountingReader(side)

    shown = await ResourceHistory(reader).objects_at([to_envelope(ledger_events[0]), to_envelope(charge_events[-1])])

    assert shown[0] is None and reader.reads == [charge.state.charge_id]
    assert shown[1] is not None and shown[1]["object"] == "charge" and shown[1]["amount_captured"] == 1_000
