package auth

import (
	"net/http"
	"strconv"
	"strings"
)

// valueForm is how a scheme canonicalises a signed header's value.
type valueForm int

const (
	// valueTrimCollapse trims the value and turns each run of spaces
	// inside it into one space (SigV4, JDCLOUD2).
	valueTrimCollapse valueForm = iota
	// valueTrim only trims the value (JDCLOUD3: JD's signer keeps inner
	// runs of spaces).
	valueTrim
	// valueLowerTrim trims the value and lower-cases it (TC3).
	valueLowerTrim
)

// asciiSpace is what the trimming forms trim: the ASCII white space of
// JavaScript's \s and of Java's trim, which JD's and Tencent's signers use.
const asciiSpace = " \t\n\v\f\r"

// appendCanonicalHeaders appends "name:value\n" for each name of signed, a
// list of lower-case header names separated by ';' (already checked to be
// sorted and unique). A header sent several times has its values, each
// canonicalised, joined by ','; a signed header that is absent has an empty
// value. Host comes from host, the request's host or a candidate's form of
// it (Go moves Host out of Header), and a signed Content-Length that Go
// moved out too from ContentLength.
func appendCanonicalHeaders(dst []byte, r *http.Request, signed string, form valueForm, host string) []byte {
	for signed != "" {
		var name string
		name, signed, _ = strings.Cut(signed, ";")
		dst = append(dst, name...)
		dst = append(dst, ':')
		if name == "host" {
			// The host the request was sent to, never a "Host" entry
			// of Header: Go's client does not send one, and its server
			// moves the header out.
			dst = appendHeaderValue(dst, host, form)
			dst = append(dst, '\n')
			continue
		}
		switch values := headerValues(r.Header, name); {
		case values != nil:
			for i, v := range values {
				if i > 0 {
					dst = append(dst, ',')
				}
				dst = appendHeaderValue(dst, v, form)
			}
		case name == "content-length" && r.ContentLength > 0:
			dst = strconv.AppendInt(dst, r.ContentLength, 10)
		}
		dst = append(dst, '\n')
	}
	return dst
}

// appendHeaderValue appends v in the given form.
func appendHeaderValue(dst []byte, v string, form valueForm) []byte {
	v = strings.Trim(v, asciiSpace)
	switch form {
	case valueTrimCollapse:
		for i := 0; i < len(v); i++ {
			if v[i] == ' ' && i > 0 && v[i-1] == ' ' {
				continue
			}
			dst = append(dst, v[i])
		}
		return dst
	case valueLowerTrim:
		for i := 0; i < len(v); i++ {
			c := v[i]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			dst = append(dst, c)
		}
		return dst
	}
	return append(dst, v...)
}

// headerValues returns the values of the header whose lower-case name is
// lower, or nil. It looks the canonical form of the name up first, built
// on the stack, and falls back to a case-insensitive scan for headers
// stored under a non-canonical key (set directly in the map).
func headerValues(h http.Header, lower string) []string {
	var buf [64]byte
	if len(lower) <= len(buf) {
		k := buf[:len(lower)]
		upper := true
		for i := 0; i < len(lower); i++ {
			c := lower[i]
			if upper && 'a' <= c && c <= 'z' {
				c -= 'a' - 'A'
			}
			k[i] = c
			upper = c == '-'
		}
		if v, ok := h[string(k)]; ok {
			return v
		}
	}
	for name, v := range h {
		if strings.EqualFold(name, lower) {
			return v
		}
	}
	return nil
}

// headerValue returns the first value of the header named canonical (in
// canonical form), and whether the request carries it at all.
func headerValue(h http.Header, canonical string) (string, bool) {
	v := h[canonical]
	if len(v) == 0 {
		return "", false
	}
	return v[0], true
}
