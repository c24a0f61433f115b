"""A complete LedgerMesh gRPC client: python examples/grpc_client.py --key sk_test_... [--command H:P] [--query H:P]"""

import argparse
import json
import uuid

import grpc
from google.rpc import error_details_pb2
from grpc_status import rpc_status
from ledgermesh.payments.v1 import charge_pb2, payment_service_pb2_grpc
from ledgermesh.payments.v1 import payment_service_pb2 as pay
from ledgermesh.query.v1 import query_service_pb2 as q
from ledgermesh.query.v1 import query_service_pb2_grpc

# Retry only calls that are safe to repeat: reads, and CreateCharge because it carries an idempotency key.
RETRY = {"maxAttempts": 4, "initialBackoff": "0.1s", "maxBackoff": "1s", "backoffMultiplier": 2,
         "retryableStatusCodes": ["UNAVAILABLE"]}
SERVICE_CONFIG = json.dumps({"methodConfig": [
    {"name": [{"service": "ledgermesh.payments.v1.PaymentCommandService", "method": "CreateCharge"},
              {"service": "ledgermesh.query.v1.QueryService"}], "retryPolicy": RETRY, "timeout": "5s"}]})
OPTIONS = [("grpc.enable_retries", 1), ("grpc.service_config", SERVICE_CONFIG)]

args = argparse.ArgumentParser()
args.add_argument("--command", default="127.0.0.1:50051")
args.add_argument("--query", default="127.0.0.1:50052")
args.add_argument("--key", required=True)
a = args.parse_args()
auth = [("authorization", f"Bearer {a.key}")]

with grpc.insecure_channel(a.command, options=OPTIONS) as cmd, grpc.insecure_channel(a.query, options=OPTIONS) as qry:
    payments = payment_service_pb2_grpc.PaymentCommandServiceStub(cmd)
    queries = query_service_pb2_grpc.QueryServiceStub(qry)
    created = payments.CreateCharge(pay.CreateChargeRequest(amount=1000, currency="usd", source="tok_visa",
                                                            idempotency_key=str(uuid.uuid4())), metadata=auth, timeout=5)
    print("created", created.charge.id, charge_pb2.ChargeStatus.Name(created.charge.status))
    # min_position: wait (bounded) until the read model has caught up with our own write.
    got = queries.GetCharge(q.GetChargeRequest(charge_id=created.charge.id, min_position=created.global_position),
                            metadata=auth, timeout=5)
    print("read", got.charge.id, got.charge.amount, got.charge.currency)
    try:
        payments.CreateCharge(pay.CreateChargeRequest(amount=1000, currency="xyz", source="tok_visa"),
                              metadata=auth, timeout=5)
    except grpc.RpcError as failure:
        status = rpc_status.from_call(failure)
        for detail in status.details if status else []:
            info = error_details_pb2.ErrorInfo()
            if detail.Unpack(info):
                print("refused", failure.code().name, info.reason, info.domain, dict(info.metadata))
