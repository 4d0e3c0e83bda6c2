package errcode

import "strconv"

// This file is what a backend may raise: a business error the service
// behind a group names with the X-Tollgate-Error header, answered with the
// catalogue entry (or the group's own entry) in the group's dialect.

// Raise returns the business error a backend raised with entry, which
// must outlive the error (a catalogue entry, or one compiled into a
// snapshot). detail, the backend's X-Tollgate-Error-Detail, is appended to
// the message.
func Raise(entry *Entry, detail string) *Error {
	return &Error{Cond: BusinessError, Detail: detail, raised: entry}
}

// Raised returns the entry a backend raised, and false for any other error.
func (e *Error) Raised() (*Entry, bool) { return e.raised, e.raised != nil }

// Status returns the HTTP status e answers with: the raised entry's, or
// the condition's.
func (e *Error) Status() int {
	if e.raised != nil {
		return e.raised.HTTP
	}
	return e.Cond.HTTP()
}

// Code returns the code that names e in logs and metrics: the raised
// entry's code, or the condition's canonical code.
func (e *Error) Code() string {
	if e.raised != nil {
		return e.raised.Code
	}
	return e.Cond.Code()
}

// entryIn returns the entry e is rendered with in dialect d.
func (e *Error) entryIn(d Dialect) *Entry {
	if e.raised != nil {
		return e.raised
	}
	return e.Cond.entry(d)
}

// RaisableFamilies returns the catalogue families a backend of a group of
// dialect d may raise codes of: its own dialect's. A jdcloud group's
// backend raises the general codes (RESOURCE_NOT_EXIST, UNKNOWN…), not the
// SDK's or the console's, which name what the gateway and its console
// check.
func RaisableFamilies(d Dialect) []Family {
	switch d {
	case DialectMarket:
		return []Family{FamilyMarket, FamilyMarketBusiness}
	case DialectZenith:
		return []Family{FamilyZenith}
	case DialectTencent:
		return []Family{FamilyTencent}
	}
	return []Family{FamilyGeneral}
}

// LookupRaisable returns the catalogue entry a backend of a group of
// dialect d names with code: one of RaisableFamilies(d) whose status is an
// error (400 or above), so that no backend can pass a failure off as a
// success (market 10000, Tencent's 207 5400). Where a code exists with two
// statuses (FAILED_PRECONDITION), the first in seed order is the one.
func LookupRaisable(d Dialect, code string) (*Entry, bool) {
	for _, f := range RaisableFamilies(d) {
		for i := range catalogue {
			e := &catalogue[i]
			if e.Family == f && e.Code == code && e.HTTP >= 400 {
				return e, true
			}
		}
	}
	return nil, false
}

// ServiceRange is a run of catalogue codes that belong to the services
// behind the gateways of the seeds: the gateway never detects them, the
// service does, and its backend raises them (docs/errors.md, "Business
// errors").
type ServiceRange struct {
	Family Family
	// From and To bound the run, inclusive; numeric codes compare as
	// numbers, and a run of one code has From == To.
	From, To string
	// Service says what raises them.
	Service Text
}

// Holds reports whether the range holds e.
func (r ServiceRange) Holds(e Entry) bool {
	if e.Family != r.Family {
		return false
	}
	if e.Code == r.From || e.Code == r.To {
		return true
	}
	n, err1 := strconv.Atoi(e.Code)
	lo, err2 := strconv.Atoi(r.From)
	hi, err3 := strconv.Atoi(r.To)
	return err1 == nil && err2 == nil && err3 == nil && lo <= n && n <= hi
}

// ServiceRanges lists the codes that belong to services. Each is raisable
// (LookupRaisable) in the dialect of its family; a test holds them to it.
var ServiceRanges = []ServiceRange{
	{FamilyMarketBusiness, "12001", "12010", Text{"the market's image API: bad parameters, image type and size, processing", "API市场的图片接口：参数、图片类型与大小、处理失败"}},
	{FamilyGeneral, "UNKNOWN", "UNKNOWN", Text{"a service's failure it cannot classify", "服务无法归类的故障"}},
	{FamilyZenith, "1106", "1106", Text{"a Zenith service's failed request", "臻识服务的请求失败"}},
	{FamilyZenith, "1110", "1110", Text{"Zenith's image decoding", "臻识的图片解码"}},
	{FamilyZenith, "2201", "2302", Text{"Zenith's modules and actions, its services' own permission units", "臻识的模块与功能，即其服务自身的权限单元"}},
	{FamilyZenith, "3001", "3401", Text{"Zenith's face recognition: detection, features, apps, groups, users, faces", "臻识的人脸识别：检测、特征、应用、分组、用户、人脸"}},
	{FamilyZenith, "4001", "4101", Text{"Zenith's plate recognition", "臻识的车牌识别"}},
	{FamilyZenith, "5001", "5503", Text{"Zenith's devices, their groups, boards, configs, upgrades and whitelists", "臻识的设备及其分组、硬件、配置、升级与白名单"}},
	{FamilyTencent, "5100", "5100", Text{"a Tencent Cloud service's failed resource operation", "腾讯云服务的资源操作失败"}},
}

// ServiceRangeOf returns the service range that holds e, if one does.
func ServiceRangeOf(e Entry) (ServiceRange, bool) {
	for _, r := range ServiceRanges {
		if r.Holds(e) {
			return r, true
		}
	}
	return ServiceRange{}, false
}

// FamilyGroup is the family of the codes a publisher adds to one group
// (POST /v1/groups/{groupId}/errors). It is not in Families: the entries
// live in the store and the snapshot, not in the catalogue.
const FamilyGroup Family = "group"

// CustomCodeFits reports whether code can name a group's own error in a
// group of dialect d. A code is a number of one to nine digits without a
// leading zero (so that it fits the numeric code fields of the zenith and
// tencent envelopes and reads back the same) or a name of capitals, digits
// and underscores that starts with a capital, 2 to 64 characters long
// (JD Cloud's style); the zenith and tencent dialects take numbers only.
func CustomCodeFits(d Dialect, code string) bool {
	switch {
	case isNumericCode(code):
		return true
	case d == DialectZenith || d == DialectTencent:
		return false
	}
	return isNamedCode(code)
}

func isNumericCode(code string) bool {
	if len(code) < 1 || len(code) > 9 || code[0] == '0' {
		return false
	}
	for i := 0; i < len(code); i++ {
		if code[i] < '0' || code[i] > '9' {
			return false
		}
	}
	return true
}

func isNamedCode(code string) bool {
	if len(code) < 2 || len(code) > 64 || code[0] < 'A' || code[0] > 'Z' {
		return false
	}
	for i := 0; i < len(code); i++ {
		c := code[i]
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// BuiltIn reports whether code is a code of the catalogue in the envelope
// of dialect d, whatever its status: a general, SDK or console code in
// jdcloud, a market code in market, a Zenith or Tencent code in theirs.
// A group's own code may not be one, or callers could not tell the two.
func BuiltIn(d Dialect, code string) bool {
	families := RaisableFamilies(d)
	if d == DialectJDCloud || !d.Valid() {
		families = []Family{FamilyGeneral, FamilySDK, FamilyConsole}
	}
	for _, f := range families {
		if _, ok := Lookup(f, code); ok {
			return true
		}
	}
	return false
}
