package limit

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// The journal is an append-only log of records in numbered segment files
// (journal-<seq>.log), written by one goroutine with group commit and made
// durable by another.
//
// Each record is framed as
//
//	length uint32 LE | CRC-32C of the payload uint32 LE | payload
//
// so that a reader finds where a record torn by a crash begins and stops
// there. Appending only copies the frame into the pending batch, under a
// mutex held for a copy; the writer takes the whole batch, computes the
// CRCs off the callers' goroutines and writes it with one write. A batch
// is written when a caller waits for it (Sync, Flush), when it holds
// maxRecords records, or delay after its first record, whichever comes
// first; while one batch is being written the next one fills, so waiting
// callers share writes.
//
// The writer never fsyncs: it hands each batch it wrote to the syncer
// (syncer.go) and goes on writing. The syncer makes what was written
// durable with an fsync only when it has to be: when a Sync waits for it,
// at a rotation or the close, or when syncEvery has passed since the last
// fsync. An fsync costs far more than a write (milliseconds, 100 ms on a
// slow disk), and most records (usage of free calls, nonces) need to
// survive the process, which a write achieves, more than the machine: a
// caller that waits only for the write (Flush) never waits for an fsync.
//
// A crash loses only records not yet written: with kill -9, the pending
// batch (at most delay's worth, unless flushed or synced); with a power
// cut, anything not yet synced (at most syncEvery's worth, plus the fsync
// under way). Every record appended before a Sync that returned nil
// survives both. A segment is never appended to after a restart; a torn
// tail is cut off when the journal is opened, and any other damage refuses
// the open (readSegment).
type journal struct {
	dir        string
	id         string // the data directory's id, in each segment's header; none when ""
	delay      time.Duration
	syncEvery  time.Duration
	maxRecords int
	full       func()               // called by the writer when a segment passes fullAt
	fullAt     int64                // and again at each further multiple, until rotated
	syncFile   func(*os.File) error // (*os.File).Sync; tests make it slow

	mu       sync.Mutex
	buf      []byte // frames of the pending batch
	spare    []byte // the last written batch's buffer, for reuse
	nrec     int
	pending  *batch       // the batch buf will be written in
	inflight *batch       // the batch being written, or nil
	urgent   bool         // someone waits for pending to be written
	wantSync bool         // someone waits for pending to be synced
	rotate   chan rotated // set while a new segment is asked for
	fill     *time.Timer  // runs fillDue delay after the pending batch's first record
	err      error        // the first write or fsync error; sticky
	closed   bool

	// Between the writer and the syncer, under mu.
	unsynced   []syncItem // written, not yet taken by the syncer, in order
	spareItems []syncItem // the syncer's last list, for reuse
	syncNow    bool       // something in unsynced must be durable at once
	syncing    bool       // the syncer is making a list durable
	written    int64      // bytes written since the journal was opened
	synced     int64      // bytes of written known to be durable
	writerDone bool       // the writer has exited

	kick     chan struct{} // wakes the writer; capacity 1
	syncKick chan struct{} // wakes the syncer; capacity 1
	done     chan struct{} // closed when the writer and the syncer have exited

	// Owned by the writer.
	f          *os.File
	seq        uint64
	size       int64
	nextSignal int64 // the size at which to call full next

	// Owned by the syncer.
	lastSync time.Time // the end of the last fsync
	fsyncs   atomic.Int64

	stats journalStats
}

// batch is a group of records written and synced together.
type batch struct {
	written chan struct{} // closed when written to the file, or failed
	done    chan struct{} // closed when written and synced, or failed
	err     error         // set before written is closed, and again before done
}

// rotated is the writer's answer to next.
type rotated struct {
	seq uint64
	err error
}

const (
	frameHeader = 8
	maxRecord   = 1 << 20 // a longer frame is taken for a torn one
	// maxPending is the most a pending batch holds before appends wait
	// for the writer: when the disk cannot keep up, callers slow down
	// rather than memory growing without end.
	maxPending = 16 << 20
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

func newBatch() *batch { return &batch{written: make(chan struct{}), done: make(chan struct{})} }

func segmentName(seq uint64) string { return fmt.Sprintf("journal-%016x.log", seq) }

// segments lists the segment numbers in dir, in order.
func segments(dir string) ([]uint64, error) {
	names, err := filepath.Glob(filepath.Join(dir, "journal-*.log"))
	if err != nil {
		return nil, err
	}
	var seqs []uint64
	for _, n := range names {
		var seq uint64
		base := filepath.Base(n)
		if _, err := fmt.Sscanf(base, "journal-%016x.log", &seq); err == nil && segmentName(seq) == base {
			seqs = append(seqs, seq)
		}
	}
	slices.Sort(seqs)
	return seqs, nil
}

// replaySegment calls fn with each whole record of segment seq in order,
// skipping its header, whatever data directory it names. It cuts off a
// torn tail like readSegment; damage elsewhere is an error.
func replaySegment(dir string, seq uint64, fn func([]byte) error) error {
	return readSegment(dir, seq, segmentCheck{legacy: true, anyID: true}, fn)
}

// segmentCheck says which segments readSegment accepts.
type segmentCheck struct {
	id     string // the data directory's id, which the header must name
	anyID  bool   // accept a header naming any id
	legacy bool   // accept a segment without a header (written before ids)
	// torn, if set, is told of a torn tail cut off.
	torn func(file string, offset, dropped int64)
}

// readSegment calls fn with each whole record of segment seq after its
// header, in order. A bad frame is a torn tail only when no whole frame
// follows it (tornAt): it is cut off so that the file ends with its last
// whole record, and c.torn is told. Any other bad frame, a record fn
// refuses, or a header that is missing (unless c.legacy) or names another
// data directory is a *CorruptError naming the file and the offset.
func readSegment(dir string, seq uint64, c segmentCheck, fn func([]byte) error) error {
	name := filepath.Join(dir, segmentName(seq))
	data, err := os.ReadFile(name)
	if err != nil {
		return err
	}
	first := true
	good, err := readFrames(data, func(p []byte) error {
		if first {
			first = false
			if id, ok := decodeSegmentHeader(p); ok {
				if !c.anyID && id != c.id {
					return &CorruptError{File: name, Reason: "the segment belongs to data directory " + id + ", not to this one (" + c.id + ")"}
				}
				return nil
			}
			if !c.legacy {
				return &CorruptError{File: name, Reason: "the segment has no header naming this data directory (" + c.id + ")"}
			}
		}
		return fn(p)
	})
	if err != nil {
		var ce *CorruptError
		if errors.As(err, &ce) {
			return err
		}
		return &CorruptError{File: name, Offset: int64(good), Reason: err.Error()}
	}
	if good == len(data) {
		return nil
	}
	if !tornAt(data, good) {
		return &CorruptError{File: name, Offset: int64(good), Reason: "a damaged record with whole records after it"}
	}
	if err := os.Truncate(name, int64(good)); err != nil {
		return err
	}
	if c.torn != nil {
		c.torn(name, int64(good), int64(len(data)-good))
	}
	return nil
}

// readFrames calls fn with each whole frame's payload and returns the
// length of the whole frames. An error from fn stops it.
func readFrames(data []byte, fn func([]byte) error) (int, error) {
	off := 0
	for len(data)-off >= frameHeader {
		n := int(binary.LittleEndian.Uint32(data[off:]))
		sum := binary.LittleEndian.Uint32(data[off+4:])
		// A zero length is torn too: file systems can leave zeros where
		// a crash cut a write short, and an empty frame has CRC 0.
		if n == 0 || n > maxRecord || len(data)-off-frameHeader < n {
			break
		}
		p := data[off+frameHeader : off+frameHeader+n]
		if crc32.Checksum(p, castagnoli) != sum {
			break
		}
		if err := fn(p); err != nil {
			return off, err
		}
		off += frameHeader + n
	}
	return off, nil
}

// appendFrame appends p to b as a frame with its CRC.
func appendFrame(b, p []byte) []byte {
	b = binary.LittleEndian.AppendUint32(b, uint32(len(p)))
	b = binary.LittleEndian.AppendUint32(b, crc32.Checksum(p, castagnoli))
	return append(b, p...)
}

// openJournal starts a new segment numbered seq in dir and the writer. The
// caller has replayed the segments before it. full, if not nil, is called
// from the writer once a segment grows past fullAt bytes.
func openJournal(dir string, seq uint64, delay, syncEvery time.Duration, maxRecords int, fullAt int64, full func()) (*journal, error) {
	return openJournalOf(dir, "", seq, delay, syncEvery, maxRecords, fullAt, full)
}

// openJournalOf is openJournal for the data directory id: each segment
// begins with a header naming it.
func openJournalOf(dir, id string, seq uint64, delay, syncEvery time.Duration, maxRecords int, fullAt int64, full func()) (*journal, error) {
	return startJournal(journalConfig{dir: dir, id: id, seq: seq, delay: delay, syncEvery: syncEvery, maxRecords: maxRecords, fullAt: fullAt, full: full})
}

// journalConfig are the settings of a journal (see openJournal).
type journalConfig struct {
	dir, id          string
	seq              uint64
	delay, syncEvery time.Duration
	maxRecords       int
	fullAt           int64
	full             func()
	// syncFile makes a segment durable; (*os.File).Sync when nil. Tests
	// replace it with a slow one.
	syncFile func(*os.File) error
}

// startJournal opens a journal configured by c: its first segment, the
// writer and the syncer.
func startJournal(c journalConfig) (*journal, error) {
	if c.syncFile == nil {
		c.syncFile = (*os.File).Sync
	}
	j := &journal{
		dir:        c.dir,
		id:         c.id,
		delay:      c.delay,
		syncEvery:  c.syncEvery,
		maxRecords: c.maxRecords,
		fullAt:     c.fullAt,
		full:       c.full,
		syncFile:   c.syncFile,
		pending:    newBatch(),
		kick:       make(chan struct{}, 1),
		syncKick:   make(chan struct{}, 1),
		done:       make(chan struct{}),
		seq:        c.seq,
		lastSync:   time.Now(),
	}
	j.fill = time.AfterFunc(time.Hour, j.fillDue)
	j.fill.Stop()
	f, size, err := j.create(c.seq)
	if err != nil {
		return nil, err
	}
	if err := syncDir(j.dir); err != nil {
		f.Close()
		return nil, err
	}
	j.f, j.size, j.nextSignal = f, size, j.fullAt
	go j.run()
	go j.syncer()
	return j, nil
}

// create opens segment seq, new, and writes its header: the header is
// written before any record, so a segment that holds records has it; a
// crash before it leaves an empty or torn file, which is cut off as a torn
// tail. The segment's name is not yet durable (syncDir).
func (j *journal) create(seq uint64) (*os.File, int64, error) {
	f, err := os.OpenFile(filepath.Join(j.dir, segmentName(seq)), os.O_WRONLY|os.O_CREATE|os.O_EXCL|os.O_APPEND, 0o600)
	if err != nil {
		return nil, 0, err
	}
	var size int64
	if j.id != "" {
		h := appendFrame(nil, appendSegmentHeader(nil, j.id))
		if _, err := f.Write(h); err != nil {
			f.Close()
			return nil, 0, err
		}
		size = int64(len(h))
	}
	return f, size, nil
}

// syncDir makes the creation, removal and renaming of files in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// append adds the record p to the pending batch. It waits for I/O only
// when maxPending bytes are already waiting. It returns the journal's
// first write error, if any: p is still queued, but may not survive a
// crash.
func (j *journal) append(p []byte) error {
	j.mu.Lock()
	for len(j.buf) >= maxPending && j.err == nil && !j.closed {
		b := j.inflight
		if b == nil {
			b = j.pending
		}
		j.urgent = true
		j.mu.Unlock()
		j.wake()
		<-b.written
		j.mu.Lock()
	}
	if j.closed {
		j.mu.Unlock()
		return ErrClosed
	}
	first := len(j.buf) == 0
	// The CRC is left for the writer to fill in.
	j.buf = binary.LittleEndian.AppendUint32(j.buf, uint32(len(p)))
	j.buf = append(j.buf, 0, 0, 0, 0)
	j.buf = append(j.buf, p...)
	j.nrec++
	if first {
		// Due in delay, unless a Flush writes it first: a timer rather
		// than a wake of the writer, which would mostly find the batch
		// gone.
		j.fill.Reset(j.delay)
	}
	wake := j.nrec == j.maxRecords
	err := j.err
	j.mu.Unlock()
	if wake {
		j.wake()
	}
	return err
}

// fillDue makes the pending batch due: delay has passed since its first
// record. A late run, for a batch taken since, only makes the next one due
// early.
func (j *journal) fillDue() {
	j.mu.Lock()
	if len(j.buf) > 0 {
		j.urgent = true
	}
	j.mu.Unlock()
	j.wake()
}

func (j *journal) wake() {
	select {
	case j.kick <- struct{}{}:
	default:
	}
}

// sync waits until every record appended before it is durable.
func (j *journal) sync(ctx context.Context) error {
	return j.wait(ctx, true)
}

// flush waits until every record appended before it is written to the
// file: it survives the process, not the machine. It never waits for an
// fsync.
func (j *journal) flush(ctx context.Context) error {
	return j.wait(ctx, false)
}

// wait waits for the batch holding the last record appended: until it is
// durable if synced, until it is written otherwise. The time spent waiting
// is counted in j.stats.
func (j *journal) wait(ctx context.Context, synced bool) error {
	h := &j.stats.flushWait
	if synced {
		h = &j.stats.syncWait
	}
	j.mu.Lock()
	var b *batch
	switch {
	case !synced && len(j.buf) > 0 && j.inflight == nil && j.rotate == nil && !j.closed:
		// Nobody is writing: write the batch here rather than hand it
		// to the writer and wait to be scheduled again after it.
		return j.flushOwn(h)
	case len(j.buf) > 0:
		b = j.pending
		if synced {
			j.wantSync = true
		} else {
			j.urgent = true
		}
	case j.closed:
		// Nothing more will be written: what was is being made durable
		// by the close, which a late waiter waits for.
		j.mu.Unlock()
		t0 := time.Now()
		defer func() { h.observe(time.Since(t0)) }()
		select {
		case <-j.done:
			j.mu.Lock()
			defer j.mu.Unlock()
			return j.err
		case <-ctx.Done():
			return ctx.Err()
		}
	case synced && (j.inflight != nil || j.written > j.synced):
		// What is written, or being written, may not be synced yet: the
		// pending batch, empty, is handed to the syncer after it.
		b = j.pending
		j.wantSync = true
	case j.inflight != nil:
		b = j.inflight
	}
	err := j.err
	j.mu.Unlock()
	if b == nil {
		h.observe(0)
		return err
	}
	t0 := time.Now()
	defer func() { h.observe(time.Since(t0)) }()
	j.wake()
	ch := b.written
	if synced {
		ch = b.done
	}
	select {
	case <-ch:
		j.mu.Lock()
		defer j.mu.Unlock()
		return b.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// flushOwn writes the pending batch on the calling goroutine, for a Flush
// that found no write under way, and returns its error. It is what the
// writer would do, minus two hand-offs: the caller does not park until
// the writer is scheduled, writes and wakes it. Records appended
// meanwhile go to the next batch, which the writer (or the next Flush)
// writes. j.mu is held; flushOwn releases it.
func (j *journal) flushOwn(h *durations) error {
	t0 := time.Now()
	buf, b, rot, urgent, err := j.take()
	j.mu.Unlock()
	err = j.writeBatch(buf, b, rot, urgent, err)
	j.mu.Lock()
	more := len(j.buf) > 0 || j.rotate != nil || j.closed || j.wantSync
	j.mu.Unlock()
	if more {
		j.wake() // the writer waited for this write to end
	}
	h.observe(time.Since(t0))
	return err
}

// next ends the current segment after the pending batch and starts the
// next one. Every record appended before next was called is in a segment
// before the returned number, and durable; every record appended after it
// returns is in that segment or later.
func (j *journal) next() (uint64, error) {
	reply := make(chan rotated, 1)
	j.mu.Lock()
	if j.closed {
		j.mu.Unlock()
		return 0, ErrClosed
	}
	j.rotate = reply
	j.mu.Unlock()
	j.wake()
	r := <-reply
	return r.seq, r.err
}

// removeBefore deletes the segments numbered below seq.
func (j *journal) removeBefore(seq uint64) error {
	seqs, err := segments(j.dir)
	if err != nil {
		return err
	}
	var errs []error
	for _, s := range seqs {
		if s < seq {
			errs = append(errs, os.Remove(filepath.Join(j.dir, segmentName(s))))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	return syncDir(j.dir)
}

// close writes what is pending, makes it durable, stops the writer and
// the syncer and closes the segment.
func (j *journal) close() error {
	j.mu.Lock()
	if j.closed {
		j.mu.Unlock()
		return ErrClosed
	}
	j.closed = true
	j.mu.Unlock()
	j.wake()
	<-j.done
	err := j.f.Close()
	j.mu.Lock()
	defer j.mu.Unlock()
	return errors.Join(j.err, err)
}

// run is the writer. It writes each batch, hands it to the syncer and
// goes on with the next; it never waits for an fsync.
func (j *journal) run() {
	defer func() {
		j.mu.Lock()
		j.writerDone = true
		j.mu.Unlock()
		j.wakeSyncer()
	}()
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		j.mu.Lock()
		// While a Flush caller writes a batch itself (flushOwn), the
		// file is its: it wakes the writer when it is done.
		for (len(j.buf) == 0 && j.rotate == nil && !j.closed && !j.wantSync) || j.inflight != nil {
			j.mu.Unlock()
			<-j.kick
			j.mu.Lock()
		}
		if len(j.buf) == 0 && j.rotate == nil && !j.wantSync {
			j.mu.Unlock()
			return // closed, with nothing left to write
		}
		if !j.due() {
			// Let the batch fill, up to delay after its first record.
			j.mu.Unlock()
			timer.Reset(j.delay)
		wait:
			for {
				select {
				case <-timer.C:
					break wait
				case <-j.kick:
					j.mu.Lock()
					due := j.due()
					j.mu.Unlock()
					if due {
						timer.Stop()
						break wait
					}
				}
			}
			j.mu.Lock()
			if j.inflight != nil || (len(j.buf) == 0 && j.rotate == nil && !j.wantSync && !j.closed) {
				// A Flush caller wrote the batch meanwhile, or is
				// writing it.
				j.mu.Unlock()
				continue
			}
		}
		buf, b, rot, urgent, err := j.take()
		j.mu.Unlock()
		j.writeBatch(buf, b, rot, urgent, err)
	}
}

// take takes the pending batch for writing: its frames, the batch its
// waiters wait on, the rotation asked for, whether the syncer must make
// it durable at once, and the sticky error. The caller becomes the
// journal's only writer until writeBatch returns. j.mu is held.
func (j *journal) take() (buf []byte, b *batch, rot chan rotated, urgent bool, err error) {
	buf, b = j.buf, j.pending
	j.fill.Stop()
	j.buf, j.spare = j.spare[:0], nil
	j.pending, j.inflight = newBatch(), b
	j.urgent, j.nrec = false, 0
	rot = j.rotate
	j.rotate = nil
	urgent = j.wantSync || rot != nil || j.closed
	j.wantSync = false
	return buf, b, rot, urgent, j.err
}

// writeBatch writes a batch taken by take, starts the next segment if a
// rotation was asked for, hands both to the syncer and lets the batch's
// Flush waiters go. It returns the journal's error after the write. j.mu
// is not held.
func (j *journal) writeBatch(buf []byte, b *batch, rot chan rotated, urgent bool, err error) error {
	items := [2]syncItem{{b: b, f: j.f}}
	n := 0
	if err == nil {
		if err = j.write(buf); err == nil {
			items[0].n = int64(len(buf))
		}
	}
	if rot != nil && err == nil {
		items[1], err = j.startNext(rot)
		if err == nil {
			n = 1
		}
	}

	j.mu.Lock()
	if err != nil && j.err == nil {
		j.err = err
	}
	b.err = j.err
	j.inflight = nil
	if cap(buf) <= 2*maxPending {
		j.spare = buf[:0]
	}
	for _, it := range items[:1+n] {
		j.written += it.n
	}
	// The syncer needs waking only when it may be asleep with nothing
	// to do (it arms its syncEvery timer when it sees work) or when this
	// must be durable at once: not for every batch.
	wakeSyncer := len(j.unsynced) == 0 || urgent
	j.unsynced = append(j.unsynced, items[:1+n]...)
	j.syncNow = j.syncNow || urgent
	err = j.err
	j.mu.Unlock()
	close(b.written)
	if rot != nil && n == 0 {
		rot <- rotated{err: err} // no rotation to wait for
	}
	if wakeSyncer {
		j.wakeSyncer()
	}
	return err
}

// due reports whether the pending batch must be written now. j.mu is held.
//
// A batch only Sync waits for is due once the syncer is free: it could not
// be fsynced earlier, and meanwhile the records of other Sync callers join
// it, so that they share one write as they share one fsync.
func (j *journal) due() bool {
	return j.urgent || (j.wantSync && !j.syncing) || j.nrec >= j.maxRecords || j.rotate != nil || j.closed
}

// write fills in the CRCs of the frames in buf and writes them.
func (j *journal) write(buf []byte) error {
	if len(buf) == 0 {
		return nil
	}
	for off := 0; off < len(buf); {
		n := int(binary.LittleEndian.Uint32(buf[off:]))
		p := buf[off+frameHeader : off+frameHeader+n]
		binary.LittleEndian.PutUint32(buf[off+4:], crc32.Checksum(p, castagnoli))
		off += frameHeader + n
	}
	t0 := time.Now()
	_, err := j.f.Write(buf)
	j.stats.write.observe(time.Since(t0))
	if err != nil {
		return err
	}
	j.size += int64(len(buf))
	if j.full != nil && j.size >= j.nextSignal {
		// Again at the next multiple: if a compaction failed, the
		// segment keeps growing and compaction is tried again.
		j.nextSignal = (j.size/j.fullAt + 1) * j.fullAt
		j.full()
	}
	return nil
}

// startNext creates the next segment and makes it the one written to. The
// current one is left to the syncer, which makes it durable, closes it
// and makes the new one's name durable before it answers rot: the item
// returned tells it to.
func (j *journal) startNext(rot chan rotated) (syncItem, error) {
	f, size, err := j.create(j.seq + 1)
	if err != nil {
		return syncItem{}, err
	}
	end := syncItem{f: j.f, next: f, n: size, rot: rot, seq: j.seq + 1}
	j.f, j.seq, j.size, j.nextSignal = f, j.seq+1, size, j.fullAt
	return end, nil
}
