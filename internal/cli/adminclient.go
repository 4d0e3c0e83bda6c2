package cli

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// adminClient calls the admin API of a running Tollgate with the
// operator's token, for the commands that manage configuration (import,
// export).
type adminClient struct {
	base  string // "http://127.0.0.1:9080"
	token string
	data  string // the data directory whose admin-token is read when token is ""
	http  *http.Client
}

// flags registers the options that say which admin API to call and with
// which token.
func (c *adminClient) flags(fs *flag.FlagSet) {
	fs.StringVar(&c.base, "admin", envOr("TOLLGATE_ADMIN", "http://127.0.0.1:9080"), "admin API base `URL` (default $TOLLGATE_ADMIN, else http://127.0.0.1:9080)")
	fs.StringVar(&c.token, "token", getenv("TOLLGATE_ADMIN_TOKEN"), "admin `token` (default $TOLLGATE_ADMIN_TOKEN, else the data directory's admin-token file)")
	fs.StringVar(&c.data, "data", "./tollgate-data", "data `directory` whose admin-token is read when no token is given")
}

// do sends method path (below the base URL) with body, and returns the
// answer's body. An answer of 400 or more is an error carrying the body,
// which is the admin API's error envelope.
func (c *adminClient) do(method, path, contentType string, body []byte) ([]byte, error) {
	if c.token == "" {
		b, err := os.ReadFile(filepath.Join(c.data, "admin-token"))
		if err != nil {
			return nil, exitUsage{"no token: pass --token, set TOLLGATE_ADMIN_TOKEN or point --data at the server's data directory (" + err.Error() + ")"}
		}
		c.token = strings.TrimSpace(string(b))
	}
	req, err := http.NewRequest(method, strings.TrimSuffix(c.base, "/")+path, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	hc := c.http
	if hc == nil {
		hc = &http.Client{Timeout: time.Minute}
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode >= 400 {
		return out, &adminError{status: resp.StatusCode, body: strings.TrimSpace(string(out))}
	}
	return out, nil
}

// adminError is an admin API answer of 400 or more.
type adminError struct {
	status int
	body   string
}

func (e *adminError) Error() string {
	return fmt.Sprintf("admin API answered %d: %s", e.status, e.body)
}

// envOr returns the environment variable name, or def when it is unset.
func envOr(name, def string) string {
	if v := getenv(name); v != "" {
		return v
	}
	return def
}

// errNoGroup is the usage error of a command that needs --group.
var errNoGroup = errors.New("--group is required")
