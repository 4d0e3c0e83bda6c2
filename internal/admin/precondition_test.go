package admin

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// fill returns pattern with the values path holds for its wildcards,
// where path is a path of the route with pattern from.
func fill(pattern, from, path string) string {
	values := map[string]string{}
	fs, ps := strings.Split(from, "/"), strings.Split(strings.SplitN(path, "?", 2)[0], "/")
	for i := range min(len(fs), len(ps)) {
		if strings.HasPrefix(fs[i], "{") {
			values[fs[i]] = ps[i]
		}
	}
	out := strings.Split(pattern, "/")
	for i, seg := range out {
		if v, ok := values[seg]; ok {
			out[i] = v
		}
	}
	return strings.Join(out, "/")
}

// TestIfMatchEveryRoute: every operation that changes a resource with a
// version takes If-Match. With a version the resource is no longer at, or
// a weak tag, it is 409 ABORTED and nothing changes; with the ETag of the
// resource's GET (for MFA the account's, for a rotation the key's, for a
// deployment, a group's error code or a policy binding their list's), it
// is made.
func TestIfMatchEveryRoute(t *testing.T) {
	hs := newHarness(t)
	a := hs.tenant("acme")
	cases := map[string]matrixCase{}
	for _, c := range matrixCases() {
		cases[c.method+" "+c.pattern] = c
	}
	n := 0
	for _, rt := range versioned(hs.srv.routes()) {
		if rt.version == nil || rt.method == http.MethodGet {
			continue
		}
		n++
		c, ok := cases[rt.method+" "+rt.pattern]
		if !ok {
			t.Errorf("%s %s: no case of the matrix to call it with", rt.method, rt.pattern)
			continue
		}
		t.Run(rt.method+" "+rt.pattern, func(t *testing.T) {
			hs.t = t
			path, body := c.path(hs, a, actOperator), ""
			if c.body != nil {
				body = c.body(hs, a, actOperator, false)
			}
			get := fill(rt.version.pattern, rt.pattern, path)
			if rt.method == http.MethodPut && hs.do("GET", get, "").status == 404 {
				hs.must(rt.method, path, body, c.operator) // a PUT that creates: have one to replace
			}
			tag := hs.must("GET", get, "", 200).header.Get("ETag")
			if tag == "" || !strings.HasPrefix(tag, `"`) {
				t.Fatalf("GET %s: ETag %q, want a strong tag", get, tag)
			}
			before := hs.state()
			for _, stale := range []string{`"0123456789abcdef0123456789abcdef"`, "W/" + tag} {
				res := hs.call(rt.method, path, body, http.Header{"Authorization": {"Bearer " + token}, "If-Match": {stale}})
				if res.status != 409 || res.errStatus() != "ABORTED" {
					t.Errorf("If-Match %s: got %d %s, want 409 ABORTED", stale, res.status, res.raw)
				}
			}
			if hs.state() != before {
				t.Errorf("a refused If-Match changed the store")
			}
			res := hs.call(rt.method, path, body, http.Header{"Authorization": {"Bearer " + token}, "If-Match": {tag}})
			if res.status != c.operator {
				t.Errorf("If-Match %s (the current version): got %d %s, want %d", tag, res.status, res.raw, c.operator)
			}
		})
	}
	if n < 20 {
		t.Errorf("%d operations take If-Match, want every change of a resource with a version", n)
	}
}

// TestIfMatchRefusals: what If-Match accepts and refuses, and that a
// resource's ETag changes with it.
func TestIfMatchRefusals(t *testing.T) {
	hs := newHarness(t)
	g := "/v1/groups/" + hs.must("POST", "/v1/groups", `{"name":"shop"}`, 201).str("groupId")
	tag := hs.must("GET", g, "", 200).header.Get("ETag")
	bl := hs.must("POST", "/v1/blacklist", `{"kind":"pin","value":"mallory"}`, 201).str("entryId")
	with := func(method, path, body string, ifMatch ...string) response {
		return hs.call(method, path, body, http.Header{"Authorization": {"Bearer " + token}, "If-Match": ifMatch})
	}
	tests := []struct {
		name       string
		method     string
		path, body string
		ifMatch    []string
		status     int
		code       string
	}{
		{"no quotes", "PATCH", g, `{"description":"x"}`, []string{"abc"}, 400, "APIGW_PARAM_VALUE_INVALID"},
		{"no closing quote", "PATCH", g, `{"description":"x"}`, []string{`"abc`}, 400, "APIGW_PARAM_VALUE_INVALID"},
		{"a space in a tag", "PATCH", g, `{"description":"x"}`, []string{`"a b"`}, 400, "APIGW_PARAM_VALUE_INVALID"},
		{"no comma", "PATCH", g, `{"description":"x"}`, []string{`"a" "b"`}, 400, "APIGW_PARAM_VALUE_INVALID"},
		{"empty", "PATCH", g, `{"description":"x"}`, []string{` , `}, 400, "APIGW_PARAM_VALUE_INVALID"},
		{"a weak star", "PATCH", g, `{"description":"x"}`, []string{`W/*`}, 400, "APIGW_PARAM_VALUE_INVALID"},
		{"on a creation", "POST", "/v1/groups", `{"name":"other"}`, []string{"*"}, 400, "APIGATEWAY_ARGUMENT_NOT_SUPPORT"},
		{"on a blacklist entry, which has no GET", "DELETE", "/v1/blacklist/" + bl, "", []string{"*"}, 400, "APIGATEWAY_ARGUMENT_NOT_SUPPORT"},
		{"a stale read", "GET", g, "", []string{`"stale"`}, 409, "ABORTED"},
		{"the current read", "GET", g, "", []string{tag}, 200, ""},
		{"one of a list", "PATCH", g, `{"description":"one"}`, []string{`"stale", ` + tag}, 200, ""},
		{"the old one after the change", "PATCH", g, `{"description":"two"}`, []string{tag}, 409, "ABORTED"},
		{"any", "PATCH", g, `{"description":"three"}`, []string{"*"}, 200, ""},
		{"two fields", "PATCH", g, `{"description":"four"}`, []string{`"stale"`, "*"}, 200, ""},
		{"a group that does not exist", "PATCH", "/v1/groups/g-nosuchgrp0", `{"description":"x"}`, []string{"*"}, 404, "APIGATEWAY_NOT_FOUND"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hs.t = t
			res := with(tt.method, tt.path, tt.body, tt.ifMatch...)
			if res.status != tt.status || res.errStatus() != tt.code {
				t.Errorf("If-Match %q: got %d %s, want %d %s", tt.ifMatch, res.status, res.raw, tt.status, tt.code)
			}
			if tt.code == "APIGW_PARAM_VALUE_INVALID" && !strings.Contains(res.errMessage(), "If-Match") {
				t.Errorf("got %s, want the message to name If-Match", res.raw)
			}
		})
	}
	if now := hs.must("GET", g, "", 200).header.Get("ETag"); now == tag {
		t.Errorf("the ETag %s did not change with the group", now)
	}
}

// TestIfMatchRace: writers that read one version of a group and all send
// their change with its ETag at once, over real connections: exactly one
// wins, the others are told 409 ABORTED, and the group holds the winner's
// change. The check the store runs under its write lock is what makes it
// so; a check before the write alone would let several through.
func TestIfMatchRace(t *testing.T) {
	hs := newHarness(t)
	srv := httptest.NewServer(hs.h)
	defer srv.Close()
	g := "/v1/groups/" + hs.must("POST", "/v1/groups", `{"name":"raced"}`, 201).str("groupId")
	for round := range 3 {
		tag := hs.must("GET", g, "", 200).header.Get("ETag")
		const n = 8
		statuses := make([]int, n)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range n {
			req, err := http.NewRequest("PATCH", srv.URL+g, strings.NewReader(fmt.Sprintf(`{"description":"round %d writer %d"}`, round, i)))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Authorization", "Bearer "+token)
			req.Header.Set("If-Match", tag)
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				res, err := srv.Client().Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				res.Body.Close()
				statuses[i] = res.StatusCode
			}()
		}
		close(start)
		wg.Wait()
		won := -1
		for i, s := range statuses {
			switch {
			case s == 200 && won < 0:
				won = i
			case s == 200:
				t.Errorf("round %d: writers %d and %d both won", round, won, i)
			case s != 409:
				t.Errorf("round %d: writer %d got %d, want 200 or 409", round, i, s)
			}
		}
		if won < 0 {
			t.Fatalf("round %d: no writer won: %v", round, statuses)
		}
		if got := hs.must("GET", g, "", 200).str("description"); got != fmt.Sprintf("round %d writer %d", round, won) {
			t.Errorf("round %d: the group holds %q, want writer %d's change", round, got, won)
		}
	}
}

// BenchmarkIfMatch is the cost of a change's version check: a PATCH of a
// group without If-Match, and with the ETag of its last version, which
// renders the group's GET twice more (before the handler and under the
// write lock).
func BenchmarkIfMatch(b *testing.B) {
	hs := newHarness(b)
	g := "/v1/groups/" + hs.must("POST", "/v1/groups", `{"name":"bench"}`, 201).str("groupId")
	for _, withTag := range []bool{false, true} {
		name := "plain"
		if withTag {
			name = "if-match"
		}
		b.Run(name, func(b *testing.B) {
			tag := hs.must("GET", g, "", 200).header.Get("ETag")
			i := 0
			for b.Loop() {
				i++
				h := http.Header{"Authorization": {"Bearer " + token}}
				if withTag {
					h.Set("If-Match", tag)
				}
				res := hs.call("PATCH", g, fmt.Sprintf(`{"description":"%d"}`, i), h)
				if res.status != 200 {
					b.Fatalf("got %d %s", res.status, res.raw)
				}
				if withTag {
					b.StopTimer()
					tag = hs.must("GET", g, "", 200).header.Get("ETag")
					b.StartTimer()
				}
			}
		})
	}
}
