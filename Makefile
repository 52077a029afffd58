# hrexport — see README.md. `make demo` and `make test` are the two commands a new machine needs; they share
# one debug build (.build/debug), so a newcomer waits for one build, not two. `make build`, `make install` and
# `make dist` are the optimized path.
SHELL   := /bin/bash
SWIFT   ?= swift
PREFIX  ?= /usr/local
DEBUG_BIN   := .build/debug/hrexport
RELEASE_BIN := .build/release/hrexport
OUT     ?= data/export
DETAIL  ?= 1min
PYTHON  := .venv/bin/python
VERSION := $(shell sed -n 's/.*static let version = "\(.*\)"/\1/p' Sources/HeartRateExport/HRExport.swift)
ARCH    := $(shell uname -m)
DIST    := dist/hrexport-$(VERSION)-linux-$(ARCH)
# What the interop tests import; `make test` installs them into .venv/ itself.
PY_PACKAGES := pyarrow pandas polars duckdb fastparquet pytest requests-oauthlib pyyaml
PY_IMPORTS  := pyarrow, pandas, polars, duckdb, fastparquet, pytest, requests_oauthlib, yaml
# Debian packages the whole test suite needs (the README's one line above the two commands).
APT_PACKAGES := zlib1g-dev pkg-config curl python3-venv r-base-core r-cran-data.table librsvg2-bin bsdutils binutils

.PHONY: print-apt-packages debug build install demo demo-takeout takeout-fixture test venv platform-check dist smoke bench backfill nightly report install-timer clean

print-apt-packages:
	@echo $(APT_PACKAGES)

# One debug build of everything (the CLI, the sandbox and the tests); warnings from our own code fail it.
debug:
	@bash Scripts/stamp-commit.sh
	@mkdir -p .build
	@$(SWIFT) build --build-tests 2>&1 | tee .build/debug-build.log | grep -v '^\[' ; test $${PIPESTATUS[0]} -eq 0
	@bash Scripts/no-warnings.sh .build/debug-build.log

build:
	@bash Scripts/stamp-commit.sh
	@mkdir -p .build
	@$(SWIFT) build -c release --product hrexport 2>&1 | tee .build/release-build.log | grep -v '^\[' ; test $${PIPESTATUS[0]} -eq 0
	@bash Scripts/no-warnings.sh .build/release-build.log

# The binary, its man page and its shell completions under PREFIX (default /usr/local).
install: build
	bash Scripts/install.sh $(RELEASE_BIN) $(PREFIX)

# Backfills the built-in sandbox into data/export with a private state folder (data/demo/state).
demo: debug
	BIN=$(DEBUG_BIN) bash Scripts/demo.sh

# A study of 20 sandbox participants: enrolled, backfilled, synced as 4 shards, verified, the cohort's status.
demo-cohort: debug
	BIN=$(DEBUG_BIN) bash Scripts/demo-cohort.sh

# Imports the synthetic Google Takeout fixture (data/takeout/) into data/export/takeout, then verifies it.
demo-takeout: debug
	rm -rf data/export/takeout data/demo/takeout-state
	HREXPORT_STATE_DIR=data/demo/takeout-state $(DEBUG_BIN) import data/takeout/*.zip --out data/export/takeout --user SANDBOX1 --timezone America/New_York --detail 1min
	HREXPORT_STATE_DIR=data/demo/takeout-state $(DEBUG_BIN) verify --out data/export/takeout
	HREXPORT_STATE_DIR=data/demo/takeout-state $(DEBUG_BIN) status --out data/export/takeout

# Regenerates data/takeout/ from the sandbox (the same bytes every time).
takeout-fixture: debug
	python3 Scripts/make_takeout.py $(DEBUG_BIN)

# The whole test suite on the one debug build: the platform check, the Swift tests, every Python interop test
# (in .venv/, created or repaired here), R when Rscript is present, and the release archive's smoke test when
# `make dist` has made one.
test: debug venv platform-check
	HREXPORT_BIN=$(CURDIR)/$(DEBUG_BIN) $(SWIFT) test --skip-build
	@command -v Rscript >/dev/null 2>&1 || echo "*** R is missing: the load.R test cannot run. Install the Debian packages r-base-core r-cran-data.table ***"
	HREXPORT_BIN=$(CURDIR)/$(DEBUG_BIN) $(PYTHON) -m pytest -q -rs Tests/python
	@if ls dist/hrexport-*.tar.gz >/dev/null 2>&1; then bash Scripts/dist-smoke.sh "$$(ls -t dist/hrexport-*.tar.gz | head -n 1)"; fi

# A Python virtual environment with the readers we test against: created when missing, repaired when a
# package is missing or broken.
venv:
	@[ -x $(PYTHON) ] || python3 -m venv .venv || { echo "cannot create .venv: install the Debian package python3-venv"; exit 1; }
	@$(PYTHON) -c "import $(PY_IMPORTS)" 2>/dev/null || .venv/bin/pip install -q $(PY_PACKAGES)

# Code that would not compile on macOS: libc names outside Sources/Platform, Linux-only spellings.
platform-check:
	@python3 Scripts/platform_check.py Sources

# dist/hrexport-<version>-linux-<arch>.tar.gz and its .sha256: a static-stdlib release binary, completions, the
# man page, README and INSTALL. Runs on Linux only (the archive's name says so).
dist:
	@bash Scripts/stamp-commit.sh
	@mkdir -p .build
	@$(SWIFT) build -c release --static-swift-stdlib --product hrexport 2>&1 | tee .build/dist-build.log | grep -v '^\[' ; test $${PIPESTATUS[0]} -eq 0
	@bash Scripts/no-warnings.sh .build/dist-build.log
	bash Scripts/make-dist.sh $(RELEASE_BIN) $(DIST)

# The archive's smoke test: linked libraries, then a sandbox export from the unpacked archive, without Swift.
smoke:
	bash Scripts/dist-smoke.sh $(DIST).tar.gz

# Measurements, not tests (release build): figures and ratios on stdout and in data/bench/latest.json.
bench: build venv
	BIN=$(RELEASE_BIN) $(PYTHON) Scripts/bench.py

# The real export with the credentials `hrexport auth` stored: make backfill FROM=2025-01-01 [TO=...] [DETAIL=1min]
backfill: build
	@if [ -z "$(FROM)" ]; then echo "usage: make backfill FROM=YYYY-MM-DD [TO=YYYY-MM-DD] [DETAIL=1min]"; exit 2; fi
	@$(RELEASE_BIN) backfill --out $(OUT) --from $(FROM) $(if $(TO),--to $(TO)) --detail $(DETAIL) || { \
		status=$$?; if [ $$status -eq 3 ]; then echo "Authorize first: HREXPORT_CLIENT_ID=<your app's client id> $(RELEASE_BIN) auth"; fi; exit $$status; }

# The nightly incremental run by hand: what is new, late or failed since the last run.
nightly: build
	@$(RELEASE_BIN) sync --out $(OUT) || { status=$$?; if [ $$status -eq 3 ]; then echo "Authorize first: HREXPORT_CLIENT_ID=<your app's client id> $(RELEASE_BIN) auth"; fi; exit $$status; }

# An SVG of a month of the export: make report [MONTH=YYYY-MM] (default: last month)
MONTH ?= $(shell date -d "$$(date +%Y-%m-01) -1 month" +%Y-%m)
report: build
	$(RELEASE_BIN) report --out $(OUT) --month $(MONTH)

# Installs the binary and a systemd user timer that runs `hrexport sync` nightly after 03:00.
install-timer: install
	$(PREFIX)/bin/hrexport schedule --systemd --out $(abspath $(OUT)) --write-to $(HOME)/.config/systemd/user
	systemctl --user daemon-reload
	systemctl --user enable --now hrexport-sync.timer

clean:
	rm -rf .build data/demo dist
