package telemetry

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"sync"
	"testing"
	"time"
)

func TestAccessLogWritesJSONLines(t *testing.T) {
	var buf bytes.Buffer
	l := NewAccessLog(&buf, 16)
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	l.Log(Entry{
		Time: at, RequestID: "r-1", Group: "g1", API: "getUser", Environment: "test",
		Method: "GET", Path: "/users/1", Status: 200, Latency: 1500 * time.Microsecond,
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
		"api": "getUser", "environment": "test", "method": "GET", "path": "/users/1",
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
