package main

import (
	"context"
	"fmt"
	"math"
	"os"
	"time"

	"github.com/tollgate-gw/tollgate/internal/secret"
	"github.com/tollgate-gw/tollgate/internal/snapshot"
	"github.com/tollgate-gw/tollgate/internal/store"
	"github.com/tollgate-gw/tollgate/internal/store/sqlite"
)

// measureLoads times, in this process, what a reload does: read the
// configuration from the store and compile it.
func measureLoads(ctx context.Context, dir string) error {
	sealer, err := secret.Load(dir, os.Getenv)
	if err != nil {
		return err
	}
	st, err := sqlite.Open(ctx, dir, sealer)
	if err != nil {
		return err
	}
	defer st.Close()
	fmt.Printf("\n| full load, in process | published | callers | policies | compile | total |\n| --- | --- | --- | --- | --- | --- |\n")
	var prev *snapshot.Snapshot
	for i := range 3 {
		t0 := time.Now()
		pubs, err := st.LoadPublished(ctx)
		if err != nil {
			return err
		}
		if _, _, err := st.ListGroups(ctx, store.Page{Number: 1, Size: math.MaxInt32}); err != nil {
			return err
		}
		t1 := time.Now()
		callers, err := st.LoadCallers(ctx)
		if err != nil {
			return err
		}
		t2 := time.Now()
		pols, err := st.LoadPolicies(ctx)
		if err != nil {
			return err
		}
		t3 := time.Now()
		s, err := snapshot.Options{Policies: pols}.Compile(prev, pubs, callers)
		if err != nil {
			return err
		}
		prev = s
		t4 := time.Now()
		fmt.Printf("| run %d | %s | %s | %s | %s | %s |\n", i+1, ms(t1.Sub(t0)), ms(t2.Sub(t1)), ms(t3.Sub(t2)), ms(t4.Sub(t3)), ms(t4.Sub(t0)))
	}
	return nil
}
