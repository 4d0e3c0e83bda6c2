package sqlite

import (
	"bytes"
	"context"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tollgate-gw/tollgate/internal/certtest"
	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/model"
	"github.com/tollgate-gw/tollgate/internal/secret"
	"github.com/tollgate-gw/tollgate/internal/store"
)

// encodings returns the spellings of b a dump could hold it in.
func encodings(b []byte) map[string][]byte {
	return map[string][]byte{
		"raw":           b,
		"hex":           []byte(hex.EncodeToString(b)),
		"HEX":           []byte(strings.ToUpper(hex.EncodeToString(b))),
		"base64":        []byte(base64.StdEncoding.EncodeToString(b)),
		"base64 raw":    []byte(base64.RawStdEncoding.EncodeToString(b)),
		"base64 url":    []byte(base64.RawURLEncoding.EncodeToString(b)),
		"base32":        []byte(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b)),
		"raw prefix 16": b[:16],
	}
}

// TestNoSecretAtRest creates keys, rotates one, turns MFA on, and then
// searches the database file and its write-ahead log, byte by byte, for
// any secret in any usual encoding.
func TestNoSecretAtRest(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "data")
	s, err := Open(ctx, dir, testSealer(t))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateAccount(ctx, model.Account{Pin: "acme", Name: "acme", Status: model.AccountActive}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateUser(ctx, model.User{Pin: "acme", Name: "alice", Status: model.UserActive}); err != nil {
		t.Fatal(err)
	}
	var secrets [][]byte
	for _, k := range []model.Key{
		{Pin: "acme", Kind: model.KeySignature},
		{Pin: "acme", Kind: model.KeyAppKey},
		{Pin: "acme", User: "alice", Kind: model.KeySignature},
		{Pin: "acme", User: "alice", Kind: model.KeySession, Expires: time.Now().Add(time.Hour)},
		{Pin: "acme", AccessKey: "AKIDEXAMPLE", Secret: []byte("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"), Kind: model.KeySignature},
	} {
		k, err := s.CreateKey(ctx, k)
		if err != nil {
			t.Fatal(err)
		}
		secrets = append(secrets, k.Secret)
	}
	keys, _, _ := s.ListKeys(ctx, "acme", store.Page{Number: 1, Size: 100})
	r, err := s.RotateKey(ctx, keys[0].AccessKey, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	secrets = append(secrets, r.Secret) // the old one is secrets[0], now previous
	mfa, _ := secret.NewTOTPSecret()
	if _, err := s.SetMFA(ctx, "acme", mfa, []string{"keys.create"}); err != nil {
		t.Fatal(err)
	}
	secrets = append(secrets, mfa)
	// A custom domain's private key, as PEM and as the DER inside it.
	g, err := s.CreateGroup(ctx, model.Group{Name: "shop", Dialect: "jdcloud", Language: "en", AuthType: model.AuthNone})
	if err != nil {
		t.Fatal(err)
	}
	cert, key := certtest.NewCA(t).Issue(certtest.Leaf{Names: []string{"api.example.com"}})
	if _, err := s.CreateDomain(ctx, model.Domain{Domain: "api.example.com", GroupID: g.ID, Environment: model.EnvOnline,
		Certificate: cert, PrivateKey: key}); err != nil {
		t.Fatal(err)
	}
	der, _ := pem.Decode([]byte(key))
	secrets = append(secrets, []byte(key), der.Bytes, []byte(strings.Split(key, "\n")[1]))

	search := func(when string, files ...string) {
		t.Helper()
		found := 0
		for _, f := range files {
			b, err := os.ReadFile(filepath.Join(dir, f))
			if err != nil {
				t.Fatalf("%s: %v", when, err)
			}
			found += len(b)
			for i, sec := range secrets {
				for enc, needle := range encodings(sec) {
					if bytes.Contains(b, needle) {
						t.Errorf("%s: %s holds secret %d (%s)", when, f, i, enc)
					}
				}
			}
		}
		if found == 0 {
			t.Fatalf("%s: the files are empty; the search proves nothing", when)
		}
	}
	// While open, the latest writes are in the write-ahead log.
	search("open", FileName, FileName+"-wal")
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	search("closed", FileName)
	// And yet the secrets are all there for the master key.
	s, err = Open(ctx, dir, testSealer(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c, err := s.LoadCallers(ctx)
	if err != nil || len(c.Keys) != 5 {
		t.Fatalf("LoadCallers: got %d keys, %v", len(c.Keys), err)
	}
	ds, err := s.LoadDomains(ctx)
	if err != nil || len(ds) != 1 || ds[0].PrivateKey != key {
		t.Fatalf("LoadDomains: got %d domains, the key opened %v, %v", len(ds), len(ds) == 1 && ds[0].PrivateKey == key, err)
	}
}

// TestOpenRefusesAnotherMasterKey: a start with the wrong master key
// fails at once, and says where to look.
func TestOpenRefusesAnotherMasterKey(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := Open(ctx, dir, testSealer(t))
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	other, _ := secret.New(bytes.Repeat([]byte{1}, secret.KeySize))
	_, err = Open(ctx, dir, other)
	if err == nil || !strings.Contains(err.Error(), "master key") {
		t.Errorf("Open with another master key: got %v", err)
	}
	if _, err := Open(ctx, dir, nil); err == nil {
		t.Errorf("Open without a sealer: got no error")
	}
}

// TestMovedCiphertextDoesNotOpen copies one key's sealed secret into
// another key's row, as someone with write access to the file could: it
// must not open there, and the error names the key but no secret.
func TestMovedCiphertextDoesNotOpen(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	defer s.Close()
	if _, err := s.CreateAccount(ctx, model.Account{Pin: "a", Name: "a", Status: model.AccountActive}); err != nil {
		t.Fatal(err)
	}
	a, _ := s.CreateKey(ctx, model.Key{Pin: "a", Kind: model.KeySignature})
	b, _ := s.CreateKey(ctx, model.Key{Pin: "a", Kind: model.KeySignature})
	if _, err := s.writer.Exec(`UPDATE keys SET secret = (SELECT secret FROM keys WHERE access_key = ?) WHERE access_key = ?`,
		a.AccessKey, b.AccessKey); err != nil {
		t.Fatal(err)
	}
	_, err := s.Key(ctx, b.AccessKey)
	if !errcode.Has(err, errcode.OperationFailed) || !strings.Contains(err.Error(), b.AccessKey) {
		t.Errorf("Key with a moved secret: got %v, want OperationFailed naming %s", err, b.AccessKey)
	}
	_, err = s.LoadCallers(ctx)
	if !errcode.Has(err, errcode.OperationFailed) || !strings.Contains(err.Error(), b.AccessKey) {
		t.Errorf("LoadCallers with a moved secret: got %v", err)
	}
	if err != nil && (strings.Contains(err.Error(), string(a.Secret)) || strings.Contains(err.Error(), string(b.Secret))) {
		t.Errorf("the error holds a secret: %v", err)
	}
}
