package telemetry

import (
	"bufio"
	"io"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tollgate-gw/tollgate/internal/jsontext"
)

// Entry is one line of the access log. It holds nothing secret by
// construction: a path without its query, no header values.
type Entry struct {
	Time        time.Time
	RequestID   string
	Group       string
	API         string // the API's id
	APIName     string // the API's name, as its owner wrote it
	Environment string
	// Pin, User and AccessKey name the caller: the account, the user
	// (child account, "" for the account's own key) and the key the
	// request was signed with; all "" for a group of auth type none, or
	// before the caller is known. A secret is never logged.
	Pin       string
	User      string
	AccessKey string
	Method    string
	Path      string // without the query string
	Status    int
	Code      string
	Latency   time.Duration
	Upstream  time.Duration
	BytesIn   int64
	BytesOut  int64
	Remote    string
	// Debug marks an API debug call made from the admin API: it reached
	// the backend, but was nobody's use of the API and was not charged.
	// It is written only when set, so that a client's line is unchanged.
	Debug bool
}

// AccessLog writes one JSON line per call, in the format of log/slog's
// JSONHandler (msg "access"), encoded by hand. Log hands the entry to a
// background goroutine over a bounded channel and never blocks: when the
// channel is full the entry is dropped and counted. The request goroutine
// formats nothing. Close flushes what was queued.
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

// Linger is how long the writer lets entries gather after writing a batch.
// Under load the request goroutines then only add to a buffered channel,
// with no writer to wake per entry, and the writer makes one write per
// batch; a lone entry is written at once, so a quiet log is never more than
// Linger behind.
const Linger = 5 * time.Millisecond

// run writes entries until Close: it waits for one, writes it and every
// other already queued, flushes, and lingers before looking again.
func (l *AccessLog) run(w io.Writer) {
	defer close(l.done)
	bw := bufio.NewWriterSize(w, 64<<10)
	buf := make([]byte, 0, 1024)
	write := func(e *Entry) {
		buf = appendEntry(buf[:0], e)
		bw.Write(buf)
	}
	drain := func() {
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
	linger := time.NewTimer(Linger)
	linger.Stop()
	for {
		select {
		case e := <-l.ch:
			write(&e)
			drain()
		case <-l.quit:
			drain()
			return
		}
		linger.Reset(Linger)
		select {
		case <-linger.C:
		case <-l.quit:
			linger.Stop()
			drain()
			return
		}
	}
}

// appendEntry appends e to b as one JSON line, the line log/slog's
// JSONHandler wrote for it before (the same keys, order and formats),
// without its reflection and allocations.
func appendEntry(b []byte, e *Entry) []byte {
	t := e.Time
	if t.IsZero() {
		t = time.Now()
	}
	b = append(b, `{"time":"`...)
	b = t.AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","level":"INFO","msg":"access","request_id":`...)
	b = jsontext.AppendString(b, e.RequestID)
	b = append(b, `,"group":`...)
	b = jsontext.AppendString(b, e.Group)
	b = append(b, `,"api":`...)
	b = jsontext.AppendString(b, e.API)
	b = append(b, `,"api_name":`...)
	b = jsontext.AppendString(b, e.APIName)
	b = append(b, `,"environment":`...)
	b = jsontext.AppendString(b, e.Environment)
	b = append(b, `,"pin":`...)
	b = jsontext.AppendString(b, e.Pin)
	b = append(b, `,"user":`...)
	b = jsontext.AppendString(b, e.User)
	b = append(b, `,"access_key":`...)
	b = jsontext.AppendString(b, e.AccessKey)
	b = append(b, `,"method":`...)
	b = jsontext.AppendString(b, e.Method)
	b = append(b, `,"path":`...)
	b = jsontext.AppendString(b, e.Path)
	b = append(b, `,"status":`...)
	b = strconv.AppendInt(b, int64(e.Status), 10)
	b = append(b, `,"code":`...)
	b = jsontext.AppendString(b, e.Code)
	b = append(b, `,"latency_ms":`...)
	b = appendMillis(b, e.Latency)
	b = append(b, `,"upstream_latency_ms":`...)
	b = appendMillis(b, e.Upstream)
	b = append(b, `,"bytes_in":`...)
	b = strconv.AppendInt(b, e.BytesIn, 10)
	b = append(b, `,"bytes_out":`...)
	b = strconv.AppendInt(b, e.BytesOut, 10)
	b = append(b, `,"remote":`...)
	b = jsontext.AppendString(b, e.Remote)
	if e.Debug {
		b = append(b, `,"debug":true`...)
	}
	return append(b, "}\n"...)
}

// appendMillis appends d in milliseconds with microsecond precision, as
// encoding/json writes the float64 d.Microseconds()/1000: the shortest
// decimal, never an exponent in this range.
func appendMillis(b []byte, d time.Duration) []byte {
	return strconv.AppendFloat(b, ms(d), 'f', -1, 64)
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
