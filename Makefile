# Redress — the two commands: `make run` and `make test`.
GO       ?= go
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -X github.com/redresshq/redress/internal/version.Version=$(VERSION)
FUZZTIME ?= 10s

.PHONY: run test screenshots build lint lint-spec bench chaos fuzz compose-check clean

## run: start Redress with embedded defaults (private Postgres under ./.redress unless DATABASE_URL is set, embedded NATS, demo data)
run:
	$(GO) run -ldflags "$(LDFLAGS)" ./cmd/redress dev

## test: lint, then every test against real PostgreSQL and NATS, in two runs at once: the browser
## tests (every test named TestBrowser…, which drive headless Chromium) without the race detector,
## and every other test with it. (About 10 minutes on a 2-core machine with a warm build cache,
## bound by CPU, a third of it Chromium's; the timeout leaves room for a busy one. Under the race
## detector the browser tests took a fifth more CPU, most of it the Go side's; the handlers they
## drive run under it in their packages' other tests; under it, browser.New refuses a test named
## otherwise. See README.md.)
## (-ldflags '-s -w': test binaries without DWARF link in two thirds of the time; panics and race
## reports keep their file:line, which come from the Go symbol table)
BROWSER_TESTS := ^TestBrowser
BROWSER_PKGS   = $(sort $(patsubst %/,%,$(dir $(shell grep -rlE --include='*_test.go' --exclude-dir=.git --exclude-dir=.redress --exclude-dir=node_modules '^func TestBrowser' .))))
GOTEST        := $(GO) test -count=1 -timeout 60m -ldflags '-s -w'
test: SHELL := /bin/bash
test: lint lint-spec
	@set -o pipefail; \
	echo "browser tests, without the race detector, in: $(BROWSER_PKGS) (their lines start with 'browser tests:')"; \
	{ $(GOTEST) -run '$(BROWSER_TESTS)' $(BROWSER_PKGS) 2>&1 | sed -u 's/^/browser tests: /'; } & browser=$$!; \
	$(GOTEST) -race -skip '$(BROWSER_TESTS)' ./...; race=$$?; \
	wait $$browser; browser=$$?; \
	if [ $$race != 0 ] || [ $$browser != 0 ]; then \
	  echo "make test FAILED: the tests with the race detector exited $$race, the browser tests $$browser"; exit 1; fi; \
	echo "make test: every test passed"

## screenshots: the browser tests with their screenshots on, one per step of every journey, in
## artifacts/screenshots (or $REDRESS_ARTIFACTS); `make test` takes only a failing check's
screenshots:
	REDRESS_SCREENSHOTS=1 $(GO) test -count=1 -timeout 60m -run '^TestBrowser' ./frontend

## build: the redress binary in bin/
build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "-s -w $(LDFLAGS)" -o bin/redress ./cmd/redress

## lint: gofmt and go vet
lint:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt would change:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...

## lint-spec: `redocly lint` of api/openapi.yaml with the pinned @redocly/cli of tools/redocly
## (needs node and npm; installs into tools/redocly/node_modules on first use or when the lock changes)
REDOCLY := tools/redocly/node_modules/.bin/redocly
lint-spec: $(REDOCLY)
	REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true $(REDOCLY) lint --config tools/redocly/redocly.yaml api/openapi.yaml

$(REDOCLY): tools/redocly/package.json tools/redocly/package-lock.json
	@command -v node >/dev/null || { echo "make lint-spec: node is missing (apt-get install nodejs npm)" >&2; exit 1; }
	@command -v npm >/dev/null || { echo "make lint-spec: npm is missing (apt-get install nodejs npm)" >&2; exit 1; }
	npm ci --prefix tools/redocly --no-audit --no-fund
	@touch $@

## bench: load-test POST /api/v1/cases next to pgbench on the same database (see BENCHMARKS.md)
bench:
	$(GO) run ./cmd/redress-bench

## chaos: file complaints against 2 APIs, 2 workers, a 3-node NATS cluster and PostgreSQL
## while killing them, then check nothing was lost or done twice (RELIABILITY.md); CHAOSFLAGS=-duration 10m …
chaos:
	$(GO) run ./cmd/redress-chaos $(CHAOSFLAGS)

## fuzz: run each fuzz target for FUZZTIME
fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg 2>/dev/null | grep '^Fuzz'); do \
	    echo "fuzz $$pkg $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

## compose-check: validate compose.yaml (needs docker-compose)
compose-check:
	docker-compose -f compose.yaml config -q

clean:
	rm -rf bin artifacts
