#!/usr/bin/env bash
# fuzz.sh runs every Fuzz* target in the module for the given time each
# (default 30s). New failing inputs are kept under each package's
# testdata/fuzz, which is committed.
set -euo pipefail
cd "$(dirname "$0")/.."
fuzztime=${1:-30s}
for pkg in $(go list ./...); do
	for target in $(go test -list '^Fuzz' "$pkg" 2>/dev/null | grep '^Fuzz' || true); do
		echo "== $pkg $target"
		go test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" "$pkg"
	done
done
