package limit

import (
	"os"
	"time"
)

// syncItem is a piece of the writer's work that the syncer makes durable,
// in the order the writer did it: a batch b written to segment f (n bytes,
// none if it failed), or the end of segment f at a rotation (b nil, next
// set): f is complete, and the next segment, number seq, was created with
// its n-byte header.
type syncItem struct {
	b    *batch
	f    *os.File
	n    int64
	next *os.File
	rot  chan rotated // told once f is durable and closed and next's name is
	seq  uint64
}

// syncer makes what the writer wrote durable, off the writer's path: while
// it fsyncs, the writer goes on writing later batches, so that a Flush
// never waits for an fsync. It takes everything written so far at once
// and fsyncs it when someone needs it (a Sync, a rotation, the close) or
// when syncEvery has passed since the last fsync, and only then lets the
// batches' Sync waiters go: one fsync covers every batch written before it
// started, however many.
func (j *journal) syncer() {
	defer close(j.done)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		j.mu.Lock()
		for !j.syncDue() {
			if j.writerDone && len(j.unsynced) == 0 {
				j.mu.Unlock()
				return
			}
			waiting := len(j.unsynced) > 0
			j.mu.Unlock()
			if waiting {
				// Written but not needed durable yet: after syncEvery,
				// even if nothing else comes.
				timer.Reset(time.Until(j.lastSync.Add(j.syncEvery)))
				select {
				case <-j.syncKick:
					timer.Stop()
				case <-timer.C:
				}
			} else {
				<-j.syncKick
			}
			j.mu.Lock()
		}
		items := j.unsynced
		j.unsynced, j.spareItems = j.spareItems[:0], nil
		j.syncNow, j.syncing = false, true
		target, failed := j.written, j.err
		j.mu.Unlock()

		err := j.syncItems(items, failed)
		j.lastSync = time.Now()

		j.mu.Lock()
		if err != nil && j.err == nil {
			j.err = err
		}
		if j.err == nil {
			j.synced = target
		}
		for _, it := range items {
			if it.b != nil {
				it.b.err = j.err
			}
		}
		err = j.err
		j.syncing = false
		wake := j.wantSync
		j.mu.Unlock()
		if wake {
			j.wake() // the batch Sync callers wait for is due now
		}
		for _, it := range items {
			if it.b != nil {
				close(it.b.done)
			}
			if it.rot != nil {
				it.rot <- rotated{seq: it.seq, err: err}
			}
		}
		clear(items)
		j.mu.Lock()
		j.spareItems = items[:0]
		j.mu.Unlock()
	}
}

// syncDue reports whether the syncer must sync what is written now. j.mu
// is held.
func (j *journal) syncDue() bool {
	return len(j.unsynced) > 0 && (j.syncNow || j.writerDone || time.Since(j.lastSync) >= j.syncEvery)
}

// syncItems makes items durable: it fsyncs each segment they wrote to,
// once, if they wrote anything to it; at the end of a segment it closes it
// and makes the next one's name durable. After failed (an earlier error,
// sticky) it only closes the segments that ended.
func (j *journal) syncItems(items []syncItem, failed error) error {
	err := failed
	var cur *os.File
	dirty := false // cur has bytes not yet synced
	syncCur := func() {
		if err == nil && dirty {
			t0 := time.Now()
			err = j.syncFile(cur)
			j.stats.fsync.observe(time.Since(t0))
			j.fsyncs.Add(1)
		}
		dirty = false
	}
	for _, it := range items {
		cur = it.f
		if it.next == nil {
			dirty = dirty || it.n > 0
			continue
		}
		syncCur()
		if cerr := cur.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			t0 := time.Now()
			err = syncDir(j.dir)
			j.stats.fsync.observe(time.Since(t0))
		}
		cur, dirty = it.next, it.n > 0
	}
	syncCur()
	return err
}

func (j *journal) wakeSyncer() {
	select {
	case j.syncKick <- struct{}{}:
	default:
	}
}
