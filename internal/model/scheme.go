package model

// The signature schemes a group can accept, named as package auth names
// them (auth.Names(); a test in package admin holds the two lists
// together). The model keeps its own list because it must not depend on
// the package that verifies them.
const (
	SchemeJDCloud2  = "JDCLOUD2-HMAC-SHA256"
	SchemeJDCloud3  = "JDCLOUD3-HMAC-SHA256"
	SchemeAWS4      = "AWS4-HMAC-SHA256"
	SchemeTC3       = "TC3-HMAC-SHA256"
	SchemeTencentV1 = "TENCENT-V1"
	SchemeZenith    = "ZENITH"
	SchemeAppKey    = "APPKEY"
)

// SignatureSchemes are the schemes of AuthSignature.
var SignatureSchemes = []string{SchemeJDCloud2, SchemeJDCloud3, SchemeAWS4, SchemeTC3, SchemeTencentV1, SchemeZenith}

// AppKeySchemes are the schemes of AuthAppKey.
var AppKeySchemes = []string{SchemeAppKey}

// AuthTypes lists a group's auth types.
var AuthTypes = []string{AuthNone, AuthSignature, AuthAppKey}

// SchemesOf returns the schemes an auth type accepts.
func SchemesOf(authType string) []string {
	switch authType {
	case AuthSignature:
		return SignatureSchemes
	case AuthAppKey:
		return AppKeySchemes
	}
	return nil
}

// MaxReplayWindowSeconds is the widest replay window a group may set.
const MaxReplayWindowSeconds = 3600
