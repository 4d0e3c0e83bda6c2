# Tollgate's everyday commands. `make help` lists them.
GO ?= go

.PHONY: help build run test lint fuzz bench bench-scale bench-cluster clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-13s %s\n", $$1, $$2}'

# The version and the commit `tollgate version` prints, from git; "devel"
# and "unknown" outside a git checkout. GOFLAGS=-buildvcs=false builds
# record no commit of their own, so it is passed here.
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo devel)
COMMIT ?= $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
LDFLAGS := -X github.com/tollgate-gw/tollgate/internal/version.version=$(VERSION) \
	-X github.com/tollgate-gw/tollgate/internal/version.commit=$(COMMIT)

build: ## build bin/tollgate, with its version and commit from git
	$(GO) build -ldflags "$(LDFLAGS)" -o bin/tollgate ./cmd/tollgate

run: ## run Tollgate with the demo group (data :8080, admin 127.0.0.1:9080)
	$(GO) run ./cmd/tollgate serve

test: ## the whole test suite, as CI runs it
	./scripts/test.sh

lint: ## gofmt and go vet only
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (gofmt -l $$(git ls-files '*.go'); exit 1)
	$(GO) vet ./...

fuzz: ## run every fuzz target for FUZZTIME each (default 30s)
	./scripts/fuzz.sh $(or $(FUZZTIME),30s)

bench: ## load benchmark: backend direct vs nginx vs Tollgate, writes docs/benchmarks.md
	./scripts/bench.sh

bench-scale: build ## one node at 1,000 groups and 100,000 keys: admin writes, reloads, RSS (BENCH_SCALE_FLAGS, e.g. -load 8s)
	$(GO) run ./bench/scale -bin bin/tollgate $(BENCH_SCALE_FLAGS)

bench-cluster: ## a cluster on loopback: propagation over 3 serve processes (200 changes), the 3/12/20-node simulation (docs/cluster.md)
	$(GO) test -run '^$$' -bench 'BenchmarkCluster' -benchtime 200x -timeout 30m ./test/e2e

clean: ## remove build output
	rm -rf bin
