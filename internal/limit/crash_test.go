package limit

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// The crash tests run the test binary again as a child that counts as fast
// as it can and prints a line for each record that Sync made durable; the
// parent kills it with SIGKILL at a random moment and reopens what it left.
const (
	crashModeEnv = "TOLLGATE_LIMIT_CRASH_MODE"
	crashDirEnv  = "TOLLGATE_LIMIT_CRASH_DIR"
)

// TestCrashChild is the child's body; it only runs when the crash tests
// start it.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv(crashDirEnv)
	switch os.Getenv(crashModeEnv) {
	case "journal":
		crashJournalChild(dir)
	case "memory":
		crashMemoryChild(dir)
	default:
		t.Skip("run by the crash tests")
	}
}

// crashWorkers is the number of goroutines counting in the child.
const crashWorkers = 8

// crashJournalChild appends records "worker/index/" plus padding of random
// length, so that batches are large and a kill can land inside a write.
// Even workers sync each record and print it once durable; odd workers
// do not wait for their records, except every 32nd, so that they cannot
// outrun the disk.
func crashJournalChild(dir string) {
	seqs, _ := segments(dir)
	next := uint64(0)
	if len(seqs) > 0 {
		next = seqs[len(seqs)-1] + 1
	}
	j, err := openJournal(dir, next, 2*time.Millisecond, 100*time.Millisecond, 256, 1<<40, nil)
	if err != nil {
		panic(err)
	}
	var out sync.Mutex
	for w := range crashWorkers {
		go func() {
			rng := rand.New(rand.NewPCG(uint64(w), uint64(time.Now().UnixNano())))
			for i := 0; ; i++ {
				rec := fmt.Appendf(nil, "%d/%d/", w, i)
				rec = append(rec, strings.Repeat("x", rng.IntN(2000))...)
				if err := j.append(rec); err != nil {
					panic(err)
				}
				if w%2 == 1 && i%32 == 0 {
					j.sync(context.Background())
				}
				if w%2 == 0 {
					if err := j.sync(context.Background()); err != nil {
						panic(err)
					}
					out.Lock()
					fmt.Fprintf(os.Stdout, "%d/%d\n", w, i)
					out.Unlock()
				}
			}
		}()
	}
	select {}
}

// crashMemoryChild counts calls against one quota, in usage and with a
// nonce each, and prints "worker/index" for each call whose Sync returned.
// It resumes after what earlier children left, under a new nonce prefix.
func crashMemoryChild(dir string) {
	m, err := OpenMemory(dir, Options{CompactBytes: 64 << 10, BatchDelay: time.Millisecond})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	round := os.Getenv("TOLLGATE_LIMIT_CRASH_ROUND")
	var out sync.Mutex
	for w := range crashWorkers {
		go func() {
			for i := 0; ; i++ {
				r, err := m.Reserve(ctx, crashQuota, 1, time.Minute)
				if err != nil || !r.Granted {
					panic(fmt.Sprint("reserve: ", r, err))
				}
				if err := m.Commit(ctx, r); err != nil {
					panic(err)
				}
				if err := m.Add(ctx, crashUsage, Usage{Calls: 1, OK: 1}); err != nil {
					panic(err)
				}
				id := fmt.Sprintf("%s/%d/%d", round, w, i)
				if fresh, err := m.Once(ctx, Key{"AK", id}, time.Hour); err != nil || !fresh {
					panic(fmt.Sprint("once: ", fresh, err))
				}
				if err := m.Sync(ctx); err != nil {
					panic(err)
				}
				out.Lock()
				fmt.Fprintln(os.Stdout, id)
				out.Unlock()
			}
		}()
	}
	select {}
}

var (
	crashQuota = Quota{Key: Key{"sub", "crash"}, Limit: 1 << 50, Period: Total}
	crashUsage = UsageKey{AccessKey: "AK", Pin: "pin", Group: "g", API: "a", Env: "online"}
)

// runCrashChild starts a child in mode on dir, kills it with SIGKILL once
// it has printed kill lines, and returns every whole line it printed.
func runCrashChild(t *testing.T, mode, dir, round string, kill int) []string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashModeEnv+"="+mode, crashDirEnv+"="+dir, "TOLLGATE_LIMIT_CRASH_ROUND="+round)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var lines []string
	r := bufio.NewReader(stdout)
	for {
		line, err := r.ReadString('\n')
		if err == io.EOF {
			break // a partial last line is not an acknowledgement
		}
		if err != nil {
			t.Fatal(err)
		}
		lines = append(lines, strings.TrimSuffix(line, "\n"))
		if len(lines) == kill {
			cmd.Process.Kill() // SIGKILL
		}
	}
	err = cmd.Wait()
	if len(lines) < kill {
		t.Fatalf("the child exited after %d lines: %v", len(lines), err)
	}
	return lines
}

func TestCrashJournal(t *testing.T) {
	if testing.Short() {
		t.Skip("crash tests start child processes")
	}
	dir := t.TempDir()
	acked := map[string]bool{}
	for round := range 3 {
		for _, l := range runCrashChild(t, "journal", dir, strconv.Itoa(round), 200+rand.IntN(800)) {
			acked[strconv.Itoa(round)+":"+l] = true
		}
		// Reopening cuts any torn tail; every record must be whole and
		// each worker's records must be a prefix of what it appended.
		seqs, _ := segments(dir)
		if len(seqs) != round+1 {
			t.Fatalf("round %d: segments %v", round, seqs)
		}
		name := filepath.Join(dir, segmentName(seqs[round]))
		before, _ := os.Stat(name)
		present := map[string]bool{}
		err := replaySegment(dir, seqs[round], func(p []byte) error {
			parts := strings.SplitN(string(p), "/", 3)
			if len(parts) != 3 || strings.Trim(parts[2], "x") != "" {
				return fmt.Errorf("a damaged record: %.40q", p)
			}
			w, _ := strconv.Atoi(parts[0])
			i, _ := strconv.Atoi(parts[1])
			id := parts[0] + "/" + parts[1]
			if i > 0 && !present[fmt.Sprintf("%d/%d", w, i-1)] {
				return fmt.Errorf("record %s without its predecessor", id)
			}
			present[id] = true
			return nil
		})
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		missing, n := 0, 0
		for id := range acked {
			r, rest, _ := strings.Cut(id, ":")
			if r == strconv.Itoa(round) {
				n++
				if !present[rest] {
					missing++
				}
			}
		}
		if missing > 0 {
			t.Fatalf("round %d: %d synced records lost", round, missing)
		}
		after, _ := os.Stat(name)
		t.Logf("round %d: %d records survived, %d acknowledged; torn tail cut: %d bytes",
			round, len(present), n, before.Size()-after.Size())
	}
}

func TestCrashMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("crash tests start child processes")
	}
	ctx := context.Background()
	dir := t.TempDir()
	var acked []string
	for round := range 4 {
		acked = append(acked, runCrashChild(t, "memory", dir, strconv.Itoa(round), 100+rand.IntN(1500))...)

		m, err := OpenMemory(dir, Options{})
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		r, _ := m.Reserve(ctx, crashQuota, 0, 0)
		used := crashQuota.Limit - r.Remaining
		rows, _ := m.Usage(ctx, "pin", time.Now().Add(-48*time.Hour), time.Now().Add(time.Hour))
		var calls int64
		for _, row := range rows {
			calls += row.Calls
		}
		// Every acknowledged call is counted. At most one call per
		// worker per round was in flight, counted but not acknowledged.
		slack := int64(crashWorkers * (round + 1))
		n := int64(len(acked))
		if used < n || used > n+slack {
			t.Fatalf("round %d: quota use %d, acknowledged %d", round, used, n)
		}
		if calls < n || calls > n+slack {
			t.Fatalf("round %d: usage %d, acknowledged %d", round, calls, n)
		}
		for _, id := range acked {
			if fresh, _ := m.Once(ctx, Key{"AK", id}, time.Hour); fresh {
				t.Fatalf("round %d: nonce %s forgotten", round, id)
			}
		}
		if err := m.Close(); err != nil {
			t.Fatal(err)
		}
		t.Logf("round %d: %d acknowledged, quota use %d, usage %d", round, n, used, calls)
	}
}
