package limit

import (
	"encoding/binary"
	"errors"
)

// Record kinds. Every record states a counter's whole value, not a
// change, so that applying a record twice changes nothing: replaying a log
// over a snapshot that already holds some of its records is harmless.
const (
	recQuota   byte = 1 // scope, id, period, period end, used
	recUsage   byte = 2 // access key, pin, group, api, env, hour, calls, ok[, charged[, business]]
	recNonce   byte = 3 // ttl, at, hash
	recHeader  byte = 4 // snapshot only: magic, version, first log, sip key
	recEnd     byte = 5 // snapshot only: number of records before it
	recSegment byte = 6 // journal only, first: magic, version, data directory id
	recCharge  byte = 7 // charge id, scope, id, period, period end, used: a quota record that marks a charge made
	recForget  byte = 8 // charge id: the charge is settled elsewhere and need not be remembered
	recCharged byte = 9 // snapshot only: charge id, a charge remembered
)

// Version 1 snapshots name no data directory; version 2 adds its id after
// the nonce key. Version 1 is still read, once (README, "Data directory
// ids").
const (
	snapshotMagic   = "tollgate-limit-snapshot"
	snapshotVersion = 2
	journalMagic    = "tollgate-limit-journal"
	journalVersion  = 1
)

var errBadRecord = errors.New("limit: malformed record")

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendQuotaRecord(b []byte, k Key, period, end, used int64) []byte {
	b = append(b, recQuota)
	b = appendString(b, k.Scope)
	b = appendString(b, k.ID)
	b = binary.AppendVarint(b, period)
	b = binary.AppendVarint(b, end)
	return binary.AppendVarint(b, used)
}

func appendUsageRecord(b []byte, k UsageKey, hour int64, u Usage) []byte {
	b = append(b, recUsage)
	b = appendString(b, k.AccessKey)
	b = appendString(b, k.Pin)
	b = appendString(b, k.Group)
	b = appendString(b, k.API)
	b = appendString(b, k.Env)
	b = binary.AppendVarint(b, hour)
	b = binary.AppendVarint(b, u.Calls)
	b = binary.AppendVarint(b, u.OK)
	// Charged came later than the other fields: a record written before
	// it ends after OK, and reads as nothing charged. Writing it only
	// when set keeps the records of free calls as they were.
	if u.Charged != 0 || u.Business != 0 {
		b = binary.AppendVarint(b, u.Charged)
	}
	// Business came later still, after Charged, on the same terms.
	if u.Business != 0 {
		b = binary.AppendVarint(b, u.Business)
	}
	return b
}

func appendNonceRecord(b []byte, ttl, at int64, h uint64) []byte {
	b = append(b, recNonce)
	b = binary.AppendVarint(b, ttl)
	b = binary.AppendVarint(b, at)
	return binary.LittleEndian.AppendUint64(b, h)
}

func appendHeaderRecord(b []byte, fromSeq uint64, k sipKey, id string) []byte {
	b = append(b, recHeader)
	b = appendString(b, snapshotMagic)
	b = binary.AppendUvarint(b, snapshotVersion)
	b = binary.AppendUvarint(b, fromSeq)
	b = binary.LittleEndian.AppendUint64(b, k.k0)
	b = binary.LittleEndian.AppendUint64(b, k.k1)
	return appendString(b, id)
}

func appendSegmentHeader(b []byte, id string) []byte {
	b = append(b, recSegment)
	b = appendString(b, journalMagic)
	b = binary.AppendUvarint(b, journalVersion)
	return appendString(b, id)
}

// decodeSegmentHeader returns the data directory id of a segment header,
// and false for any other record.
func decodeSegmentHeader(p []byte) (string, bool) {
	if len(p) == 0 || p[0] != recSegment {
		return "", false
	}
	d := decoder{b: p[1:]}
	magic, version, id := d.string(), d.uvarint(), d.string()
	if d.done() != nil || magic != journalMagic || version != journalVersion {
		return "", false
	}
	return id, true
}

func appendChargeRecord(b []byte, charge string, k Key, period, end, used int64) []byte {
	b = append(b, recCharge)
	b = appendString(b, charge)
	b = appendString(b, k.Scope)
	b = appendString(b, k.ID)
	b = binary.AppendVarint(b, period)
	b = binary.AppendVarint(b, end)
	return binary.AppendVarint(b, used)
}

func appendForgetRecord(b []byte, charge string) []byte {
	b = append(b, recForget)
	return appendString(b, charge)
}

func appendChargedRecord(b []byte, charge string) []byte {
	b = append(b, recCharged)
	return appendString(b, charge)
}

func appendEndRecord(b []byte, count uint64) []byte {
	b = append(b, recEnd)
	return binary.AppendUvarint(b, count)
}

// decoder reads a record's fields; the first malformed field sets err and
// every later read returns zero.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.err = errBadRecord
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) varint() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.err = errBadRecord
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) string() string {
	n := d.uvarint()
	if d.err != nil {
		return ""
	}
	if n > uint64(len(d.b)) {
		d.err = errBadRecord
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}

func (d *decoder) uint64() uint64 {
	if d.err != nil {
		return 0
	}
	if len(d.b) < 8 {
		d.err = errBadRecord
		return 0
	}
	v := binary.LittleEndian.Uint64(d.b)
	d.b = d.b[8:]
	return v
}

// more reports whether fields are left to read: an optional trailing field
// is read only when it is there.
func (d *decoder) more() bool { return d.err == nil && len(d.b) > 0 }

// done returns the decoding error, or errBadRecord if bytes are left over.
func (d *decoder) done() error {
	if d.err == nil && len(d.b) != 0 {
		d.err = errBadRecord
	}
	return d.err
}
