# Aurum — see README.md. Every target installs what it needs.
SHELL := /bin/bash
export PATH := $(PATH):/usr/local/go/bin:$(HOME)/go/bin

GO            ?= go
VERSION       ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS       := -X main.version=$(VERSION)
GOLANGCI_LINT := bin/golangci-lint
GOLANGCI_VERSION := v2.15.0
ARTIFACTS     := .aurum/test-artifacts
TEST_FLAGS    ?= -count=1 -timeout 30m -artifacts -outputdir $(CURDIR)/$(ARTIFACTS)

.PHONY: all build run test fuzz lint bench bench-go deps test-deps clean

all: build

## deps: install PostgreSQL and Redis when missing (apt-get)
deps:
	@scripts/install-deps.sh

## test-deps: deps, and Chromium for the workbench's browser test
test-deps:
	@scripts/install-deps.sh --browser

## build: compile bin/aurum
build:
	$(GO) build -ldflags "$(LDFLAGS)" -o bin/aurum ./cmd/aurum

## run: the whole platform in one process (embedded Kafka + registry, private Postgres + Redis, demo data)
run: deps build
	bin/aurum dev

## test: every test, against real PostgreSQL and Redis started by the harness, then the fuzz targets;
## the browser test's screenshots land in .aurum/test-artifacts
test: test-deps
	@mkdir -p $(ARTIFACTS)
	$(GO) test $(TEST_FLAGS) ./...
	GO=$(GO) scripts/fuzz.sh

## fuzz: every Go fuzz target for FUZZTIME (default 10s) each, FUZZ_JOBS (default 2) packages at a time
fuzz:
	GO=$(GO) scripts/fuzz.sh

## lint: gofmt, go vet and golangci-lint (staticcheck, errcheck, revive)
lint: $(GOLANGCI_LINT)
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt needed"; exit 1; }
	$(GO) vet ./...
	$(GOLANGCI_LINT) run ./...

$(GOLANGCI_LINT):
	GOBIN=$(CURDIR)/bin $(GO) install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_VERSION)

## bench: the platform benchmark (bench/), as ratios against baselines measured in the same run
bench: deps
	$(GO) run ./bench $(BENCH_FLAGS)

## bench-go: the packages' Go micro-benchmarks
bench-go:
	$(GO) test -run '^$$' -bench . -benchmem -count=1 ./...

clean:
	rm -rf bin
