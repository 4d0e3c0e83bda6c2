package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"slices"
	"time"
)

// admin calls the admin API with the operator's token.
type admin struct {
	base, token string
	client      http.Client
}

func (a *admin) do(method, path, body string) error {
	req, err := http.NewRequest(method, a.base+path, bytes.NewReader([]byte(body)))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+a.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := a.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		return fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, b)
	}
	return nil
}

// write is one kind of admin write; its i-th call is made by call(i).
type write struct {
	name string
	call func(i int) error
}

// writes are the four kinds of write; phase picks the accounts that keys
// are created in (config.keyPin).
func writes(a *admin, c *config, phase int) []write {
	return []write{
		{"create a key", func(i int) error {
			return a.do("POST", "/v1/accounts/"+c.keyPin(phase, i)+"/keys", `{}`)
		}},
		{"update an undeployed API", func(i int) error {
			return a.do("PATCH", "/v1/groups/"+c.hot+"/apis/"+c.draft, fmt.Sprintf(`{"description":"v%d"}`, i))
		}},
		{"update a deployed API", func(i int) error {
			return a.do("PATCH", "/v1/groups/"+c.hot+"/apis/"+c.deployed, fmt.Sprintf(`{"description":"v%d"}`, i))
		}},
		{"deploy a revision", func(i int) error {
			return a.do("POST", "/v1/groups/"+c.hot+"/deployments", fmt.Sprintf(`{"revision":"%d.0.0","environment":"online"}`, 2-i%2))
		}},
	}
}

// measureWrites makes n writes of each kind one after the other and
// prints their latency.
func measureWrites(a *admin, c *config, n int) error {
	fmt.Printf("\n| admin write (%d each, one at a time) | p50 | p99 | max | writes/s |\n| --- | --- | --- | --- | --- |\n", n)
	for _, w := range writes(a, c, 1) {
		lat := make([]time.Duration, 0, n)
		t0 := time.Now()
		for i := range n {
			s := time.Now()
			if err := w.call(i); err != nil {
				return err
			}
			lat = append(lat, time.Since(s))
		}
		total := time.Since(t0)
		slices.Sort(lat)
		fmt.Printf("| %s | %s | %s | %s | %.0f |\n", w.name, ms(pct(lat, 50)), ms(pct(lat, 99)), ms(lat[len(lat)-1]),
			float64(n)/total.Seconds())
	}
	return nil
}

func pct(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := (len(sorted)*p + 99) / 100
	return sorted[min(max(i-1, 0), len(sorted)-1)]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }
