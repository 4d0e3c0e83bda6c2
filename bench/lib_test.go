// Package bench holds no Go code of its own: this file tests the shell
// functions of lib.sh that turn measurements into the figures and the
// verdicts scripts/bench.sh writes into docs/benchmarks.md, on made-up
// inputs, so that a wrong percentile or a goal read backwards shows here
// rather than in a published table.
package bench

import (
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// libsh runs lib.sh's function call (a line of bash) and returns what it
// printed.
func libsh(t *testing.T, call string) string {
	t.Helper()
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("bash not found")
	}
	out, err := exec.Command("bash", "-c", ". ./lib.sh && "+call).CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", call, err, out)
	}
	return string(out)
}

// writeFile writes content to a file in a temporary directory and returns
// its path.
func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestGoalRow checks the verdict of a Targets row, at and around the goal
// in both directions; a figure is judged as it is printed, to 3 decimals.
func TestGoalRow(t *testing.T) {
	for _, c := range []struct {
		measured, op, goal string
		want               string
	}{
		{"0.95", ">=", "0.95", "| x | 0.950 | ≥ 0.95 (issue 11) | met |"},
		{"0.9499", ">=", "0.95", "| x | 0.950 | ≥ 0.95 (issue 11) | met |"},
		{"0.949", ">=", "0.95", "| x | 0.949 | ≥ 0.95 (issue 11) | **not met** |"},
		{"1.3", ">=", "0.95", "| x | 1.300 | ≥ 0.95 (issue 11) | met |"},
		{"2", "<=", "2", "| x | 2.000 | ≤ 2.00 (issue 11) | met |"},
		{"2.01", "<=", "2", "| x | 2.010 | ≤ 2.00 (issue 11) | **not met** |"},
		{"0.5", "<=", "2", "| x | 0.500 | ≤ 2.00 (issue 11) | met |"},
	} {
		got := strings.TrimSpace(libsh(t, fmt.Sprintf("bench_goal_row %s '%s' %s x 'issue 11'", c.measured, c.op, c.goal)))
		if got != c.want {
			t.Errorf("bench_goal_row %s %s %s:\n got %s\nwant %s", c.measured, c.op, c.goal, got, c.want)
		}
	}
}

// TestRatioGoal checks that a Targets row compares the median of the
// per-round ratios, not the ratio of the medians, and that a goal whose
// target was not measured has no row.
func TestRatioGoal(t *testing.T) {
	// Per-round p99 ratios tollgate/nginx: 1.5, 2.5, 1.9: median 1.9 (the
	// medians' ratio would be 3000/2000 = 1.5).
	raw := writeFile(t, "raw", `1 nginx 40000 1000 2000 1 15 7 0
1 tollgate 20000 3000 3000 1 40 12 0
2 nginx 40000 1000 1000 1 15 7 0
2 tollgate 20000 3000 2500 1 40 12 0
3 nginx 40000 1000 2100 1 15 7 0
3 tollgate 20000 3000 3990 1 40 12 0
`)
	got := strings.TrimSpace(libsh(t, "bench_ratio_goal "+raw+" tollgate nginx 5 '<=' 2 p99 'issue 11'"))
	if want := "| p99 | 1.900 | ≤ 2.00 (issue 11) | met |"; got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if got := libsh(t, "bench_ratio_goal "+raw+" tollgate-signed tollgate 3 '>=' 0.95 rps"); got != "" {
		t.Errorf("a goal of a target not measured printed %q, want nothing", got)
	}
}

// TestOpenSummary checks the open-loop figures computed from vegeta's CSV
// results: latencies counted from when each request was due, so that
// requests vegeta sent late still count their wait; nearest-rank
// percentiles over every request; unanswered requests and other statuses
// counted apart; the rates.
func TestOpenSummary(t *testing.T) {
	// 1000 requests due 1 ms apart (rate 1000/s), the one of sequence
	// number k taking k+1 µs. The last 10 left 5 ms late (vegeta starved
	// of CPU): from when they were due, they took 5 ms more. Request 499
	// got no answer (status 0, an error message with commas), 500 a 502.
	// Lines in random order, as the CSV of concurrent requests is not
	// sorted by latency either.
	lines := make([]string, 0, 1000)
	for k := range 1000 {
		code, msg, late := 200, "", 0
		switch {
		case k == 499:
			code, msg = 0, `"Get ""http://127.0.0.1:1/hello"": dial tcp: i/o timeout, again"`
		case k == 500:
			code = 502
		case k >= 990:
			late = 5_000_000
		}
		lines = append(lines, fmt.Sprintf("%d,%d,%d,0,50,%s,,,%d,GET,http://127.0.0.1:1/hello,", int64(1.7e18)+int64(k)*1e6+int64(late), code, (k+1)*1000, msg, k))
	}
	rand.New(rand.NewSource(1)).Shuffle(len(lines), func(i, j int) { lines[i], lines[j] = lines[j], lines[i] })
	csv := writeFile(t, "open.csv", strings.Join(lines, "\n")+"\n")
	got := strings.TrimSpace(libsh(t, "bench_open_summary "+csv+" tollgate 1000"))
	// Latencies from when due: 1..990 µs, then 5991..6000 µs. Sent: 999
	// gaps over 1.004 s; answered: 998 over 1.005 s (the last one left at
	// 1.004 s and took 1 ms). vegeta's lateness: 0 for 99 %.
	if want := "tollgate 1000 995 993 500 990 5999 6000 1000 1 1 0"; got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

// TestOpenGoal checks the open-loop goal: a target's p99 over direct's no
// more than nginx's, every request answered with a 2xx, and not judged
// when vegeta could not send at the rate.
func TestOpenGoal(t *testing.T) {
	raw := writeFile(t, "open", `direct 20000 20000 20000 100 400 900 2000 200000 0 0 10
nginx 20000 20000 20000 150 600 1200 3000 200000 0 0 10
tollgate 20000 20000 20000 300 600 1500 4000 200000 0 0 10
tollgate-signed 20000 20000 19000 300 550 1500 4000 200000 3 0 10
tollgate-metered 20000 20000 19000 900 5000 9000 12000 200000 0 0 10
tollgate-std 20000 18500 18500 100 500 900 2000 185000 0 0 900
`)
	for _, c := range []struct{ target, want string }{
		{"tollgate", "| open loop: `tollgate` added p99 over direct (ms) | +0.200 | ≤ nginx's +0.200 (issue 11) | met |"},
		{"tollgate-signed", "| open loop: `tollgate-signed` added p99 over direct (ms) | +0.150, 3 requests failed | ≤ nginx's +0.200 (issue 11) | **not met** |"},
		{"tollgate-metered", "| open loop: `tollgate-metered` added p99 over direct (ms) | +4.600 | ≤ nginx's +0.200 (issue 11) | **not met** |"},
		{"tollgate-std", "| open loop: `tollgate-std` added p99 over direct (ms) | +0.100 | ≤ nginx's +0.200 (issue 11) | not measured: vegeta fell behind (tollgate-std 18500/s of 20000/s) |"},
		{"tollgate-validated", ""},
	} {
		if got := strings.TrimSpace(libsh(t, "bench_open_goal "+raw+" "+c.target)); got != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.target, got, c.want)
		}
	}
}

// TestGoalsMet checks the sentence under the Targets table.
func TestGoalsMet(t *testing.T) {
	rows := "| a | 1.000 | ≥ 0.95 | met |\n" +
		"| b | 0.900 | ≥ 0.95 | **not met** |\n" +
		"| c | +0.100 | ≤ nginx's +0.200 | not measured: vegeta fell behind (c 1/s of 2/s) |\n" +
		"| d | 2.000 | ≤ 2.00 | met |\n"
	got := strings.TrimSpace(libsh(t, "bench_goals_met <"+writeFile(t, "rows", rows)))
	if want := "2 of 3 goals met in this run (1 more not measured)."; got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}
