package storetest

import (
	"bytes"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/model"
	"github.com/tollgate-gw/tollgate/internal/store"
)

func testKeys(t *testing.T, s store.Store) {
	mustAccount(t, s, "a")
	mustAccount(t, s, "b")
	mustUser(t, s, "a", "alice", "", "")
	mustUser(t, s, "b", "bob", "", "")

	k, err := s.CreateKey(ctx, model.Key{Pin: "a", Kind: model.KeySignature})
	if err != nil {
		t.Fatalf("CreateKey: %v", err)
	}
	if !regexp.MustCompile(`^TG[A-Z0-9]{18}$`).MatchString(k.AccessKey) || !regexp.MustCompile(`^[A-Za-z0-9]{40}$`).Match(k.Secret) {
		t.Errorf("CreateKey: got access key %q, secret %q", k.AccessKey, k.Secret)
	}
	if !k.Enabled || k.CreatedAt.IsZero() || k.User != "" {
		t.Errorf("CreateKey: got %+v", k)
	}
	got, err := s.Key(ctx, k.AccessKey)
	if err != nil || !bytes.Equal(got.Secret, k.Secret) || got.Pin != "a" || got.Kind != model.KeySignature || !got.Enabled || got.PreviousSecret != nil {
		t.Errorf("Key: got %+v, %v", got, err)
	}
	uk, err := s.CreateKey(ctx, model.Key{Pin: "a", User: "alice", Kind: model.KeyAppKey})
	if err != nil || uk.User != "alice" || uk.Kind != model.KeyAppKey {
		t.Fatalf("CreateKey for a user: got %+v, %v", uk, err)
	}
	imported, err := s.CreateKey(ctx, model.Key{Pin: "b", AccessKey: "AKIDEXAMPLE", Secret: []byte("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"), Kind: model.KeySignature})
	if err != nil || imported.AccessKey != "AKIDEXAMPLE" {
		t.Fatalf("CreateKey with a chosen pair: got %+v, %v", imported, err)
	}
	if got, _ := s.Key(ctx, "AKIDEXAMPLE"); string(got.Secret) != "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" {
		t.Errorf("Key of a chosen pair: got secret %q", got.Secret)
	}

	tests := []struct {
		name    string
		k       model.Key
		cond    *errcode.Condition
		subject string
	}{
		{"access key taken", model.Key{Pin: "b", AccessKey: k.AccessKey, Kind: model.KeySignature}, errcode.AccessKeyRepeat, "accessKey"},
		{"user of another account", model.Key{Pin: "a", User: "bob", Kind: model.KeySignature}, errcode.RecordNotFound, "user bob"},
		{"unknown user", model.Key{Pin: "a", User: "zed", Kind: model.KeySignature}, errcode.RecordNotFound, "user zed"},
		{"unknown account", model.Key{Pin: "c", Kind: model.KeySignature}, errcode.ResourceNotFound, "account c"},
		{"unknown kind", model.Key{Pin: "a", Kind: "oauth"}, errcode.ParamValueInvalid, "kind"},
		{"session without user", model.Key{Pin: "a", Kind: model.KeySession, Expires: time.Now().Add(time.Hour)}, errcode.ParamValueInvalid, "kind"},
		{"signature key with expiry", model.Key{Pin: "a", Kind: model.KeySignature, Expires: time.Now()}, errcode.ParamValueInvalid, "expiresAt"},
		{"access key with a space", model.Key{Pin: "a", AccessKey: "A B", Kind: model.KeySignature}, errcode.ParamValueInvalid, "accessKey"},
	}
	for _, tt := range tests {
		_, err := s.CreateKey(ctx, tt.k)
		wantErr(t, "CreateKey: "+tt.name, err, tt.cond, tt.subject)
	}

	keys, total, err := s.ListKeys(ctx, "a", all)
	if err != nil || total != 2 || len(keys) != 2 || keys[0].AccessKey != k.AccessKey || keys[1].AccessKey != uk.AccessKey {
		t.Fatalf("ListKeys: got %+v of %d, %v", keys, total, err)
	}
	for _, k := range keys {
		if k.Secret != nil || k.PreviousSecret != nil {
			t.Errorf("ListKeys shows a secret of %s", k.AccessKey)
		}
	}

	updated, err := s.UpdateKey(ctx, k.AccessKey, func(k *model.Key) error {
		if k.Secret != nil {
			t.Errorf("UpdateKey passes the secret to update")
		}
		k.Enabled = false
		k.Pin, k.Kind, k.Secret = "b", model.KeyAppKey, []byte("x") // must be ignored
		return nil
	})
	if err != nil || updated.Enabled || updated.Pin != "a" || updated.Kind != model.KeySignature || updated.Secret != nil {
		t.Errorf("UpdateKey: got %+v, %v", updated, err)
	}
	if got, _ := s.Key(ctx, k.AccessKey); got.Enabled || got.Pin != "a" || !bytes.Equal(got.Secret, k.Secret) {
		t.Errorf("Key after UpdateKey: got %+v", got)
	}

	if err := s.DeleteKey(ctx, k.AccessKey); err != nil {
		t.Fatalf("DeleteKey: %v", err)
	}
	for what, err := range map[string]error{
		"Key":       func() error { _, err := s.Key(ctx, k.AccessKey); return err }(),
		"DeleteKey": s.DeleteKey(ctx, k.AccessKey),
		"UpdateKey": func() error {
			_, err := s.UpdateKey(ctx, k.AccessKey, func(*model.Key) error { return nil })
			return err
		}(),
		"RotateKey": func() error { _, err := s.RotateKey(ctx, k.AccessKey, time.Hour); return err }(),
	} {
		wantErr(t, what+" of a deleted key", err, errcode.ResourceNotFound, "key "+k.AccessKey)
	}
}

func testKeyLimit(t *testing.T, s store.Store) {
	mustAccount(t, s, "a")
	mustAccount(t, s, "b")
	mustUser(t, s, "a", "alice", "", "")
	for i := range store.DefaultMaxKeys {
		user := ""
		if i%2 == 1 {
			user = "alice" // users' keys count against their account
		}
		mustKey(t, s, "a", user)
	}
	_, err := s.CreateKey(ctx, model.Key{Pin: "a", Kind: model.KeyAppKey})
	wantErr(t, "CreateKey past the limit", err, errcode.KeyLimitReached, "")
	_, err = s.CreateKey(ctx, model.Key{Pin: "a", User: "alice", Kind: model.KeySignature})
	wantErr(t, "CreateKey for a user past the limit", err, errcode.KeyLimitReached, "")
	// Sessions do not count, nor do other accounts' keys.
	mustSession(t, s, "a", "alice", time.Hour)
	mustKey(t, s, "b", "")
	keys, _, _ := s.ListKeys(ctx, "a", all)
	if err := s.DeleteKey(ctx, keys[0].AccessKey); err != nil {
		t.Fatal(err)
	}
	mustKey(t, s, "a", "")
}

func testConcurrentKeyLimit(t *testing.T, s store.Store) {
	mustAccount(t, s, "a")
	const n = store.DefaultMaxKeys + 10
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Go(func() {
			_, err := s.CreateKey(ctx, model.Key{Pin: "a", Kind: model.KeySignature})
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	var ok, limited int
	for err := range errs {
		switch {
		case err == nil:
			ok++
		case errcode.Has(err, errcode.KeyLimitReached):
			limited++
		default:
			t.Errorf("CreateKey: %v", err)
		}
	}
	if ok != store.DefaultMaxKeys || limited != n-store.DefaultMaxKeys {
		t.Errorf("%d concurrent CreateKey: %d succeeded and %d hit the limit, want %d and %d", n, ok, limited, store.DefaultMaxKeys, n-store.DefaultMaxKeys)
	}
}

func testKeyRotation(t *testing.T, s store.Store) {
	mustAccount(t, s, "a")
	k := mustKey(t, s, "a", "")
	r1, err := s.RotateKey(ctx, k.AccessKey, time.Hour)
	if err != nil {
		t.Fatalf("RotateKey: %v", err)
	}
	if bytes.Equal(r1.Secret, k.Secret) || len(r1.Secret) != 40 || !bytes.Equal(r1.PreviousSecret, k.Secret) || r1.RotatedAt.IsZero() {
		t.Fatalf("RotateKey: got %+v", r1)
	}
	if d := time.Until(r1.PreviousExpires); d < 59*time.Minute || d > time.Hour {
		t.Errorf("RotateKey: the previous secret expires in %v, want an hour", d)
	}
	got, _ := s.Key(ctx, k.AccessKey)
	if !bytes.Equal(got.Secret, r1.Secret) || !bytes.Equal(got.PreviousSecret, k.Secret) || !got.PreviousExpires.Equal(r1.PreviousExpires) {
		t.Errorf("Key after RotateKey: got %+v", got)
	}
	if secrets := got.Secrets(time.Now()); len(secrets) != 2 || !bytes.Equal(secrets[0], r1.Secret) {
		t.Errorf("Secrets during the grace: got %q", secrets)
	}
	if secrets := got.Secrets(r1.PreviousExpires); len(secrets) != 1 {
		t.Errorf("Secrets once the grace ended: got %q", secrets)
	}

	// A second rotation drops the first secret: only one previous.
	r2, err := s.RotateKey(ctx, k.AccessKey, time.Hour)
	if err != nil || !bytes.Equal(r2.PreviousSecret, r1.Secret) {
		t.Fatalf("second RotateKey: got %+v, %v", r2, err)
	}
	// No grace: the old secret stops at once.
	r3, err := s.RotateKey(ctx, k.AccessKey, 0)
	if err != nil || r3.PreviousSecret != nil || !r3.PreviousExpires.IsZero() {
		t.Fatalf("RotateKey without grace: got %+v, %v", r3, err)
	}
	if got, _ := s.Key(ctx, k.AccessKey); got.PreviousSecret != nil || !bytes.Equal(got.Secret, r3.Secret) {
		t.Errorf("Key after RotateKey without grace: got %+v", got)
	}
}

func testSessions(t *testing.T, s store.Store) {
	mustAccount(t, s, "a")
	mustUser(t, s, "a", "alice", "", "")
	mustUser(t, s, "a", "bob", "", "")
	live := mustSession(t, s, "a", "alice", time.Hour)
	if !live.Expires.After(time.Now()) || live.Kind != model.KeySession {
		t.Errorf("session: got %+v", live)
	}
	dead := mustSession(t, s, "a", "alice", time.Millisecond)
	deadOfBob := mustSession(t, s, "a", "bob", time.Millisecond)
	time.Sleep(5 * time.Millisecond)
	if got, err := s.Key(ctx, dead.AccessKey); err != nil || !got.Expired(time.Now()) {
		t.Errorf("Key of an expired session: got %+v, %v; want it, expired", got, err)
	}
	// Alice's next login clears her dead sessions, not Bob's.
	mustSession(t, s, "a", "alice", time.Hour)
	_, err := s.Key(ctx, dead.AccessKey)
	wantErr(t, "an expired session after the next login", err, errcode.ResourceNotFound, "")
	if _, err := s.Key(ctx, live.AccessKey); err != nil {
		t.Errorf("a live session after the next login: %v", err)
	}
	if _, err := s.Key(ctx, deadOfBob.AccessKey); err != nil {
		t.Errorf("another user's session after a login: %v", err)
	}
}
