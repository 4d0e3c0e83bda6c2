package admin

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/tollgate-gw/tollgate/internal/limit"
	"github.com/tollgate-gw/tollgate/internal/secret"
	"github.com/tollgate-gw/tollgate/internal/store/sqlite"
)

// The purchase crash tests run the test binary again as a child that buys
// a plan and SIGKILLs itself at one step of the purchase; the parent
// reopens the store and the counters as a start would, settles what was
// pending and checks that the subscription and the money agree.
const (
	purchaseCrashDirEnv  = "TOLLGATE_PURCHASE_CRASH_DIR"
	purchaseCrashStepEnv = "TOLLGATE_PURCHASE_CRASH_STEP"
)

// openDurable is an admin API over the store and the journaled counters
// of dir, as tollgate serve opens them.
func openDurable(t *testing.T, dir string) (*harness, *limit.Memory) {
	t.Helper()
	sealer, err := secret.Load(dir, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	st, err := sqlite.Open(context.Background(), dir, sealer)
	if err != nil {
		t.Fatal(err)
	}
	m, err := limit.OpenMemory(filepath.Join(dir, "counters"), limit.Options{})
	if err != nil {
		st.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close(); st.Close() })
	hs := &harness{t: t, store: st, clock: limit.NewManualClock(time.Now().UTC().Truncate(time.Second))}
	hs.srv = newServer(Config{Store: st, Token: token, Clock: hs.clock, Counter: m})
	hs.srv.hashPassword = cheapHash
	hs.h = hs.srv.handler()
	return hs, m
}

// TestPurchaseCrashChild is the child's body: it buys the package "old"
// (30) and then "new" (50) of one group with a credit of 100, and dies at
// the step it is told, during the second purchase.
func TestPurchaseCrashChild(t *testing.T) {
	dir, step := os.Getenv(purchaseCrashDirEnv), os.Getenv(purchaseCrashStepEnv)
	if dir == "" {
		t.Skip("run by TestPurchaseCrash")
	}
	hs, _ := openDurable(t, dir)
	hs.must("POST", "/v1/accounts", `{"pin":"buyer","realNameVerified":true}`, 201)
	hs.must("POST", "/v1/accounts/buyer/recharge", `{"amount":100}`, 201)
	g := hs.must("POST", "/v1/groups", `{"name":"weather"}`, 201).str("groupId")
	old := hs.must("POST", "/v1/groups/"+g+"/plans", `{"name":"old","pricePerCall":3,"totalCalls":10}`, 201).str("planId")
	next := hs.must("POST", "/v1/groups/"+g+"/plans", `{"name":"new","pricePerCall":5,"totalCalls":10}`, 201).str("planId")
	hs.must("POST", "/v1/subscriptions", fmt.Sprintf(`{"pin":"buyer","planId":%q}`, old), 201)
	purchaseStep = func(s string) {
		if s == step {
			syscall.Kill(os.Getpid(), syscall.SIGKILL)
			select {}
		}
	}
	hs.must("POST", "/v1/subscriptions", fmt.Sprintf(`{"pin":"buyer","planId":%q}`, next), 201)
	fmt.Println("bought")
}

// TestPurchaseCrash kills a purchase at each step. After the restart the
// subscription, the ledger and the counter agree: the subscription and
// its ledger row commit together, so from "stored" on the new one is
// current and the balance is 20 on the counter and in the ledger. A crash
// before the charge reached the journal is charged at the start
// (ReconcilePurchases): before the ledger, the purchase was cancelled
// there, and before that it stood, paid for with money the counter never
// took.
func TestPurchaseCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	for _, tt := range []struct {
		step    string
		bought  bool
		balance float64
	}{
		{"stored", true, 20},
		{"charged", true, 20},
		{"finished", true, 20},
		{"never", true, 20},
	} {
		t.Run(tt.step, func(t *testing.T) {
			dir := t.TempDir()
			cmd := exec.Command(os.Args[0], "-test.run=^TestPurchaseCrashChild$", "-test.count=1")
			cmd.Env = append(os.Environ(), purchaseCrashDirEnv+"="+dir, purchaseCrashStepEnv+"="+tt.step)
			out, err := cmd.CombinedOutput()
			if tt.step == "never" && err != nil {
				t.Fatalf("child: %v\n%s", err, out)
			}
			if tt.step != "never" {
				if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
					t.Fatalf("the child was not killed at %s: %v\n%s", tt.step, err, out)
				}
			}

			hs, m := openDurable(t, dir)
			settled, err := ReconcilePurchases(context.Background(), hs.store, m)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("settled at start: %+v", settled)
			subs, err := hs.store.ListSubscriptions(context.Background(), "buyer")
			if err != nil {
				t.Fatal(err)
			}
			var current []string
			for _, s := range subs {
				if s.EndedAt.IsZero() {
					p, _ := hs.store.Plan(context.Background(), s.PlanID)
					current = append(current, p.Name)
				}
			}
			want := "old"
			if tt.bought {
				want = "new"
			}
			if len(current) != 1 || current[0] != want {
				t.Errorf("current subscriptions %v, want [%s]", current, want)
			}
			if tt.bought && len(subs) != 2 || !tt.bought && len(subs) != 1 {
				t.Errorf("%d subscriptions stored", len(subs))
			}
			if b := hs.balanceOf("buyer"); b != tt.balance {
				t.Errorf("balance %v, want %v", b, tt.balance)
			}
			if credit, spent, err := hs.store.LedgerBalance(context.Background(), "buyer"); err != nil || float64(credit-spent) != tt.balance {
				t.Errorf("the ledger's balance: credit %d - spent %d (%v), want %v as on the counter", credit, spent, err, tt.balance)
			}
			if pending, _ := hs.store.PendingPurchases(context.Background()); len(pending) != 0 || len(m.ChargeIDs()) != 0 {
				t.Errorf("left pending: %v, charges remembered: %v", pending, m.ChargeIDs())
			}
		})
	}
}
