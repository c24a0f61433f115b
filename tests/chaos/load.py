"""A load of idempotent, retrying clients, recorded as a history, and the checker that holds the history
against the log and the read models.

Each client makes charges one after another. A charge is an intent with its own Idempotency-Key and
amount; the client sends it until it is acknowledged (200), retrying the same key after a 409, a 5xx,
a timeout or a refused connection, as the stripe SDK does. The history keeps every answer each intent
got; the checker finds, for the acknowledged intents: lost (acknowledged, not in the log), doubled
(more charges in the log than intents, or one intent answered with two ids), cents off (an amount in
the log or the read models other than the intent's), stale (a read model behind the log)."""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import psycopg

RETRYABLE = {409, 500, 502, 503, 504}


@dataclass
class Intent:
    key: str
    amount: int
    started: float
    answers: list[str] = field(default_factory=list)
    # How long each answer took, in the order of `answers`.
    seconds: list[float] = field(default_factory=list)
    charge_ids: set[str] = field(default_factory=set)
    acknowledged_at: float | None = None


@dataclass
class History:
    intents: list[Intent] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)

    @property
    def acknowledged(self) -> list[Intent]:
        return [i for i in self.intents if i.acknowledged_at is not None]

    def answers(self) -> Counter[str]:
        return Counter(answer for intent in self.intents for answer in intent.answers)

    def retried(self) -> int:
        return sum(len(i.answers) - 1 for i in self.intents if i.answers)

    def slowest_refusal_s(self) -> float:
        """The longest an answer other than 200 took: how fast a fault is told to the client."""
        return max((t for i in self.intents for a, t in zip(i.answers, i.seconds, strict=True)
                    if a != "200" and a != "timeout"), default=0.0)

    def longest_wait_s(self) -> float:
        return max((i.acknowledged_at - i.started for i in self.acknowledged if i.acknowledged_at), default=0.0)


class Load:
    """`clients` concurrent retrying clients through the gateway, each with its own connection pool."""

    def __init__(self, gateway_url: str, secret_key: str, *, clients: int = 4,
                 send: Callable[[Intent], Awaitable[str]] | None = None) -> None:
        self.history = History()
        self._url = gateway_url
        self._key = secret_key
        self._clients = clients
        self._send = send
        self._stopping = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._acknowledged = 0
        self._progress = asyncio.Condition()

    def start(self) -> None:
        self._tasks = [asyncio.create_task(self._client(n)) for n in range(self._clients)]

    async def acknowledged_at_least(self, count: int, timeout: float = 60.0) -> None:
        """Until `count` charges were acknowledged in all (polled on each acknowledgement)."""
        async def enough() -> None:
            async with self._progress:
                await self._progress.wait_for(lambda: self._acknowledged >= count)

        try:
            await asyncio.wait_for(enough(), timeout)
        except TimeoutError:
            raise AssertionError(f"only {self._acknowledged} of {count} charges acknowledged within {timeout}s; "
                                 f"answers so far: {dict(self.history.answers())}") from None

    @property
    def count(self) -> int:
        return self._acknowledged

    async def stop(self, timeout: float = 90.0) -> History:
        """Every client finishes the intent it is on (until acknowledged), then stops."""
        self._stopping.set()
        done, pending = await asyncio.wait(self._tasks, timeout=timeout)
        for task in pending:
            task.cancel()
        for task in done:
            task.result()
        unfinished = [i.key for i in self.history.intents if i.acknowledged_at is None]
        assert not pending and not unfinished, (
            f"intents never acknowledged: {unfinished}; answers: {dict(self.history.answers())}")
        return self.history

    async def _client(self, n: int) -> None:
        rng = random.Random(n)
        async with httpx.AsyncClient(base_url=self._url, timeout=5.0,
                                     headers={"Authorization": f"Bearer {self._key}"}) as http:
            while not self._stopping.is_set():
                intent = Intent(f"chaos-{uuid.uuid4().hex}", rng.randint(50, 999_999), time.monotonic())
                self.history.intents.append(intent)
                await self._until_acknowledged(intent, http, rng)
                async with self._progress:
                    self._acknowledged += 1
                    self._progress.notify_all()

    async def _until_acknowledged(self, intent: Intent, http: httpx.AsyncClient, rng: random.Random) -> None:
        while True:
            sent = time.monotonic()
            if self._send is not None:
                answer, charge_id = await self._send_custom(intent)
            else:
                answer, charge_id = await _post(http, intent)
            intent.seconds.append(time.monotonic() - sent)
            intent.answers.append(answer)
            if charge_id:
                intent.charge_ids.add(charge_id)
                intent.acknowledged_at = time.monotonic()
                return
            if not _retryable(answer):
                self.history.refused.append(f"{intent.key}: {answer}")
                raise AssertionError(f"a valid charge was refused: {answer}")
            await asyncio.sleep(rng.uniform(0.05, 0.25))

    async def _send_custom(self, intent: Intent) -> tuple[str, str]:
        assert self._send is not None
        answer = await self._send(intent)
        kind, _, charge_id = answer.partition(":")
        return (kind, charge_id) if kind == "200" else (answer, "")


def _retryable(answer: str) -> bool:
    head = answer.split(" ", 1)[0]
    return not head.isdigit() or int(head) in RETRYABLE


async def _post(http: httpx.AsyncClient, intent: Intent) -> tuple[str, str]:
    try:
        response = await http.post("/v1/charges", headers={"Idempotency-Key": intent.key},
                                   data={"amount": str(intent.amount), "currency": "usd", "source": "tok_visa"})
    except httpx.TimeoutException:
        return "timeout", ""
    except httpx.TransportError as exc:
        return f"transport {type(exc).__name__}", ""
    if response.status_code == 200:
        return "200", str(response.json()["id"])
    return f"{response.status_code} {response.text[:300]}", ""


@dataclass
class Verdict:
    acknowledged: int
    in_log: int
    lost: list[str]
    doubled: list[str]
    cents_off: list[str]

    def assert_whole(self) -> None:
        assert (self.lost, self.doubled, self.cents_off) == ([], [], []), self
        assert self.in_log == self.acknowledged, self


async def check_log(database_url: str, account_id: str, history: History) -> Verdict:
    """The history against the log: every acknowledged charge once, with its amount."""
    async with await psycopg.AsyncConnection.connect(database_url, autocommit=True) as conn:
        cur = await conn.execute(
            "SELECT aggregate_id, (event_data->>'amount')::bigint FROM ledgermesh.events"
            " WHERE event_type = 'ChargeRequested' AND tenant_id = %s", (account_id,))
        logged: list[tuple[str, int]] = [(row[0], int(row[1])) for row in await cur.fetchall()]
    by_id = dict(logged)
    acknowledged = history.acknowledged
    lost = [f"{i.key} -> {cid}" for i in acknowledged for cid in i.charge_ids if cid not in by_id]
    doubled = [f"{i.key} answered {sorted(i.charge_ids)}" for i in acknowledged if len(i.charge_ids) != 1]
    doubled += [f"{cid} requested {n} times" for cid, n in Counter(cid for cid, _ in logged).items() if n > 1]
    known = {cid for i in acknowledged for cid in i.charge_ids}
    doubled += [f"{cid} in the log, acknowledged to nobody" for cid in by_id if cid not in known]
    cents_off = [f"{i.key}: asked {i.amount}, logged {by_id[cid]}" for i in acknowledged for cid in i.charge_ids
                 if cid in by_id and by_id[cid] != i.amount]
    return Verdict(len(acknowledged), len(by_id), lost, doubled, cents_off)


async def read_models_match(http: httpx.AsyncClient, history: History) -> list[str]:
    """Every acknowledged charge as the read side shows it, with its amount: what differs."""
    async def differs(charge_id: str, amount: int) -> str | None:
        try:
            response = await http.get(f"/v1/charges/{charge_id}")
        except httpx.TransportError as exc:
            # Not an answer (a kept-alive connection the gateway closed as the read reused it, on a
            # busy machine): not yet shown, as the caller's poll to its deadline asks again.
            return f"{charge_id}: {type(exc).__name__}"
        body: Any = response.json() if response.status_code == 200 else None
        if body is None or body.get("amount") != amount:
            return f"{charge_id}: {response.status_code} {response.text[:200]}"
        return None

    wanted = [(cid, i.amount) for i in history.acknowledged for cid in i.charge_ids]
    wrong: list[str] = []
    for start in range(0, len(wanted), 16):
        found = await asyncio.gather(*(differs(cid, amount) for cid, amount in wanted[start:start + 16]))
        wrong += [w for w in found if w]
        if wrong:
            return wrong
    return wrong
