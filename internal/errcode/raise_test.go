package errcode

import (
	"encoding/json"
	"errors"
	"testing"
)

func TestLookupRaisable(t *testing.T) {
	tests := []struct {
		d    Dialect
		code string
		want int // the entry's status; 0: not raisable
	}{
		{DialectZenith, "3001", 500},
		{DialectZenith, "5503", 409},
		{DialectZenith, "1110", 400},
		{DialectMarket, "12010", 500},
		{DialectMarket, "12005", 500},
		{DialectMarket, "10000", 0}, // a success cannot be raised
		{DialectTencent, "5400", 0}, // 207: nor a partial one
		{DialectTencent, "5100", 500},
		{DialectJDCloud, "UNKNOWN", 500},
		{DialectJDCloud, "FAILED_PRECONDITION", 400}, // the first of two
		{DialectJDCloud, "APIGW_SIGN_RESULT_NOT_SAME", 0},
		{DialectMarket, "3001", 0}, // zenith's, not the market's
		{DialectZenith, "12010", 0},
		{DialectJDCloud, "3001", 0},
		{DialectZenith, "", 0},
	}
	for _, tt := range tests {
		e, ok := LookupRaisable(tt.d, tt.code)
		if ok != (tt.want != 0) || ok && e.HTTP != tt.want {
			t.Errorf("LookupRaisable(%s, %q) = %+v, %v; want status %d", tt.d, tt.code, e, ok, tt.want)
		}
	}
}

// TestRaiseRender renders raised entries in their dialects and both
// languages: the entry's code, its status, its message.
func TestRaiseRender(t *testing.T) {
	custom := &Entry{Code: "FACE_TOO_SMALL", Family: FamilyGroup, HTTP: 422,
		Message: Text{"The face is too small", "人脸太小"}}
	tests := []struct {
		d      Dialect
		entry  *Entry
		detail string
		lang   Lang
		status int
		want   string
	}{
		{DialectZenith, mustLookup("3001", FamilyZenith), "", English, 500, `{"error_code":3001,"error_message":"Face detect failed!","request_id":"r1"}`},
		{DialectZenith, mustLookup("3001", FamilyZenith), "", Chinese, 500, `{"error_code":3001,"error_message":"人脸检测失败","request_id":"r1"}`},
		{DialectMarket, mustLookup("12010", FamilyMarketBusiness), "model offline", English, 500, `{"code":"12010","charge":false,"msg":"Internal Error: model offline","remain":0,"result":null,"requestId":"r1"}`},
		{DialectMarket, mustLookup("12010", FamilyMarketBusiness), "", Chinese, 500, `{"code":"12010","charge":false,"msg":"内部错误","remain":0,"result":null,"requestId":"r1"}`},
		{DialectTencent, mustLookup("5100", FamilyTencent), "", English, 500, `{"code":5100,"message":"Resource operation failed","codeDesc":"Resource operation failed","requestId":"r1"}`},
		{DialectJDCloud, custom, "", English, 422, `{"requestId":"r1","error":{"code":422,"status":"FACE_TOO_SMALL","message":"The face is too small"}}`},
		{DialectJDCloud, custom, "", Chinese, 422, `{"requestId":"r1","error":{"code":422,"status":"FACE_TOO_SMALL","message":"人脸太小"}}`},
	}
	for _, tt := range tests {
		e := Raise(tt.entry, tt.detail)
		status, body := e.Render(tt.d, tt.lang, "r1")
		if status != tt.status || string(body) != tt.want+"\n" {
			t.Errorf("%s %s %s: got %d %s, want %d %s", tt.d, tt.entry.Code, tt.lang, status, body, tt.status, tt.want)
		}
		if !json.Valid(body) {
			t.Errorf("%s: not JSON", body)
		}
		if e.Status() != tt.status || e.Code() != tt.entry.Code {
			t.Errorf("Status, Code = %d, %s; want %d, %s", e.Status(), e.Code(), tt.status, tt.entry.Code)
		}
		if !errors.Is(e, BusinessError) || errors.Is(e, Internal) {
			t.Errorf("%s: want a BusinessError, not an Internal one", e)
		}
		if got, ok := From(e).Raised(); !ok || got != tt.entry {
			t.Errorf("From loses the raised entry")
		}
	}
	if _, ok := New(Internal, "").Raised(); ok {
		t.Error("an Internal error reports a raised entry")
	}
}

func TestCustomCodeFits(t *testing.T) {
	tests := []struct {
		d    Dialect
		code string
		want bool
	}{
		{DialectJDCloud, "FACE_TOO_SMALL", true},
		{DialectJDCloud, "70001", true},
		{DialectMarket, "70001", true},
		{DialectMarket, "FACE_TOO_SMALL", true},
		{DialectZenith, "70001", true},
		{DialectZenith, "FACE_TOO_SMALL", false},
		{DialectTencent, "FACE", false},
		{DialectTencent, "999999999", true},
		{DialectTencent, "1000000000", false}, // ten digits
		{DialectZenith, "0123", false},        // leading zero
		{DialectJDCloud, "face_too_small", false},
		{DialectJDCloud, "_FACE", false},
		{DialectJDCloud, "F", false},
		{DialectJDCloud, "FACE-SMALL", false},
		{DialectJDCloud, "", false},
		{DialectJDCloud, "A234567890123456789012345678901234567890123456789012345678901234", true},
		{DialectJDCloud, "A2345678901234567890123456789012345678901234567890123456789012345", false},
	}
	for _, tt := range tests {
		if got := CustomCodeFits(tt.d, tt.code); got != tt.want {
			t.Errorf("CustomCodeFits(%s, %q) = %v, want %v", tt.d, tt.code, got, tt.want)
		}
	}
}
