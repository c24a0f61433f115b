"""The webhook dispatcher: one durable JetStream consumer that turns each log event into a Stripe event
and records a delivery in the outbox for every enabled endpoint of the account that subscribes to its
type, then acks. One worker task per endpoint sends its deliveries (projector/webhooks/delivery.py).

The outbox is in PostgreSQL, so queued deliveries and retry schedules survive a restart; on start the
dispatcher resumes every endpoint with pending deliveries. One dispatcher per deployment: two would
send each delivery twice (receivers must tolerate duplicates anyway, as with Stripe)."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Sequence
from datetime import UTC

import httpx
from google.protobuf.message import DecodeError
from ledgermesh.events.v1 import envelope_pb2
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from projector.adapters.pull import ConsumerGone, ContinuousPull
from projector.projections.base import opened_envelope
from projector.webhooks.delivery import EndpointWorker
from projector.webhooks.endpoints import Endpoint, EndpointDirectory
from projector.webhooks.outbox import DeliveryOutbox
from projector.webhooks.resources import ResourceHistory
from stripe_shapes import events
from support.cancellation import honour_dropped_cancel

log = logging.getLogger(__name__)

# Messages dispatched together: one endpoint query for all of them.
_BATCH = 100


class WebhookDispatcher:
    def __init__(self, nc: NATS, directory: EndpointDirectory, outbox: DeliveryOutbox, *, stream: str,
                 subject_prefix: str, durable: str, retry_delays: tuple[float, ...], allow_private: bool,
                 history: ResourceHistory | None = None) -> None:
        self._nc = nc
        self._js = nc.jetstream()
        self._directory = directory
        self._outbox = outbox
        self._stream = stream
        self._subject = f"{subject_prefix}.>"
        self.durable = durable
        self._delays = retry_delays
        self._allow_private = allow_private
        self._workers: dict[str, EndpointWorker] = {}
        self._http = httpx.AsyncClient()
        # Without it (tests of the outbox alone), data.object is the event's own fields.
        self._history = history

    async def run(self, stop: asyncio.Event) -> None:
        config = ConsumerConfig(durable_name=self.durable, ack_policy=AckPolicy.EXPLICIT,
                                deliver_policy=DeliverPolicy.ALL, ack_wait=30, max_deliver=-1,
                                filter_subject=self._subject)
        # As the projector workers: a window of pull requests stays open, so an event is dispatched as
        # soon as it arrives (no fetch timeout to wait out), and batches form by themselves under load.
        pull = ContinuousPull(self._nc, self._js, self._stream, config, window=2 * _BATCH)
        if self._http.is_closed:
            # Started again by its supervisor after a failure: the last run closed its client.
            self._http = httpx.AsyncClient()
        try:
            for endpoint_id in await self._outbox.endpoints_with_pending():
                self._worker(endpoint_id)
            await pull.open()
            while not stop.is_set():
                # Cancelled, it must end even if a NATS reply landing at that moment hid the request.
                honour_dropped_cancel()
                try:
                    msgs = await pull.next_messages(_BATCH, wait=0.25)
                except ConsumerGone:
                    log.warning("webhook consumer %s is gone; creating it again", self.durable)
                    await pull.close()
                    await pull.open()
                    continue
                if msgs:
                    await self.dispatch(msgs)
        finally:
            await pull.close()
            await self.close()

    async def dispatch(self, msgs: Sequence[Msg]) -> None:
        """Record the deliveries of a batch of bus messages and settle them: the endpoints of every
        account in the batch are read in one query."""
        batch = [(msg, _deliverable(msg.data)) for msg in msgs]
        try:
            endpoints = await self._directory.enabled_for({e.tenant_id for _, e in batch if e is not None})
        except Exception:  # noqa: BLE001 - PostgreSQL unreachable: redeliver the batch later
            log.exception("webhook endpoints unreadable; redelivering the batch")
            for msg in msgs:
                await msg.nak(delay=1.0)
            return
        for msg, envelope in batch:
            try:
                if envelope is not None:
                    await self._enqueue(envelope, endpoints[envelope.tenant_id])
            except Exception:  # noqa: BLE001 - PostgreSQL unreachable: redeliver the event later
                log.exception("webhook dispatch failed; redelivering")
                await msg.nak(delay=1.0)
                continue
            await msg.ack()

    async def _enqueue(self, envelope: envelope_pb2.EventEnvelope, endpoints: Sequence[Endpoint]) -> None:
        stripe_type = events.stripe_event_type(envelope.event_type)
        occurred = envelope.occurred_at.ToDatetime(tzinfo=UTC)
        targets = [e.id for e in endpoints if e.wants(stripe_type) and e.created_at <= occurred]
        if not targets:
            return
        opened = await opened_envelope(envelope)
        resource = await self._history.object_at(opened) if self._history is not None else None
        payload = json.dumps(events.event(opened, resource), separators=(",", ":"))
        await self._outbox.enqueue(targets, events.event_id(envelope.event_id), payload)
        for endpoint_id in targets:
            self._worker(endpoint_id).wake()

    def _worker(self, endpoint_id: str) -> EndpointWorker:
        worker = self._workers.get(endpoint_id)
        if worker is None or worker.finished:
            worker = EndpointWorker(endpoint_id, self._directory, self._outbox, self._http, self._delays,
                                    self._allow_private)
            worker.start()
            self._workers[endpoint_id] = worker
        return worker

    async def close(self) -> None:
        for worker in self._workers.values():
            await worker.stop()
        await self._http.aclose()


def _deliverable(data: bytes) -> envelope_pb2.EventEnvelope | None:
    """The event if it is one a merchant can receive (a Stripe event type, of an account), else None."""
    envelope = envelope_pb2.EventEnvelope()
    try:
        envelope.ParseFromString(data)
    except DecodeError:
        # Not an event (the projections dead-letter such messages); there is nothing to deliver.
        log.warning("webhook dispatcher skipped a message that is not an EventEnvelope")
        return None
    if envelope.event_type not in events.STRIPE_EVENT_TYPES or not envelope.tenant_id:
        return None
    return envelope
