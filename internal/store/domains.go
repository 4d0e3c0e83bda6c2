package store

import (
	"context"

	"github.com/tollgate-gw/tollgate/internal/model"
)

// Domains keeps the custom domains groups claim (model.Domain). A domain
// is known by its normalised name (model.NormalizeDomain), which callers
// pass. Reads other than LoadDomains leave the private key out.
type Domains interface {
	// CreateDomain stores a claim of d.Domain by the group d.GroupID for
	// d.Environment, with a new verification token, validated
	// (model.Domain.Validate; the certificate is the caller's to check).
	// The group is errcode.DomainLimitReached with model.MaxDomains
	// claims already. A domain that a group of the same owner claims
	// (this group included, in any environment) is errcode.DomainBound:
	// it must be unbound before it is bound again. One that a group of
	// another owner has verified is errcode.DomainExists; a claim by
	// another owner that is not verified does not stand in the way.
	CreateDomain(ctx context.Context, d model.Domain) (model.Domain, error)
	// Domain returns a group's claim of domain.
	Domain(ctx context.Context, groupID, domain string) (model.Domain, error)
	// ListDomains returns a group's claims in creation order.
	ListDomains(ctx context.Context, groupID string) ([]model.Domain, error)
	// VerifyDomain records that the TXT record of a group's claim was
	// found, and drops every other group's claim of the domain. The
	// claim of another group that verified first is
	// errcode.DomainExists. Verifying a verified claim changes nothing.
	VerifyDomain(ctx context.Context, groupID, domain string) (model.Domain, error)
	// SetDomainRecord sets (number not "") or withdraws (number "") the
	// operator's filing number of a group's claim.
	SetDomainRecord(ctx context.Context, groupID, domain, number string) (model.Domain, error)
	// SetDomainCertificate replaces (cert and key not "") or removes
	// (both "") the certificate of a group's claim; the key is sealed.
	SetDomainCertificate(ctx context.Context, groupID, domain, cert, key string) (model.Domain, error)
	// DeleteDomain unbinds a group's claim.
	DeleteDomain(ctx context.Context, groupID, domain string) error
	// LoadDomains returns every claim, with its private key opened, for
	// the data plane, ordered by domain and then by creation.
	LoadDomains(ctx context.Context) ([]model.Domain, error)
}
