package limit

import (
	"context"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// balance is the quota the damage tests charge: a credit of 1000.
var damageBalance = Quota{Key: Key{"balance", "acme"}, Limit: 1000, Period: Total}

// chargeN opens dir as data directory id, charges 100 n times, one
// record each, and closes it, leaving the records in a segment.
func chargeN(t *testing.T, dir, id string, n int) string {
	t.Helper()
	m, err := OpenMemory(dir, Options{DataID: id})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for range n {
		r, err := m.Reserve(ctx, damageBalance, 100, 0)
		if err != nil || !r.Granted {
			t.Fatalf("reserve: %+v, %v", r, err)
		}
		if err := m.Commit(ctx, r); err != nil {
			t.Fatal(err)
		}
		if err := m.Sync(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	seqs, _ := segments(dir)
	return filepath.Join(dir, segmentName(seqs[len(seqs)-1]))
}

// frameOffsets returns where each frame of a file begins.
func frameOffsets(t *testing.T, name string) []int {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	var offs []int
	for off := 0; off < len(data); {
		offs = append(offs, off)
		off += frameHeader + int(binary.LittleEndian.Uint32(data[off:]))
	}
	return offs
}

func spent(t *testing.T, m *Memory) int64 {
	t.Helper()
	r, err := m.Reserve(context.Background(), damageBalance, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	return damageBalance.Limit - r.Remaining
}

// TestOpenRefusesDamageMidJournal flips four bytes inside a record that
// has whole records after it: once in a payload (the CRC fails), once in
// a length (which then reaches past the end, like a torn frame). Neither
// is a torn tail: the open is refused, naming the file and the record's
// offset, and the file is left whole for tollgate repair. Before, both
// were cut off as torn tails and the balance went back.
func TestOpenRefusesDamageMidJournal(t *testing.T) {
	for _, tt := range []struct {
		name string
		at   int // bytes into the frame
		flip []byte
	}{
		{"payload", frameHeader + 2, []byte{0xff, 0xff, 0xff, 0xff}},
		{"length", 0, []byte{0x00, 0x00, 0x70, 0x00}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			id := NewDataID()
			seg := chargeN(t, dir, id, 6)
			offs := frameOffsets(t, seg)
			victim := offs[3] // header, then records 1, 2, 3...
			data, _ := os.ReadFile(seg)
			for i, b := range tt.flip {
				data[victim+tt.at+i] ^= b
			}
			os.WriteFile(seg, data, 0o600)

			var torn []string
			_, err := OpenMemory(dir, Options{DataID: id, OnTorn: func(f string, _, _ int64) { torn = append(torn, f) }})
			var ce *CorruptError
			if !errors.As(err, &ce) {
				t.Fatalf("open: %v, want a CorruptError", err)
			}
			if ce.File != seg || ce.Offset != int64(victim) {
				t.Errorf("refused %s at %d, want %s at %d", ce.File, ce.Offset, seg, victim)
			}
			if !strings.Contains(err.Error(), seg) {
				t.Errorf("the error %q does not name the file", err)
			}
			if after, _ := os.ReadFile(seg); len(after) != len(data) {
				t.Errorf("the damaged segment was cut from %d to %d bytes", len(data), len(after))
			}
			if len(torn) != 0 {
				t.Errorf("damage reported as a torn tail: %v", torn)
			}
		})
	}
}

// TestOpenCutsTornTail cuts the last record short: that, and only that, is
// a torn tail, cut off with a warning naming the file, the offset and the
// bytes dropped.
func TestOpenCutsTornTail(t *testing.T) {
	for _, tt := range []struct {
		name string
		tail func(data []byte, last int) []byte
	}{
		{"short record", func(d []byte, _ int) []byte { return d[:len(d)-3] }},
		{"short header", func(d []byte, last int) []byte { return d[:last+5] }},
		{"zeros after", func(d []byte, _ int) []byte { return append(d, make([]byte, 4096)...) }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			id := NewDataID()
			seg := chargeN(t, dir, id, 4)
			offs := frameOffsets(t, seg)
			data, _ := os.ReadFile(seg)
			data = tt.tail(data, offs[len(offs)-1])
			os.WriteFile(seg, data, 0o600)
			type cut struct {
				file         string
				off, dropped int64
			}
			var got []cut
			m, err := OpenMemory(dir, Options{DataID: id, OnTorn: func(f string, off, n int64) { got = append(got, cut{f, off, n}) }})
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			wantOff := int64(offs[len(offs)-1])
			wantSpent := int64(300)
			if tt.name == "zeros after" {
				wantOff, wantSpent = int64(len(data)-4096), 400
			}
			if len(got) != 1 || got[0].file != seg || got[0].off != wantOff || got[0].dropped != int64(len(data))-wantOff {
				t.Errorf("torn tails reported: %+v, want %s at %d, %d bytes", got, seg, wantOff, int64(len(data))-wantOff)
			}
			if s := spent(t, m); s != wantSpent {
				t.Errorf("spent %d after the cut, want %d", s, wantSpent)
			}
		})
	}
}

// TestOpenRefusesForeignFiles puts another data directory's segment, and
// another's snapshot, in a directory: each is refused, by name.
func TestOpenRefusesForeignFiles(t *testing.T) {
	t.Run("segment", func(t *testing.T) {
		dir, other := t.TempDir(), t.TempDir()
		id := NewDataID()
		chargeN(t, dir, id, 2)
		foreign := chargeN(t, other, NewDataID(), 3)
		seqs, _ := segments(dir)
		planted := filepath.Join(dir, segmentName(seqs[len(seqs)-1]+1))
		data, _ := os.ReadFile(foreign)
		os.WriteFile(planted, data, 0o600)
		_, err := OpenMemory(dir, Options{DataID: id})
		var ce *CorruptError
		if !errors.As(err, &ce) || ce.File != planted || ce.Offset != 0 || !strings.Contains(ce.Reason, "belongs to data directory") {
			t.Fatalf("open with a foreign segment: %v", err)
		}
	})
	t.Run("snapshot", func(t *testing.T) {
		dir := t.TempDir()
		chargeN(t, dir, NewDataID(), 2)
		_, err := OpenMemory(dir, Options{DataID: NewDataID()})
		var ce *CorruptError
		if !errors.As(err, &ce) || ce.File != filepath.Join(dir, snapshotName) {
			t.Fatalf("open as another data directory: %v", err)
		}
	})
	t.Run("segment without a header", func(t *testing.T) {
		dir := t.TempDir()
		id := NewDataID()
		chargeN(t, dir, id, 1)
		seqs, _ := segments(dir)
		planted := filepath.Join(dir, segmentName(seqs[len(seqs)-1]+1))
		os.WriteFile(planted, appendFrame(nil, appendQuotaRecord(nil, damageBalance.Key, 0, 1<<62, 0)), 0o600)
		_, err := OpenMemory(dir, Options{DataID: id})
		var ce *CorruptError
		if !errors.As(err, &ce) || ce.File != planted || !strings.Contains(ce.Reason, "no header") {
			t.Fatalf("open with a header-less segment in a directory with ids: %v", err)
		}
	})
	t.Run("snapshot deleted", func(t *testing.T) {
		dir := t.TempDir()
		chargeN(t, dir, NewDataID(), 2)
		os.Remove(filepath.Join(dir, snapshotName))
		_, err := OpenMemory(dir, Options{})
		var ce *CorruptError
		if !errors.As(err, &ce) || !strings.Contains(ce.Reason, "missing") {
			t.Fatalf("open without the snapshot: %v", err)
		}
	})
}

// TestOpenAdoptsVersion1 opens a directory written before data directory
// ids (a version 1 snapshot, segments without headers): it is read whole
// and stamped with the id, once.
func TestOpenAdoptsVersion1(t *testing.T) {
	dir := t.TempDir()
	// The previous version's snapshot header: no id.
	var h []byte
	h = append(h, recHeader)
	h = appendString(h, snapshotMagic)
	h = binary.AppendUvarint(h, 1)
	h = binary.AppendUvarint(h, 5)
	h = binary.LittleEndian.AppendUint64(h, 1)
	h = binary.LittleEndian.AppendUint64(h, 2)
	snap := appendFrame(nil, h)
	snap = appendFrame(snap, appendQuotaRecord(nil, damageBalance.Key, 0, 1<<62, 200))
	snap = appendFrame(snap, appendEndRecord(nil, 2))
	os.WriteFile(filepath.Join(dir, snapshotName), snap, 0o600)
	os.WriteFile(filepath.Join(dir, segmentName(5)), appendFrame(nil, appendQuotaRecord(nil, damageBalance.Key, 0, 1<<62, 300)), 0o600)

	id := NewDataID()
	m, err := OpenMemory(dir, Options{DataID: id})
	if err != nil {
		t.Fatal(err)
	}
	if s := spent(t, m); s != 300 {
		t.Errorf("spent %d, want 300 from the old segment", s)
	}
	m.Close()
	if got, found, err := ReadDataID(dir); got != id || !found || err != nil {
		t.Errorf("ReadDataID after adoption: %q, %v, %v; want %q", got, found, err, id)
	}
	if _, err := OpenMemory(dir, Options{DataID: NewDataID()}); err == nil {
		t.Error("an adopted directory opened as another one")
	}
}

// TestChargeIsRememberedAcrossRestarts: CommitCharge's id survives a
// reopen (journal, then snapshot) until ForgetCharge.
func TestChargeIsRememberedAcrossRestarts(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	m, err := OpenMemory(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	r, _ := m.Reserve(ctx, damageBalance, 250, 0)
	if err := m.CommitCharge(ctx, r, "pur-1"); err != nil {
		t.Fatal(err)
	}
	m.Close()
	for round := range 2 { // from the journal, then from the snapshot
		if m, err = OpenMemory(dir, Options{}); err != nil {
			t.Fatal(err)
		}
		if !m.Charged("pur-1") || m.Charged("pur-2") || spent(t, m) != 250 {
			t.Fatalf("round %d: charged %v/%v, spent %d", round, m.Charged("pur-1"), m.Charged("pur-2"), spent(t, m))
		}
		m.Close()
	}
	m, _ = OpenMemory(dir, Options{})
	m.ForgetCharge("pur-1")
	m.Close()
	m, _ = OpenMemory(dir, Options{})
	defer m.Close()
	if m.Charged("pur-1") || spent(t, m) != 250 {
		t.Errorf("after ForgetCharge: charged %v, spent %d", m.Charged("pur-1"), spent(t, m))
	}
}
