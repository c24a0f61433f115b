"""Prometheus metrics, scraped over HTTP as Prometheus does: the counters move when a charge is made."""

from __future__ import annotations

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import eventually


class Scrape:
    def __init__(self, text: str) -> None:
        self.samples = [s for family in text_string_to_metric_families(text) for s in family.samples]

    def value(self, name: str, **labels: str) -> float:
        """Sum of the samples of `name` whose labels include `labels` (0 when there are none)."""
        return sum(s.value for s in self.samples
                   if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()))

    def has(self, name: str) -> bool:
        return any(s.name == name for s in self.samples)


async def _scrape(url: str, headers: dict[str, str] | None = None) -> Scrape:
    async with httpx.AsyncClient(timeout=5) as client:
        response = await client.get(url, headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return Scrape(response.text)


async def test_counters_move_when_a_charge_is_made(system) -> None:
    process_endpoint = f"http://127.0.0.1:{system.system.metrics_port}/metrics"
    gateway_endpoint = f"http://127.0.0.1:{system.system.gateway_port}/metrics"
    operator = {"Authorization": f"Bearer {system.operator_key}"}
    merchant = await system.merchant()
    before = await _scrape(process_endpoint)
    gateway_before = await _scrape(gateway_endpoint, operator)

    created = await system.http.post("/v1/charges", headers=merchant.headers,
                                     data={"amount": "1500", "currency": "usd", "source": "tok_visa"})
    assert created.status_code == 200
    refused = await system.http.post("/v1/charges", headers=merchant.headers,
                                     data={"amount": "1500", "currency": "xyz", "source": "tok_visa"})
    assert refused.status_code == 400

    async def read_back() -> bool:
        r = await system.http.get(f"/v1/charges/{created.json()['id']}", headers=merchant.headers)
        return r.status_code == 200

    await eventually(read_back, message="charge never readable")

    async def moved() -> Scrape | None:
        after = await _scrape(process_endpoint)
        projected = (after.value("ledgermesh_projection_events_applied_total", projection="charges")
                     > before.value("ledgermesh_projection_events_applied_total", projection="charges"))
        return after if projected else None

    after = await eventually(moved, message="projection counters never moved")

    def delta(name: str, **labels: str) -> float:
        return after.value(name, **labels) - before.value(name, **labels)

    assert delta("ledgermesh_commands_total", command="CreateCharge", outcome="OK") == 1
    assert delta("ledgermesh_commands_total", command="CreateCharge", outcome="INVALID_ARGUMENT") == 1
    assert delta("ledgermesh_command_duration_seconds_count", command="CreateCharge") == 2
    assert delta("ledgermesh_events_appended_total", aggregate_type="Charge") >= 2
    assert delta("ledgermesh_queries_total", query="GetCharge", outcome="OK") >= 1
    assert delta("ledgermesh_query_duration_seconds_count", query="GetCharge") >= 1
    assert delta("ledgermesh_projection_lag_seconds_count", projection="charges") >= 1
    assert after.value("ledgermesh_dependency_up", dependency="postgresql") == 1
    assert after.value("ledgermesh_dependency_up", dependency="redis") == 1
    assert after.value("ledgermesh_dependency_up", dependency="nats") == 1
    assert after.has("ledgermesh_relay_backlog_events")

    async def pending_sampled() -> bool:
        return (await _scrape(process_endpoint)).has("ledgermesh_projection_pending_events")

    await eventually(pending_sampled, message="projection pending gauge never sampled")

    gateway_after = await _scrape(gateway_endpoint, operator)
    for status in ("200", "400"):
        labels = {"method": "POST", "route": "/v1/charges", "status": status}
        moved_by = (gateway_after.value("ledgermesh_http_requests_total", **labels)
                    - gateway_before.value("ledgermesh_http_requests_total", **labels))
        assert moved_by == 1, status
    # Labelled by route template, so ids do not multiply the series.
    assert gateway_after.value("ledgermesh_http_requests_total", method="GET", route="/v1/charges/{charge_id}") >= 1


async def test_the_gateways_public_metrics_need_the_operator_key(system) -> None:
    merchant = await system.merchant()
    endpoint = f"http://127.0.0.1:{system.system.gateway_port}/metrics"
    async with httpx.AsyncClient(timeout=5) as client:
        anonymous = await client.get(endpoint)
        as_merchant = await client.get(endpoint, headers=merchant.headers)
        as_operator = await client.get(endpoint, headers={"Authorization": f"Bearer {system.operator_key}"})
    assert anonymous.status_code == 401 and anonymous.json()["error"]["type"] == "invalid_request_error"
    assert as_merchant.status_code == 403 and "platform" in as_merchant.json()["error"]["message"]
    assert as_operator.status_code == 200 and "ledgermesh_http_requests_total" in as_operator.text
