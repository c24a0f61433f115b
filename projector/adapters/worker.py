"""A projector worker: one durable JetStream consumer feeding every projection in one pass.

Each message is decoded once; every projection computes its writes from the same event, and the whole
batch is applied in one atomic Lua call in which each projection keeps its own per-aggregate
checkpoint (AllProjectionsApplier). Per message and projection the outcome is exact:
applied / duplicate (redelivery, replay) / out of order (nak'ed briefly, waits for its predecessor) /
failed (its writes could not be computed or ran into a Redis error: retried with backoff, and after
max_deliver attempts dead-lettered with its error, for that projection only; the others applied it).
A message is acknowledged once every projection has settled it.

Redis or NATS being down is not the event's fault: the batch is kept (JetStream is told it is still in
progress) and retried with a short capped backoff, so projections resume by themselves within about a
second of the dependency returning, and no event is dead-lettered because a dependency was down."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TypeVar

from ledgermesh.events.v1 import envelope_pb2
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from redis.asyncio import Redis

from projector.adapters.jetstream_consumer import ConsumerOptions, decode, delivery_count, whole_transactions
from projector.adapters.pull import ConsumerGone, ContinuousPull
from projector.adapters.redis_apply import AllProjectionsApplier, EntryResult, EventWrites, Outcome
from projector.metrics import PROJECTOR_METRICS
from projector.projections.base import Op, Projection, fetch_keys
from readmodel.events import ProjectedEvent
from readmodel.keys import Keys
from support.cancellation import honour_dropped_cancel

T = TypeVar("T")
log = logging.getLogger(__name__)
tracer = trace.get_tracer("ledgermesh.projector")

# The rest of a transaction whose first events arrived is at most milliseconds behind.
_REST_OF_TRANSACTION_WAIT = 0.02
# Batches in hand at once: the next one's Redis call is sent while Redis still runs the previous one's.
_IN_FLIGHT = 2
# Retrying a batch while Redis (or NATS) is unreachable: short enough to resume within a second.
_OUTAGE_BACKOFF = (0.05, 0.2, 0.5, 1.0)


def worker_durable(options: ConsumerOptions, worker: int | None = None) -> str:
    """One durable per worker; its name says its share, so a different worker count starts new durables
    (which re-read the stream through the version guard) instead of reusing ones with other filters."""
    if worker is None or not options.workers:
        return f"{options.durable_prefix}-projector"
    return f"{options.durable_prefix}-projector-{worker}of{options.workers}"


@dataclass
class _Item:
    """One message and what each projection made of it."""

    msg: Msg
    delivered: int
    event: ProjectedEvent | None = None
    envelope: envelope_pb2.EventEnvelope | None = None
    # projection index -> its writes (for projections that could compute them).
    writes: dict[int, Sequence[Op]] = field(default_factory=dict)
    # projection index -> why it could not (decoding, projection or Redis error).
    errors: dict[int, Exception | str] = field(default_factory=dict)
    # projection index -> outcome of the apply.
    outcomes: dict[int, Outcome] = field(default_factory=dict)
    dead: set[int] = field(default_factory=set)


@dataclass
class ProjectionProblem:
    """Why a projection is not moving, for health and `ledgermesh lag`."""

    reason: str
    since: float


class ProjectorWorker:
    def __init__(self, nc: NATS, redis: Redis, prefix: str, projections: Sequence[Projection],
                 options: ConsumerOptions, worker: int | None = None) -> None:
        self._nc = nc
        self._js = nc.jetstream()
        self._redis = redis
        self._prefix = prefix
        self._keys = Keys(prefix)
        self._projections = list(projections)
        self._names = [p.name for p in self._projections]
        self._options = options
        self._applier = AllProjectionsApplier(redis, prefix, self._names, in_order=True)
        self._applied_metrics = [PROJECTOR_METRICS.applied_to(name) for name in self._names]
        self.worker = worker
        self.durable = worker_durable(options, worker)
        self.filter_subjects = options.worker_subjects(worker)
        # Why the worker (or one projection) is stuck right now; empty when all is well.
        self.problems: dict[str, ProjectionProblem] = {}
        # The messages of the batches in hand, by batch.
        self._held: dict[int, list[Msg]] = {}
        self._pull: ContinuousPull | None = None

    def config(self) -> ConsumerConfig:
        return ConsumerConfig(
            durable_name=self.durable,
            ack_policy=AckPolicy.EXPLICIT,
            deliver_policy=DeliverPolicy.ALL,
            max_deliver=-1,  # we count deliveries ourselves and dead-letter; never drop silently
            ack_wait=self._options.ack_wait,
            max_ack_pending=10_000,
            filter_subject=self.filter_subjects[0] if len(self.filter_subjects) == 1 else None,
            filter_subjects=self.filter_subjects if len(self.filter_subjects) > 1 else None,
        )

    async def run(self, stop: asyncio.Event) -> None:
        reporter = asyncio.create_task(self._report_problems(stop))
        pull = ContinuousPull(self._nc, self._js, self._options.stream, self.config(), window=self._options.batch * 2)
        self._pull = pull
        try:
            await self._until_open(pull, stop)
            await self._consume(pull, stop)
        finally:
            reporter.cancel()
            await pull.close()
            await self._applier.close()

    async def _consume(self, pull: ContinuousPull, stop: asyncio.Event) -> None:
        """Fetch batches and hand each to handle_batch, the next as soon as the one before has sent
        its Redis call (at most _IN_FLIGHT batches in hand): a batch is decoded, projected and sent
        while Redis still runs the previous one, and Redis runs them in the order sent."""
        in_flight: deque[asyncio.Task[None]] = deque()
        try:
            while not stop.is_set():
                # A kill cancels this task; a NATS reply landing with the cancellation must not keep
                # it consuming (support/cancellation.py).
                honour_dropped_cancel()
                msgs = await self._next_batch(pull, stop, in_flight)
                if not msgs:
                    continue
                while len(in_flight) >= _IN_FLIGHT:
                    await in_flight.popleft()
                sent: asyncio.Future[None] = asyncio.get_running_loop().create_future()
                in_flight.append(asyncio.create_task(self.handle_batch(msgs, stop, sent)))
                await sent
            while in_flight:  # a clean stop settles the batches in hand
                await in_flight.popleft()
        finally:
            # Killed, or a batch failed unexpectedly: the others are cancelled, JetStream redelivers them.
            for task in in_flight:
                task.cancel()
            if in_flight:
                await asyncio.wait(in_flight)

    async def _next_batch(self, pull: ContinuousPull, stop: asyncio.Event,
                          in_flight: deque[asyncio.Task[None]]) -> list[Msg]:
        """The next messages to apply: whole transactions (a fetch that ends inside one waits, briefly
        and once, for the rest of it)."""
        try:
            msgs = await pull.next_messages(self._options.batch, wait=0.25)
        except ConsumerGone:
            log.warning("consumer %s is gone; creating it again", self.durable)
            while in_flight:
                await in_flight.popleft()
            await pull.close()
            await self._until_open(pull, stop)
            return []
        if msgs:
            ready = whole_transactions(msgs)
            if ready < len(msgs):
                more = await pull.next_messages(self._options.batch, wait=_REST_OF_TRANSACTION_WAIT)
                msgs += more
                ready = max(ready, whole_transactions(msgs))
                if ready == 0:
                    ready = len(msgs)
                pull.put_back(msgs[ready:])
                msgs = msgs[:ready]
        return msgs

    async def _until_open(self, pull: ContinuousPull, stop: asyncio.Event) -> None:
        attempt = 0
        while True:
            honour_dropped_cancel()
            try:
                await pull.open()
                self._clear("nats")
                return
            except Exception as exc:
                if stop.is_set():
                    raise
                self._note("nats", f"cannot open consumer {self.durable}: {type(exc).__name__}: {exc}")
                await asyncio.sleep(_OUTAGE_BACKOFF[min(attempt, len(_OUTAGE_BACKOFF) - 1)])
                attempt += 1

    async def handle_batch(self, msgs: Sequence[Msg], stop: asyncio.Event | None = None,
                           sent: asyncio.Future[None] | None = None) -> None:
        """Apply one batch and settle its messages; `sent` is resolved once its Redis call is on its
        way (or the batch needs none), when the next batch may go."""
        def on_sent() -> None:
            if sent is not None and not sent.done():
                sent.set_result(None)

        held = list(msgs)
        self._held[id(held)] = held
        try:
            items = [self._decoded(msg) for msg in msgs]
            if not await self._open_keys(items, stop):
                return
            for item in items:
                self._project(item)
            if (not await self._apply(items, stop, on_sent)
                    or not await self._dead_letter_final_failures(items, stop)):
                # Stopping while Redis is away: nothing is settled, JetStream redelivers it all later.
                return
            for item in items:
                await self._settle(item)
        finally:
            on_sent()
            del self._held[id(held)]

    def _decoded(self, msg: Msg) -> _Item:
        delivered = delivery_count(msg)
        item = _Item(msg, delivered)
        if delivered > 1:
            for name in self._names:
                PROJECTOR_METRICS.redeliveries.labels(name).inc()
        try:
            item.event, item.envelope = decode(msg.data)
        except Exception as exc:  # noqa: BLE001 - an undecodable message fails for every projection
            item.errors = dict.fromkeys(range(len(self._projections)), exc)
        return item

    async def _open_keys(self, items: list[_Item], stop: asyncio.Event | None) -> bool:
        """The subject keys of the batch's sealed fields this process has not seen, fetched before any
        projection applies it: one awaited query for all of them, so the worker's loop (the other
        workers, the webhook dispatcher) never stalls on the database. PostgreSQL unreachable is a
        dependency outage, like Redis: retried, never a failure of the events. False if stopping."""
        payloads = [(item.event.event_type, item.event.payload) for item in items if item.event is not None]
        return await self._until_done(lambda: fetch_keys(payloads), stop, "postgres",
                                      "cannot read subject keys from PostgreSQL") is not None

    def _project(self, item: _Item) -> None:
        if item.event is None:
            return
        for index, projection in enumerate(self._projections):
            try:
                item.writes[index] = projection.apply(item.event, self._keys)
            except Exception as exc:  # noqa: BLE001 - this projection cannot apply it; the others can
                item.errors[index] = exc

    async def _apply(self, items: list[_Item], stop: asyncio.Event | None,
                     sent: Callable[[], None] | None = None) -> bool:
        now = time.time()
        batch: list[EventWrites] = []
        applied_items: list[_Item] = []
        for item in items:
            if item.event is None or not item.writes:
                continue
            event = item.event
            batch.append(EventWrites(
                event.aggregate_id, event.aggregate_version, event.global_position, int(now * 1000),
                max(0, int((now - event.created_at.timestamp()) * 1000)), list(item.writes.items())))
            applied_items.append(item)
        if not batch:
            return True
        first = applied_items[0]
        assert first.event is not None
        results = await self._until_done(lambda: self._traced(first, self._applier.apply(batch, sent)), stop)
        if results is None:
            return False
        # Per projection: the lags of the events it applied, and the highest position among them.
        lags: dict[int, list[float]] = {}
        tops: dict[int, int] = {}
        for item, entries, writes in zip(applied_items, results, batch, strict=True):
            for (index, _), result in zip(writes.writes, entries, strict=True):
                if self._record(item, index, result):
                    lags.setdefault(index, []).append(writes.lag_ms / 1000.0)
                    tops[index] = max(tops.get(index, 0), writes.position)
        for index, applied_lags in lags.items():
            self._applied_metrics[index].observe(applied_lags, tops[index])
            self._clear(self._names[index])
        return True

    def _record(self, item: _Item, index: int, result: EntryResult) -> bool:
        """Note the outcome of one (event, projection); True if it was applied."""
        if result.outcome is None:
            item.errors[index] = result.error
            return False
        item.outcomes[index] = result.outcome
        if result.outcome is Outcome.DUPLICATE:
            PROJECTOR_METRICS.duplicates.labels(self._names[index]).inc()
        return result.outcome is Outcome.APPLIED

    async def _traced(self, item: _Item, work: Awaitable[T]) -> T:
        # The consume span continues the producer's trace of the batch's first event; the Redis write
        # is its child.
        assert item.event is not None
        token = otel_context.attach(propagate.extract(dict(item.msg.headers or {})))
        try:
            with tracer.start_as_current_span(
                f"project {item.event.event_type}", kind=trace.SpanKind.CONSUMER,
                attributes={"ledgermesh.projections": ",".join(self._names), "ledgermesh.event_id": item.event.event_id},
            ):
                return await work
        finally:
            otel_context.detach(token)

    async def _until_done(self, attempt: Callable[[], Awaitable[T]], stop: asyncio.Event | None,
                          dependency: str = "redis", failing: str = "cannot write to Redis") -> T | None:
        """Run a call to a dependency (a Redis write; a key read) until it succeeds. While the
        dependency is unreachable the batch's messages are kept in progress (so JetStream does not
        redeliver them meanwhile), and nothing is counted against the events. Gives None only if
        the worker is stopping."""
        failures = 0
        last_progress = time.monotonic()
        while True:
            honour_dropped_cancel()
            try:
                result = await attempt()
            except Exception as exc:  # noqa: BLE001 - a dependency is down: retry, never drop the batch
                failures += 1
                self._note(dependency, f"{failing}: {type(exc).__name__}: {exc}")
                if failures == 1 or failures % 20 == 0:
                    log.warning("projector %s: %s (%d attempts), retrying: %s", self.durable, failing,
                                failures, exc)
                if stop is not None and stop.is_set():
                    return None
                await asyncio.sleep(_OUTAGE_BACKOFF[min(failures - 1, len(_OUTAGE_BACKOFF) - 1)])
                if time.monotonic() - last_progress > self._options.ack_wait / 3:
                    await self._in_progress()
                    last_progress = time.monotonic()
                continue
            if failures:
                log.info("projector %s: %s reachable again after %d attempts", self.durable, dependency, failures)
                self._clear(dependency)
            return result

    async def _in_progress(self) -> None:
        # Best effort: with NATS down too the messages are redelivered later, which the guard absorbs.
        waiting = self._pull.buffered() if self._pull is not None else []
        for msg in [*(msg for held in self._held.values() for msg in held), *waiting]:
            try:
                await msg.in_progress()
            except Exception:  # noqa: BLE001
                log.debug("in-progress ack failed", exc_info=True)

    async def _dead_letter_final_failures(self, items: list[_Item], stop: asyncio.Event | None) -> bool:
        """Events that failed for a projection on their last allowed delivery go to that projection's
        dead-letter list, written with the same guard as an apply (so a redelivery never records it
        twice, and an event whose predecessor is missing waits for it), stepping the checkpoint past
        the event so the object's later events still flow."""
        final = [item for item in items if item.errors and item.delivered >= self._options.max_deliver]
        if not final:
            return True
        batch: list[EventWrites] = []
        for item in final:
            records: list[tuple[int, Sequence[Op]]] = [
                (index, [("RPUSH", self._keys.dead_letters(self._names[index]), self._record_json(item, index, error))])
                for index, error in item.errors.items()]
            event = item.event
            batch.append(EventWrites(event.aggregate_id if event else "", event.aggregate_version if event else 0,
                                     event.global_position if event else 0, int(time.time() * 1000), 0, records,
                                     record_lag=False))
        results = await self._until_done(lambda: self._applier.apply(batch), stop)
        if results is None:
            return False
        for item, entries, dead in zip(final, results, batch, strict=True):
            for (index, _), result in zip(dead.writes, entries, strict=True):
                if result.outcome in (Outcome.APPLIED, Outcome.DUPLICATE):
                    error = item.errors.pop(index)
                    item.dead.add(index)
                    if result.outcome is Outcome.APPLIED:
                        await self._announce_dead_letter(item, index, error)
                elif result.outcome is Outcome.OUT_OF_ORDER:
                    item.errors.pop(index)
                    item.outcomes[index] = Outcome.OUT_OF_ORDER
        return True

    def _record_json(self, item: _Item, index: int, error: Exception | str) -> str:
        msg, event = item.msg, item.event
        return json.dumps({
            "projection": self._names[index],
            "error": _error_text(error),
            "deliveries": item.delivered,
            "stream_sequence": msg.metadata.sequence.stream if msg.metadata else 0,
            "subject": msg.subject,
            "event_id": event.event_id if event else (msg.headers or {}).get("Nats-Msg-Id", ""),
            "event_type": event.event_type if event else (msg.headers or {}).get("Ledgermesh-Event-Type", ""),
            "aggregate_id": event.aggregate_id if event else "",
            "at": datetime.now(UTC).isoformat(),
        })

    async def _announce_dead_letter(self, item: _Item, index: int, error: Exception | str) -> None:
        name = self._names[index]
        text = _error_text(error)
        PROJECTOR_METRICS.dead_letters.labels(name).inc()
        event_id = item.event.event_id if item.event else (item.msg.headers or {}).get("Nats-Msg-Id", "")
        log.error("projection %s dead-lettered %s after %d deliveries: %s", name, event_id, item.delivered, text)
        try:
            await self._js.publish(
                f"{self._options.subject_prefix.rsplit('.', 1)[0]}.deadletter.{name}",
                item.msg.data, headers={**(item.msg.headers or {}), "Ledgermesh-Error": text[:500]},
            )
        except Exception:  # noqa: BLE001 - the Redis list is the record; the subject is a courtesy
            log.warning("dead-letter subject has no stream; the Redis list keeps the record")

    async def _settle(self, item: _Item) -> None:
        try:
            if item.errors:
                for index, error in item.errors.items():
                    PROJECTOR_METRICS.failures.labels(self._names[index]).inc()
                    self._note(self._names[index], f"failing on delivery {item.delivered}: {_error_text(error)}")
                backoff = self._options.backoff
                delay = backoff[min(item.delivered - 1, len(backoff) - 1)]
                log.warning("%s failed for %s on delivery %d, retrying in %.1fs: %s",
                            item.event.event_id if item.event else "an undecodable message",
                            ",".join(self._names[i] for i in item.errors), item.delivered, delay,
                            "; ".join(_error_text(e) for e in item.errors.values()))
                await item.msg.nak(delay=delay)
            elif any(o is Outcome.OUT_OF_ORDER for o in item.outcomes.values()):
                for index, outcome in item.outcomes.items():
                    if outcome is Outcome.OUT_OF_ORDER and item.delivered > 20:
                        self._note(self._names[index], f"waiting for an earlier event of {item.event.aggregate_id}"
                                   if item.event else "waiting for an earlier event")
                await item.msg.nak(delay=self._options.out_of_order_delay)
            else:
                await item.msg.ack()
        except Exception:  # noqa: BLE001 - NATS down: the message is redelivered after ack_wait
            log.warning("could not settle a message with JetStream; it will be redelivered", exc_info=True)

    def problem_of(self, projection: str) -> ProjectionProblem | None:
        """Why `projection` is stuck, if it is: a dependency of the whole worker, or its own events."""
        return (self.problems.get("redis") or self.problems.get("postgres") or self.problems.get("nats")
                or self.problems.get(projection))

    async def _report_problems(self, stop: asyncio.Event) -> None:
        """Every second, each projection's current problem into its stats hash (`problem`,
        `problem_since_ms`; removed once it is solved), where `ledgermesh lag` shows it, and as a gauge."""
        reported: dict[str, str] = {}
        while not stop.is_set():
            await asyncio.sleep(1.0)
            for name in self._names:
                problem = self.problem_of(name)
                PROJECTOR_METRICS.stuck.labels(name).set(1 if problem else 0)
                text = problem.reason if problem else ""
                if reported.get(name, "") == text:
                    continue
                stats = self._keys.projection_stats(name)
                try:
                    if problem:
                        await self._redis.hset(stats, mapping={"problem": text[:500],
                                                               "problem_since_ms": int(problem.since * 1000)})
                    else:
                        await self._redis.hdel(stats, "problem", "problem_since_ms")
                except Exception:  # noqa: BLE001 - Redis down: the problem is reported once it is back
                    continue
                reported[name] = text

    def _note(self, subject: str, reason: str) -> None:
        if subject not in self.problems or self.problems[subject].reason != reason:
            since = self.problems[subject].since if subject in self.problems else time.time()
            self.problems[subject] = ProjectionProblem(reason, since)

    def _clear(self, subject: str) -> None:
        self.problems.pop(subject, None)


def _error_text(error: Exception | str) -> str:
    return error if isinstance(error, str) else f"{type(error).__name__}: {error}"
