package app

import (
	"net/http"

	"github.com/tollgate-gw/tollgate/internal/admin"
)

// debuggerOf returns the data plane handler as the admin API's Debugger,
// so that a debug call runs the very pipeline the data listener serves
// with; nil if the handler cannot run one.
func debuggerOf(h http.Handler) admin.Debugger {
	d, _ := h.(admin.Debugger)
	return d
}
