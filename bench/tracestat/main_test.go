package main

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"runtime/trace"
	"strings"
	"testing"
)

// TestSummarize traces an HTTP server serving a few requests and a forced
// GC, and checks that the summary finds net/http's goroutines, where they
// blocked, and the GC's pauses.
func TestSummarize(t *testing.T) {
	var buf bytes.Buffer
	if err := trace.Start(&buf); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok")
	}))
	for range 20 {
		resp, err := http.Get(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	runtime.GC()
	srv.Close()
	trace.Stop()

	var out strings.Builder
	if err := summarize(&buf, &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"\n  http ",                   // a row of scheduling latency for net/http's goroutines
		"net/http.(*connReader).Read", // where they waited for the next request
		"stop-the-world (GC mark termination)",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, out.String())
		}
	}
}
