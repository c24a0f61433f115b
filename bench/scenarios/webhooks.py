"""Scenario 5: webhook delivery latency, commit -> a local receiver got the charge's event.

Runs only when the webhook delivery of projector/webhooks/ and the gateway's /v1/webhook_endpoints
exist; otherwise the table says "not measured", never a number."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import grpc
import httpx

from bench.harness import charge_request, create_merchants, isolated, latency_summary, log, services
from bench.model import Row, RunContext, Scenario, Size, at_most

ROOT = Path(__file__).resolve().parents[2]
SIZES: dict[Size, dict[str, Any]] = {
    Size.FULL: {"charges": 200, "rate": 20.0, "timeout": 20.0},
    Size.QUICK: {"charges": 40, "rate": 10.0, "timeout": 20.0},
    Size.SMOKE: {"charges": 5, "rate": 5.0, "timeout": 20.0},
}


def unavailable() -> str | None:
    modules = [p for p in (ROOT / "projector" / "webhooks").glob("*.py") if p.name != "__init__.py"]
    if not modules:
        return "webhooks not built: projector/webhooks/ has no delivery code"
    routes = " ".join(p.read_text() for p in (ROOT / "gateway" / "routes").glob("*.py"))
    if "/v1/webhook_endpoints" not in routes:
        return "webhooks not built: the gateway has no /v1/webhook_endpoints"
    return None


class Receiver:
    """A bare HTTP/1.1 endpoint that records when each charge's event arrived."""

    def __init__(self) -> None:
        self.arrived: dict[str, float] = {}
        self.port = 0
        self._server: asyncio.base_events.Server | None = None

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server:
            self._server.close()
            await self._server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.decode("latin-1").split("\r\n"):
                    if line.lower().startswith("content-length:"):
                        length = int(line.split(":", 1)[1])
                body = await reader.readexactly(length) if length else b""
                now = time.time()
                try:
                    obj = json.loads(body).get("data", {}).get("object", {})
                    if obj.get("object") == "charge" and obj.get("id"):
                        self.arrived.setdefault(obj["id"], now)
                except (ValueError, AttributeError):
                    pass
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


async def run(ctx: RunContext) -> dict[str, float]:
    from ledgermesh.payments.v1 import payment_service_pb2_grpc

    sizes = SIZES[ctx.size]
    metrics: dict[str, float] = {}
    receiver = Receiver()
    await receiver.start()
    try:
        async with isolated(ctx.servers) as settings, \
                services(settings, "command", "projector", "query", "gateway") as started:
            command = grpc.aio.insecure_channel(started["command"].target)
            http = httpx.AsyncClient(base_url=f"http://{started['gateway'].target}", timeout=15)
            try:
                merchant = (await create_merchants(command, 1))[0]
                r = await http.post("/v1/webhook_endpoints", headers=merchant.headers,
                                    data={"url": f"http://127.0.0.1:{receiver.port}/hook", "enabled_events[]": "*"})
                if r.status_code != 200:
                    raise RuntimeError(f"POST /v1/webhook_endpoints -> {r.status_code}: {r.text[:200]}")
                pay = payment_service_pb2_grpc.PaymentCommandServiceStub(command)
                committed: dict[str, float] = {}
                for n in range(sizes["charges"]):
                    reply = await pay.CreateCharge(charge_request(n), metadata=merchant.metadata)
                    committed[reply.charge.id] = time.time()  # the reply comes after the commit
                    await asyncio.sleep(1.0 / sizes["rate"])
                deadline = time.monotonic() + sizes["timeout"]
                while time.monotonic() < deadline and not all(c in receiver.arrived for c in committed):
                    await asyncio.sleep(0.05)
            finally:
                await http.aclose()
                await command.close()
    finally:
        await receiver.stop()
    lags = [receiver.arrived[c] - t for c, t in committed.items() if c in receiver.arrived]
    metrics.update(latency_summary("webhook", lags))
    metrics["not_delivered"] = float(len(committed) - len(lags))
    log(f"  {len(lags)}/{len(committed)} webhooks delivered")
    metrics["_notes"] = [  # type: ignore[assignment]
        f"{sizes['charges']} charges at {sizes['rate']:g}/s, one endpoint subscribed to '*'; latency = CreateCharge "
        "reply received (after commit) -> first event about the charge reaches the local receiver; the "
        "dispatcher runs in the projector process."]
    return metrics


ROWS = (
    Row("webhook_p50_ms", "webhook delivery p50", "ms"),
    Row("webhook_p99_ms", "webhook delivery p99", "ms", goal=at_most(200, "ms")),
    Row("not_delivered", "webhooks not delivered within the timeout", "charges"),
)

SCENARIO = Scenario("webhooks", "webhook delivery latency", ROWS, run, unavailable=unavailable, budget_s=110.0)
