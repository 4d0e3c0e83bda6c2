package admin

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"time"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/model"
)

// Verifier checks a domain's verification record: that the TXT record
// name holds token (dnsverify.Checker). A refusal is
// errcode.DomainUnverified; a resolver that fails, errcode.Unavailable.
type Verifier interface {
	Check(ctx context.Context, name, token string) error
}

// domainRequest is the body of POST /v1/groups/{groupId}/domains.
type domainRequest struct {
	Domain      string            `json:"domain"`
	Environment model.Environment `json:"environment"`
	Certificate string            `json:"certificate"`
	PrivateKey  string            `json:"privateKey"`
}

// certificateRequest is the body of PUT .../domains/{domain}/certificate.
type certificateRequest struct {
	Certificate string `json:"certificate"`
	PrivateKey  string `json:"privateKey"`
}

// recordRequest is the body of PUT .../domains/{domain}/record.
type recordRequest struct {
	RecordNumber string `json:"recordNumber"`
}

// domainView is a claim as the admin API shows it. It has no field for
// the private key: no answer can carry it.
type domainView struct {
	Domain       string            `json:"domain"`
	GroupID      string            `json:"groupId"`
	Environment  model.Environment `json:"environment"`
	Status       string            `json:"status"`
	Verification verificationView  `json:"verification"`
	VerifiedAt   *time.Time        `json:"verifiedAt,omitempty"`
	RecordNumber string            `json:"recordNumber,omitempty"`
	RecordedAt   *time.Time        `json:"recordedAt,omitempty"`
	Certificate  *certificateView  `json:"certificate,omitempty"`
	CreatedAt    time.Time         `json:"createdAt"`
	UpdatedAt    time.Time         `json:"updatedAt"`
}

// verificationView says what to publish to verify a claim.
type verificationView struct {
	Type  string `json:"type"`
	Name  string `json:"name"`
	Value string `json:"value"`
}

// certificateView describes a claim's certificate, never its key.
type certificateView struct {
	Subject   string    `json:"subject"`
	Issuer    string    `json:"issuer"`
	DNSNames  []string  `json:"dnsNames"`
	NotBefore time.Time `json:"notBefore"`
	NotAfter  time.Time `json:"notAfter"`
	SHA256    string    `json:"sha256"`
}

func (s *server) domainView(d model.Domain) domainView {
	v := domainView{
		Domain:       d.Domain,
		GroupID:      d.GroupID,
		Environment:  d.Environment,
		Status:       d.Status(s.requireDomainRecord),
		Verification: verificationView{Type: "TXT", Name: d.VerificationName(), Value: d.Token},
		RecordNumber: d.RecordNumber,
		CreatedAt:    d.CreatedAt,
		UpdatedAt:    d.UpdatedAt,
	}
	if d.Verified() {
		v.VerifiedAt = &d.VerifiedAt
	}
	if !d.RecordedAt.IsZero() {
		v.RecordedAt = &d.RecordedAt
	}
	if leaf, err := model.ParseLeaf(d.Certificate); err == nil {
		sum := sha256.Sum256(leaf.Raw)
		v.Certificate = &certificateView{Subject: leaf.Subject.String(), Issuer: leaf.Issuer.String(),
			DNSNames: leaf.DNSNames, NotBefore: leaf.NotBefore.UTC(), NotAfter: leaf.NotAfter.UTC(),
			SHA256: hex.EncodeToString(sum[:])}
	}
	return v
}

// claimable normalises a domain a caller asks to claim and refuses the
// gateway's own names: the base domain, the reserved ones (the admin
// API's host) and every name below them, which the data plane routes
// itself and no tenant may take over.
func (s *server) claimable(raw string) (string, error) {
	name, err := model.NormalizeDomain(raw)
	if err != nil {
		return "", err
	}
	for _, r := range s.reservedDomains {
		if model.DomainUnder(name, r) {
			return "", &errcode.Error{Cond: errcode.ParamValueInvalid, Subject: "domain",
				Detail: name + " is the gateway's own domain " + r + " or a name below it; groups are served there already"}
		}
	}
	return name, nil
}

// pathDomain returns the {domain} of the path, normalised, so that any
// spelling of a claim finds it.
func pathDomain(r *http.Request) (string, error) {
	return model.NormalizeDomain(r.PathValue("domain"))
}

// checkCertificate checks a certificate and key a caller uploads for
// domain: both or neither, a pair, covering the domain, not expired.
func (s *server) checkCertificate(domain, cert, key string) error {
	switch {
	case cert == "" && key == "":
		return nil
	case cert == "":
		return errcode.New(errcode.ArgumentNotFound, "certificate")
	case key == "":
		return errcode.New(errcode.ArgumentNotFound, "privateKey")
	}
	c, err := model.ParseCertificate(domain, cert, key)
	if err != nil {
		return err
	}
	return model.CheckCertificateDates(&c, s.clock.Now())
}

func (s *server) createDomain(w http.ResponseWriter, r *http.Request) error {
	var req domainRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	name, err := s.claimable(req.Domain)
	if err != nil {
		return err
	}
	if err := model.ValidateEnvironment("environment", req.Environment); err != nil {
		return err
	}
	if err := s.checkCertificate(name, req.Certificate, req.PrivateKey); err != nil {
		return err
	}
	gid := r.PathValue("groupId")
	d, err := s.store.CreateDomain(r.Context(), model.Domain{Domain: name, GroupID: gid, Environment: req.Environment,
		Certificate: req.Certificate, PrivateKey: req.PrivateKey})
	if err != nil {
		return err
	}
	return created(w, "/v1/groups/"+gid+"/domains/"+d.Domain, s.domainView(d))
}

func (s *server) listDomains(w http.ResponseWriter, r *http.Request) error {
	list, err := s.store.ListDomains(r.Context(), r.PathValue("groupId"))
	if err != nil {
		return err
	}
	views := make([]domainView, len(list))
	for i, d := range list {
		views[i] = s.domainView(d)
	}
	return writeJSON(w, http.StatusOK, map[string]any{"domains": views, "maxDomains": model.MaxDomains})
}

func (s *server) getDomain(w http.ResponseWriter, r *http.Request) error {
	name, err := pathDomain(r)
	if err != nil {
		return err
	}
	d, err := s.store.Domain(r.Context(), r.PathValue("groupId"), name)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, s.domainView(d))
}

// verifyDomain looks up the claim's TXT record and, when it holds the
// claim's token, binds the domain to the group. A claim already verified
// is not looked up again.
func (s *server) verifyDomain(w http.ResponseWriter, r *http.Request) error {
	name, err := pathDomain(r)
	if err != nil {
		return err
	}
	gid := r.PathValue("groupId")
	d, err := s.store.Domain(r.Context(), gid, name)
	if err != nil {
		return err
	}
	if !d.Verified() {
		if err := s.verifier.Check(r.Context(), d.VerificationName(), d.Token); err != nil {
			return err
		}
		if d, err = s.store.VerifyDomain(r.Context(), gid, name); err != nil {
			return err
		}
	}
	return writeJSON(w, http.StatusOK, s.domainView(d))
}

func (s *server) putDomainCertificate(w http.ResponseWriter, r *http.Request) error {
	var req certificateRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	name, err := pathDomain(r)
	if err != nil {
		return err
	}
	if req.Certificate == "" && req.PrivateKey == "" {
		return errcode.New(errcode.ArgumentNotFound, "certificate")
	}
	if err := s.checkCertificate(name, req.Certificate, req.PrivateKey); err != nil {
		return err
	}
	d, err := s.store.SetDomainCertificate(r.Context(), r.PathValue("groupId"), name, req.Certificate, req.PrivateKey)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, s.domainView(d))
}

func (s *server) deleteDomainCertificate(w http.ResponseWriter, r *http.Request) error {
	name, err := pathDomain(r)
	if err != nil {
		return err
	}
	if _, err := s.store.SetDomainCertificate(r.Context(), r.PathValue("groupId"), name, "", ""); err != nil {
		return err
	}
	return noContent(w)
}

func (s *server) putDomainRecord(w http.ResponseWriter, r *http.Request) error {
	var req recordRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	name, err := pathDomain(r)
	if err != nil {
		return err
	}
	if err := model.ValidateRecordNumber(req.RecordNumber); err != nil {
		return err
	}
	d, err := s.store.SetDomainRecord(r.Context(), r.PathValue("groupId"), name, req.RecordNumber)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, s.domainView(d))
}

func (s *server) deleteDomainRecord(w http.ResponseWriter, r *http.Request) error {
	name, err := pathDomain(r)
	if err != nil {
		return err
	}
	if _, err := s.store.SetDomainRecord(r.Context(), r.PathValue("groupId"), name, ""); err != nil {
		return err
	}
	return noContent(w)
}

func (s *server) deleteDomain(w http.ResponseWriter, r *http.Request) error {
	name, err := pathDomain(r)
	if err != nil {
		return err
	}
	if err := s.store.DeleteDomain(r.Context(), r.PathValue("groupId"), name); err != nil {
		return err
	}
	return noContent(w)
}

// reservedDomains returns the names no claim may be under: base
// ("localhost" when empty, as the data plane's) and extra, in lower case
// without a trailing dot. An IP address or an empty entry may be among
// them: no claim can be one.
func reservedDomains(base string, extra []string) []string {
	if base == "" {
		base = "localhost"
	}
	var out []string
	for _, d := range append([]string{base}, extra...) {
		if n := strings.ToLower(strings.TrimSuffix(strings.TrimSpace(d), ".")); n != "" {
			out = append(out, n)
		}
	}
	return out
}
