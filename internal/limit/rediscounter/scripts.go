package rediscounter

import (
	_ "embed"

	"github.com/redis/go-redis/v9"
)

// The scripts, each one atomic step on Redis (lua/*.lua). go-redis runs
// them with EVALSHA, and with EVAL when Redis does not have them cached
// (after a restart).
var (
	//go:embed lua/prelude.lua
	prelude string
	//go:embed lua/allow.lua
	allowLua string
	//go:embed lua/reserve.lua
	reserveLua string
	//go:embed lua/settle.lua
	settleLua string
	//go:embed lua/usage.lua
	usageLua string
	//go:embed lua/ledger.lua
	ledgerLua string

	allowScript   = redis.NewScript(prelude + allowLua)
	reserveScript = redis.NewScript(prelude + reserveLua)
	settleScript  = redis.NewScript(prelude + settleLua)
	usageScript   = redis.NewScript(prelude + usageLua)
	ledgerScript  = redis.NewScript(ledgerLua)
)
