package limit

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"
)

func openTestJournal(t *testing.T, dir string, seq uint64) *journal {
	t.Helper()
	j, err := openJournal(dir, seq, time.Millisecond, 100*time.Millisecond, 256, 1<<40, nil)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

// replayAll returns every record of dir's segments, in order.
func replayAll(t *testing.T, dir string) []string {
	t.Helper()
	seqs, err := segments(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, seq := range seqs {
		err := replaySegment(dir, seq, func(p []byte) error {
			got = append(got, string(p))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return got
}

func TestJournalAppendReplay(t *testing.T) {
	dir := t.TempDir()
	j := openTestJournal(t, dir, 0)
	var want []string
	for i := range 1000 {
		rec := "record " + strconv.Itoa(i)
		want = append(want, rec)
		if err := j.append([]byte(rec)); err != nil {
			t.Fatal(err)
		}
		if i%100 == 0 {
			if err := j.sync(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := j.close(); err != nil {
		t.Fatal(err)
	}
	if err := j.append([]byte("late")); err != ErrClosed {
		t.Fatalf("append after close: %v", err)
	}
	if got := replayAll(t, dir); !slices.Equal(got, want) {
		t.Fatalf("replayed %d records, want %d", len(got), len(want))
	}
}

// TestJournalSyncIsDurable reads the segment behind the journal's back:
// once sync returns, the records are in the file.
// TestJournalSyncIsDurable checks that sync, and flush, return only once
// the records appended before them are in the file.
func TestJournalSyncIsDurable(t *testing.T) {
	for _, tt := range []struct {
		name string
		wait func(*journal, context.Context) error
	}{
		{"sync", (*journal).sync},
		{"flush", (*journal).flush},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			j, err := openJournal(dir, 7, time.Hour, time.Hour, 1<<20, 1<<40, nil) // never writes by itself
			if err != nil {
				t.Fatal(err)
			}
			defer j.close()
			for i := range 10 {
				j.append([]byte{byte(i)})
			}
			if err := tt.wait(j, context.Background()); err != nil {
				t.Fatal(err)
			}
			data, err := os.ReadFile(filepath.Join(dir, segmentName(7)))
			if err != nil {
				t.Fatal(err)
			}
			var n int
			readFrames(data, func([]byte) error { n++; return nil })
			if n != 10 {
				t.Fatalf("%d records in the file after %s, want 10", n, tt.name)
			}
			// Nothing pending: it returns at once.
			if err := tt.wait(j, context.Background()); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestJournalConcurrentSync(t *testing.T) {
	dir := t.TempDir()
	j := openTestJournal(t, dir, 0)
	var wg sync.WaitGroup
	for g := range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				j.append(fmt.Appendf(nil, "%d/%d", g, i))
				if err := j.sync(context.Background()); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	j.close()
	got := replayAll(t, dir)
	if len(got) != 32*50 {
		t.Fatalf("%d records, want %d", len(got), 32*50)
	}
	// Each goroutine's records stay in its order.
	next := map[string]int{}
	for _, rec := range got {
		var g, i int
		fmt.Sscanf(rec, "%d/%d", &g, &i)
		key := strconv.Itoa(g)
		if i != next[key] {
			t.Fatalf("goroutine %d: record %d after %d", g, i, next[key]-1)
		}
		next[key]++
	}
}

func TestJournalRotate(t *testing.T) {
	dir := t.TempDir()
	j := openTestJournal(t, dir, 3)
	j.append([]byte("a"))
	j.append([]byte("b"))
	seq, err := j.next()
	if err != nil || seq != 4 {
		t.Fatalf("next: %d, %v", seq, err)
	}
	j.append([]byte("c"))
	j.close()
	read := func(seq uint64) (got []string) {
		replaySegment(dir, seq, func(p []byte) error { got = append(got, string(p)); return nil })
		return got
	}
	if got := read(3); !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("segment 3: %q", got)
	}
	if got := read(4); !slices.Equal(got, []string{"c"}) {
		t.Errorf("segment 4: %q", got)
	}
	j2 := openTestJournal(t, dir, 5)
	if err := j2.removeBefore(5); err != nil {
		t.Fatal(err)
	}
	j2.close()
	if seqs, _ := segments(dir); !slices.Equal(seqs, []uint64{5}) {
		t.Errorf("segments after removeBefore: %v", seqs)
	}
}

// TestJournalTornTail: whatever a crash leaves after the last whole
// record is ignored on replay and cut off, and the records before it are
// all there.
func TestJournalTornTail(t *testing.T) {
	good := func() []byte {
		var b []byte
		for i := range 5 {
			b = appendFrame(b, []byte("record "+strconv.Itoa(i)))
		}
		return b
	}
	frame := appendFrame(nil, []byte("the torn one"))
	badCRC := slices.Clone(frame)
	badCRC[len(badCRC)-1] ^= 1
	zeroLen := make([]byte, 8)
	binary.LittleEndian.PutUint32(zeroLen[4:], 0)
	huge := binary.LittleEndian.AppendUint32(nil, maxRecord+1)
	huge = append(huge, make([]byte, 100)...)
	cases := []struct {
		name string
		tail []byte
	}{
		{"nothing", nil},
		{"part of a header", frame[:5]},
		{"a header without its payload", frame[:8]},
		{"half a payload", frame[:len(frame)-3]},
		{"a flipped bit", badCRC},
		{"zeros, as a file system leaves them", make([]byte, 4096)},
		{"an empty frame", zeroLen},
		{"a length past the limit", huge},
		{"garbage", bytes.Repeat([]byte{0xa5}, 37)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			name := filepath.Join(dir, segmentName(0))
			g := good()
			if err := os.WriteFile(name, append(slices.Clone(g), c.tail...), 0o600); err != nil {
				t.Fatal(err)
			}
			got := replayAll(t, dir)
			want := []string{"record 0", "record 1", "record 2", "record 3", "record 4"}
			if !slices.Equal(got, want) {
				t.Fatalf("replayed %q", got)
			}
			if fi, _ := os.Stat(name); fi.Size() != int64(len(g)) {
				t.Fatalf("segment is %d bytes after replay, want %d", fi.Size(), len(g))
			}
		})
	}
}

func TestJournalFullSignal(t *testing.T) {
	dir := t.TempDir()
	full := make(chan struct{}, 10)
	j, err := openJournal(dir, 0, time.Millisecond, 100*time.Millisecond, 256, 100, func() { full <- struct{}{} })
	if err != nil {
		t.Fatal(err)
	}
	defer j.close()
	j.append(make([]byte, 200))
	j.sync(context.Background())
	select {
	case <-full:
	default:
		t.Fatal("no signal past the size")
	}
	j.append(make([]byte, 20))
	j.sync(context.Background())
	if len(full) != 0 {
		t.Fatal("signalled twice below the next multiple")
	}
	j.append(make([]byte, 200))
	j.sync(context.Background())
	if len(full) != 1 {
		t.Fatal("no second signal past the next multiple")
	}
	<-full
	j.next()
	j.append(make([]byte, 200))
	j.sync(context.Background())
	if len(full) != 1 {
		t.Fatal("no signal for the next segment")
	}
}

// TestJournalFsyncsOnlyWhenNeeded checks that a flush writes without an
// fsync, that a sync after it fsyncs, and that a write nobody syncs is
// fsynced once syncEvery has passed.
func TestJournalFsyncsOnlyWhenNeeded(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	const every = 50 * time.Millisecond
	j, err := openJournal(dir, 0, time.Hour, every, 1<<20, 1<<40, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer j.close()
	j.append([]byte("a"))
	if err := j.flush(ctx); err != nil {
		t.Fatal(err)
	}
	if got := j.fsyncs.Load(); got != 0 {
		t.Errorf("after a flush: %d fsyncs, want 0", got)
	}
	if err := j.sync(ctx); err != nil {
		t.Fatal(err)
	}
	if got := j.fsyncs.Load(); got != 1 {
		t.Errorf("after a sync: %d fsyncs, want 1", got)
	}
	if err := j.sync(ctx); err != nil {
		t.Fatal(err)
	}
	if got := j.fsyncs.Load(); got != 1 {
		t.Errorf("after a second sync with nothing written: %d fsyncs, want 1", got)
	}
	j.append([]byte("b"))
	if err := j.flush(ctx); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for j.fsyncs.Load() < 2 && time.Now().Before(deadline) {
		time.Sleep(every / 5)
	}
	if got := j.fsyncs.Load(); got != 2 {
		t.Errorf("a flushed write nobody synced: %d fsyncs after waiting, want 2", got)
	}
}
