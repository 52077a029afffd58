# hrexport — see README.md. `make demo` and `make test` are the two commands a new machine needs.
SWIFT   ?= swift
PREFIX  ?= /usr/local
BIN     := .build/release/hrexport
OUT     ?= data/export
DETAIL  ?= 1min
PYTHON  := .venv/bin/python

.PHONY: build install demo test backfill clean

build:
	$(SWIFT) build -c release --product hrexport

install: build
	install -d $(PREFIX)/bin
	install -m 0755 $(BIN) $(PREFIX)/bin/hrexport

# Backfills the built-in sandbox into data/export with a private state folder (data/demo/state).
demo: build
	BIN=$(BIN) bash Scripts/demo.sh

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

# The real export with the credentials `hrexport auth` stored: make backfill FROM=2025-01-01 [TO=...] [DETAIL=1min]
backfill: build
	@if [ -z "$(FROM)" ]; then echo "usage: make backfill FROM=YYYY-MM-DD [TO=YYYY-MM-DD] [DETAIL=1min]"; exit 2; fi
	@$(BIN) backfill --out $(OUT) --from $(FROM) $(if $(TO),--to $(TO)) --detail $(DETAIL) || { \
		status=$$?; if [ $$status -eq 3 ]; then echo "Authorize first: HREXPORT_CLIENT_ID=<your app's client id> $(BIN) auth"; fi; exit $$status; }

clean:
	rm -rf .build data/demo
