package model

import (
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/tollgate-gw/tollgate/internal/errcode"
)

// Limits of a backend.
const (
	MaxBackendURLs     = 16
	DefaultTimeoutMs   = 10000
	MaxTimeoutMs       = 300000
	DefaultMockStatus  = http.StatusOK
	MaxMockBody        = 1 << 20
	MaxBackendHeaders  = 64
	maxHeaderValueSize = 8192
)

// ApplyDefaults fills the fields a client may omit: a timeout of
// DefaultTimeoutMs for an http backend, status 200 for a mock.
func (b *Backend) ApplyDefaults() {
	switch b.Type {
	case BackendHTTP:
		if b.TimeoutMs == 0 {
			b.TimeoutMs = DefaultTimeoutMs
		}
	case BackendMock:
		if b.Status == 0 {
			b.Status = DefaultMockStatus
		}
	}
}

// Validate checks b. An http backend has 1 to MaxBackendURLs absolute http
// or https URLs and a timeout of 1 to MaxTimeoutMs milliseconds; a mock has
// a status of 100 to 599 and a body of at most MaxMockBody bytes. A field
// of the other type is refused rather than ignored, so that a client never
// believes it configured something that has no effect. Call ApplyDefaults
// first.
func (b *Backend) Validate() error {
	if err := ValidateEnvironment("environment", b.Environment); err != nil {
		return err
	}
	switch b.SavedBy {
	case "", SavedByOperator, SavedByTenant:
	default:
		return invalid("savedBy", "%q is not %s or %s", b.SavedBy, SavedByOperator, SavedByTenant)
	}
	switch b.Type {
	case "":
		return missing("type")
	case BackendHTTP:
		if err := b.validateHTTP(); err != nil {
			return err
		}
	case BackendMock:
		if err := b.validateMock(); err != nil {
			return err
		}
	default:
		return invalid("type", "%q is not http or mock", b.Type)
	}
	return validateHeaders(b.Headers)
}

func (b *Backend) validateHTTP() error {
	switch {
	case b.Status != 0:
		return errcode.New(errcode.ArgumentNotSupport, "status")
	case b.Body != "":
		return errcode.New(errcode.ArgumentNotSupport, "body")
	case len(b.URLs) == 0:
		return missing("urls")
	case len(b.URLs) > MaxBackendURLs:
		return invalid("urls", "%d URLs, at most %d allowed", len(b.URLs), MaxBackendURLs)
	case b.TimeoutMs < 1 || b.TimeoutMs > MaxTimeoutMs:
		return invalid("timeoutMs", "%d is not between 1 and %d", b.TimeoutMs, MaxTimeoutMs)
	}
	for i, raw := range b.URLs {
		field := "urls[" + strconv.Itoa(i) + "]"
		if err := validateBackendURL(field, raw); err != nil {
			return err
		}
		if slices.Contains(b.URLs[:i], raw) {
			return invalid(field, "%q is listed twice", raw)
		}
	}
	return nil
}

// validateBackendURL checks one target: absolute http or https with a
// host, and nothing that would not survive joining a request path and
// query to it. Credentials in the URL are refused because backends are
// listed by the admin API; put them in headers instead.
func validateBackendURL(field, raw string) error {
	if raw == "" {
		return missing(field)
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return invalid(field, "%q is not a URL", raw)
	case u.Scheme != "http" && u.Scheme != "https":
		return invalid(field, "%q is not an http or https URL", raw)
	case u.Host == "" || u.Hostname() == "":
		return invalid(field, "%q has no host", raw)
	case u.User != nil:
		return invalid(field, "%q holds credentials; send them as headers", u.Redacted())
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		return invalid(field, "%q has a query or fragment", raw)
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return invalid(field, "%q has an invalid port", raw)
		}
	}
	return nil
}

func (b *Backend) validateMock() error {
	switch {
	case len(b.URLs) != 0:
		return errcode.New(errcode.ArgumentNotSupport, "urls")
	case b.TimeoutMs != 0:
		return errcode.New(errcode.ArgumentNotSupport, "timeoutMs")
	case b.Status < 100 || b.Status > 599:
		return invalid("status", "%d is not between 100 and 599", b.Status)
	case len(b.Body) > MaxMockBody:
		return invalid("body", "%d bytes, at most %d allowed", len(b.Body), MaxMockBody)
	}
	return nil
}

// validateHeaders checks the headers a backend adds: valid names and
// values, none that framing owns (the gateway sets those itself). Names are
// checked in sorted order so that the same request always gets the same
// error.
func validateHeaders(h map[string]string) error {
	if len(h) > MaxBackendHeaders {
		return invalid("headers", "%d headers, at most %d allowed", len(h), MaxBackendHeaders)
	}
	for _, name := range slices.Sorted(maps.Keys(h)) {
		value := h[name]
		field := "headers." + name
		if !isToken(name) {
			return invalid(field, "%q is not a valid header name", name)
		}
		switch http.CanonicalHeaderKey(name) {
		case "Content-Length", "Transfer-Encoding", "Connection", "Keep-Alive", "Upgrade", "Te", "Trailer", "Host":
			return invalid(field, "%s is set by the gateway and cannot be configured", name)
		}
		if len(value) > maxHeaderValueSize || strings.ContainsAny(value, "\r\n\x00") {
			return invalid(field, "the value is longer than %d bytes or holds CR, LF or NUL", maxHeaderValueSize)
		}
	}
	return nil
}
