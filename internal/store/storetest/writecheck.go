package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/model"
	"github.com/tollgate-gw/tollgate/internal/store"
)

// testWriteCheck checks store.WithWriteCheck: a failing check changes
// nothing and its error comes back as it is; a check runs once per
// context, in its first write.
func testWriteCheck(t *testing.T, s store.Store) {
	g := mustGroup(t, s, "checked")
	api := mustAPI(t, s, g.ID, "a", "GET", "/a")
	stale := errcode.New(errcode.ConcurrentChange, "group "+g.ID)
	refuse := store.WithWriteCheck(ctx, func(context.Context) error { return stale })

	_, err := s.UpdateGroup(refuse, g.ID, func(g *model.Group) error { g.Description = "changed"; return nil })
	if err != stale {
		t.Errorf("UpdateGroup with a failing check: got %v, want the check's error", err)
	}
	if err := s.DeleteAPI(store.WithWriteCheck(ctx, func(context.Context) error { return stale }), g.ID, api.ID); err != stale {
		t.Errorf("DeleteAPI with a failing check: got %v, want the check's error", err)
	}
	if got, _ := s.Group(ctx, g.ID); got.Description != g.Description {
		t.Errorf("a failing check let the change through: got %q", got.Description)
	}
	if _, err := s.API(ctx, g.ID, api.ID); err != nil {
		t.Errorf("a failing check let the deletion through: %v", err)
	}

	runs := 0
	once := store.WithWriteCheck(ctx, func(context.Context) error { runs++; return nil })
	for i := range 2 {
		if _, err := s.UpdateGroup(once, g.ID, func(g *model.Group) error { g.Description = fmt.Sprint(i); return nil }); err != nil {
			t.Fatalf("UpdateGroup %d: %v", i, err)
		}
	}
	if runs != 1 {
		t.Errorf("the check ran %d times for two writes with one context, want once", runs)
	}
}

// testConcurrentWriteChecks is the If-Match race: several writers read the
// group at one version, then each changes it with a check that the group
// is still at that version. Exactly one may win; the others must see the
// winner's change and fail, however their transactions interleave.
func testConcurrentWriteChecks(t *testing.T, s store.Store) {
	g := mustGroup(t, s, "raced")
	read, err := s.Group(ctx, g.ID)
	if err != nil {
		t.Fatal(err)
	}
	stale := errcode.New(errcode.ConcurrentChange, "group "+g.ID)
	const n = 8
	start := make(chan struct{})
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			wctx := store.WithWriteCheck(ctx, func(ctx context.Context) error {
				now, err := s.Group(ctx, g.ID)
				if err != nil {
					return err
				}
				if !now.UpdatedAt.Equal(read.UpdatedAt) || now.Description != read.Description {
					return stale
				}
				return nil
			})
			<-start
			_, errs[i] = s.UpdateGroup(wctx, g.ID, func(g *model.Group) error {
				g.Description = fmt.Sprintf("writer %d", i)
				return nil
			})
		}()
	}
	close(start)
	wg.Wait()
	won := 0
	for i, err := range errs {
		switch {
		case err == nil:
			won++
		case err != stale:
			t.Errorf("writer %d: got %v, want success or the check's error", i, err)
		}
	}
	if won != 1 {
		t.Errorf("%d writers passed the check, want exactly 1", won)
	}
}
