package e2e

import (
	"bufio"
	binenc "encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tollgate-gw/tollgate/internal/secret"
)

// The damaged-state tests run the real binary, spend money, kill it with
// SIGKILL, damage its data directory as a disk, an operator or an attacker
// could, and check that serve refuses to start, naming the file and the
// offset, until tollgate repair has moved the damage aside and said what
// was lost.

// spendAndKill starts serve on dir, buys three packages of 200 from a
// credit of 1000 (balance 400), and kills the process with SIGKILL.
func spendAndKill(t *testing.T, dir string) {
	t.Helper()
	p := serve(t, "--data", dir, "--demo=false", "--access-log=false")
	s := attach(t, p, dir)
	s.mustCall(201, "POST", "/v1/accounts", map[string]any{"pin": "acme", "name": "Acme", "realNameVerified": true})
	s.mustCall(201, "POST", "/v1/accounts/acme/recharge", map[string]any{"amount": 1000})
	for _, name := range []string{"a", "b", "c"} {
		g := s.mustCall(201, "POST", "/v1/groups", map[string]any{"name": "shop-" + name})["groupId"].(string)
		plan := s.mustCall(201, "POST", "/v1/groups/"+g+"/plans", map[string]any{
			"name": "pack", "pricePerCall": 20, "totalCalls": 10})["planId"].(string)
		s.mustCall(201, "POST", "/v1/subscriptions", map[string]any{"pin": "acme", "planId": plan})
	}
	if b := balance(t, s); b != 400 {
		t.Fatalf("balance %v after three purchases, want 400", b)
	}
	p.cmd.Process.Kill()
	<-p.done
}

func balance(t *testing.T, s *server) float64 {
	t.Helper()
	return s.mustCall(200, "GET", "/v1/accounts/acme/bills", nil)["balance"].(float64)
}

// lastSegment returns the newest journal segment of dir's counters.
func lastSegment(t *testing.T, dir string) string {
	t.Helper()
	names, _ := filepath.Glob(filepath.Join(dir, "counters", "journal-*.log"))
	if len(names) == 0 {
		t.Fatal("no journal segment")
	}
	return names[len(names)-1]
}

// frames returns the offsets of the frames of a journal segment.
func frames(t *testing.T, name string) (data []byte, offs []int) {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	for off := 0; off+8 <= len(data); {
		offs = append(offs, off)
		off += 8 + int(binenc.LittleEndian.Uint32(data[off:]))
	}
	return data, offs
}

// refused runs serve on dir and wants it to exit non-zero before serving,
// saying want on stderr; it returns stderr.
func refused(t *testing.T, dir string, want ...string) string {
	t.Helper()
	cmd := exec.Command(binary(t), "serve", "--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0",
		"--data", dir, "--demo=false", "--access-log=false")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err == nil {
			t.Fatalf("serve exited 0 on a damaged directory: %s", stderr.String())
		}
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("serve started on a damaged directory: %s", stderr.String())
	}
	for _, w := range want {
		if !strings.Contains(stderr.String(), w) {
			t.Errorf("serve's refusal does not say %q: %s", w, stderr.String())
		}
	}
	return stderr.String()
}

// repairDir runs tollgate repair on dir and returns its output.
func repairDir(t *testing.T, dir string) string {
	t.Helper()
	out, err := exec.Command(binary(t), "repair", "--data", dir).CombinedOutput()
	if err != nil {
		t.Fatalf("tollgate repair: %v\n%s", err, out)
	}
	t.Logf("tollgate repair:\n%s", out)
	return string(out)
}

// TestBinaryRefusesFlippedBytesThenRepairs flips four bytes inside the
// first charge of the journal, with whole records after it. Before, that
// was taken for a torn tail: the journal was cut there, silently, and the
// balance went from 400 back to 1000 with the three subscriptions paid
// for. Now serve refuses, naming the file and the offset; repair copies
// the segment aside, cuts it, and says the 600 spent by acme is lost;
// then serve starts.
func TestBinaryRefusesFlippedBytesThenRepairs(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the binary")
	}
	dir := t.TempDir()
	spendAndKill(t, dir)
	seg := lastSegment(t, dir)
	data, offs := frames(t, seg)
	if len(offs) < 4 {
		t.Fatalf("%d frames in %s", len(offs), seg)
	}
	victim := offs[1] // the first record after the header: the first charge
	for i := range 4 {
		data[victim+12+i] ^= 0x5a
	}
	os.WriteFile(seg, data, 0o600)

	refused(t, dir, seg, "at offset "+itoa(victim), "tollgate repair")
	// Refusing changed nothing.
	if after, _ := os.ReadFile(seg); len(after) != len(data) {
		t.Fatalf("the refused start cut the segment from %d to %d bytes", len(data), len(after))
	}
	out := repairDir(t, dir)
	for _, want := range []string{seg, "offset " + itoa(victim), "account acme: balance spend 600", "600 of charges forgotten"} {
		if !strings.Contains(out, want) {
			t.Errorf("repair's report does not say %q", want)
		}
	}
	quarantined, _ := filepath.Glob(filepath.Join(dir, "quarantine", "*", filepath.Base(seg)))
	if len(quarantined) != 1 {
		t.Fatalf("the damaged segment is not in quarantine: %v", quarantined)
	}
	if q, _ := os.ReadFile(quarantined[0]); string(q) != string(data) {
		t.Error("the quarantined copy is not the damaged segment as it was")
	}
	p := serve(t, "--data", dir, "--demo=false", "--access-log=false")
	if b := balance(t, attach(t, p, dir)); b != 1000 {
		t.Errorf("balance after the repair: %v, want the 1000 the report announced", b)
	}
}

// TestBinaryCutsTornTailWithWarning cuts the last record of the journal
// short: a torn tail, cut off with a WARN naming the file, the offset and
// the bytes dropped; everything before it is kept.
func TestBinaryCutsTornTailWithWarning(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the binary")
	}
	dir := t.TempDir()
	spendAndKill(t, dir)
	seg := lastSegment(t, dir)
	data, offs := frames(t, seg)
	last := offs[len(offs)-1]
	os.WriteFile(seg, data[:len(data)-3], 0o600)

	cmd := exec.Command(binary(t), "serve", "--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0",
		"--data", dir, "--demo=false", "--access-log=false")
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	warn := regexp.MustCompile(`"level":"WARN","msg":"torn tail of a counters journal cut off","file":"([^"]+)","offset":(\d+),"bytesDropped":(\d+)`)
	sc := bufio.NewScanner(stderr)
	var got []string
	for sc.Scan() {
		if m := warn.FindStringSubmatch(sc.Text()); m != nil {
			got = m
		}
		if servingLine.MatchString(sc.Text()) {
			break
		}
	}
	if got == nil {
		t.Fatal("no WARN about the torn tail before serving")
	}
	if got[1] != seg || got[2] != itoa(last) || got[3] != itoa(len(data)-3-last) {
		t.Errorf("WARN names %s at %s, %s bytes; want %s at %d, %d bytes", got[1], got[2], got[3], seg, last, len(data)-3-last)
	}
	go func() {
		for sc.Scan() {
		}
	}()
}

// TestBinaryRefusesMissingOrForeignState: a deleted counters directory of
// a store with balances, a zero-byte database in a used data directory,
// a database and a journal segment from another data directory (the
// same master key, so that only the ids tell) — each refused by name;
// repair makes the directory start again.
func TestBinaryRefusesMissingOrForeignState(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the binary")
	}
	t.Setenv(secret.EnvMasterKey, secret.NewKey())
	t.Run("counters deleted", func(t *testing.T) {
		dir := t.TempDir()
		spendAndKill(t, dir)
		os.RemoveAll(filepath.Join(dir, "counters"))
		refused(t, dir, filepath.Join(dir, "counters"), "the counters are missing", "3 paid subscriptions and 1 recharges")
		out := repairDir(t, dir)
		if !strings.Contains(out, "what every account spent") {
			t.Errorf("repair does not say the spend is lost: %s", out)
		}
		serve(t, "--data", dir, "--demo=false", "--access-log=false")
	})
	t.Run("zero-byte database", func(t *testing.T) {
		dir := t.TempDir()
		spendAndKill(t, dir)
		db := filepath.Join(dir, "tollgate.db")
		os.Truncate(db, 0)
		os.Remove(db + "-wal")
		os.Remove(db + "-shm")
		refused(t, dir, db, "0 bytes", "admin-token")
		repairDir(t, dir)
		p := serve(t, "--data", dir, "--demo=false", "--access-log=false")
		// The old token still opens the admin API, now on an empty store.
		attach(t, p, dir).mustCall(404, "GET", "/v1/accounts/acme", nil)
	})
	t.Run("foreign database", func(t *testing.T) {
		dir, other := t.TempDir(), t.TempDir()
		spendAndKill(t, dir)
		spendAndKill(t, other)
		for _, suffix := range []string{"", "-wal", "-shm"} {
			os.Remove(filepath.Join(dir, "tollgate.db"+suffix))
			if b, err := os.ReadFile(filepath.Join(other, "tollgate.db"+suffix)); err == nil {
				os.WriteFile(filepath.Join(dir, "tollgate.db"+suffix), b, 0o600)
			}
		}
		refused(t, dir, filepath.Join(dir, "counters", "snapshot"), "belong to data directory")
		repairDir(t, dir)
		serve(t, "--data", dir, "--demo=false", "--access-log=false")
	})
	t.Run("journal of another directory", func(t *testing.T) {
		dir, other := t.TempDir(), t.TempDir()
		spendAndKill(t, dir)
		spendAndKill(t, other)
		seg := lastSegment(t, dir)
		foreign, _ := os.ReadFile(lastSegment(t, other))
		planted := strings.Replace(seg, ".log", "", 1)
		planted = planted[:len(planted)-1] + string(planted[len(planted)-1]+1) + ".log"
		os.WriteFile(planted, foreign, 0o600)
		refused(t, dir, planted, "at offset 0", "belongs to data directory")
		out := repairDir(t, dir)
		if !strings.Contains(out, planted) {
			t.Errorf("repair does not name %s: %s", planted, out)
		}
		serve(t, "--data", dir, "--demo=false", "--access-log=false")
	})
}

func itoa(n int) string { return strconv.Itoa(n) }
