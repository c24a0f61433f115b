"""gRPC from outside: the generated stubs, the example client, and grpcurl through server reflection."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.e2e.outside import BIN, REPO, outside_env, run


def test_generated_stubs_import_from_outside_the_repo() -> None:
    probe = subprocess.run(
        [sys.executable, "-c", "import ledgermesh.payments.v1.payment_service_pb2_grpc as m, grpc_status;"
                               "print(m.PaymentCommandServiceStub.__name__)"],
        cwd="/tmp", env=outside_env(), capture_output=True, text=True,
    )
    assert probe.returncode == 0, probe.stderr
    assert probe.stdout.strip() == "PaymentCommandServiceStub"


async def test_example_client_charges_reads_back_and_reads_error_info(system) -> None:
    merchant = await system.merchant()
    s = system.system

    done = await run([sys.executable, str(REPO / "examples" / "grpc_client.py"), "--key", merchant.secret_key,
                      "--command", f"127.0.0.1:{s.command_port}", "--query", f"127.0.0.1:{s.query_port}"])

    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    created, read, refused = lines[0].split(), lines[1].split(), lines[2].split()
    assert created[0] == "created" and created[1].startswith("ch_") and created[2] == "CHARGE_STATUS_SUCCEEDED"
    assert read[:4] == ["read", created[1], "1000", "usd"]
    assert refused[:4] == ["refused", "INVALID_ARGUMENT", "CURRENCY_UNSUPPORTED", "ledgermesh.io"]


async def test_example_client_without_a_key_is_unauthenticated(system) -> None:
    s = system.system
    done = await run([sys.executable, str(REPO / "examples" / "grpc_client.py"), "--key", "sk_test_nope",
                      "--command", f"127.0.0.1:{s.command_port}", "--query", f"127.0.0.1:{s.query_port}"])
    assert done.returncode != 0
    assert "UNAUTHENTICATED" in done.stderr


def _grpcurl(*args: str) -> list[str]:
    return [str(BIN / "grpcurl"), "-plaintext", *args]


async def test_grpcurl_lists_and_describes_every_server_through_reflection(system) -> None:
    s = system.system
    expected = {
        s.command_port: {"ledgermesh.payments.v1.PaymentCommandService", "ledgermesh.accounts.v1.AccountCommandService",
                         "grpc.health.v1.Health", "grpc.reflection.v1alpha.ServerReflection"},
        s.query_port: {"ledgermesh.query.v1.QueryService", "grpc.health.v1.Health"},
    }
    for port, services in expected.items():
        listed = await run(_grpcurl(f"127.0.0.1:{port}", "list"))
        assert listed.returncode == 0, listed.stderr
        assert services <= set(listed.stdout.split()), listed.stdout

    described = await run(_grpcurl(f"127.0.0.1:{s.command_port}", "describe",
                                   "ledgermesh.payments.v1.PaymentCommandService"))
    assert described.returncode == 0, described.stderr
    assert "rpc CreateCharge ( .ledgermesh.payments.v1.CreateChargeRequest )" in described.stdout

    message = await run(_grpcurl(f"127.0.0.1:{s.query_port}", "describe", "ledgermesh.query.v1.GetChargeRequest"))
    assert message.returncode == 0 and "string charge_id = 1;" in message.stdout, message.stdout + message.stderr


async def test_grpcurl_creates_a_charge_and_reads_it_back(system) -> None:
    merchant = await system.merchant()
    s = system.system
    auth = f"authorization: Bearer {merchant.secret_key}"

    created = await run(_grpcurl("-H", auth, "-d", '{"amount":1000,"currency":"usd","source":"tok_visa"}',
                                 f"127.0.0.1:{s.command_port}", "ledgermesh.payments.v1.PaymentCommandService/CreateCharge"))
    assert created.returncode == 0, created.stderr
    reply = json.loads(created.stdout)  # grpcurl 1.8 prints proto field names
    charge = reply["charge"]
    assert charge["id"].startswith("ch_") and charge["amount"] == "1000" and charge["currency"] == "usd"

    request = json.dumps({"charge_id": charge["id"], "min_position": reply["global_position"]})
    read = await run(_grpcurl("-H", auth, "-d", request, f"127.0.0.1:{s.query_port}",
                              "ledgermesh.query.v1.QueryService/GetCharge"))
    assert read.returncode == 0, read.stderr
    assert json.loads(read.stdout)["charge"]["id"] == charge["id"]


async def test_grpcurl_without_a_key_is_refused(system) -> None:
    s = system.system
    refused = await run(_grpcurl("-d", '{"amount":1000,"currency":"usd","source":"tok_visa"}',
                                 f"127.0.0.1:{s.command_port}", "ledgermesh.payments.v1.PaymentCommandService/CreateCharge"))
    assert refused.returncode != 0
    assert "Unauthenticated" in refused.stderr, refused.stderr


async def test_grpcurl_health_check_answers_serving_for_each_service(system) -> None:
    s = system.system
    for port, service in ((s.command_port, "ledgermesh.payments.v1.PaymentCommandService"),
                          (s.query_port, "ledgermesh.query.v1.QueryService"), (s.query_port, "")):
        checked = await run(_grpcurl("-d", json.dumps({"service": service}), f"127.0.0.1:{port}",
                                     "grpc.health.v1.Health/Check"))
        assert checked.returncode == 0, checked.stderr
        assert json.loads(checked.stdout)["status"] == "SERVING"
