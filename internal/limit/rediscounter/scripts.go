package rediscounter

import (
	_ "embed"

	"github.com/redis/go-redis/v9"
)

// The scripts, each one atomic step on Redis. Each is the library
// (lua/lib: the helpers, then the functions that count a window, a hold
// and usage) followed by its entry (lua/*.lua): one per method of
// limit.Counter, and admit and finish, which run several of the functions
// in one step for limit.Admit and limit.Settle; ledger.lua stands alone
// (ledger.go). go-redis runs them with
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
	//go:embed lua/admit.lua
	admitLua string
	//go:embed lua/finish.lua
	finishLua string
	//go:embed lua/ledger.lua
	ledgerLua string

	allowScript   = redis.NewScript(prelude + windowLib + allowLua)
	reserveScript = redis.NewScript(prelude + holdLib + reserveLua)
	settleScript  = redis.NewScript(prelude + holdLib + settleLua)
	usageScript   = redis.NewScript(prelude + usageLib + usageLua)
	admitScript   = redis.NewScript(prelude + windowLib + holdLib + admitLua)
	finishScript  = redis.NewScript(prelude + holdLib + usageLib + finishLua)
	ledgerScript  = redis.NewScript(ledgerLua)
)
