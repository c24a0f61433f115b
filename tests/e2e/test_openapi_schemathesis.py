"""/openapi.json describes the real routes: schemathesis generates requests from it against the running
gateway, both requests that fit the schema and requests that break it (wrong types, missing and extra
parameters: the bad input of issue 16), and finds no 5xx, no undocumented status, and no response that
breaks the schema."""

from __future__ import annotations

import asyncio

import httpx
import hypothesis
import hypothesis.errors
import pytest
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from support.settings import Settings

EXAMPLES_PER_OPERATION = 25
MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# An endless event stream cannot be judged by a request/response check; test_dashboard covers it.
SKIPPED_PATHS = {"/dashboard/stream"}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # Rate limiting off: 429 is documented, but would hide what the other requests would have found.
    return settings.with_(gateway_rate_per_second=0.0, account_reads_per_second=0.0, account_writes_per_second=0.0)


def run_schemathesis(base_url: str, headers: dict[str, str]) -> list[str]:
    schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json")
    failures: list[str] = []
    unsatisfiable: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20, [op.label for op in operations]
    for operation, mode in [(op, mode) for op in operations for mode in MODES]:
        if operation.path in SKIPPED_PATHS:
            continue

        @hypothesis.settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None,
                             derandomize=True, suppress_health_check=list(hypothesis.HealthCheck),
                             phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate])
        @hypothesis.given(case=operation.as_strategy(generation_mode=mode))
        def check(case: schemathesis.Case) -> None:
            response = case.call(base_url=base_url, headers=headers, timeout=15)
            case.validate_response(response, checks=CHECKS)

        try:
            check()
        except hypothesis.errors.Unsatisfiable:
            # Nothing in this operation can be made invalid (only a free-form path id): no negative case
            # exists. Positive cases of it still ran.
            if mode is not GenerationMode.NEGATIVE:
                raise
            unsatisfiable.append(operation.label)
        except Exception as exc:  # noqa: BLE001 - collect every operation's failure, report them together
            failures.append(f"{operation.label} ({mode.value}): {exc}"[:2000])
    # Only an operation that takes nothing but free-form string ids in its path has no invalid input.
    spec = httpx.get(f"{base_url}/openapi.json", timeout=15).json()
    for label in unsatisfiable:
        method, _, path = label.partition(" ")
        declared = spec["paths"][path][method.lower()]
        assert "requestBody" not in declared, label
        for parameter in declared.get("parameters", []):
            assert parameter["in"] == "path" and set(parameter["schema"]) <= {"type", "title"}, (label, parameter)
            assert parameter["schema"]["type"] == "string", (label, parameter)
    return failures


async def test_generated_requests_find_no_server_error_and_no_schema_violation(system) -> None:
    merchant = await system.merchant()
    base_url = f"http://127.0.0.1:{system.system.gateway_port}"
    # Some objects to read, so retrieve/list routes return real data as well as errors.
    for source in ("tok_visa", "tok_chargeDeclined"):
        await system.http.post("/v1/charges", headers=merchant.headers,
                               data={"amount": "1000", "currency": "usd", "source": source})
    failures = await asyncio.to_thread(run_schemathesis, base_url, merchant.headers)
    assert not failures, "\n\n".join(failures)
