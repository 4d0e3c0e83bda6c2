package admin

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/tollgate-gw/tollgate/internal/errcode"
)

// handlerFunc is the shape of every handler: it writes a success itself
// and returns any failure for the edge to write.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// edge adapts a route's handler to http.Handler. It is the only place that
// writes errors: it names the request, checks the token and the query,
// runs the handler and renders what it returns in the envelope of the
// call's dialect, in its language (answer.go). It logs every write
// (auditlog.go).
func (s *server) edge(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := requestID(r)
		w.Header().Set("X-Request-Id", id)
		ask := readAnswer(r)
		var code string // the refusal's, for the audit line of a write
		var rec *statusRecorder
		if isWrite(r.Method) {
			rec = &statusRecorder{ResponseWriter: w}
			if !rt.inert {
				rec.beforeStatus = func(status int) { s.committed(r.Context(), id, status) }
			}
			w = rec
			defer func() { s.logWrite(r.Context(), r, rt, id, rec.status, code) }()
		}
		err := s.serve(rt, w, r, id, &ask)
		if err == nil {
			if rec != nil && rec.status == 0 {
				// A handler that wrote nothing answers 200: say so
				// through the recorder, so that the reload runs first.
				rec.WriteHeader(http.StatusOK)
			}
			return
		}
		c, _ := r.Context().Value(callerKey{}).(*caller)
		ans := ask.resolve(c)
		if errcode.Has(err, errcode.Unauthenticated) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="tollgate-admin"`)
		}
		if r.ContentLength != 0 {
			// A refused request's body may be unread (a caller without
			// the token is refused before it is): net/http would read up
			// to 256 KiB of it before sending the answer, at whatever
			// pace the caller sends. Closing the connection answers at
			// once; the server's read timeout bounds what is left.
			w.Header().Set("Connection", "close")
		}
		e := errcode.Write(w, ans.dialect, ans.lang, id, err)
		code = e.Cond.Code()
		if e.Cond.HTTP() >= 500 {
			s.log.Error("admin request failed", "requestId", id, "method", r.Method, "path", r.URL.Path,
				"code", e.Cond.Code(), "err", err)
		}
	})
}

// serve runs the checks every route shares, then the handler: it
// authenticates the caller, checks the query and what it asks of the
// answer (answer.go), the caller's access to the resource (access.go),
// where the account asks for it a TOTP code (mfa.go), and If-Match
// (precondition.go). A panic becomes an internal error rather than a
// dropped connection.
func (s *server) serve(rt route, w http.ResponseWriter, r *http.Request, id string, ask *answerRequest) (err error) {
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			err = errcode.Wrap(errcode.Internal, fmt.Errorf("panic: %v", p))
		}
	}()
	if rt.maxBody > 0 {
		*r = *r.WithContext(withBodyLimit(r.Context(), rt.maxBody))
	}
	var c *caller
	if rt.scope != scopePublic {
		if c, err = s.authenticate(r); err != nil {
			return err
		}
		*r = *r.WithContext(withCaller(r.Context(), c))
	}
	q, qerr := url.ParseQuery(r.URL.RawQuery)
	if qerr != nil {
		return &errcode.Error{Cond: errcode.ParamValueInvalid, Subject: "query", Detail: "malformed query string"}
	}
	if err := ask.check(c); err != nil {
		return err
	}
	for _, k := range slices.Sorted(maps.Keys(q)) {
		if !slices.Contains(rt.query, k) && !slices.Contains(signatureParams, k) && !slices.Contains(answerParams, k) {
			return errcode.New(errcode.ArgumentNotSupport, k)
		}
	}
	if c != nil {
		if err := s.checkAccess(r, rt, c); err != nil {
			return err
		}
		if err := s.checkMFA(r, rt, c); err != nil {
			return err
		}
	}
	if rt.pattern != "" {
		if err := s.checkPrecondition(rt, r); err != nil {
			return err
		}
	}
	sw := &successWriter{ResponseWriter: w, requestID: id, answer: ask.resolve(c), tag: r.Method == http.MethodGet || r.Method == http.MethodHead}
	return rt.h(sw, r)
}

// signatureParams are the query parameters in which the query-signed
// schemes (TENCENT-V1, ZENITH) carry their credentials; every operation
// takes them beside its own.
var signatureParams = []string{
	"SecretId", "Timestamp", "Nonce", "Signature", "SignatureMethod", "Region",
	"accesskey_id", "expires", "signature",
}

// requestID returns the caller's X-Request-Id when it is a sane token (1
// to 64 characters of letters, digits, ".", "_" and "-", so that it is
// safe in logs and headers), and a new random one otherwise.
func requestID(r *http.Request) string {
	if id := r.Header.Get("X-Request-Id"); saneID(id) {
		return id
	}
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails; see crypto/rand.Read
	return hex.EncodeToString(b[:])
}

func saneID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '.', c == '_', c == '-':
		default:
			return false
		}
	}
	return true
}

// noRoute answers what no route matches: errcode.MethodNotSupported with
// an Allow header when the path exists with other methods, errcode.NotFound
// otherwise.
func (s *server) noRoute(mux *http.ServeMux) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		var allow []string
		for _, m := range []string{"GET", "POST", "PUT", "PATCH", "DELETE"} {
			probe := r.Clone(r.Context())
			probe.Method = m
			if _, pattern := mux.Handler(probe); pattern != "/" && pattern != "" {
				allow = append(allow, m)
			}
		}
		if len(allow) > 0 {
			w.Header().Set("Allow", strings.Join(allow, ", "))
			return errcode.New(errcode.MethodNotSupported, r.Method)
		}
		return errcode.New(errcode.NotFound, "route "+r.Method+" "+r.URL.Path)
	}
}
