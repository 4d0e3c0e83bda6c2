package auth

import (
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/tollgate-gw/tollgate/internal/errcode"
)

var sigV4Families = []*family{&aws4, &jdcloud2, &jdcloud3, &tc3}

// cacheSigned returns a POST signed by the scheme of f with secret.
func cacheSigned(t testing.TB, f *family, ak string, secret []byte, at time.Time, body []byte) *http.Request {
	t.Helper()
	r := rawRequest("POST", "g1.localhost:8080", "/v1/items/42", "limit=10&offset=20")
	r.Header.Set("Content-Type", "application/json")
	if err := f.sign(r, body, Signing{AccessKey: ak, Secret: secret, Time: at, Region: "cn-north-1", Service: "svc"}); err != nil {
		t.Fatal(err)
	}
	return r
}

// credentialOf parses r's Authorization header as f's.
func credentialOf(t testing.TB, f *family, r *http.Request) credential {
	t.Helper()
	c, err := parseAuthorization(r.Header.Get("Authorization"), f.algorithm, f.regional)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// A verified request stores its derived key; the key stored is the one
// derivation gives; the next request of that scope verifies from it
// without allocating.
func TestKeyCacheHit(t *testing.T) {
	body := []byte(`{"a":1}`)
	for _, f := range sigV4Families {
		t.Run(f.algorithm, func(t *testing.T) {
			ak, secret := "AKHIT"+f.keyPrefix, []byte("hit-secret-"+f.keyPrefix)
			keys := keyring{ak: {secret}}
			r := cacheSigned(t, f, ak, secret, time.Now(), body)
			c := credentialOf(t, f, r)
			h := signingKeys.hash(f, secret, &c)
			if _, ok := signingKeys.get(f, secret, &c, h); ok {
				t.Fatal("cached before any request verified")
			}
			if _, err := f.verify(r, body, keys); err != nil {
				t.Fatal(err)
			}
			got, ok := signingKeys.get(f, secret, &c, h)
			if !ok {
				t.Fatal("not cached after a request verified")
			}
			if want := f.signingKey(new(scratch), secret, &c); got != want {
				t.Fatal("cached key differs from the derived one")
			}
			if _, err := f.verify(r, body, keys); err != nil {
				t.Fatal("hit:", err)
			}
			if n := testing.AllocsPerRun(100, func() { f.verify(r, body, keys) }); n != 0 && !raceEnabled {
				t.Errorf("%v allocations per verification on a hit", n)
			}
			// A wrong signature is refused, hit or not.
			bad := cacheSigned(t, f, ak, []byte("not-the-secret"), time.Now(), body)
			bad.Header.Set(f.dateHeader, r.Header.Get(f.dateHeader))
			_, err := f.verify(bad, body, keys)
			wantCond(t, err, errcode.SignatureMismatch)
		})
	}
}

// Requests that do not verify store nothing.
func TestKeyCacheOnlyVerified(t *testing.T) {
	body := []byte(`{"a":1}`)
	for _, f := range sigV4Families {
		ak, secret := "AKMISS"+f.keyPrefix, []byte("miss-secret")
		r := cacheSigned(t, f, ak, []byte("some-other-secret"), time.Now(), body)
		c := credentialOf(t, f, r)
		_, err := f.verify(r, body, keyring{ak: {secret}})
		wantCond(t, err, errcode.SignatureMismatch)
		if _, ok := signingKeys.get(f, secret, &c, signingKeys.hash(f, secret, &c)); ok {
			t.Errorf("%s: a refused request's key was cached", f.algorithm)
		}
	}
}

// An entry matches only its own identity: each part changed is a miss,
// even when the changed identity is looked up in the entry's own slots.
func TestKeyCacheIdentity(t *testing.T) {
	kc := newKeyCache()
	secret := []byte("identity-secret")
	c := credential{AccessKey: "AK1", Date: "20260101", Region: "r1", Service: "s1", Terminator: aws4.terminator}
	h := kc.hash(&aws4, secret, &c)
	key := aws4.signingKey(new(scratch), secret, &c)
	kc.put(&aws4, secret, &c, h, &key)
	if got, ok := kc.get(&aws4, secret, &c, h); !ok || got != key {
		t.Fatal("miss on the identity stored")
	}
	// The strings stored are copies: changing the caller's secret buffer
	// does not change the entry.
	mutable := append([]byte(nil), secret...)
	c2 := c
	c2.AccessKey = "AK2"
	kc.put(&aws4, mutable, &c2, kc.hash(&aws4, mutable, &c2), &key)
	mutable[0] ^= 1
	if _, ok := kc.get(&aws4, mutable, &c2, kc.hash(&aws4, secret, &c2)); ok {
		t.Error("hit with a secret changed after it was stored")
	}

	other := func(change func(*credential)) credential { o := c; change(&o); return o }
	cases := []struct {
		name   string
		f      *family
		secret []byte
		c      credential
	}{
		{"family", &jdcloud2, secret, c},
		{"access key", &aws4, secret, other(func(o *credential) { o.AccessKey = "AK9" })},
		{"date", &aws4, secret, other(func(o *credential) { o.Date = "20260102" })},
		{"region", &aws4, secret, other(func(o *credential) { o.Region = "r2" })},
		{"service", &aws4, secret, other(func(o *credential) { o.Service = "s2" })},
		{"secret", &aws4, []byte("identity-secreT"), c},
		{"secret prefix", &aws4, secret[:len(secret)-1], c},
		{"empty secret", &aws4, nil, c},
	}
	for _, tc := range cases {
		if _, ok := kc.get(tc.f, tc.secret, &tc.c, h); ok {
			t.Errorf("%s changed: hit in the entry's slots", tc.name)
		}
		if _, ok := kc.get(tc.f, tc.secret, &tc.c, kc.hash(tc.f, tc.secret, &tc.c)); ok {
			t.Errorf("%s changed: hit in its own slots", tc.name)
		}
	}
}

// After a rotation the old secret's derived key is never used: a request
// signed with the old secret is refused once the key has only the new one,
// and one signed with the new secret verifies. During the grace period
// both verify.
func TestKeyCacheRotation(t *testing.T) {
	body := []byte(`{"rotate":true}`)
	for _, f := range sigV4Families {
		t.Run(f.algorithm, func(t *testing.T) {
			ak := "AKROT" + f.keyPrefix
			oldSecret, newSecret := []byte("old-secret-0001"), []byte("new-secret-0002")
			now := time.Now()
			signedOld := cacheSigned(t, f, ak, oldSecret, now, body)
			signedNew := cacheSigned(t, f, ak, newSecret, now, body)

			if _, err := f.verify(signedOld, body, keyring{ak: {oldSecret}}); err != nil {
				t.Fatal("before rotation:", err)
			}
			if _, err := f.verify(signedOld, body, keyring{ak: {oldSecret}}); err != nil {
				t.Fatal("before rotation, cached:", err)
			}
			grace := keyring{ak: {newSecret, oldSecret}}
			for i := 0; i < 2; i++ {
				if _, err := f.verify(signedNew, body, grace); err != nil {
					t.Fatal("grace, new secret:", err)
				}
				if _, err := f.verify(signedOld, body, grace); err != nil {
					t.Fatal("grace, old secret:", err)
				}
			}
			rotated := keyring{ak: {newSecret}}
			for i := 0; i < 2; i++ {
				_, err := f.verify(signedOld, body, rotated)
				wantCond(t, err, errcode.SignatureMismatch)
				if _, err := f.verify(signedNew, body, rotated); err != nil {
					t.Fatal("after rotation:", err)
				}
			}
			// The same secret bytes mutated in place (a store reusing
			// its buffer) are a new secret too.
			buf := append([]byte(nil), newSecret...)
			if _, err := f.verify(signedNew, body, keyring{ak: {buf}}); err != nil {
				t.Fatal(err)
			}
			buf[0] ^= 1
			_, err := f.verify(signedNew, body, keyring{ak: {buf}})
			wantCond(t, err, errcode.SignatureMismatch)
		})
	}
}

// The table never holds more than keyCacheSlots entries, and the entry
// stored last is found however many came before.
func TestKeyCacheBounded(t *testing.T) {
	kc := newKeyCache()
	secret := []byte("bounded")
	var key [32]byte
	for i := range 3 * keyCacheSlots {
		c := credential{AccessKey: fmt.Sprint("AK", i), Date: "20260101", Region: "r", Service: "s"}
		h := kc.hash(&aws4, secret, &c)
		key[0] = byte(i)
		kc.put(&aws4, secret, &c, h, &key)
		if got, ok := kc.get(&aws4, secret, &c, h); !ok || got[0] != byte(i) {
			t.Fatalf("entry %d not found right after it was stored", i)
		}
	}
	n := 0
	for i := range kc.slots {
		if kc.slots[i].Load() != nil {
			n++
		}
	}
	if n > keyCacheSlots || n < keyCacheSlots/2 {
		t.Errorf("%d slots used of %d", n, keyCacheSlots)
	}
}

// Many goroutines verify requests of several keys, secrets and scopes at
// once, through the shared cache, and in a small table where they evict
// one another; run with -race.
func TestKeyCacheConcurrent(t *testing.T) {
	body := []byte(`{"c":1}`)
	type job struct {
		f    *family
		r    *http.Request
		keys Keys
		ok   bool
	}
	var jobs []job
	now := time.Now()
	for _, f := range sigV4Families {
		for k := range 4 {
			ak := fmt.Sprintf("AKCONC%d%s", k, f.keyPrefix)
			s1, s2 := []byte(fmt.Sprint("conc-secret-a", k)), []byte(fmt.Sprint("conc-secret-b", k))
			for d := range 2 {
				at := now.Add(time.Duration(-d) * 48 * time.Hour)
				jobs = append(jobs,
					job{f, cacheSigned(t, f, ak, s1, at, body), keyring{ak: {s2, s1}}, true},
					job{f, cacheSigned(t, f, ak, s2, at, body), keyring{ak: {s2, s1}}, true},
					job{f, cacheSigned(t, f, ak, s1, at, body), keyring{ak: {s2}}, false},
				)
			}
		}
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 300 {
				j := jobs[(g*7+i)%len(jobs)]
				_, err := j.f.verify(j.r, body, j.keys)
				if j.ok && err != nil {
					t.Errorf("%s: %v", j.f.algorithm, err)
					return
				}
				if !j.ok && err == nil {
					t.Errorf("%s: a request signed with a retired secret verified", j.f.algorithm)
					return
				}
			}
		}()
	}
	// Direct use of a table where every identity lands in the same slots.
	kc := newKeyCache()
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			secret := []byte(fmt.Sprint("slot-secret", g))
			c := credential{AccessKey: "AK", Date: "20260101", Region: "r", Service: "s"}
			want := aws4.signingKey(new(scratch), secret, &c)
			for range 2000 {
				if got, ok := kc.get(&aws4, secret, &c, 0); ok && got != want {
					t.Error("hit returned another secret's key")
					return
				}
				kc.put(&aws4, secret, &c, 0, &want)
			}
		}()
	}
	wg.Wait()
}

// BenchmarkVerifyKeyCacheMiss verifies the request of BenchmarkVerify with
// its derived key evicted each time: the cost of the first request of a
// key, secret and scope (derivation plus storing the entry).
func BenchmarkVerifyKeyCacheMiss(b *testing.B) {
	body := []byte(`{"name":"widget","count":3,"tags":["a","b"]}`)
	secret := []byte("bench-secret-0123456789")
	keys := keyring{"AKIDBENCH": {secret}}
	for _, f := range sigV4Families {
		b.Run(f.algorithm, func(b *testing.B) {
			r := rawRequest("POST", "g1.localhost:8080", "/v1/items/42", "limit=10&offset=20&q=blue")
			r.Header.Set("Content-Type", "application/json")
			r.Header.Set("User-Agent", "bench/1.0")
			if err := f.sign(r, body, Signing{AccessKey: "AKIDBENCH", Secret: secret, Time: time.Now(), Region: "cn-north-1", Service: "svc"}); err != nil {
				b.Fatal(err)
			}
			c := credentialOf(b, f, r)
			i, j := slotsOf(signingKeys.hash(f, secret, &c))
			b.ReportAllocs()
			for b.Loop() {
				signingKeys.slots[i].Store(nil)
				signingKeys.slots[j].Store(nil)
				if _, err := f.verify(r, body, keys); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
