"""gRPC channels from the gateway to the command and query services."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import grpc
from ledgermesh.accounts.v1 import account_service_pb2_grpc
from ledgermesh.disputes.v1 import dispute_service_pb2_grpc
from ledgermesh.payments.v1 import customer_service_pb2_grpc, payment_intent_service_pb2_grpc, payment_service_pb2_grpc
from ledgermesh.query.v1 import object_query_service_pb2_grpc, query_service_pb2_grpc

# A restarted service is reached again within about a second (gRPC's default backoff grows to 120 s).
CHANNEL_OPTIONS = (
    ("grpc.initial_reconnect_backoff_ms", 100),
    ("grpc.min_reconnect_backoff_ms", 100),
    ("grpc.max_reconnect_backoff_ms", 1000),
)


@dataclass
class Backends:
    """The two channels and their stubs. A stub builds a callable per RPC when it is made (the
    QueryService has dozens), so each is made once, not per request."""

    command_channel: grpc.aio.Channel
    query_channel: grpc.aio.Channel

    @classmethod
    def connect(cls, command_target: str, query_target: str) -> Backends:
        return cls(grpc.aio.insecure_channel(command_target, options=CHANNEL_OPTIONS),
                   grpc.aio.insecure_channel(query_target, options=CHANNEL_OPTIONS))

    @cached_property
    def payments(self) -> payment_service_pb2_grpc.PaymentCommandServiceStub:
        return payment_service_pb2_grpc.PaymentCommandServiceStub(self.command_channel)

    @cached_property
    def disputes(self) -> dispute_service_pb2_grpc.DisputeCommandServiceStub:
        return dispute_service_pb2_grpc.DisputeCommandServiceStub(self.command_channel)

    @cached_property
    def accounts(self) -> account_service_pb2_grpc.AccountCommandServiceStub:
        return account_service_pb2_grpc.AccountCommandServiceStub(self.command_channel)

    @cached_property
    def customers(self) -> customer_service_pb2_grpc.CustomerCommandServiceStub:
        return customer_service_pb2_grpc.CustomerCommandServiceStub(self.command_channel)

    @cached_property
    def intents(self) -> payment_intent_service_pb2_grpc.PaymentIntentCommandServiceStub:
        return payment_intent_service_pb2_grpc.PaymentIntentCommandServiceStub(self.command_channel)

    @cached_property
    def objects(self) -> object_query_service_pb2_grpc.ObjectQueryServiceStub:
        return object_query_service_pb2_grpc.ObjectQueryServiceStub(self.query_channel)

    @cached_property
    def query(self) -> query_service_pb2_grpc.QueryServiceStub:
        return query_service_pb2_grpc.QueryServiceStub(self.query_channel)

    async def close(self) -> None:
        await self.command_channel.close()
        await self.query_channel.close()
