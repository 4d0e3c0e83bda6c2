package errcode

// This file is the mapping table: every condition Tollgate detects, its
// canonical code and its code in each dialect. docs/errors.md renders it.

func general(code string, http int) Ref { return Ref{FamilyGeneral, code, http} }
func sdk(code string, http int) Ref     { return Ref{FamilySDK, code, http} }
func console(code string, http int) Ref { return Ref{FamilyConsole, code, http} }

func dialects(market, zenith, tencent string) map[Dialect]Ref {
	m := map[Dialect]Ref{}
	if market != "" {
		fam := FamilyMarket
		e, ok := Lookup(fam, market)
		if !ok {
			fam = FamilyMarketBusiness
			e, _ = Lookup(fam, market)
		}
		m[DialectMarket] = Ref{fam, market, e.HTTP}
	}
	if zenith != "" {
		e, _ := Lookup(FamilyZenith, zenith)
		m[DialectZenith] = Ref{FamilyZenith, zenith, e.HTTP}
	}
	if tencent != "" {
		e, _ := Lookup(FamilyTencent, tencent)
		m[DialectTencent] = Ref{FamilyTencent, tencent, e.HTTP}
	}
	return m
}

// Data-plane conditions: routing and proxying.
var (
	ServiceNotFound = define("service_not_found", "no group is served at the request's host",
		sdk("APIGW_SERVICE_NOT_FOUND", 404), dialects("10003", "1000", "5000"))
	NotFound = define("not_found", "no API of the deployed revision matches the method and path",
		general("NOT_FOUND", 404), dialects("10003", "1000", "6100"))
	SourceUnavailable = define("source_unavailable", "the backend refused or reset the connection",
		general("SOURCE_UNAVAILABLE", 502), dialects("11010", "1109", "6000"))
	Unavailable = define("unavailable", "no usable backend target (none configured, or all marked unhealthy)",
		general("UNAVAILABLE", 503), dialects("11010", "1108", "6200"))
	DeadlineExceeded = define("deadline_exceeded", "the backend did not answer within the backend's timeoutMs",
		general("DEADLINE_EXCEEDED", 504), dialects("11010", "1109", "6000"))
	Cancelled = define("cancelled", "the client went away before the answer; recorded, never sent",
		general("CANCELLED", 499), dialects("10030", "1106", "6000"))
	BadGateway = define("bad_gateway", "the backend answered with a malformed response",
		sdk("HTTP_BAD_GATEWAY", 502), dialects("11030", "1109", "6000"))
	Busy = define("busy", "more requests are in flight than the gateway admits",
		general("UNAVAILABLE", 503), dialects("10020", "1108", "6200"))
	RequestTooLarge = define("request_too_large", "the request's headers or body exceed the gateway's limits",
		general("OUT_OF_RANGE", 400), dialects("12001", "1103", "4000"))
	Internal = define("internal", "an unexpected failure inside the gateway",
		general("INTERNAL", 500), dialects("10030", "1106", "6000"))
)

// Control-plane conditions: the admin API answers these in the jdcloud
// dialect only.
var (
	Unauthenticated = define("unauthenticated", "the admin API was called without a valid credential",
		general("UNAUTHENTICATED", 401), nil)
	Forbidden = define("forbidden", "the caller may not act on this resource",
		console("APIGATEWAY_HTTP_FORBIDDEN", 403), nil)
	ArgumentNotSupport = define("argument_not_support", "the request names a field the API does not have",
		console("APIGATEWAY_ARGUMENT_NOT_SUPPORT", 400), nil)
	ArgumentNotFound = define("argument_not_found", "a required field is missing or empty",
		console("APIGATEWAY_ARGUMENT_NOT_FOUND", 400), nil)
	ParamValueInvalid = define("param_value_invalid", "a field's value is malformed or out of range",
		console("APIGW_PARAM_VALUE_INVALID", 400), nil)
	ResourceNotFound = define("resource_not_found", "the id names no resource",
		console("APIGATEWAY_NOT_FOUND", 404), nil)
	GroupNameRepeat = define("group_name_repeat", "another group has this name",
		console("APIGATEWAY_APIGROUPNAME_ISREPEAT", 409), nil)
	APINameRepeat = define("api_name_repeat", "another API of the group has this name",
		console("APIGATEWAY_APINAME_ISREPEAT", 409), nil)
	APIPathRepeat = define("api_path_repeat", "another API of the group has this method and path",
		console("APIGATEWAY_API_PATH_ISREPEAT", 409), nil)
	PathParamsUndefined = define("path_params_undefined", "a path variable is not declared as a path parameter",
		console("APIGATEWAY_PATH_PARAMETERS_MUST_BE_DEFINED", 400), nil)
	RevisionRepeat = define("revision_repeat", "the group already has this revision number",
		console("APIGATEWAY_REVISION_ISREPEAT", 409), nil)
	NoneValidAPI = define("none_valid_api", "a revision was asked of a group with no API",
		console("APIGATEWAY_NONE_VALID_API", 404), nil)
	DeleteAPIError = define("delete_api_error", "an online deployment still serves what was to be deleted",
		console("APIGATEWAY_DELETE_API_ERROR", 400), nil)
	ModifyError = define("modify_error", "the change is forbidden while the group is published",
		console("APIGATEWAY_MODIFY_ERROR", 400), nil)
	OperationFailed = define("operation_failed", "the store failed to carry out the operation",
		console("APIGATEWAY_OPERATION_FAILED", 500), nil)
)
