package auth

import (
	"crypto/md5"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/tollgate-gw/tollgate/internal/errcode"
)

// MarketAppKey is the JD Cloud API market's app key check: the query
// carries appkey, timestamp (Unix milliseconds) and sign, the hex MD5 of
// the secret followed by the timestamp as sent. sign is compared without
// regard to case, in constant time. Only the key and the time are signed,
// not the request: this scheme proves who is calling and when, no more.
type MarketAppKey struct{}

const marketAppKeyName = "APPKEY"

// Name returns "APPKEY".
func (MarketAppKey) Name() string { return marketAppKeyName }

// Match reports whether r's query carries appkey and sign.
func (MarketAppKey) Match(r *http.Request) bool {
	return hasParam(r.URL.RawQuery, "appkey") && hasParam(r.URL.RawQuery, "sign")
}

// Verify checks r's sign.
func (MarketAppKey) Verify(r *http.Request, _ []byte, keys Keys) (Result, error) {
	q := r.URL.RawQuery
	ak, _ := queryParam(q, "appkey")
	if ak == "" {
		return Result{}, errcode.New(errcode.AuthMissingKey, "appkey")
	}
	ts, _ := queryParam(q, "timestamp")
	if ts == "" {
		return Result{}, errcode.New(errcode.AuthMissingTimestamp, "timestamp")
	}
	ms, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || ts[0] < '0' || ts[0] > '9' {
		return Result{}, refuse(errcode.AuthBadTimestamp, "timestamp", "it must be Unix milliseconds")
	}
	sign, _ := queryParam(q, "sign")
	if sign == "" {
		return Result{}, errcode.New(errcode.AuthMissingSignature, "sign")
	}
	var want [md5.Size]byte
	if !decodeHex(want[:], sign) {
		return Result{}, refuse(errcode.SignatureMismatch, "sign", "it must be 32 hex digits")
	}
	key, ok := keys.Key(ak)
	if !ok {
		return Result{}, errcode.New(errcode.KeyNotFound, ak)
	}
	s := getScratch()
	defer putScratch(s)
	for _, secret := range key.Secrets {
		s.key = append(append(s.key[:0], secret...), ts...)
		got := md5.Sum(s.key)
		clear(s.key)
		if subtle.ConstantTimeCompare(got[:], want[:]) == 1 {
			return Result{Scheme: marketAppKeyName, AccessKey: ak, SignedAt: time.UnixMilli(ms).UTC()}, nil
		}
	}
	return Result{}, errcode.New(errcode.SignatureMismatch, "sign")
}

// Sign adds appkey, timestamp and sign to r's query, replacing any
// already there.
func (MarketAppKey) Sign(r *http.Request, _ []byte, sg Signing) error {
	if sg.AccessKey == "" || len(sg.Secret) == 0 {
		return fmt.Errorf("auth: %s: signing needs an app key and a secret", marketAppKeyName)
	}
	ts := strconv.FormatInt(sg.Time.UnixMilli(), 10)
	sum := md5.Sum(append(append([]byte(nil), sg.Secret...), ts...))
	q := r.URL.Query()
	q.Set("appkey", sg.AccessKey)
	q.Set("timestamp", ts)
	q.Set("sign", hex.EncodeToString(sum[:]))
	r.URL.RawQuery = q.Encode()
	return nil
}
