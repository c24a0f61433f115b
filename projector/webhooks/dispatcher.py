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
from datetime import UTC

import httpx
from google.protobuf.message import DecodeError
from ledgermesh.events.v1 import envelope_pb2
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import FetchTimeoutError

from projector.projections.base import opened_envelope
from projector.webhooks.delivery import EndpointWorker
from projector.webhooks.endpoints import EndpointDirectory
from projector.webhooks.outbox import DeliveryOutbox
from projector.webhooks.resources import ResourceHistory
from stripe_shapes import events

log = logging.getLogger(__name__)


class WebhookDispatcher:
    def __init__(self, js: JetStreamContext, directory: EndpointDirectory, outbox: DeliveryOutbox, *, stream: str,
                 subject_prefix: str, durable: str, retry_delays: tuple[float, ...], allow_private: bool,
                 history: ResourceHistory | None = None) -> None:
        self._js = js
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
        try:
            for endpoint_id in await self._outbox.endpoints_with_pending():
                self._worker(endpoint_id)
            sub = await self._js.pull_subscribe(self._subject, durable=self.durable, stream=self._stream,
                                                config=config)
            while not stop.is_set():
                try:
                    msgs = await sub.fetch(100, timeout=0.5)
                except (FetchTimeoutError, NatsTimeoutError, TimeoutError):
                    continue
                except Exception:  # noqa: BLE001 - a broken fetch must not end delivery; log and retry
                    if stop.is_set():
                        return
                    log.exception("webhook fetch failed; retrying")
                    await asyncio.sleep(0.5)
                    continue
                for msg in msgs:
                    try:
                        await self.dispatch(msg.data)
                    except Exception:  # noqa: BLE001 - PostgreSQL unreachable: redeliver the event later
                        log.exception("webhook dispatch failed; redelivering")
                        await msg.nak(delay=1.0)
                        continue
                    await msg.ack()
        finally:
            await self.close()

    def _worker(self, endpoint_id: str) -> EndpointWorker:
        worker = self._workers.get(endpoint_id)
        if worker is None or worker.finished:
            worker = EndpointWorker(endpoint_id, self._directory, self._outbox, self._http, self._delays,
                                    self._allow_private)
            worker.start()
            self._workers[endpoint_id] = worker
        return worker

    async def dispatch(self, data: bytes) -> None:
        envelope = envelope_pb2.EventEnvelope()
        try:
            envelope.ParseFromString(data)
        except DecodeError:
            # Not an event (the projections dead-letter such messages); there is nothing to deliver.
            log.warning("webhook dispatcher skipped a message that is not an EventEnvelope")
            return
        if envelope.event_type not in events.STRIPE_EVENT_TYPES or not envelope.tenant_id:
            return
        stripe_type = events.stripe_event_type(envelope.event_type)
        occurred = envelope.occurred_at.ToDatetime(tzinfo=UTC)
        targets = [e.id for e in await self._directory.enabled_for(envelope.tenant_id)
                   if e.wants(stripe_type) and e.created_at <= occurred]
        if not targets:
            return
        opened = opened_envelope(envelope)
        resource = await self._history.object_at(opened) if self._history is not None else None
        payload = json.dumps(events.event(opened, resource), separators=(",", ":"))
        await self._outbox.enqueue(targets, events.event_id(envelope.event_id), payload)
        for endpoint_id in targets:
            self._worker(endpoint_id).wake()

    async def close(self) -> None:
        for worker in self._workers.values():
            await worker.stop()
        await self._http.aclose()
