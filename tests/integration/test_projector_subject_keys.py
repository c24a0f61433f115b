"""The projector opens personal fields with subject keys it reads from PostgreSQL, once per key and
process, before it applies the batch that needs them: while that read is slow, the events that need
the key wait (and then show their fields in clear, never "[redacted]"), and everything else the
projector process does keeps moving, e.g. its other worker keeps projecting charges.
Real PostgreSQL (through a proxy the test can hold), NATS JetStream, Redis and gRPC servers; the
projector is a `ledgermesh serve projector` process, whose key store has seen none of the test's keys."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import grpc
import pytest_asyncio
from ledgermesh.payments.v1 import customer_service_pb2 as cus
from ledgermesh.payments.v1 import customer_service_pb2_grpc
from ledgermesh.query.v1 import object_query_service_pb2 as oq
from ledgermesh.query.v1 import object_query_service_pb2_grpc
from ledgermesh.query.v1 import query_service_pb2 as q

from eventlog.envelope import partition_of
from tests.chaos.proxy import CuttableProxy
from tests.conftest import eventually
from tests.e2e.conftest import Merchant
from tests.integration.projections_support import Stack, WorkerProcesses, stack  # noqa: F401 - fixture

WORKERS = 2


@pytest_asyncio.fixture
async def database_proxy(stack: Stack) -> AsyncIterator[tuple[CuttableProxy, str]]:
    """A proxy between the projector process and PostgreSQL, and the database URL through it."""
    url = urlsplit(stack.infra.settings.database_url or "")
    proxy = await CuttableProxy(url.port or 5432).start()
    netloc = url.netloc.rsplit("@", 1)
    host = f"127.0.0.1:{proxy.port}"
    try:
        yield proxy, urlunsplit(url._replace(netloc=f"{netloc[0]}@{host}" if len(netloc) == 2 else host))
    finally:
        await proxy.close()


async def _charge_shown(stack: Stack, merchant: Merchant, charge_id: str, description: str) -> bool:
    try:
        reply = await stack.queries.GetCharge(q.GetChargeRequest(charge_id=charge_id), metadata=merchant.metadata)
    except grpc.aio.AioRpcError as error:
        if error.code() is grpc.StatusCode.NOT_FOUND:
            return False
        raise
    return bool(reply.charge.description == description)


async def test_a_slow_key_read_holds_only_the_events_that_need_it_and_they_then_show_in_clear(
        stack: Stack, database_proxy: tuple[CuttableProxy, str], tmp_path: Path) -> None:
    proxy, proxied_url = database_proxy
    projector = WorkerProcesses(stack, WORKERS, tmp_path, database_url=proxied_url)
    projector.start(None)  # both workers in one process, on one event loop
    try:
        merchant = await stack.merchant()
        # The projector reads the merchant's key while PostgreSQL answers promptly.
        first = await stack.charge(merchant, 1_000, description="Order 1 for Ada")
        await eventually(lambda: _charge_shown(stack, merchant, first.charge.id, "Order 1 for Ada"), timeout=60,
                         message="the projector never showed the first charge" + projector.logs())

        proxy.hold()
        customers = customer_service_pb2_grpc.CustomerCommandServiceStub(stack.command)
        created = await customers.CreateCustomer(cus.CreateCustomerRequest(fields=cus.CustomerFields(
            email="ada@example.net", name="Ada Lovelace")), metadata=merchant.metadata)
        customer_id = created.customer.id
        # A charge of the merchant (whose key the projector has) that the other worker projects.
        other = None
        for n in range(64):
            charge = await stack.charge(merchant, 2_000 + n, description=f"Order {n} for Ada")
            if partition_of(charge.charge.id) % WORKERS != partition_of(customer_id) % WORKERS:
                other = charge
                break
        assert other is not None, "no charge landed on the other worker's partitions"

        # While the customer's key cannot be read, the other worker still projects the charge...
        await eventually(lambda: _charge_shown(stack, merchant, other.charge.id, other.charge.description),
                         timeout=60, message="the other worker stalled while a key read was slow" + projector.logs())
        objects = object_query_service_pb2_grpc.ObjectQueryServiceStub(stack.query)

        async def customer() -> oq.GetCustomerResponse | None:
            try:
                reply: oq.GetCustomerResponse = await objects.GetCustomer(
                    oq.GetCustomerRequest(customer_id=customer_id), metadata=merchant.metadata)
            except grpc.aio.AioRpcError as error:
                if error.code() is grpc.StatusCode.NOT_FOUND:
                    return None
                raise
            return reply

        # ...and the customer, whose key is still on its way, is not shown redacted meanwhile.
        assert await customer() is None

        proxy.release()
        shown = await eventually(customer, timeout=60, message="the customer never showed" + projector.logs())
        assert shown is not None
        assert (shown.customer.email, shown.customer.name) == ("ada@example.net", "Ada Lovelace")
    finally:
        proxy.release()
        projector.stop_all()
