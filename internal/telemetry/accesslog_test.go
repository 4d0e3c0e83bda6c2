package telemetry

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestAccessLogWritesJSONLines(t *testing.T) {
	var buf bytes.Buffer
	l := NewAccessLog(&buf, 16)
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	l.Log(Entry{
		Time: at, RequestID: "r-1", Group: "g1", API: "getUser", APIName: "Get a user", Environment: "test",
		Pin: "acme", User: "dev", AccessKey: "AKDEV", Method: "GET", Path: "/users/1", Status: 200, Latency: 1500 * time.Microsecond,
		Upstream: time.Millisecond, BytesIn: 3, BytesOut: 50, Remote: "127.0.0.1:5000",
	})
	l.Log(Entry{RequestID: "r-2", Status: 404, Code: "NOT_FOUND"})
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(&buf)
	var lines []map[string]any
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		lines = append(lines, m)
	}
	if len(lines) != 2 {
		t.Fatalf("got %d lines, want 2", len(lines))
	}
	want := map[string]any{
		"time": "2026-01-02T03:04:05Z", "msg": "access", "request_id": "r-1", "group": "g1",
		"api": "getUser", "api_name": "Get a user", "environment": "test", "pin": "acme", "user": "dev",
		"access_key": "AKDEV", "method": "GET", "path": "/users/1",
		"status": 200.0, "code": "", "latency_ms": 1.5, "upstream_latency_ms": 1.0,
		"bytes_in": 3.0, "bytes_out": 50.0, "remote": "127.0.0.1:5000",
	}
	for k, v := range want {
		if got := lines[0][k]; got != v {
			t.Errorf("%s = %v, want %v", k, got, v)
		}
	}
	if got := lines[1]["code"]; got != "NOT_FOUND" {
		t.Errorf("second line code = %v, want NOT_FOUND", got)
	}
}

// blockingWriter holds the writer goroutine until released, so that the
// queue fills.
type blockingWriter struct {
	release chan struct{}
	once    sync.Once
}

func (w *blockingWriter) Write(p []byte) (int, error) {
	w.once.Do(func() { <-w.release })
	return len(p), nil
}

func TestAccessLogDropsWhenFull(t *testing.T) {
	w := &blockingWriter{release: make(chan struct{})}
	l := NewAccessLog(w, 2)
	m, reg := newMetrics(t)
	if err := m.WatchAccessLog(l); err != nil {
		t.Fatal(err)
	}
	// The writer takes at most one entry off the queue and then blocks in
	// its flush; two more fill the queue, and the rest must be dropped
	// without blocking.
	for range 20 {
		l.Log(Entry{RequestID: "x"})
	}
	if got := l.Dropped(); got < 17 {
		t.Errorf("Dropped() = %d, want at least 17", got)
	}
	close(w.release)
	l.Close()
	l.Log(Entry{})
	if got := l.Dropped(); got < 18 {
		t.Errorf("Dropped() after Close = %d, want at least 18", got)
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var exported float64
	for _, mf := range mfs {
		if mf.GetName() == "tollgate_access_log_dropped_total" {
			exported = mf.GetMetric()[0].GetCounter().GetValue()
		}
	}
	if want := float64(l.Dropped()); exported != want {
		t.Errorf("tollgate_access_log_dropped_total = %v, want %v", exported, want)
	}
}

func BenchmarkAccessLog(b *testing.B) {
	l := NewAccessLog(io.Discard, 0)
	defer l.Close()
	e := Entry{RequestID: "r", Group: "g", API: "a", Environment: "online", Method: "GET", Path: "/x", Status: 200}
	b.ReportAllocs()
	for b.Loop() {
		l.Log(e)
	}
}

// slogLine is the line the access log wrote through log/slog's JSONHandler
// before it encoded by hand: the format appendEntry must keep.
func slogLine(e *Entry) string {
	var buf bytes.Buffer
	h := slog.NewJSONHandler(&buf, nil)
	r := slog.NewRecord(e.Time, slog.LevelInfo, "access", 0)
	r.AddAttrs(
		slog.String("request_id", e.RequestID),
		slog.String("group", e.Group),
		slog.String("api", e.API),
		slog.String("api_name", e.APIName),
		slog.String("environment", e.Environment),
		slog.String("pin", e.Pin),
		slog.String("user", e.User),
		slog.String("access_key", e.AccessKey),
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
	if e.Debug {
		// Only a debug call's line has the field.
		r.AddAttrs(slog.Bool("debug", true))
	}
	h.Handle(context.Background(), r)
	return buf.String()
}

func TestAppendEntryMatchesSlog(t *testing.T) {
	at := time.Date(2026, 11, 25, 5, 6, 7, 123456789, time.FixedZone("X", 3600))
	entries := []Entry{
		{Time: at, RequestID: "r-1", Group: "g1", API: "a-1", APIName: "getUser", Environment: "test", Method: "GET",
			Pin: "acme", User: "dev", AccessKey: "AK\"1", Path: "/users/1", Status: 200, Latency: 1500 * time.Microsecond, Upstream: 999 * time.Microsecond,
			BytesIn: 3, BytesOut: 50, Remote: "127.0.0.1:5000"},
		{Time: at.UTC().Truncate(time.Second), Status: 499, Code: "CANCELLED", Latency: 3 * time.Hour, BytesIn: -1},
		{Time: at, Path: "/a\"b\\c\nd\re\tf\x00g\x1f\x7f<>&'", Method: "PATCH", Latency: time.Nanosecond},
		{Time: at, Path: "/\xff\xfe-\u2028-\u2029-é-日本-\U0001F600", Remote: "[::1]:80", Latency: 123456789 * time.Microsecond},
		{Time: at, Latency: -5 * time.Millisecond, Upstream: 1},
		{Time: at, RequestID: "r-2", Group: "g1", API: "a-1", Pin: "acme", Method: "POST", Path: "/x", Status: 200, Debug: true},
	}
	for i := range entries {
		e := &entries[i]
		got := string(appendEntry(nil, e))
		if want := slogLine(e); got != want {
			t.Errorf("entry %d:\n got %s\nwant %s", i, got, want)
		}
	}
}

// TestAccessLogWritesWithoutClose shows that a lone entry reaches the
// writer within the linger time, without waiting for more or for Close.
func TestAccessLogWritesWithoutClose(t *testing.T) {
	w := &lockedBuffer{}
	l := NewAccessLog(w, 0)
	defer l.Close()
	for i := range 3 {
		l.Log(Entry{RequestID: "lone"})
		deadline := time.Now().Add(5 * time.Second)
		for strings.Count(w.String(), "lone") <= i {
			if time.Now().After(deadline) {
				t.Fatalf("entry %d not written after 5s", i)
			}
			time.Sleep(time.Millisecond)
		}
	}
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (w *lockedBuffer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *lockedBuffer) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

func BenchmarkAppendEntry(b *testing.B) {
	e := Entry{Time: time.Now(), RequestID: "0123456789ab-1x2y", Group: "g1", API: "hello", Environment: "test",
		Method: "GET", Path: "/hello", Status: 200, Latency: 1234 * time.Microsecond, Upstream: 987 * time.Microsecond,
		BytesOut: 50, Remote: "127.0.0.1:53422"}
	buf := make([]byte, 0, 1024)
	b.ReportAllocs()
	for b.Loop() {
		buf = appendEntry(buf[:0], &e)
	}
}

func BenchmarkSlogEntry(b *testing.B) {
	e := Entry{Time: time.Now(), RequestID: "0123456789ab-1x2y", Group: "g1", API: "hello", Environment: "test",
		Method: "GET", Path: "/hello", Status: 200, Latency: 1234 * time.Microsecond, Upstream: 987 * time.Microsecond,
		BytesOut: 50, Remote: "127.0.0.1:53422"}
	b.ReportAllocs()
	for b.Loop() {
		slogLine(&e)
	}
}
