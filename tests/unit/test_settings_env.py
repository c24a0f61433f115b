"""`ledgermesh up` hands its settings to the services it runs as child processes through their
environment: whatever the parent decided (embedded servers' URLs, picked ports, sign-up open) must
reach every child unchanged."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from support.settings import Settings


def _every_field_changed() -> Settings:
    """Settings where no field has its default, so a field to_env forgets cannot pass unnoticed."""
    defaults = Settings()
    changes: dict[str, object] = {}
    for f in dataclasses.fields(Settings):
        value = getattr(defaults, f.name)
        if isinstance(value, bool):
            changes[f.name] = not value
        elif isinstance(value, int):
            changes[f.name] = value + 7
        elif isinstance(value, float):
            changes[f.name] = value + 0.25
        elif isinstance(value, Path) or f.name.endswith("_dir"):
            changes[f.name] = Path(f"/srv/ledgermesh/{f.name}")
        elif f.name == "trace_sample_ratio":
            changes[f.name] = 0.125
        else:
            changes[f.name] = f"{f.name}-value"
    return defaults.with_(**changes)


def test_every_setting_survives_the_trip_through_a_child_environment() -> None:
    settings = _every_field_changed()

    assert Settings.from_env(settings.to_env()) == settings


def test_unset_values_stay_unset_in_the_child_whatever_the_parent_environment_says() -> None:
    settings = Settings(signing_key_hex=None, otlp_endpoint=None, trace_sample_ratio=None, checkpoint_dir=None)
    parent = {"LEDGERMESH_SIGNING_KEY": "11" * 32, "OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4317",
              "LEDGERMESH_TRACE_SAMPLE_RATIO": "0.5", "LEDGERMESH_CHECKPOINT_DIR": "/elsewhere"}

    child = Settings.from_env({**parent, **settings.to_env()})

    assert child == settings
