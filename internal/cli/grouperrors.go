package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/errdoc"
	"github.com/tollgate-gw/tollgate/internal/model"
)

// groupSource is where `tollgate errors --group` reads a group's own
// codes: the admin API of a running server (GET
// /v1/groups/{groupId}/errors), never the database, which a running
// server holds and which would bypass the tenant rules.
type groupSource struct {
	id, admin, token, data string
}

func (g *groupSource) flags(fs *flag.FlagSet) {
	fs.StringVar(&g.id, "group", "", "list the codes the group's backend may raise: its own (read from the admin API) and its dialect's")
	fs.StringVar(&g.admin, "admin", "http://127.0.0.1:9080", "with --group: the admin API's base URL")
	fs.StringVar(&g.token, "token", "", "with --group: the admin token or a session token (default $TOLLGATE_ADMIN_TOKEN, then the data directory's admin-token)")
	fs.StringVar(&g.data, "data", "tollgate-data", "with --group: the data directory whose admin-token to use when no token is given")
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
	token, err := g.bearer()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	u := strings.TrimSuffix(g.admin, "/") + "/v1/groups/" + url.PathEscape(g.id) + "/errors"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return exitUsage{"--admin: " + err.Error()}
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s: %s", u, resp.Status, strings.TrimSpace(string(body)))
	}
	var list groupErrors
	if err := json.Unmarshal(body, &list); err != nil {
		return fmt.Errorf("GET %s: %w", u, err)
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

// bearer returns the token to call the admin API with.
func (g *groupSource) bearer() (string, error) {
	if g.token != "" {
		return g.token, nil
	}
	if t := os.Getenv("TOLLGATE_ADMIN_TOKEN"); t != "" {
		return t, nil
	}
	b, err := os.ReadFile(filepath.Join(g.data, "admin-token"))
	if err != nil {
		return "", exitUsage{"no token: pass --token, set TOLLGATE_ADMIN_TOKEN or point --data at the server's data directory (" + err.Error() + ")"}
	}
	return strings.TrimSpace(string(b)), nil
}
