package auth

import (
	"crypto/md5"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/tollgate-gw/tollgate/internal/errcode"
)

func TestMarketAppKey(t *testing.T) {
	sum := md5.Sum([]byte("appsecret" + "1700000000123"))
	sign := hex.EncodeToString(sum[:])
	keys := keyring{"app1": {[]byte("appsecret")}}
	want := Result{Scheme: "APPKEY", AccessKey: "app1", SignedAt: time.UnixMilli(1700000000123).UTC()}
	for _, s := range []string{sign, strings.ToUpper(sign)} {
		r := rawRequest("GET", "market.example.com", "/api/weather", "city=bj&appkey=app1&timestamp=1700000000123&sign="+s)
		if !(MarketAppKey{}).Match(r) {
			t.Fatal("Match = false")
		}
		got, err := MarketAppKey{}.Verify(r, nil, keys)
		if err != nil || got != want {
			t.Errorf("sign %s: Verify = %+v, %v; want %+v", s, got, err, want)
		}
	}

	r := rawRequest("GET", "market.example.com", "/api/weather", "city=bj")
	if err := (MarketAppKey{}).Sign(r, nil, Signing{AccessKey: "app1", Secret: []byte("appsecret"), Time: want.SignedAt}); err != nil {
		t.Fatal(err)
	}
	if got, err := (MarketAppKey{}).Verify(r, nil, keyring{"app1": {[]byte("new"), []byte("appsecret")}}); err != nil || got != want {
		t.Errorf("signed by Sign, rotated key: Verify = %+v, %v", got, err)
	}

	tests := []struct {
		name, query string
		want        *errcode.Condition
	}{
		{"no appkey", "timestamp=1700000000123&sign=" + sign, errcode.AuthMissingKey},
		{"no timestamp", "appkey=app1&sign=" + sign, errcode.AuthMissingTimestamp},
		{"bad timestamp", "appkey=app1&timestamp=1.7e12&sign=" + sign, errcode.AuthBadTimestamp},
		{"no sign", "appkey=app1&timestamp=1700000000123", errcode.AuthMissingSignature},
		{"empty sign", "appkey=app1&timestamp=1700000000123&sign=", errcode.AuthMissingSignature},
		{"sign not hex", "appkey=app1&timestamp=1700000000123&sign=" + strings.Repeat("g", 32), errcode.SignatureMismatch},
		{"unknown app key", "appkey=app2&timestamp=1700000000123&sign=" + sign, errcode.KeyNotFound},
		{"other timestamp", "appkey=app1&timestamp=1700000000124&sign=" + sign, errcode.SignatureMismatch},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := MarketAppKey{}.Verify(rawRequest("GET", "market.example.com", "/", tc.query), nil, keys)
			wantCond(t, err, tc.want)
		})
	}
}
