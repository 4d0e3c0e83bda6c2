package rediscounter

import (
	_ "embed"

	"github.com/redis/go-redis/v9"
)

// The scripts, each one atomic step on Redis. Each is the library
// (lua/lib: the helpers, then the functions that count a window, a hold
// and usage, and the sections that admit and settle many calls) followed
// by its entry (lua/*.lua): one per method of limit.Counter, and step,
// which runs the nonces, admissions and settlements of the calls waiting
// (combine.go); ledger.lua stands alone (ledger.go). go-redis runs them with
// EVALSHA, and with EVAL when Redis does not have them cached (after a
// restart).
var (
	//go:embed lua/lib/prelude.lua
	prelude string
	//go:embed lua/lib/window.lua
	windowLib string
	//go:embed lua/lib/hold.lua
	holdLib string
	//go:embed lua/lib/usage.lua
	usageLib string
	//go:embed lua/allow.lua
	allowLua string
	//go:embed lua/reserve.lua
	reserveLua string
	//go:embed lua/settle.lua
	settleLua string
	//go:embed lua/usage.lua
	usageLua string
	//go:embed lua/lib/admit.lua
	admitLib string
	//go:embed lua/lib/finish.lua
	finishLib string
	//go:embed lua/step.lua
	stepLua string
	//go:embed lua/ledger.lua
	ledgerLua string

	allowScript   = redis.NewScript(prelude + windowLib + allowLua)
	reserveScript = redis.NewScript(prelude + holdLib + reserveLua)
	settleScript  = redis.NewScript(prelude + holdLib + settleLua)
	usageScript   = redis.NewScript(prelude + usageLib + usageLua)
	stepScript    = redis.NewScript(prelude + windowLib + holdLib + usageLib + admitLib + finishLib + stepLua)
	ledgerScript  = redis.NewScript(ledgerLua)
)
