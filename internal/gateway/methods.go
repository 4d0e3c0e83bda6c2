package gateway

import (
	"strings"

	"github.com/tollgate-gw/tollgate/internal/errcode"
)

// methodNotSupported answers a request that no API matches. When some API
// matches its path under another method, the path is known and only the
// method is wrong: errcode.MethodNotSupported (NOT_IMPLEMENTED 501,
// zenith 1013), with an Allow header listing the methods the path has.
// Otherwise nothing is there: errcode.NotFound. ANY never appears in the
// list: an API of method ANY would have matched.
func methodNotSupported(c *Call) error {
	allowed := c.Env.Allowed(c.Path)
	if len(allowed) == 0 {
		return errcode.New(errcode.NotFound, "API")
	}
	list := strings.Join(allowed, ", ")
	c.W.Header()["Allow"] = []string{list}
	return errcode.Newf(errcode.MethodNotSupported, "%s is not a method of this path; it has %s", c.R.Method, list)
}
