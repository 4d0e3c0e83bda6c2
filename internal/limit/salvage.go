package limit

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// Lost is what could be decoded of the part of a counters file that a
// repair quarantined: each counter's last value found there. Records
// state whole values, so a quota's value here against its value after
// the repair is the spend that was forgotten.
type Lost struct {
	Records int               // whole records found (framed, CRC matching)
	Quotas  map[Key]int64     // the last use found per quota: a balance's is its spend
	Usage   map[UsageRow]bool // the last value found per key and hour
	Charges map[string]bool   // purchase charges found
	Nonces  int               // nonces, which a replay could now reuse
	Bytes   int64             // bytes quarantined
	Files   []QuarantinedFile // what was moved aside
}

// QuarantinedFile is a counters file a repair moved aside.
type QuarantinedFile struct {
	File, To string
	// From is where the unreadable part begins: the file was cut there
	// and keeps its whole records before it; 0 when it was moved whole.
	From int64
}

func newLost() *Lost {
	return &Lost{Quotas: map[Key]int64{}, Usage: map[UsageRow]bool{}, Charges: map[string]bool{}}
}

// salvage adds what can be decoded of data from off on: every whole frame
// found, resynchronizing past damage.
func (l *Lost) salvage(data []byte, off int) {
	usage := map[usageKey]Usage{}
	framesAfter(data, off, func(_ int, p []byte) {
		l.Records++
		d := decoder{b: p[1:]}
		switch p[0] {
		case recQuota, recCharge:
			if p[0] == recCharge {
				l.Charges[d.string()] = true
			}
			k := Key{Scope: d.string(), ID: d.string()}
			d.varint()
			d.varint()
			used := d.varint()
			if d.err == nil {
				l.Quotas[k] = used
			}
		case recUsage:
			k := UsageKey{AccessKey: d.string(), Pin: d.string(), Group: d.string(), API: d.string(), Env: d.string()}
			hour, calls, ok := d.varint(), d.varint(), d.varint()
			var charged, business int64
			if d.more() {
				charged = d.varint()
			}
			if d.more() {
				business = d.varint()
			}
			if d.err == nil {
				usage[usageKey{k, hour}] = Usage{Calls: calls, OK: ok, Charged: charged, Business: business}
			}
		case recForget:
			// Settled: its purchase was finished.
			delete(l.Charges, d.string())
		case recNonce:
			l.Nonces++
		}
	})
	for k, u := range usage {
		l.Usage[UsageRow{UsageKey: k.UsageKey, Hour: time.Unix(k.hour*3600, 0).UTC(), Usage: u}] = true
	}
}

// Repair makes the counters in dir open as data directory id, moving
// aside into quarantine (created if need be) what cannot be read, never
// deleting: a segment damaged in the middle is copied there and cut at
// the damage, keeping its whole records before it; a segment of another
// data directory or without a header is moved whole; a damaged or foreign
// snapshot is moved with every segment (they replay over it and mean
// nothing without it). It returns what could be decoded of the
// quarantined parts. A directory that opens as it is is left alone.
func Repair(dir, id, quarantine string) (*Lost, error) {
	lost := newLost()
	for range 1000 {
		m, err := OpenMemory(dir, Options{DataID: id})
		if err == nil {
			return lost, m.Close()
		}
		var ce *CorruptError
		if !errors.As(err, &ce) {
			return lost, err
		}
		if err := os.MkdirAll(quarantine, 0o700); err != nil {
			return lost, err
		}
		if !isSegment(ce.File) {
			if err := quarantineAll(dir, quarantine, lost); err != nil {
				return lost, err
			}
			continue
		}
		if err := quarantineFrom(ce.File, ce.Offset, quarantine, lost); err != nil {
			return lost, err
		}
	}
	return lost, fmt.Errorf("limit: %s: still damaged after 1000 repairs", dir)
}

func isSegment(name string) bool {
	var seq uint64
	_, err := fmt.Sscanf(filepath.Base(name), "journal-%016x.log", &seq)
	return err == nil
}

// quarantineFrom moves segment name aside: a copy of it whole to
// quarantine, then the original cut at off (removed when off is 0).
func quarantineFrom(name string, off int64, quarantine string, lost *Lost) error {
	data, err := os.ReadFile(name)
	if err != nil {
		return err
	}
	to := filepath.Join(quarantine, filepath.Base(name))
	if err := writeDurable(to, data); err != nil {
		return err
	}
	if off == 0 {
		// A foreign or header-less segment: none of it is this
		// directory's.
		err = os.Remove(name)
	} else {
		err = os.Truncate(name, off)
	}
	if err != nil {
		return err
	}
	lost.salvage(data, int(off))
	lost.Bytes += int64(len(data)) - off
	lost.Files = append(lost.Files, QuarantinedFile{File: name, To: to, From: off})
	return syncDir(filepath.Dir(name))
}

// quarantineAll moves the snapshot and every segment of dir aside.
func quarantineAll(dir, quarantine string, lost *Lost) error {
	seqs, err := segments(dir)
	if err != nil {
		return err
	}
	names := []string{filepath.Join(dir, snapshotName)}
	for _, seq := range seqs {
		names = append(names, filepath.Join(dir, segmentName(seq)))
	}
	for _, name := range names {
		data, err := os.ReadFile(name)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		to := filepath.Join(quarantine, filepath.Base(name))
		if err := os.Rename(name, to); err != nil {
			return err
		}
		lost.salvage(data, 0)
		lost.Bytes += int64(len(data))
		lost.Files = append(lost.Files, QuarantinedFile{File: name, To: to})
	}
	return errors.Join(syncDir(dir), syncDir(quarantine))
}

// writeDurable writes data to a new file name and syncs it.
func writeDurable(name string, data []byte) error {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	return errors.Join(err, f.Close(), syncDir(filepath.Dir(name)))
}

// QuarantineDir moves the whole counters directory dir aside into
// quarantine, decoding what it can: used when its files are sound but
// belong to another data directory than the database.
func QuarantineDir(dir, quarantine string) (*Lost, error) {
	lost := newLost()
	if err := os.MkdirAll(quarantine, 0o700); err != nil {
		return lost, err
	}
	return lost, quarantineAll(dir, quarantine, lost)
}
