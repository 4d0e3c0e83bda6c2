package main

import (
	"fmt"
	"os/exec"
	"regexp"
	"strconv"
	"sync/atomic"
	"time"
)

// measureLoad runs wrk against a deployed API of the hot group for d,
// idle and then with one admin write every 100 ms (the four kinds in
// turn), and prints throughput and p99 of both.
func measureLoad(a *admin, s *server, c *config, d time.Duration) error {
	fmt.Printf("\n| data plane, wrk -t1 -c32 -d%s | req/s | p50 | p99 | admin writes |\n| --- | --- | --- | --- | --- |\n", d)
	idle, err := wrk(s, c, d)
	if err != nil {
		return err
	}
	fmt.Printf("| idle | %.0f | %s | %s | 0 |\n", idle.rps, idle.p50, idle.p99)

	ws := writes(a, c, 2)
	stop := make(chan struct{})
	done := make(chan error, 1)
	var n atomic.Int64
	go func() {
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for i := 0; ; i++ {
			select {
			case <-stop:
				done <- nil
				return
			case <-t.C:
			}
			if err := ws[i%len(ws)].call(i / len(ws)); err != nil {
				done <- err
				return
			}
			n.Add(1)
		}
	}()
	busy, err := wrk(s, c, d)
	close(stop)
	if werr := <-done; err == nil {
		err = werr
	}
	if err != nil {
		return err
	}
	fmt.Printf("| one write every 100 ms | %.0f (%.2f×) | %s | %s | %d |\n", busy.rps, busy.rps/idle.rps, busy.p50, busy.p99, n.Load())
	return nil
}

type wrkResult struct {
	rps      float64
	p50, p99 string
}

var (
	rpsLine = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)
	p50Line = regexp.MustCompile(`\s50%\s+(\S+)`)
	p99Line = regexp.MustCompile(`\s99%\s+(\S+)`)
	non2xx  = regexp.MustCompile(`Non-2xx or 3xx responses: (\d+)`)
)

func wrk(s *server, c *config, d time.Duration) (wrkResult, error) {
	out, err := exec.Command("wrk", "-t1", "-c32", "-d"+strconv.Itoa(int(d.Seconds()))+"s", "--latency",
		"-H", "Host: "+c.hot+".localhost", "http://"+s.data+"/hot/r00/1").CombinedOutput()
	if err != nil {
		return wrkResult{}, fmt.Errorf("wrk: %w: %s", err, out)
	}
	if m := non2xx.FindSubmatch(out); m != nil {
		return wrkResult{}, fmt.Errorf("wrk: %s answers were not 2xx:\n%s", m[1], out)
	}
	var r wrkResult
	m := rpsLine.FindSubmatch(out)
	if m == nil {
		return r, fmt.Errorf("wrk printed no Requests/sec:\n%s", out)
	}
	r.rps, _ = strconv.ParseFloat(string(m[1]), 64)
	if m := p50Line.FindSubmatch(out); m != nil {
		r.p50 = string(m[1])
	}
	if m := p99Line.FindSubmatch(out); m != nil {
		r.p99 = string(m[1])
	}
	return r, nil
}
