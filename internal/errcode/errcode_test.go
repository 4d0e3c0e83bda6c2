package errcode

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

func TestCatalogueTexts(t *testing.T) {
	for _, e := range catalogue {
		name := string(e.Family) + "/" + e.Code
		if e.Message.EN == "" || e.Message.ZH == "" {
			t.Errorf("%s: got message %q, want one in both languages", name, e.Message)
		}
		for field, text := range map[string]Text{"solution": e.Solution, "description": e.Description} {
			if (text.EN == "") != (text.ZH == "") {
				t.Errorf("%s: got %s %q, want both languages or neither", name, field, text)
			}
		}
		for _, s := range []string{e.Message.EN, e.Message.ZH, e.Solution.EN, e.Solution.ZH} {
			if s != strings.TrimSpace(s) {
				t.Errorf("%s: text %q has surrounding whitespace", name, s)
			}
		}
		if e.HTTP < 200 || e.HTTP > 599 {
			t.Errorf("%s: got HTTP %d", name, e.HTTP)
		}
	}
}

// TestPlaceholder checks that every entry with a placeholder has the word
// in at least one language, and that a subject reaches the message in
// both.
func TestPlaceholder(t *testing.T) {
	for i := range catalogue {
		e := &catalogue[i]
		if e.Placeholder == "" {
			continue
		}
		if wordIndex(e.Message.EN, e.Placeholder) < 0 && wordIndex(e.Message.ZH, e.Placeholder) < 0 {
			t.Errorf("%s/%s: placeholder %q is in neither message", e.Family, e.Code, e.Placeholder)
		}
		for _, lang := range []Lang{English, Chinese} {
			got := e.render(lang, "Xsubject", "")
			if !strings.Contains(got, "Xsubject") {
				t.Errorf("%s/%s (%s): got %q, want the subject in it", e.Family, e.Code, lang, got)
			}
			// Replaced where the language has the word, appended where not.
			has := wordIndex(e.Message.In(lang), e.Placeholder) >= 0
			if appended := strings.HasSuffix(got, ": Xsubject"); appended == has {
				t.Errorf("%s/%s (%s): got %q, want the placeholder %q replaced if present, else the subject appended", e.Family, e.Code, lang, got, e.Placeholder)
			}
		}
	}
}

func TestRenderMessage(t *testing.T) {
	tests := []struct {
		code            string
		lang            Lang
		subject, detail string
		want            string
	}{
		// The placeholder is replaced as a whole word, never inside
		// "parameter".
		{"APIGATEWAY_ARGUMENT_NOT_SUPPORT", English, "color", "", "The parameter color is not supported"},
		{"APIGATEWAY_ARGUMENT_NOT_SUPPORT", Chinese, "color", "", "color 参数不支持"},
		{"APIGATEWAY_ARGUMENT_NOT_FOUND", English, "name", "", "name cannot be null"},
		{"APIGATEWAY_NOT_FOUND", Chinese, "group g1", "", "group g1 资源不存在"},
		// The English seed has no placeholder: the subject is appended.
		{"APIGATEWAY_PATH_PARAMETERS_MUST_BE_DEFINED", English, "id", "", "Please define path parameter in the Parameter Path: id"},
		{"APIGATEWAY_PATH_PARAMETERS_MUST_BE_DEFINED", Chinese, "id", "", "请在下面的查询参数Parameter Path中定义此路径参数:id"},
		{"ARGUMENT_NOT_FOUND", English, "page", "", "The parameter page is required"},
		{"ARGUMENT_NOT_FOUND", Chinese, "page", "", "参数 page 是必填参数"},
		// "Argument" differs in case from the placeholder: appended.
		{"INVALID_ARGUMENT", English, "page", "must be an integer", "Parameter Argument Error: page: must be an integer"},
		{"INVALID_ARGUMENT", Chinese, "page", "must be an integer", "参数 page 存在错误: must be an integer"},
		{"ARGUMENT_MISMATCH", Chinese, "page", "", "资源 resource 不存在参数 page"},
		{"HTTP_FORBIDDEN", English, "g1", "", "No Resource Permission: g1"},
		{"HTTP_FORBIDDEN", Chinese, "g1", "", "没有对资源 g1 的 permission 权限"},
		{"NOT_IMPLEMENTED", English, "PATCH", "", "PATCH is not supported now"},
		{"NOT_FOUND", English, "", "", "resource cannot be found"},
		{"OUT_OF_RANGE", English, "size", "", "The parameter value is illegal or exceeds the range: size"},
	}
	for _, tt := range tests {
		e := mustLookup(tt.code, FamilyConsole, FamilyGeneral)
		if got := e.render(tt.lang, tt.subject, tt.detail); got != tt.want {
			t.Errorf("%s (%s) about %q: got %q, want %q", tt.code, tt.lang, tt.subject, got, tt.want)
		}
	}
}

func TestConditions(t *testing.T) {
	names := map[string]bool{}
	for _, c := range Conditions() {
		if names[c.Name] {
			t.Errorf("condition %s: defined twice", c.Name)
		}
		names[c.Name] = true
		if c.HTTP() == 0 || c.Code() == "" {
			t.Errorf("condition %s: no canonical entry", c.Name)
		}
		if c.Summary == "" || c.SummaryIn(Chinese) == c.Summary {
			t.Errorf("condition %s: got summary %q / %q, want both languages", c.Name, c.Summary, c.SummaryIn(Chinese))
		}
		for _, d := range Dialects {
			e, ok := c.Mapped(d)
			if !ok {
				t.Errorf("condition %s: no %s code", c.Name, d)
				continue
			}
			// The zenith and tencent envelopes carry the code as a number.
			if d == DialectZenith || d == DialectTencent {
				if _, err := strconv.Atoi(e.Code); err != nil {
					t.Errorf("condition %s: %s code %q is not a number", c.Name, d, e.Code)
				}
			}
		}
	}
}

// TestConditionNames checks that every condition's Name is its Go name in
// snake case, so that logs, metrics and docs name conditions as code does.
func TestConditionNames(t *testing.T) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "conditions.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	ast.Inspect(f, func(node ast.Node) bool {
		vs, ok := node.(*ast.ValueSpec)
		if !ok || len(vs.Values) != 1 {
			return true
		}
		call, ok := vs.Values[0].(*ast.CallExpr)
		if !ok || len(call.Args) == 0 {
			return true
		}
		lit, ok := call.Args[0].(*ast.BasicLit)
		if !ok {
			return true
		}
		n++
		got, _ := strconv.Unquote(lit.Value)
		if want := snake(vs.Names[0].Name); got != want {
			t.Errorf("%s: got name %q, want %q", vs.Names[0].Name, got, want)
		}
		return true
	})
	if n != len(conditions) {
		t.Errorf("found %d definitions in conditions.go, want %d", n, len(conditions))
	}
}

// snake returns a Go name in snake case: APINameRepeat → api_name_repeat,
// MFAFailed → mfa_failed, IPBlacklisted → ip_blacklisted.
func snake(name string) string {
	r := []rune(name)
	var b strings.Builder
	for i, c := range r {
		if unicode.IsUpper(c) && i > 0 && (unicode.IsLower(r[i-1]) || i+1 < len(r) && unicode.IsLower(r[i+1])) {
			b.WriteByte('_')
		}
		b.WriteRune(unicode.ToLower(c))
	}
	return b.String()
}

func TestMarketSuccess(t *testing.T) {
	e := MarketSuccess()
	if e.Code != "10000" || e.HTTP != 200 || e.Message.EN != "Search succeeded" {
		t.Errorf("got %+v, want market 10000", e)
	}
}

func TestLookup(t *testing.T) {
	tests := []struct {
		family Family
		code   string
		http   int
		ok     bool
	}{
		{FamilyGeneral, "FAILED_PRECONDITION", 400, true}, // the first of two
		{FamilyMarketBusiness, "12001", 400, true},
		{FamilyMarket, "12001", 0, false},
		{FamilyTencent, "4500", 403, true},
		{FamilyZenith, "9999", 0, false},
	}
	for _, tt := range tests {
		e, ok := Lookup(tt.family, tt.code)
		if ok != tt.ok || e.HTTP != tt.http {
			t.Errorf("Lookup(%s, %s): got %d, %v; want %d, %v", tt.family, tt.code, e.HTTP, ok, tt.http, tt.ok)
		}
	}
	if n := len(Catalogue()); n != wantEntries {
		t.Errorf("Catalogue(): got %d entries, want %d", n, wantEntries)
	}
	for _, f := range Families {
		if !f.Valid() {
			t.Errorf("family %s: not valid", f)
		}
	}
	if Family("nope").Valid() {
		t.Error(`Family("nope").Valid(): got true`)
	}
}

// renderCases are the errors whose envelopes the golden files hold, in
// every dialect and language.
var renderCases = []struct {
	name string
	err  error
}{
	{"rate_limited", New(RateLimited, "")},
	{"argument_missing", New(ArgumentMissing, "page")},
	{"invalid_argument_detail", &Error{Cond: InvalidArgument, Subject: "page", Detail: "want an integer"}},
	{"not_found", New(NotFound, "/v1/users")},
	{"service_not_found", New(ServiceNotFound, "")},
	{"signature_mismatch", New(SignatureMismatch, "")},
	{"nonce_reused", New(NonceReused, "")},
	{"not_authorized_on_group", New(NotAuthorizedOnGroup, "")},
	{"no_balance", New(NoBalance, "")},
	{"busy", New(Busy, "")},
	{"wrapped_cause", fmt.Errorf("proxy: %w", Wrap(SourceUnavailable, errors.New("dial tcp 10.0.0.1:80: connect: connection refused")))},
	{"plain_error", errors.New("secret: do not show")},
	{"bare_condition", fmt.Errorf("limit: %w", DailyQuotaExceeded)},
}

func TestRenderGolden(t *testing.T) {
	for _, d := range Dialects {
		for _, lang := range []Lang{English, Chinese} {
			t.Run(string(d)+"_"+string(lang), func(t *testing.T) {
				var buf bytes.Buffer
				for _, tc := range renderCases {
					status, body := From(tc.err).Render(d, lang, "req-"+tc.name)
					if !json.Valid(body) {
						t.Errorf("%s: body is not JSON: %s", tc.name, body)
					}
					if strings.Contains(string(body), "secret") || strings.Contains(string(body), "10.0.0.1") {
						t.Errorf("%s: body shows the cause: %s", tc.name, body)
					}
					fmt.Fprintf(&buf, "%s %d %s", tc.name, status, body)
				}
				golden(t, filepath.Join("testdata", "render", string(d)+"."+string(lang)+".golden"), buf.Bytes())
			})
		}
	}
}

// TestRenderEnvelope checks the fields of each dialect's envelope, and
// that the status is the canonical one in all of them.
func TestRenderEnvelope(t *testing.T) {
	e := New(RateLimited, "")
	tests := []struct {
		d    Dialect
		want map[string]any
	}{
		{DialectJDCloud, map[string]any{"requestId": "r1", "error": map[string]any{"code": 429.0, "status": "RATE_LIMIT_EXCEEDED", "message": "Your requests are too frequent"}}},
		{DialectMarket, map[string]any{"requestId": "r1", "code": "10043", "charge": false, "remain": 0.0, "result": nil, "msg": "Over the QPS quota, please reduce the call frequency or contact JD Cloud"}},
		{DialectZenith, map[string]any{"request_id": "r1", "error_code": 1016.0, "error_message": "Request rate exceed max qps limit!"}},
		{DialectTencent, map[string]any{"requestId": "r1", "code": 4400.0, "message": "Quota exceed", "codeDesc": "Quota exceed"}},
	}
	for _, tt := range tests {
		status, body := e.Render(tt.d, English, "r1")
		if status != http.StatusTooManyRequests {
			t.Errorf("%s: got status %d, want 429", tt.d, status)
		}
		var got map[string]any
		if err := json.Unmarshal(body, &got); err != nil {
			t.Fatalf("%s: %v", tt.d, err)
		}
		gotJSON, _ := json.Marshal(got)
		wantJSON, _ := json.Marshal(tt.want)
		if !bytes.Equal(gotJSON, wantJSON) {
			t.Errorf("%s: got %s, want %s", tt.d, gotJSON, wantJSON)
		}
	}
}

func TestWrite(t *testing.T) {
	rec := httptest.NewRecorder()
	got := Write(rec, DialectZenith, Chinese, "r2", fmt.Errorf("auth: %w", New(KeyDisabled, "")))
	if got.Cond != KeyDisabled {
		t.Errorf("Write: got condition %s, want key_disabled", got.Cond.Name)
	}
	if rec.Code != 401 {
		t.Errorf("got status %d, want 401", rec.Code)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Errorf("got Content-Type %q", ct)
	}
	if cl := rec.Header().Get("Content-Length"); cl != strconv.Itoa(rec.Body.Len()) {
		t.Errorf("got Content-Length %s, want %d", cl, rec.Body.Len())
	}
	want := `{"error_code":1006,"error_message":"AccessKey已被禁用","request_id":"r2"}` + "\n"
	if rec.Body.String() != want {
		t.Errorf("got body %s, want %s", rec.Body.String(), want)
	}
}

func TestErrorsIsAs(t *testing.T) {
	cause := errors.New("connection refused")
	err := fmt.Errorf("proxy: %w", Wrap(SourceUnavailable, cause))

	tests := []struct {
		name   string
		err    error
		target error
		want   bool
	}{
		{"condition", err, SourceUnavailable, true},
		{"other condition", err, Unavailable, false},
		{"error of the condition", err, New(SourceUnavailable, "x"), true},
		{"error of another condition", err, New(Internal, ""), false},
		{"cause", err, cause, true},
		{"bare condition", fmt.Errorf("x: %w", RateLimited), RateLimited, true},
		{"plain error", errors.New("x"), Internal, false},
	}
	for _, tt := range tests {
		if got := errors.Is(tt.err, tt.target); got != tt.want {
			t.Errorf("%s: errors.Is got %v, want %v", tt.name, got, tt.want)
		}
	}

	var e *Error
	if !errors.As(err, &e) || e.Cond != SourceUnavailable || e.Cause != cause {
		t.Errorf("errors.As: got %+v, want the SourceUnavailable error caused by %v", e, cause)
	}
	if !Has(err, SourceUnavailable) || Has(err, Internal) {
		t.Error("Has: got the wrong answer")
	}
	if got := From(errors.New("boom")); got.Cond != Internal || got.Cause == nil {
		t.Errorf("From(plain): got %+v, want INTERNAL with the cause", got)
	}
	if got := From(RateLimited); got.Cond != RateLimited || got.Cause != nil {
		t.Errorf("From(condition): got %+v, want an error of the condition", got)
	}
	if got, want := err.Error(), "proxy: SOURCE_UNAVAILABLE: Origin Server Unavailable: connection refused"; got != want {
		t.Errorf("Error(): got %q, want %q", got, want)
	}
	if got, want := New(ArgumentMissing, "page").Message(DialectMarket, Chinese), "非法参数: page"; got != want {
		t.Errorf("Message: got %q, want %q", got, want)
	}
}

func TestParseLang(t *testing.T) {
	tests := []struct {
		header string
		def    Lang
		want   Lang
	}{
		{"", English, English},
		{"", Chinese, Chinese},
		{"zh-CN", English, Chinese},
		{"zh_TW", English, Chinese},
		{"zh-Hans-CN", English, Chinese},
		{"ZH", English, Chinese},
		{"en-US", Chinese, English},
		{"en-US,en;q=0.9,zh-CN;q=0.8", Chinese, English},
		{"zh-CN,zh;q=0.9,en;q=0.8", English, Chinese},
		{"en;q=0.4, zh;q=0.6", English, Chinese},
		{"en;Q=0.4, zh;q=0.6", English, Chinese},
		{"en;q=0.5, zh;q=0.5", Chinese, English}, // a tie: the earlier
		{"zh;q=0.5, en;q=0.5", English, Chinese},
		{"fr-FR, de;q=0.9", Chinese, Chinese},
		{"fr, en;q=0.1", Chinese, English},
		{"en;q=0", Chinese, Chinese},
		{"zh;q=0, en;q=0", English, English},
		{"*", Chinese, Chinese},
		{"*", English, English},
		{"zh;q=0, *", Chinese, English}, // "*" is anything but Chinese
		{"de, *;q=0.5, zh;q=0.3", English, English},
		{"de, *;q=0.5, zh;q=0.3", Chinese, English}, // "*" gives English 0.5
		{"zh;level=1;q=0.9, en;q=0.8", English, Chinese},
		{"zh;q=abc, en;q=0.1", Chinese, English}, // a malformed weight drops zh
		{"zh;q=2", English, English},
		{"zh;q=NaN", English, English},
		{"zh;q=-1", English, English},
		{",,;,;q=", English, English},
		{"garbage\x00\xff", Chinese, Chinese},
		{"english", Chinese, Chinese},
		{"en-", Chinese, English},
	}
	for _, tt := range tests {
		if got := ParseLang(tt.header, tt.def); got != tt.want {
			t.Errorf("ParseLang(%q, %s): got %s, want %s", tt.header, tt.def, got, tt.want)
		}
	}
}

// TestParseLangAllocs keeps ParseLang free of allocation: it runs for
// every refused request.
func TestParseLangAllocs(t *testing.T) {
	header := "fr-CH, fr;q=0.9, en;q=0.8, de;q=0.7, zh-CN;level=1;q=0.85, *;q=0.5"
	if n := testing.AllocsPerRun(100, func() { ParseLang(header, English) }); n != 0 {
		t.Errorf("ParseLang: got %v allocations, want 0", n)
	}
}

func FuzzParseLang(f *testing.F) {
	for _, s := range []string{"", "zh-CN", "en-US,en;q=0.9,zh-CN;q=0.8", "*;q=0.5", "zh;q=0, *", "en;q=abc", ",;=", "zh_TW;level=1;q=0.001"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, header string) {
		for _, def := range []Lang{English, Chinese} {
			got := ParseLang(header, def)
			if got != English && got != Chinese {
				t.Fatalf("ParseLang(%q, %s): got %q", header, def, got)
			}
			if again := ParseLang(header, def); again != got {
				t.Fatalf("ParseLang(%q, %s): got %s, then %s", header, def, got, again)
			}
			// A header that names neither language nor "*" leaves def.
			lower := strings.ToLower(header)
			if !strings.Contains(lower, "en") && !strings.Contains(lower, "zh") && !strings.Contains(header, "*") && got != def {
				t.Fatalf("ParseLang(%q, %s): got %s, want the default", header, def, got)
			}
		}
		// Naming one language alone, first, with full weight picks it.
		if got := ParseLang("zh, "+header, English); got != Chinese {
			t.Fatalf("ParseLang(%q): got %s, want zh", "zh, "+header, got)
		}
	})
}

// golden compares got with the file at path, or rewrites the file with
// -update.
func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s: got\n%s\nwant\n%s", path, got, want)
	}
}
