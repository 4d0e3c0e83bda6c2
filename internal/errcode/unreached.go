package errcode

// Unreached is a catalogue entry that no condition answers with and no
// service raises, with the reason why. docs/errors.md renders the table
// (errdoc.WriteCoverage), and a test fails when an entry has no condition,
// no service range and no row here, or has a row here and a condition.
type Unreached struct {
	Family Family
	Code   string
	Reason string
}

// UnreachedEntries lists the catalogue's unreached entries, in catalogue
// order.
var UnreachedEntries = []Unreached{
	{FamilyMarket, "10000", "a success, not an error: `errcode.Success` wraps the admin API's successes in it in the market dialect; no backend may raise it (its status is 200)"},
	{FamilyConsole, "APIGATEWAY_SUCCESS", "a success, not an error: `errcode.Success` wraps the admin API's successes in it in the jdcloud dialect when the call asks for `?envelope=true`"},
	{FamilyConsole, "APIGW_PARAMS_NOT_EXIST", `"An Absent Parameter" names no parameter; APIGATEWAY_ARGUMENT_NOT_FOUND does the same job and names it`},
	{FamilyConsole, "APIGATEWAY_DOMAIN_NO_RECORDED", "mainland China's ICP filing, which Tollgate does not check"},
	{FamilyConsole, "APIGATEWAY_APISNAME_ISREPEAT", "JD's business lines, which Tollgate does not have"},
	{FamilySDK, "HTTP_INTERNAL_SERVER_ERROR", "the seed's message (重复访问, \"repeated request\") contradicts the code; internal failures are INTERNAL, replays APIGW_NONCE_CONFLICT"},
	{FamilyTencent, "5400", "a partial success, not an error: no admin call reports one, and no backend may raise it (its status is 207)"},
}
