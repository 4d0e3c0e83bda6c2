package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/model"
	"github.com/tollgate-gw/tollgate/internal/store"
)

const domainColumns = `domain, group_id, environment, token, verified_at, record_number, recorded_at, certificate, created_at, updated_at`

// domainKeyAD is the additional data that binds a domain's sealed private
// key to its claim, so that it opens for no other group or domain.
func domainKeyAD(groupID, domain string) string {
	return "domain/" + groupID + "/" + domain + "/key"
}

// sealKey seals a domain's private key; "" seals nothing.
func (s *Store) sealKey(groupID, domain, key string) []byte {
	if key == "" {
		return nil
	}
	return s.sealer.Seal([]byte(key), domainKeyAD(groupID, domain))
}

// CreateDomain implements store.Store. The claims of the domain, their
// owners and the group's count are read in the write transaction, so
// that two claims racing each other cannot both pass.
func (s *Store) CreateDomain(ctx context.Context, d model.Domain) (model.Domain, error) {
	if err := d.Validate(); err != nil {
		return model.Domain{}, err
	}
	d.Token = store.NewDomainToken()
	d.VerifiedAt, d.RecordNumber, d.RecordedAt = time.Time{}, "", time.Time{}
	d.CreatedAt = now()
	d.UpdatedAt = d.CreatedAt
	sealed := s.sealKey(d.GroupID, d.Domain, d.PrivateKey)
	err := s.write(ctx, func(tx querier) error {
		g, err := getGroup(ctx, tx, d.GroupID)
		if err != nil {
			return err
		}
		if err := checkClaims(ctx, tx, g, d.Domain); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM domains WHERE group_id = ?`, d.GroupID).Scan(&n); err != nil {
			return err
		}
		if n >= model.MaxDomains {
			return errcode.Newf(errcode.DomainLimitReached, "group %s claims %d domains, the most a group may", d.GroupID, n)
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO domains (`+domainColumns+`, sealed_key) VALUES (?, ?, ?, ?, 0, '', 0, ?, ?, ?, ?)`,
			d.Domain, d.GroupID, d.Environment, d.Token, d.Certificate, d.CreatedAt.UnixMicro(), d.UpdatedAt.UnixMicro(), sealed)
		return err
	})
	if err != nil {
		return model.Domain{}, err
	}
	d.PrivateKey = ""
	return d, nil
}

// checkClaims refuses a claim of domain by g that another claim stands in
// the way of: one by g itself or a group of its owner (DomainBound: the
// owner must unbind it first), or a verified one by another owner
// (DomainExists, which names neither the group nor its owner).
func checkClaims(ctx context.Context, tx querier, g model.Group, domain string) error {
	rows, err := tx.QueryContext(ctx, `SELECT d.group_id, d.environment, d.verified_at, g.owner
		FROM domains d JOIN groups g ON g.id = d.group_id WHERE d.domain = ?`, domain)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var group, env, owner string
		var verified int64
		if err := rows.Scan(&group, &env, &verified, &owner); err != nil {
			return err
		}
		switch {
		case group == g.ID:
			return &errcode.Error{Cond: errcode.DomainBound, Subject: domain,
				Detail: "the group claims it for " + env + "; delete that claim before binding it again"}
		case owner == g.Owner:
			return &errcode.Error{Cond: errcode.DomainBound, Subject: domain,
				Detail: "group " + group + " of the same owner claims it; delete that claim first"}
		case verified != 0:
			return errcode.New(errcode.DomainExists, domain)
		}
	}
	return rows.Err()
}

// Domain implements store.Store.
func (s *Store) Domain(ctx context.Context, groupID, domain string) (model.Domain, error) {
	var d model.Domain
	err := s.read(ctx, func(tx querier) error {
		var err error
		d, err = getDomain(ctx, tx, groupID, domain)
		return err
	})
	return d, err
}

// ListDomains implements store.Store.
func (s *Store) ListDomains(ctx context.Context, groupID string) ([]model.Domain, error) {
	var out []model.Domain
	err := s.read(ctx, func(tx querier) error {
		if _, err := getGroup(ctx, tx, groupID); err != nil {
			return err
		}
		var err error
		out, err = queryAll(ctx, tx, scanDomain, `SELECT `+domainColumns+` FROM domains WHERE group_id = ? ORDER BY created_at, domain`, groupID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// VerifyDomain implements store.Store.
func (s *Store) VerifyDomain(ctx context.Context, groupID, domain string) (model.Domain, error) {
	var d model.Domain
	err := s.write(ctx, func(tx querier) error {
		var err error
		if d, err = getDomain(ctx, tx, groupID, domain); err != nil || d.Verified() {
			return err
		}
		taken, err := exists(ctx, tx, `SELECT 1 FROM domains WHERE domain = ? AND group_id <> ? AND verified_at <> 0`, domain, groupID)
		if err != nil {
			return err
		}
		if taken {
			return errcode.New(errcode.DomainExists, domain)
		}
		d.VerifiedAt = now()
		d.UpdatedAt = d.VerifiedAt
		if _, err := tx.ExecContext(ctx, `UPDATE domains SET verified_at = ?, updated_at = ? WHERE domain = ? AND group_id = ?`,
			d.VerifiedAt.UnixMicro(), d.UpdatedAt.UnixMicro(), domain, groupID); err != nil {
			return err
		}
		// The other claims lost: the domain is this group's.
		_, err = tx.ExecContext(ctx, `DELETE FROM domains WHERE domain = ? AND group_id <> ?`, domain, groupID)
		return err
	})
	if err != nil {
		return model.Domain{}, err
	}
	return d, nil
}

// SetDomainRecord implements store.Store.
func (s *Store) SetDomainRecord(ctx context.Context, groupID, domain, number string) (model.Domain, error) {
	if number != "" {
		if err := model.ValidateRecordNumber(number); err != nil {
			return model.Domain{}, err
		}
	}
	return s.updateDomain(ctx, groupID, domain, func(d *model.Domain) (string, []any) {
		d.RecordNumber, d.RecordedAt = number, d.UpdatedAt
		if number == "" {
			d.RecordedAt = time.Time{}
		}
		return `record_number = ?, recorded_at = ?`, []any{d.RecordNumber, orZero(d.RecordedAt)}
	})
}

// SetDomainCertificate implements store.Store.
func (s *Store) SetDomainCertificate(ctx context.Context, groupID, domain, cert, key string) (model.Domain, error) {
	check := model.Domain{Domain: domain, GroupID: groupID, Environment: model.EnvOnline, Certificate: cert, PrivateKey: key}
	if err := check.Validate(); err != nil {
		return model.Domain{}, err
	}
	sealed := s.sealKey(groupID, domain, key)
	return s.updateDomain(ctx, groupID, domain, func(d *model.Domain) (string, []any) {
		d.Certificate = cert
		return `certificate = ?, sealed_key = ?`, []any{cert, sealed}
	})
}

// updateDomain sets the columns set names, and updated_at, on a group's
// claim of domain, in a write transaction; set edits the claim as read,
// whose UpdatedAt it finds already set to the time of the change.
func (s *Store) updateDomain(ctx context.Context, groupID, domain string, set func(*model.Domain) (string, []any)) (model.Domain, error) {
	var d model.Domain
	err := s.write(ctx, func(tx querier) error {
		var err error
		if d, err = getDomain(ctx, tx, groupID, domain); err != nil {
			return err
		}
		d.UpdatedAt = now()
		cols, args := set(&d)
		args = append(args, d.UpdatedAt.UnixMicro(), domain, groupID)
		_, err = tx.ExecContext(ctx, `UPDATE domains SET `+cols+`, updated_at = ? WHERE domain = ? AND group_id = ?`, args...)
		return err
	})
	if err != nil {
		return model.Domain{}, err
	}
	return d, nil
}

// DeleteDomain implements store.Store.
func (s *Store) DeleteDomain(ctx context.Context, groupID, domain string) error {
	return s.write(ctx, func(tx querier) error {
		if _, err := getDomain(ctx, tx, groupID, domain); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM domains WHERE domain = ? AND group_id = ?`, domain, groupID)
		return err
	})
}

// LoadDomains implements store.Store.
func (s *Store) LoadDomains(ctx context.Context) ([]model.Domain, error) {
	var out []model.Domain
	err := s.read(ctx, func(tx querier) error {
		var err error
		out, err = s.loadDomains(ctx, tx, nil)
		return err
	})
	return out, err
}

// loadDomains returns the claims of the groups listed, or of every group
// when groups is nil, with their private keys opened.
func (s *Store) loadDomains(ctx context.Context, q querier, groups []string) ([]model.Domain, error) {
	where, args := whereIn("group_id", groups)
	rows, err := q.QueryContext(ctx, `SELECT `+domainColumns+`, sealed_key FROM domains `+where+` ORDER BY domain, created_at, group_id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []model.Domain{}
	for rows.Next() {
		var d model.Domain
		var sealed []byte
		if err := rows.Scan(append(domainDest(&d), &sealed)...); err != nil {
			return nil, err
		}
		if sealed != nil {
			key, err := s.sealer.Open(sealed, domainKeyAD(d.GroupID, d.Domain))
			if err != nil {
				return nil, openError("domain "+d.Domain+" of group "+d.GroupID+": private key", err)
			}
			d.PrivateKey = string(key)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// getDomain reads a group's claim of domain, without its key; an unknown
// group or claim is ResourceNotFound.
func getDomain(ctx context.Context, q querier, groupID, domain string) (model.Domain, error) {
	d, err := scanDomain(q.QueryRowContext(ctx, `SELECT `+domainColumns+` FROM domains WHERE domain = ? AND group_id = ?`, domain, groupID))
	if errors.Is(err, sql.ErrNoRows) {
		if _, err := getGroup(ctx, q, groupID); err != nil {
			return model.Domain{}, err
		}
		return model.Domain{}, notFound("domain " + domain + " of group " + groupID)
	}
	return d, err
}

func scanDomain(r scanner) (model.Domain, error) {
	var d model.Domain
	err := r.Scan(domainDest(&d)...)
	return d, err
}

// domainDest returns scan destinations for domainColumns into d.
func domainDest(d *model.Domain) []any {
	return []any{&d.Domain, &d.GroupID, &d.Environment, &d.Token, (*micros)(&d.VerifiedAt), &d.RecordNumber,
		(*micros)(&d.RecordedAt), &d.Certificate, (*micros)(&d.CreatedAt), (*micros)(&d.UpdatedAt)}
}
