package admin

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/tollgate-gw/tollgate/internal/errcode"
)

// An admin call is answered in a dialect and a language: its refusals in
// the dialect's error envelope, its successes as plain JSON or, where the
// dialect has one and the call wants it, in the dialect's success
// envelope (errcode.Success). The caller's account chooses its default
// (model.Account.Dialect and Language; jdcloud and English for the
// operator and for a call that is not authenticated), and one call may ask
// for another:
//
//   - the dialect with ?dialect= or the X-Tollgate-Dialect header (both
//     given must agree);
//   - the language with Accept-Language (errcode.ParseLang, the default
//     language breaking ties);
//   - the success envelope with ?envelope=true or false: on by default in
//     the market dialect, whose successes carry code 10000, off in
//     jdcloud (APIGATEWAY_SUCCESS when on); zenith and tencent have none.
//
// A dialect or envelope asked for that cannot be is a refusal,
// ParamValueInvalid, answered in the default dialect.

// answerParams are the query parameters that choose how a call is
// answered; every operation takes them beside its own.
var answerParams = []string{"dialect", "envelope"}

// dialectHeader is the header that names a call's dialect.
const dialectHeader = "X-Tollgate-Dialect"

// answerRequest is what a call asks of its answer, as read from it.
type answerRequest struct {
	dialect    errcode.Dialect // "" for the default
	envelope   string          // "", "true" or "false"
	acceptLang string
	// err refuses what the call asks; the edge answers it after
	// authentication, so that a caller without a credential learns
	// nothing but 401.
	err error
}

// readAnswer reads what r asks of its answer.
func readAnswer(r *http.Request) answerRequest {
	q := r.URL.Query()
	a := answerRequest{acceptLang: r.Header.Get("Accept-Language"), envelope: q.Get("envelope")}
	inQuery, inHeader := q.Get("dialect"), r.Header.Get(dialectHeader)
	switch {
	case inQuery != "" && inHeader != "" && inQuery != inHeader:
		a.err = &errcode.Error{Cond: errcode.ParamValueInvalid, Subject: "dialect",
			Detail: "?dialect=" + inQuery + " and " + dialectHeader + ": " + inHeader + " disagree"}
	case inQuery != "":
		a.dialect = errcode.Dialect(inQuery)
	default:
		a.dialect = errcode.Dialect(inHeader)
	}
	switch {
	case a.err != nil:
	case a.dialect != "" && !a.dialect.Valid():
		a.err = &errcode.Error{Cond: errcode.ParamValueInvalid, Subject: "dialect",
			Detail: quoteCut(string(a.dialect)) + " is not one of " + dialectList()}
		a.dialect = ""
	case a.envelope != "" && a.envelope != "true" && a.envelope != "false":
		a.err = &errcode.Error{Cond: errcode.ParamValueInvalid, Subject: "envelope",
			Detail: quoteCut(a.envelope) + " is not true or false"}
		a.envelope = ""
	}
	return a
}

// answer is how a call is answered.
type answer struct {
	dialect  errcode.Dialect
	lang     errcode.Lang
	envelope bool
}

// resolve returns the answer for a call of c (nil when not authenticated)
// that asked a. A refused request keeps the default dialect.
func (a answerRequest) resolve(c *caller) answer {
	out := answer{dialect: errcode.DialectJDCloud, lang: errcode.English}
	if c != nil && !c.operator {
		if c.account.Dialect.Valid() {
			out.dialect = c.account.Dialect
		}
		if errcode.ValidLang(c.account.Language) {
			out.lang = c.account.Language
		}
	}
	if a.dialect != "" && a.err == nil {
		out.dialect = a.dialect
	}
	out.lang = errcode.ParseLang(a.acceptLang, out.lang)
	out.envelope = out.dialect == errcode.DialectMarket
	if a.envelope != "" && a.err == nil {
		out.envelope = a.envelope == "true"
	}
	return out
}

// check refuses what a call of c asks that cannot be: what readAnswer
// found, and a success envelope in a dialect that has none. A refused
// request is answered in the default dialect.
func (a *answerRequest) check(c *caller) error {
	if a.err != nil {
		return a.err
	}
	if ans := a.resolve(c); ans.envelope {
		if _, ok := errcode.Success(ans.dialect, ans.lang, "", nil); !ok {
			a.err = &errcode.Error{Cond: errcode.ParamValueInvalid, Subject: "envelope",
				Detail: "the " + string(ans.dialect) + " dialect answers successes without an envelope"}
		}
	}
	return a.err
}

// dialectList names the dialects for a refusal.
func dialectList() string {
	names := make([]string, len(errcode.Dialects))
	for i, d := range errcode.Dialects {
		names[i] = string(d)
	}
	return strings.Join(names, ", ")
}

// quoteCut quotes a value a caller sent for a refusal's message, cut to
// 64 bytes so that the answer stays small whatever it sent.
func quoteCut(v string) string {
	if len(v) > 64 {
		return strconv.Quote(v[:64]) + "…"
	}
	return strconv.Quote(v)
}
