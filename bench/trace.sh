#!/usr/bin/env bash
# bench/trace.sh FILE [N]: summarizes an execution trace that
# TOLLGATE_TRACE (or scripts/bench.sh BENCH_TRACE) wrote, in text:
#
#   - bench/tracestat: how long goroutines waited runnable before they ran
#     (p50 ... max, by kind: net/http connections, GC workers, others), the
#     GC workers' share of the running time, and the GC's stop-the-world
#     pauses, mark phases and assists;
#   - go tool trace -pprof=TYPE: where goroutines waited, by stack, for
#     sched (runnable, waiting for a P: scheduling latency), sync
#     (mutexes, channels), syscall and net (network reads and writes),
#     each saved as FILE.TYPE.pprof and shown as go tool pprof -top (N
#     lines, 15 by default).
#
# Open the trace itself with `go tool trace FILE` (a browser UI).
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: bench/trace.sh FILE [N]" >&2; exit 2; }
file=$(realpath "$1")
n=${2:-15}
root=$(cd "$(dirname "$0")/.." && pwd)

echo "== bench/tracestat $file"
(cd "$root/bench/tracestat" && go run . "$file")
for t in sched sync syscall net; do
	echo
	echo "== go tool trace -pprof=$t (go tool pprof -top $file.$t.pprof)"
	go tool trace -pprof="$t" "$file" >"$file.$t.pprof"
	# The "Showing nodes" line gives the total; the samples of no stack
	# (goroutines the network poller woke) are in it but in no row.
	go tool pprof -top -nodecount="$n" "$file.$t.pprof" 2>/dev/null | grep -v '^Type:\|^Dropped\|^Showing top' | head -n $((n + 2)) ||
		echo "(empty)"
done
