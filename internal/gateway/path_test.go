package gateway

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/model"
)

// The path fixture: a file server holding a public directory, an internal
// one and a file at its root, behind groups whose APIs each reach one
// directory. The file server cleans the path it gets, as file servers do,
// so a dot segment that reaches it climbs.
const (
	publicA     = "public file a"
	publicB     = "public file b"
	internalS   = "INTERNAL SECRET"
	rootSecret  = "ROOT SECRET"
	hostPathJD  = "pathjd.localhost"
	hostPathSig = "pathsig.localhost"
)

// fileBackend is a real file server over a temporary tree, recording the
// request target of every request it gets.
type fileBackend struct {
	*httptest.Server
	mu   sync.Mutex
	seen []string
}

func newFileBackend(t *testing.T) *fileBackend {
	t.Helper()
	root := t.TempDir()
	for name, body := range map[string]string{
		"public/a.txt":     publicA,
		"public/sub/b.txt": publicB,
		"internal/s.txt":   internalS,
		"secret.txt":       rootSecret,
	} {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b := &fileBackend{}
	files := http.FileServer(http.Dir(root))
	b.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b.mu.Lock()
		b.seen = append(b.seen, r.RequestURI)
		b.mu.Unlock()
		files.ServeHTTP(w, r)
	}))
	t.Cleanup(b.Close)
	return b
}

// take returns the request targets seen since the last take.
func (b *fileBackend) take() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := b.seen
	b.seen = nil
	return s
}

// pathAPIs are the fixture's APIs: files (a prefix over /public) and docs
// (one file of /public, by name), and with internal, an API over
// /internal.
func pathAPIs(internal bool) []model.API {
	apis := []model.API{
		api("files", "ANY", "/files", model.MatchPrefix, "/public"),
		api("docs", "GET", "/docs/{name}", model.MatchAbsolute, "/public/{name}"),
	}
	apis[1].Params = []model.Param{{Name: "name", In: model.InPath, Type: model.TypeString, Required: true}}
	if internal {
		apis = append(apis, api("internal", "ANY", "/internal", model.MatchPrefix, "/internal"))
	}
	return apis
}

// rawGet sends a GET for target exactly as written, on its own
// connection, since an HTTP client would clean or escape some of the
// spellings under test.
func (h *harness) rawGet(host, target string) response {
	h.t.Helper()
	conn, err := net.Dial("tcp", h.srv.Listener.Addr().String())
	if err != nil {
		h.t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(conn, "GET "+target+" HTTP/1.1\r\nHost: "+host+"\r\nConnection: close\r\n\r\n"); err != nil {
		h.t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	return response{resp, body}
}

// underBase reports whether a file server that decodes target and cleans
// it (taking backslashes for slashes, as some do) stays under base.
func underBase(target, base string) bool {
	p, _, _ := strings.Cut(target, "?")
	if u, err := url.PathUnescape(p); err == nil {
		p = u
	}
	p = path.Clean(strings.ReplaceAll(p, "\\", "/"))
	return p == base || strings.HasPrefix(p, base+"/")
}

// TestPathStaysInsideItsAPI sends spellings of paths that climb, plain,
// encoded and disguised, to a prefix API /files over backendPath /public
// and an API /docs/{name} over /public/{name}, in front of a file server
// that cleans paths. None may read anything outside /public: each is
// served from /public, matched to no API once normalized (404), or
// refused with INVALID_ARGUMENT; and every path the backend got stays
// under /public however it reads it.
func TestPathStaysInsideItsAPI(t *testing.T) {
	fb := newFileBackend(t)
	h := newHarness(t, Config{}, published(group("pathjd", errcode.DialectJDCloud, errcode.English),
		model.EnvOnline, httpBackend(2000, fb.URL), pathAPIs(false)...))

	const bad = 400
	for _, tc := range []struct {
		target   string
		status   int
		body     string // the file served, for a 200
		upstream string // the request target the backend must get, if set
	}{
		// Served from /public.
		{"/files/a.txt", 200, publicA, "/public/a.txt"},
		{"/files/./a.txt", 200, publicA, "/public/a.txt"},
		{"/files/%2e/a.txt", 200, publicA, "/public/a.txt"},
		{"/files//a.txt", 200, publicA, "/public/a.txt"},
		{"//files/a.txt", 200, publicA, "/public/a.txt"},
		{"/files/sub/../a.txt", 200, publicA, "/public/a.txt"},
		{"/files/sub/%2E%2E/a.txt", 200, publicA, "/public/a.txt"},
		{"/files/x//../a.txt", 200, publicA, "/public/a.txt"},
		{"/fil%65s/a%2etxt", 200, publicA, "/public/a.txt"},
		{"/docs/a.txt", 200, publicA, "/public/a.txt"},
		{"/docs/sub%2Fb.txt", 200, publicB, "/public/sub%2Fb.txt"}, // %2F stays in its segment
		{"/files/%252e%252e/internal/s.txt", 404, "", "/public/%252e%252e/internal/s.txt"},

		// Normalized onto a path no API serves.
		{"/files/../internal/s.txt", 404, "", ""},
		{"/files/%2e%2e/internal/s.txt", 404, "", ""},
		{"/files/%2E%2E/internal/s.txt", 404, "", ""},
		{"/files/%2e%2E/internal/s.txt", 404, "", ""},
		{"/files/.%2e/internal/s.txt", 404, "", ""},
		{"/files/%2e./internal/s.txt", 404, "", ""},
		{"/files/..", 404, "", ""},
		{"/docs/..", 404, "", ""},
		{"/docs/%2e%2e", 404, "", ""},

		// Refused: climbing above the root, or a dot segment in disguise.
		{"/../secret.txt", bad, "", ""},
		{"/files/../../secret.txt", bad, "", ""},
		{"/files/%2e%2e/%2e%2e/secret.txt", bad, "", ""},
		{"/files/.%2E/.%2e/secret.txt", bad, "", ""},
		{"/files/..%2Finternal/s.txt", bad, "", ""},
		{"/files/..%2finternal%2fs.txt", bad, "", ""},
		{"/files/%2e%2e%2F..%2Fsecret.txt", bad, "", ""},
		{"/docs/..%2Fsecret.txt", bad, "", ""},
		{"/docs/..%2F..%2Fsecret.txt", bad, "", ""},
		{"/files/..%5Cinternal%5Cs.txt", bad, "", ""},
		{"/files/..\\internal\\s.txt", bad, "", ""},
		{"/files/..;/internal/s.txt", bad, "", ""},
		{"/files/..%3B/internal/s.txt", bad, "", ""},
		{"/files/..%20/internal/s.txt", bad, "", ""},
		{"/files/.../internal/s.txt", bad, "", ""},
		{"/files/%c0%ae%c0%ae/internal/s.txt", bad, "", ""},
		{"/files/%C0%AE%C0%AE%C0%AFsecret.txt", bad, "", ""},
		{"/files/a.txt%00.png", bad, "", ""},
	} {
		r := h.rawGet(hostPathJD, tc.target)
		seen := fb.take()
		for _, s := range []string{internalS, rootSecret} {
			if strings.Contains(string(r.body), s) {
				t.Errorf("%s: the answer holds %q", tc.target, s)
			}
		}
		for _, s := range seen {
			if !underBase(s, "/public") {
				t.Errorf("%s: the backend got %q, outside /public", tc.target, s)
			}
		}
		if r.StatusCode != tc.status {
			t.Errorf("%s: status %d %q, want %d", tc.target, r.StatusCode, r.body, tc.status)
			continue
		}
		switch {
		case tc.status == 200 && string(r.body) != tc.body:
			t.Errorf("%s: body %q, want %q", tc.target, r.body, tc.body)
		case tc.status == bad && r.code() != "INVALID_ARGUMENT":
			t.Errorf("%s: code %q (%s), want INVALID_ARGUMENT", tc.target, r.code(), r.body)
		case tc.status == bad && len(seen) > 0:
			t.Errorf("%s: refused, but the backend got %q", tc.target, seen)
		}
		if tc.upstream != "" && (len(seen) != 1 || seen[0] != tc.upstream) {
			t.Errorf("%s: the backend got %q, want %q", tc.target, seen, tc.upstream)
		}
	}
}

// TestPathRefusalDialects: a path that climbs above the root is refused
// with INVALID_ARGUMENT in each dialect's code.
func TestPathRefusalDialects(t *testing.T) {
	fb := newFileBackend(t)
	var pubs []model.Published
	for _, d := range []errcode.Dialect{errcode.DialectJDCloud, errcode.DialectZenith, errcode.DialectTencent, errcode.DialectMarket} {
		pubs = append(pubs, published(group("path"+string(d), d, errcode.English),
			model.EnvOnline, httpBackend(2000, fb.URL), pathAPIs(false)...))
	}
	h := newHarness(t, Config{}, pubs...)
	for _, tc := range []struct {
		dialect errcode.Dialect
		code    string
	}{
		{errcode.DialectJDCloud, "INVALID_ARGUMENT"},
		{errcode.DialectZenith, "1103"},
		{errcode.DialectTencent, "4000"},
		{errcode.DialectMarket, "12001"},
	} {
		for _, target := range []string{"/files/../../secret.txt", "/files/%2e%2e%2Fsecret.txt"} {
			r := h.rawGet("path"+string(tc.dialect)+".localhost", target)
			if r.StatusCode != 400 || r.code() != tc.code {
				t.Errorf("%s %s: status %d code %q (%s), want 400 %s", tc.dialect, target, r.StatusCode, r.code(), r.body, tc.code)
			}
		}
	}
	if seen := fb.take(); len(seen) > 0 {
		t.Errorf("the backend got %q", seen)
	}
}

// TestPathGrantPerAPI: a key authorized for the files API only reaches
// neither the internal API nor its files, by name or through dot segments
// (before normalization, /files/../internal/s.txt was matched to files,
// authorized, and served /internal/s.txt by the file server).
func TestPathGrantPerAPI(t *testing.T) {
	fb := newFileBackend(t)
	g := group("pathsig", errcode.DialectJDCloud, errcode.English)
	g.AuthType = model.AuthSignature
	callers := model.Callers{
		Accounts: []model.Account{{Pin: "tenant", Status: model.AccountActive}},
		Keys: []model.Key{{AccessKey: "AKFILES", Pin: "tenant", Kind: model.KeySignature, Enabled: true,
			Secret: []byte(secretOf("AKFILES"))}},
		Authorizations: []model.Authorization{{ID: "files-only", GroupID: "pathsig", Environment: model.EnvOnline,
			AccessKey: "AKFILES", APIs: []string{"files"}}},
	}
	h := newCallersHarness(t, Config{}, callers,
		published(g, model.EnvOnline, httpBackend(2000, fb.URL), pathAPIs(true)...))

	for _, tc := range []struct {
		path   string
		status int
		code   string
	}{
		{"/files/a.txt", 200, ""},
		{"/internal/s.txt", 403, "APIGW_API_NOT_ALLOWED"},
		{"/files/../internal/s.txt", 403, "APIGW_API_NOT_ALLOWED"},
		{"/files/%2e%2e/internal/s.txt", 403, "APIGW_API_NOT_ALLOWED"},
		{"/files/.%2E/internal/s.txt", 403, "APIGW_API_NOT_ALLOWED"},
		{"/files/sub/../../internal/s.txt", 403, "APIGW_API_NOT_ALLOWED"},
		{"/files//..//internal/s.txt", 403, "APIGW_API_NOT_ALLOWED"},
		{"/files/..%2Finternal/s.txt", 400, "INVALID_ARGUMENT"},
		{"/files/..;/internal/s.txt", 400, "INVALID_ARGUMENT"},
	} {
		r := h.do(h.signed("GET", hostPathSig, tc.path, "", jd2("AKFILES")))
		if strings.Contains(string(r.body), internalS) {
			t.Errorf("%s: AKFILES read the internal API's file", tc.path)
		}
		if r.StatusCode != tc.status || (tc.code != "" && r.code() != tc.code) {
			t.Errorf("%s: status %d code %q (%s), want %d %s", tc.path, r.StatusCode, r.code(), r.body, tc.status, tc.code)
		}
		for _, s := range fb.take() {
			if !underBase(s, "/public") {
				t.Errorf("%s: the backend got %q, outside /public", tc.path, s)
			}
		}
	}
}

// TestPathLimitPerAPI: a call that reaches an API through dot segments
// counts against that API's limit, not the one its spelling started in.
func TestPathLimitPerAPI(t *testing.T) {
	fb := newFileBackend(t)
	pubs := []model.Published{published(group("pathjd", errcode.DialectJDCloud, errcode.English),
		model.EnvOnline, httpBackend(2000, fb.URL), pathAPIs(true)...)}
	h := newHarness(t, Config{}, pubs...)
	h.bindPolicy(pubs, model.Callers{}, model.Policy{ID: "pol-path", Name: "p", Unit: model.UnitMinute, APILimit: 1, UserLimit: 1, KeyLimit: 1}, "pathjd")

	if r := h.rawGet(hostPathJD, "/internal/s.txt"); r.StatusCode != 200 || string(r.body) != internalS {
		t.Fatalf("first call: status %d %q", r.StatusCode, r.body)
	}
	for _, target := range []string{"/files/../internal/s.txt", "/files/%2e%2e/internal/s.txt", "/%69nternal/s.txt"} {
		r := h.rawGet(hostPathJD, target)
		if r.StatusCode != 429 || r.code() != "RATE_LIMIT_EXCEEDED" {
			t.Errorf("%s: status %d %q, want 429 RATE_LIMIT_EXCEEDED: the internal API's limit is used up", target, r.StatusCode, r.body)
		}
	}
	if r := h.rawGet(hostPathJD, "/files/a.txt"); r.StatusCode != 200 {
		t.Errorf("/files/a.txt: status %d %q: the files API's limit is its own", r.StatusCode, r.body)
	}
}
