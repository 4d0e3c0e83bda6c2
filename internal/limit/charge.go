package limit

import (
	"context"
	"slices"
)

// Charges: a settlement another store must agree with. The admin API sells
// a package by writing a subscription in SQLite and charging the price to
// the balance here; a crash between the two must leave both or neither.
// CommitCharge commits a hold and remembers the charge's id in the same
// journal record, so that after a crash Charged tells whether the money
// was taken, and the other store can finish or undo its half. The ids are
// kept (in the journal and every snapshot) until ForgetCharge, once the
// other store has settled.

// CommitCharge commits r, like Commit, and remembers id as a charge made,
// in the one record that makes the commit durable: after a crash, either
// the quota's use includes r and Charged(id) is true, or neither. Sync
// makes it durable.
func (m *Memory) CommitCharge(_ context.Context, r Reservation, id string) error {
	return m.settle(r, true, id)
}

// Charged reports whether CommitCharge committed a charge with this id
// that has not been forgotten.
func (m *Memory) Charged(id string) bool {
	m.chargeMu.Lock()
	defer m.chargeMu.Unlock()
	_, ok := m.charges[id]
	return ok
}

// ForgetCharge stops remembering the charge id: the other store has
// settled it.
func (m *Memory) ForgetCharge(id string) error {
	if m.closed.Load() {
		return ErrClosed
	}
	m.chargeMu.Lock()
	_, ok := m.charges[id]
	delete(m.charges, id)
	var err error
	if ok && m.j != nil {
		err = m.j.append(appendForgetRecord(nil, id))
	}
	m.chargeMu.Unlock()
	return err
}

// ChargeIDs returns the ids of the charges remembered, in order.
func (m *Memory) ChargeIDs() []string {
	m.chargeMu.Lock()
	ids := make([]string, 0, len(m.charges))
	for id := range m.charges {
		ids = append(ids, id)
	}
	m.chargeMu.Unlock()
	slices.Sort(ids)
	return ids
}

// DataID returns the id of the data directory the journal belongs to, ""
// for a Memory without one.
func (m *Memory) DataID() string { return m.dataID }

func (m *Memory) remember(id string) {
	m.chargeMu.Lock()
	if m.charges == nil {
		m.charges = map[string]struct{}{}
	}
	m.charges[id] = struct{}{}
	m.chargeMu.Unlock()
}

func (m *Memory) forget(id string) {
	m.chargeMu.Lock()
	delete(m.charges, id)
	m.chargeMu.Unlock()
}

// appendCharges appends the remembered charges as framed records to b, in
// order, and returns it with count increased by their number.
func (m *Memory) appendCharges(b []byte, count uint64) ([]byte, uint64) {
	m.chargeMu.Lock()
	ids := make([]string, 0, len(m.charges))
	for id := range m.charges {
		ids = append(ids, id)
	}
	m.chargeMu.Unlock()
	slices.Sort(ids)
	for _, id := range ids {
		b = appendFrame(b, appendChargedRecord(nil, id))
		count++
	}
	return b, count
}
