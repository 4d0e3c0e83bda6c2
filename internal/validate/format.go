package validate

import (
	"encoding/base64"
	"math"
	"net/mail"
	"net/netip"
	"net/url"
	"strconv"
	"time"
)

// format is a named format a parameter's value may be declared in.
type format struct {
	name string
	// expected says what a value must look like, for messages.
	expected string
	valid    func(string) bool
}

// formats are the formats a parameter may declare (model.ParamFormats
// lists the same names): those of JSON Schema and OpenAPI that the
// gateway can check, and password and binary, which only describe.
var formats = map[string]*format{
	"date":      {"date", "a date (RFC 3339 full-date, 2006-01-02)", isDate},
	"date-time": {"date-time", "a date and time (RFC 3339, 2006-01-02T15:04:05Z)", isDateTime},
	"email":     {"email", "an e-mail address", isEmail},
	"uuid":      {"uuid", "a UUID (8-4-4-4-12 hexadecimal digits)", isUUID},
	"ipv4":      {"ipv4", "an IPv4 address", isIPv4},
	"ipv6":      {"ipv6", "an IPv6 address", isIPv6},
	"uri":       {"uri", "an absolute URI", isURI},
	"byte":      {"byte", "base64-encoded data (RFC 4648, with padding)", isBase64},
	"int32":     {"int32", "a 32-bit integer", isInt32},
	"int64":     {"int64", "a 64-bit integer", isInt64},
	"float":     {"float", "a number", isFinite},
	"double":    {"double", "a number", isFinite},
	"password":  {"password", "a string", anyString},
	"binary":    {"binary", "a string", anyString},
}

func isDate(s string) bool {
	_, err := time.Parse(time.DateOnly, s)
	return err == nil
}

func isDateTime(s string) bool {
	_, err := time.Parse(time.RFC3339Nano, s)
	return err == nil
}

func isEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && a.Name == ""
}

func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		}
	}
	return true
}

func isIPv4(s string) bool {
	a, err := netip.ParseAddr(s)
	return err == nil && a.Is4()
}

func isIPv6(s string) bool {
	a, err := netip.ParseAddr(s)
	return err == nil && a.Is6() && a.Zone() == ""
}

func isURI(s string) bool {
	u, err := url.Parse(s)
	return err == nil && u.IsAbs()
}

func isBase64(s string) bool {
	_, err := base64.StdEncoding.DecodeString(s)
	return err == nil
}

func isInt32(s string) bool {
	_, err := strconv.ParseInt(s, 10, 32)
	return err == nil
}

func isInt64(s string) bool {
	_, err := strconv.ParseInt(s, 10, 64)
	return err == nil
}

func isFinite(s string) bool {
	f, err := strconv.ParseFloat(s, 64)
	return err == nil && !math.IsInf(f, 0) && !math.IsNaN(f)
}

func anyString(string) bool { return true }
