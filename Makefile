# LedgerMesh. `make run` starts everything; `make test` runs the whole suite the way CI does.
PYTHON ?= python3
VENV := $(CURDIR)/.venv
PY := $(VENV)/bin/python
export BUF_CACHE_DIR ?= $(CURDIR)/.cache/buf

.PHONY: run test proto lint check-gen breaking bench unit clean browser

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $@

run: $(VENV)/.installed
	$(VENV)/bin/ledgermesh up

proto: $(VENV)/.installed
	PYTHON=$(PY) tools/gen_proto.sh

lint: $(VENV)/.installed
	$(VENV)/bin/buf lint
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy --strict --follow-imports=silent command_svc/domain command_svc/application eventlog eventcodec \
		readmodel stripe_shapes projector/projections
	$(VENV)/bin/lint-imports

check-gen: $(VENV)/.installed
	PYTHON=$(PY) tools/check_gen.sh

breaking: $(VENV)/.installed
	tools/check_breaking.sh

# Chromium for the dashboard's browser test (Debian's package; Playwright cannot download browsers here).
browser:
	@command -v chromium >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq chromium >/dev/null)

test: $(VENV)/.installed lint check-gen breaking browser
	$(VENV)/bin/pytest

unit: $(VENV)/.installed
	$(VENV)/bin/pytest tests/unit

bench: $(VENV)/.installed
	$(PY) -m bench

clean:
	rm -rf $(VENV) .cache .ledgermesh
