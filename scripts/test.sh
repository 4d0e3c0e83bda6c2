#!/usr/bin/env bash
# test.sh runs Tollgate's whole test suite from a clean checkout: formatting,
# go vet, and every package's tests (unit, end-to-end against the real
# binary) under the race detector. It is the README's test command and what
# CI runs.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v go >/dev/null 2>&1; then
	if [ -x /usr/local/go/bin/go ]; then
		export PATH="/usr/local/go/bin:$PATH"
	else
		echo "test.sh: Go 1.26 or newer is required (https://go.dev/dl/)" >&2
		exit 1
	fi
fi

echo "== gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './bench/*'))
if [ -n "$unformatted" ]; then
	echo "not gofmt-formatted:" >&2
	echo "$unformatted" >&2
	exit 1
fi

echo "== go vet"
go vet ./...

# The interop suite (test/interop) tries curl and the Node.js SDKs, and the
# tests of the Redis counters (internal/limit/rediscounter, test/e2e) start
# their own redis-server. Where one is missing and Debian's apt is at hand
# (as root), install it; without curl, node or npm the interop suite skips
# those clients with a warning, which CI must not; without redis-server the
# Redis tests fail, saying so.
missing=""
for tool in curl node npm redis-server; do
	command -v "$tool" >/dev/null 2>&1 || missing="$missing $tool"
done
if [ -n "$missing" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
	echo "== installing$missing for the tests"
	pkgs=""
	for tool in $missing; do
		case $tool in
		curl) pkgs="$pkgs curl" ;;
		node) pkgs="$pkgs nodejs" ;;
		npm) pkgs="$pkgs npm" ;;
		redis-server) pkgs="$pkgs redis-server" ;;
		esac
	done
	apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $pkgs >/dev/null || true
fi
for tool in curl node npm; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		if [ "${CI:-}" = "true" ]; then
			echo "test.sh: $tool is required in CI by the interop suite (test/interop)" >&2
			exit 1
		fi
		echo "test.sh: WARNING: $tool is not on PATH: test/interop will skip the clients that need it" >&2
	fi
done
if ! command -v redis-server >/dev/null 2>&1; then
	echo "test.sh: redis-server is not on PATH: the tests of the Redis counters will fail (Debian: apt-get install redis-server)" >&2
fi

# The store's PostgreSQL tests (internal/pgtest) start their own server
# from the machine's initdb and postgres, which Debian keeps in
# /usr/lib/postgresql/*/bin; without them those tests fail, saying so.
# Where they are missing and apt is at hand (as root), install them.
has_postgres() {
	command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1
}
if ! has_postgres && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
	echo "== installing postgresql for the store's PostgreSQL tests"
	apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null || true
fi
if ! has_postgres; then
	echo "test.sh: WARNING: PostgreSQL's initdb is not installed (apt-get install postgresql): the PostgreSQL store tests will fail" >&2
fi

echo "== go test -race"
go test -race -count=1 -timeout 20m ./...
