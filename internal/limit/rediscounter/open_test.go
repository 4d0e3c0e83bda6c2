package rediscounter

import (
	"context"
	"net"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/tollgate-gw/tollgate/internal/redistest"
)

func TestOpen(t *testing.T) {
	addr := redistest.Start(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	nobody := ln.Addr().String()
	ln.Close() // nothing answers there now
	ctx := context.Background()
	cases := []struct {
		url      string
		pipeline bool
		wantErr  string
	}{
		{"redis://" + addr + "/0", true, ""},
		{"redis://" + addr + "/0?autopipeline=false", false, ""},
		{"redis://" + addr + "/2?autopipeline=true&dial_timeout=2s", true, ""},
		{"redis://" + addr + "/0?autopipeline=maybe", false, "autopipeline=maybe"},
		{"redis://" + addr + "/0?colour=blue", false, "colour"},
		{"http://" + addr, false, "scheme"},
		{"redis://" + nobody + "/0", false, "connection refused"},
	}
	for _, c := range cases {
		ctr, err := Open(ctx, c.url, Options{AutoPipeline: true})
		if c.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("Open(%s): err %v, want one naming %q", c.url, err, c.wantErr)
			}
			if ctr != nil {
				ctr.Close()
			}
			continue
		}
		if err != nil {
			t.Errorf("Open(%s): %v", c.url, err)
			continue
		}
		if _, plain := ctr.hot.(*redis.Client); plain == c.pipeline {
			t.Errorf("Open(%s): autopipelined %v, want %v", c.url, !plain, c.pipeline)
		}
		ctr.Close()
	}
}
