package telemetry

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// Entry is one line of the access log. It holds nothing secret by
// construction: a path without its query, no header values.
type Entry struct {
	Time        time.Time
	RequestID   string
	Group       string
	API         string
	Environment string
	Method      string
	Path        string // without the query string
	Status      int
	Code        string
	Latency     time.Duration
	Upstream    time.Duration
	BytesIn     int64
	BytesOut    int64
	Remote      string
}

// AccessLog writes one JSON line per call through log/slog. Log hands the
// entry to a background goroutine over a bounded channel and never blocks:
// when the channel is full the entry is dropped and counted. Close flushes
// what was queued.
type AccessLog struct {
	ch      chan Entry
	quit    chan struct{}
	done    chan struct{}
	dropped atomic.Uint64
	once    sync.Once
	closed  atomic.Bool
}

// DefaultQueue is the number of entries an AccessLog holds when NewAccessLog
// is given no size.
const DefaultQueue = 8192

// NewAccessLog starts an access log writing to w, with room for queue
// entries waiting to be written (DefaultQueue if queue <= 0).
func NewAccessLog(w io.Writer, queue int) *AccessLog {
	if queue <= 0 {
		queue = DefaultQueue
	}
	l := &AccessLog{
		ch:   make(chan Entry, queue),
		quit: make(chan struct{}),
		done: make(chan struct{}),
	}
	go l.run(w)
	return l
}

// Log queues e. It never blocks: a full queue drops e and counts it.
func (l *AccessLog) Log(e Entry) {
	if l.closed.Load() {
		l.dropped.Add(1)
		return
	}
	select {
	case l.ch <- e:
	default:
		l.dropped.Add(1)
	}
}

// Dropped returns how many entries were dropped because the queue was full
// or the log closed.
func (l *AccessLog) Dropped() uint64 { return l.dropped.Load() }

// Close writes what is queued and stops the writer. Entries logged after
// Close are dropped.
func (l *AccessLog) Close() error {
	l.once.Do(func() {
		l.closed.Store(true)
		close(l.quit)
	})
	<-l.done
	return nil
}

// run writes entries until Close. It buffers lines and flushes whenever
// the queue runs empty, so that a burst costs few writes and a quiet log is
// never behind.
func (l *AccessLog) run(w io.Writer) {
	defer close(l.done)
	bw := bufio.NewWriterSize(w, 64<<10)
	h := slog.NewJSONHandler(bw, nil)
	ctx := context.Background()
	write := func(e *Entry) {
		t := e.Time
		if t.IsZero() {
			t = time.Now()
		}
		// The record carries the request's time, not the time the
		// writer got to it.
		r := slog.NewRecord(t, slog.LevelInfo, "access", 0)
		r.AddAttrs(
			slog.String("request_id", e.RequestID),
			slog.String("group", e.Group),
			slog.String("api", e.API),
			slog.String("environment", e.Environment),
			slog.String("method", e.Method),
			slog.String("path", e.Path),
			slog.Int("status", e.Status),
			slog.String("code", e.Code),
			slog.Float64("latency_ms", ms(e.Latency)),
			slog.Float64("upstream_latency_ms", ms(e.Upstream)),
			slog.Int64("bytes_in", e.BytesIn),
			slog.Int64("bytes_out", e.BytesOut),
			slog.String("remote", e.Remote),
		)
		_ = h.Handle(ctx, r)
	}
	for {
		select {
		case e := <-l.ch:
			write(&e)
			if len(l.ch) == 0 {
				bw.Flush()
			}
		case <-l.quit:
			for {
				select {
				case e := <-l.ch:
					write(&e)
				default:
					bw.Flush()
					return
				}
			}
		}
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
