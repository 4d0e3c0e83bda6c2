package cli

import (
	"encoding/json"
	"flag"
	"io"
	"net/url"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/errdoc"
	"github.com/tollgate-gw/tollgate/internal/model"
)

// groupSource is where `tollgate errors --group` reads a group's own
// codes: the admin API of a running server (GET
// /v1/groups/{groupId}/errors), never the database, which a running
// server holds and which would bypass the tenant rules.
type groupSource struct {
	id    string
	admin adminClient
}

func (g *groupSource) flags(fs *flag.FlagSet) {
	fs.StringVar(&g.id, "group", "", "list the codes the group's backend may raise: its own (read from the admin API) and its dialect's")
	g.admin.flags(fs)
}

// groupErrors is the body of GET /v1/groups/{groupId}/errors.
type groupErrors struct {
	Dialect errcode.Dialect    `json:"dialect"`
	Errors  []model.GroupError `json:"errors"`
}

// write prints the codes of the group, as errdoc.WriteRaisable does.
func (g *groupSource) write(w io.Writer, opts errdoc.Options) error {
	if opts.Format == errdoc.FormatMarkdown {
		return exitUsage{"--group prints a table or JSON, not markdown"}
	}
	body, err := g.admin.do("GET", "/v1/groups/"+url.PathEscape(g.id)+"/errors", "", nil)
	if err != nil {
		return err
	}
	var list groupErrors
	if err := json.Unmarshal(body, &list); err != nil {
		return err
	}
	own := make([]errcode.Entry, len(list.Errors))
	for i, e := range list.Errors {
		own[i] = e.Entry()
	}
	if opts.Family != "" {
		own = nil // a family names built-in codes only
	}
	return errdoc.WriteRaisable(w, list.Dialect, own, opts)
}
