# hrexport — see README.md. `make demo` and `make test` are the two commands a new machine needs.
SWIFT   ?= swift
PREFIX  ?= /usr/local
BIN     := .build/release/hrexport
OUT     ?= data/export
DETAIL  ?= 1min
PYTHON  := .venv/bin/python
# What the interop tests and the benchmark import; `bash .ci/run` installs the same list.
PY_PACKAGES := pyarrow pandas polars duckdb fastparquet pytest

.PHONY: build install demo demo-takeout takeout-fixture test bench venv backfill nightly report install-timer clean

build:
	$(SWIFT) build -c release --product hrexport

install: build
	install -d $(PREFIX)/bin
	install -m 0755 $(BIN) $(PREFIX)/bin/hrexport

# Backfills the built-in sandbox into data/export with a private state folder (data/demo/state).
demo: build
	BIN=$(BIN) bash Scripts/demo.sh

# Imports the synthetic Google Takeout fixture (data/takeout/) into data/export/takeout, then verifies it.
demo-takeout: build
	rm -rf data/export/takeout data/demo/takeout-state
	HREXPORT_STATE_DIR=data/demo/takeout-state $(BIN) import data/takeout/*.zip --out data/export/takeout --user SANDBOX1 --timezone America/New_York --detail 1min
	HREXPORT_STATE_DIR=data/demo/takeout-state $(BIN) verify --out data/export/takeout
	HREXPORT_STATE_DIR=data/demo/takeout-state $(BIN) status --out data/export/takeout

# Regenerates data/takeout/ from the sandbox (the same bytes every time).
takeout-fixture:
	$(SWIFT) build --product hrexport
	python3 Scripts/make_takeout.py .build/debug/hrexport

# One debug build serves the Swift tests and the Python interop tests.
test:
	$(SWIFT) build --build-tests
	HREXPORT_BIN=$(CURDIR)/.build/debug/hrexport $(SWIFT) test --skip-build
	@if [ -x $(PYTHON) ]; then \
		HREXPORT_BIN=$(CURDIR)/.build/debug/hrexport $(PYTHON) -m pytest -q Tests/python; \
	elif [ -n "$$CI" ]; then \
		echo "CI must run the Python interop tests, but .venv/ is missing (bash .ci/run creates it)"; exit 1; \
	else \
		echo "skipping the Python interop tests: .venv/ is absent (bash .ci/run creates it)"; \
	fi

# A Python virtual environment with the readers we test against (idempotent).
venv:
	@[ -x $(PYTHON) ] || python3 -m venv .venv
	@$(PYTHON) -c "import pyarrow, pandas, polars, duckdb, fastparquet, pytest" 2>/dev/null || .venv/bin/pip install -q $(PY_PACKAGES)

# Measurements, not tests (release build): figures and ratios on stdout and in data/bench/latest.json.
bench: build venv
	BIN=$(BIN) $(PYTHON) Scripts/bench.py

# The real export with the credentials `hrexport auth` stored: make backfill FROM=2025-01-01 [TO=...] [DETAIL=1min]
backfill: build
	@if [ -z "$(FROM)" ]; then echo "usage: make backfill FROM=YYYY-MM-DD [TO=YYYY-MM-DD] [DETAIL=1min]"; exit 2; fi
	@$(BIN) backfill --out $(OUT) --from $(FROM) $(if $(TO),--to $(TO)) --detail $(DETAIL) || { \
		status=$$?; if [ $$status -eq 3 ]; then echo "Authorize first: HREXPORT_CLIENT_ID=<your app's client id> $(BIN) auth"; fi; exit $$status; }

# The nightly incremental run by hand: what is new, late or failed since the last run.
nightly: build
	@$(BIN) sync --out $(OUT) || { status=$$?; if [ $$status -eq 3 ]; then echo "Authorize first: HREXPORT_CLIENT_ID=<your app's client id> $(BIN) auth"; fi; exit $$status; }

# An SVG of a month of the export: make report [MONTH=YYYY-MM] (default: last month)
MONTH ?= $(shell date -d "$$(date +%Y-%m-01) -1 month" +%Y-%m)
report: build
	$(BIN) report --out $(OUT) --month $(MONTH)

# Installs the binary and a systemd user timer that runs `hrexport sync` nightly after 03:00.
install-timer: install
	$(PREFIX)/bin/hrexport schedule --systemd --out $(abspath $(OUT)) --write-to $(HOME)/.config/systemd/user
	systemctl --user daemon-reload
	systemctl --user enable --now hrexport-sync.timer

clean:
	rm -rf .build data/demo
