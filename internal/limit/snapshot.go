package limit

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
)

// A data directory holds one snapshot and the journal segments after it:
//
//	snapshot                   the state when segment <from> began
//	journal-<from>.log, ...    records since, oldest first
//
// The snapshot is framed like the journal: a header record (magic,
// version, the first segment to replay after it, the nonce hash key), one
// record per quota, usage row and remembered nonce, and an end record with
// the count of records before it. Records state whole values, so a
// snapshot taken while callers keep counting is still right once the
// segments after it are replayed over it.
//
// Compaction starts a new segment, writes the state to snapshot.tmp,
// fsyncs it, renames it over snapshot, fsyncs the directory and only then
// deletes the older segments. A crash at any point leaves either the old
// snapshot with every segment since it, or the new one with every segment
// since it.
const (
	snapshotName = "snapshot"
	snapshotTemp = "snapshot.tmp"
)

// OpenMemory returns a Memory whose quota use, balances, usage and nonces
// survive a crash, journaled in dir (created if need be). It rebuilds the
// state from the snapshot and journal found there, then writes a fresh
// snapshot, so that every start begins with a compact directory.
func OpenMemory(dir string, o Options) (m *Memory, err error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	lock, err := lockDir(dir)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			lock.Close()
		}
	}()
	h, found, err := readSnapshotHeader(dir)
	if err != nil {
		return nil, err
	}
	seqs, err := segments(dir)
	if err != nil {
		return nil, err
	}
	if !found && len(seqs) > 0 {
		// Every start writes a snapshot before its first segment, and
		// compaction replaces it by a rename: segments without one mean
		// the snapshot, and the state before them, was lost.
		return nil, &CorruptError{File: filepath.Join(dir, snapshotName), Reason: fmt.Sprintf(
			"missing, while %d journal segments after it remain", len(seqs))}
	}
	id := o.DataID
	switch {
	case found && h.id != "" && id != "" && h.id != id:
		return nil, &CorruptError{File: filepath.Join(dir, snapshotName),
			Reason: "the snapshot belongs to data directory " + h.id + ", not to this one (" + id + ")"}
	case id == "" && h.id != "":
		id = h.id
	case id == "":
		id = NewDataID()
	}
	if !found {
		h.key = newSipKey()
	}
	m = newMemory(o, h.key)
	m.dir, m.lock, m.dataID = dir, lock, id
	if found {
		if err := m.loadSnapshot(); err != nil {
			return nil, err
		}
	}
	// A version 1 directory has no ids: its snapshot and segments are
	// adopted once, and rewritten below with this directory's id.
	check := segmentCheck{id: id, legacy: found && h.id == "", torn: o.OnTorn}
	next := h.from
	for _, seq := range seqs {
		if seq < h.from {
			continue
		}
		if err := readSegment(dir, seq, check, m.apply); err != nil {
			return nil, err
		}
		next = seq + 1
	}
	// The nonce key must be on disk before any nonce hashed with it.
	if err := m.writeSnapshot(next); err != nil {
		return nil, err
	}
	for _, seq := range seqs {
		if seq < next {
			if err := os.Remove(filepath.Join(dir, segmentName(seq))); err != nil {
				return nil, err
			}
		}
	}
	m.compactCh = make(chan struct{}, 1)
	m.quit = make(chan struct{})
	m.j, err = openJournalOf(dir, id, next, m.opts.BatchDelay, m.opts.SyncEvery, m.opts.BatchRecords, m.opts.CompactBytes, func() {
		select {
		case m.compactCh <- struct{}{}:
		default:
		}
	})
	if err != nil {
		return nil, err
	}
	m.wg.Add(1)
	go m.compactor()
	return m, nil
}

// compactor compacts whenever the journal says a segment is full.
func (m *Memory) compactor() {
	defer m.wg.Done()
	for {
		select {
		case <-m.compactCh:
			if err := m.Compact(); err != nil && m.opts.OnError != nil {
				m.opts.OnError(fmt.Errorf("limit: compaction: %w", err))
			}
		case <-m.quit:
			return
		}
	}
}

// Compact writes the state to a new snapshot and deletes the journal
// segments it makes redundant. It runs by itself when a segment grows past
// Options.CompactBytes; callers may run it too. Counting goes on meanwhile:
// each shard is locked only while its records are copied.
func (m *Memory) Compact() error {
	if m.j == nil {
		return nil
	}
	m.compactMu.Lock()
	defer m.compactMu.Unlock()
	seq, err := m.j.next()
	if err != nil {
		return err
	}
	if err := m.writeSnapshot(seq); err != nil {
		return err
	}
	return m.j.removeBefore(seq)
}

// Close writes out and syncs what is pending and closes the journal.
// Counting on a closed Memory returns ErrClosed.
func (m *Memory) Close() error {
	if !m.closed.CompareAndSwap(false, true) {
		return ErrClosed
	}
	if m.j == nil {
		return nil
	}
	close(m.quit)
	m.wg.Wait()
	m.compactMu.Lock()
	defer m.compactMu.Unlock()
	return errors.Join(m.j.close(), m.lock.Close())
}

// writeSnapshot writes the whole state as the snapshot to replay before
// segment from.
func (m *Memory) writeSnapshot(from uint64) (err error) {
	tmp := filepath.Join(m.dir, snapshotTemp)
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	w := bufio.NewWriterSize(f, 1<<20)
	var rec, frames []byte
	rec = appendHeaderRecord(rec[:0], from, m.sip, m.dataID)
	frames = appendFrame(frames[:0], rec)
	count := uint64(1)
	for i := range m.shards {
		s := &m.shards[i]
		s.mu.Lock()
		frames, count = s.appendState(frames, count)
		s.mu.Unlock()
		if _, err := w.Write(frames); err != nil {
			return err
		}
		frames = frames[:0]
	}
	frames, count = m.appendCharges(frames, count)
	if _, err := w.Write(frames); err != nil {
		return err
	}
	if _, err := w.Write(appendFrame(nil, appendEndRecord(nil, count))); err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, filepath.Join(m.dir, snapshotName)); err != nil {
		return err
	}
	return syncDir(m.dir)
}

// appendState appends the shard's state as framed records to b and
// returns it with count increased by their number. s.mu is held.
func (s *shard) appendState(b []byte, count uint64) ([]byte, uint64) {
	var rec []byte
	add := func() {
		b = appendFrame(b, rec)
		count++
	}
	for k, q := range s.quotas {
		if q.used != 0 {
			rec = appendQuotaRecord(rec[:0], k, q.period, q.end, q.used)
			add()
		}
	}
	for k, u := range s.usage {
		rec = appendUsageRecord(rec[:0], k.UsageKey, k.hour, *u)
		add()
	}
	for _, ns := range s.nonces {
		// Older generation first, at the time it began, so that replay
		// rebuilds both generations.
		for h := range ns.prev {
			rec = appendNonceRecord(rec[:0], ns.ttl, ns.prevStart, h)
			add()
		}
		for h := range ns.cur {
			rec = appendNonceRecord(rec[:0], ns.ttl, ns.start, h)
			add()
		}
	}
	return b, count
}

// snapshotHeader is what a snapshot's header record says.
type snapshotHeader struct {
	key  sipKey
	from uint64 // the first segment to replay after it
	id   string // the data directory's id; "" in a version 1 snapshot
}

// readSnapshotHeader reads the header of dir's snapshot, if there is one.
func readSnapshotHeader(dir string) (h snapshotHeader, found bool, err error) {
	name := filepath.Join(dir, snapshotName)
	data, err := os.ReadFile(name)
	if errors.Is(err, os.ErrNotExist) {
		return h, false, nil
	}
	if err != nil {
		return h, false, err
	}
	if _, ok := validFrameAt(data, 0); !ok {
		return h, false, &CorruptError{File: name, Reason: "no whole header record"}
	}
	n := int(binary.LittleEndian.Uint32(data))
	h, err = decodeHeader(data[frameHeader : frameHeader+n])
	if err != nil {
		return h, false, &CorruptError{File: name, Reason: err.Error()}
	}
	return h, true, nil
}

// ReadDataID returns the data directory id that dir's snapshot names: ""
// with found true for a snapshot written before ids (version 1), found
// false when dir holds no snapshot.
func ReadDataID(dir string) (id string, found bool, err error) {
	h, found, err := readSnapshotHeader(dir)
	return h.id, found, err
}

// HasState reports whether dir holds counters: a snapshot or a segment.
func HasState(dir string) (bool, error) {
	if _, err := os.Stat(filepath.Join(dir, snapshotName)); err == nil {
		return true, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return false, err
	}
	seqs, err := segments(dir)
	return len(seqs) > 0, err
}

func decodeHeader(p []byte) (snapshotHeader, error) {
	var h snapshotHeader
	if len(p) == 0 || p[0] != recHeader {
		return h, errBadRecord
	}
	d := decoder{b: p[1:]}
	magic := d.string()
	version := d.uvarint()
	h.from = d.uvarint()
	h.key = sipKey{d.uint64(), d.uint64()}
	if version >= 2 {
		h.id = d.string()
	}
	if err := d.done(); err != nil {
		return h, err
	}
	if magic != snapshotMagic || version < 1 || version > snapshotVersion {
		return h, fmt.Errorf("not a snapshot of version 1 to %d", snapshotVersion)
	}
	return h, nil
}

// loadSnapshot applies dir's snapshot, which must be whole: a header, its
// records and an end record counting them.
func (m *Memory) loadSnapshot() error {
	name := filepath.Join(m.dir, snapshotName)
	data, err := os.ReadFile(name)
	if err != nil {
		return err
	}
	var count uint64
	ended := false
	good, err := readFrames(data, func(p []byte) error {
		switch {
		case ended:
			return errors.New("record after the end")
		case count == 0:
			count++
			_, err := decodeHeader(p)
			return err
		case p[0] == recEnd:
			d := decoder{b: p[1:]}
			n := d.uvarint()
			if err := d.done(); err != nil {
				return err
			}
			if n != count {
				return fmt.Errorf("end record counts %d records, found %d", n, count)
			}
			ended = true
			return nil
		}
		count++
		return m.apply(p)
	})
	if err == nil && good != len(data) {
		err = errors.New("a damaged record")
	} else if err == nil && !ended {
		err = errors.New("truncated: no end record")
	}
	if err != nil {
		return &CorruptError{File: name, Offset: int64(good), Reason: err.Error()}
	}
	return nil
}

// applyQuota replays a quota's whole value.
func (m *Memory) applyQuota(k Key, period, end, used int64) {
	s := m.keyShard(k)
	q := s.quotas[k]
	if q == nil {
		q = newQuota()
		s.quotas[k] = q
	}
	// A record of an older period than the state's is stale.
	if period >= q.period || q.end == math.MinInt64 {
		q.period, q.end, q.used = period, end, used
	}
}

// apply replays one record into the state.
func (m *Memory) apply(p []byte) error {
	if len(p) == 0 {
		return errBadRecord
	}
	d := decoder{b: p[1:]}
	switch p[0] {
	case recQuota:
		k := Key{Scope: d.string(), ID: d.string()}
		period, end, used := d.varint(), d.varint(), d.varint()
		if err := d.done(); err != nil {
			return err
		}
		m.applyQuota(k, period, end, used)
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
		if err := d.done(); err != nil {
			return err
		}
		uk := usageKey{k, hour}
		s := m.usageShard(uk)
		s.usage[uk] = &Usage{Calls: calls, OK: ok, Charged: charged, Business: business}
	case recCharge:
		charge := d.string()
		k := Key{Scope: d.string(), ID: d.string()}
		period, end, used := d.varint(), d.varint(), d.varint()
		if err := d.done(); err != nil {
			return err
		}
		m.applyQuota(k, period, end, used)
		m.remember(charge)
	case recForget, recCharged:
		charge := d.string()
		if err := d.done(); err != nil {
			return err
		}
		if p[0] == recForget {
			m.forget(charge)
		} else {
			m.remember(charge)
		}
	case recNonce:
		ttl, at, h := d.varint(), d.varint(), d.uint64()
		if err := d.done(); err != nil {
			return err
		}
		if ttl <= 0 {
			return errBadRecord
		}
		m.shards[h>>56].nonceSet(ttl, at).once(at, h)
	default:
		return fmt.Errorf("%w: kind %d", errBadRecord, p[0])
	}
	return nil
}
