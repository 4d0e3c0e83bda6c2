package errcode

// This file is the mapping table: every condition Tollgate detects, its
// canonical code and its code in each dialect. docs/errors.md renders it
// (errdoc.WriteMapping), and a test keeps the two equal.
//
// The Tencent dialect tells apart what is missing or malformed (4000,
// "Required parameters are missing, or parameter values are not in the
// correct format") from what is present but wrong (4100 and up), in the
// authentication stage as elsewhere.

func general(code string, http int) Ref { return Ref{FamilyGeneral, code, http} }
func sdk(code string, http int) Ref     { return Ref{FamilySDK, code, http} }
func console(code string, http int) Ref { return Ref{FamilyConsole, code, http} }

// dataPlane defines a condition a proxied request can meet.
func dataPlane(name string, summary Text, canonical Ref, market, zenith, tencent string) *Condition {
	return define(true, name, summary, canonical, market, zenith, tencent)
}

// controlPlane defines a condition of the admin API.
func controlPlane(name string, summary Text, canonical Ref, market, zenith, tencent string) *Condition {
	return define(false, name, summary, canonical, market, zenith, tencent)
}

// Data plane: accepting, routing and the API's state (stages 1 to 3).
var (
	ServiceNotFound = dataPlane("service_not_found",
		Text{"no group is served at the request's host", "请求的主机名上没有分组"},
		sdk("APIGW_SERVICE_NOT_FOUND", 404), "10003", "1000", "5000")
	NotDeployed = dataPlane("not_deployed",
		Text{"the host names a group, but nothing is deployed to that environment", "主机名对应的分组在该环境没有发布"},
		general("RESOURCE_NOT_EXIST", 404), "10003", "1010", "6100")
	NotFound = dataPlane("not_found",
		Text{"no API of the deployed revision matches the method and path", "已发布版本中没有与方法和路径匹配的API"},
		general("NOT_FOUND", 404), "10003", "1000", "6100")
	MethodNotSupported = dataPlane("method_not_supported",
		Text{"an API matches the path, but none the method", "有API匹配路径，但没有匹配该方法的API"},
		general("NOT_IMPLEMENTED", 501), "10003", "1013", "6100")
	APIOffline = dataPlane("api_offline",
		Text{"the matched API is offline in the deployed revision", "匹配的API在已发布版本中处于下线状态"},
		general("NOT_FOUND", 404), "10003", "1014", "6100")
	APIMaintenance = dataPlane("api_maintenance",
		Text{"the matched API is under maintenance", "匹配的API正在维护"},
		general("UNAVAILABLE", 503), "11010", "1014", "6200")
	ProtocolNotSupported = dataPlane("protocol_not_supported",
		Text{"the API is not served over the request's protocol (HTTP or HTTPS)", "该API不支持请求所用的协议（HTTP或HTTPS）"},
		general("FAILED_PRECONDITION", 400), "12001", "1107", "4600")
	Busy = dataPlane("busy",
		Text{"more requests are in flight than the gateway admits, or the counters a call needs (Redis) cannot be reached", "正在处理的请求数超过网关的承载上限，或调用所需的计数服务（Redis）不可达"},
		general("UNAVAILABLE", 503), "10020", "1108", "6200")
	RequestTooLarge = dataPlane("request_too_large",
		Text{"the request's headers or body exceed the gateway's limits", "请求头或请求体超过网关的限制"},
		general("OUT_OF_RANGE", 400), "12001", "1103", "4000")
)

// Data plane: authentication and replay protection (stages 4 and 5).
var (
	AuthMissingKey = dataPlane("auth_missing_key",
		Text{"the request names no key (app key, access key, SecretId, accesskey_id)", "请求没有携带密钥标识（appkey、AccessKey、SecretId、accesskey_id）"},
		sdk("APIGW_LACK_PARAMS", 401), "10004", "1001", "4000")
	AuthMissingTimestamp = dataPlane("auth_missing_timestamp",
		Text{"the request carries no signing time (timestamp, date header, expires)", "请求没有携带签名时间（timestamp、日期头、expires）"},
		sdk("APIGW_LACK_PARAMS", 401), "10041", "1001", "4000")
	AuthMissingSignature = dataPlane("auth_missing_signature",
		Text{"the request carries no signature (sign, signature)", "请求没有携带签名（sign、signature）"},
		sdk("APIGW_LACK_PARAMS", 401), "10042", "1001", "4000")
	AuthMissingNonce = dataPlane("auth_missing_nonce",
		Text{"the scheme needs a nonce and the request carries none", "签名方式要求随机数，但请求没有携带"},
		sdk("APIGW_LACK_PARAMS", 401), "10047", "1001", "4000")
	AuthMalformedHeader = dataPlane("auth_malformed_header",
		Text{"the Authorization header cannot be parsed or names a scheme the group does not accept", "Authorization头无法解析，或使用了分组不接受的签名方式"},
		sdk("APIGW_ILLEGAL_HEADER", 401), "10047", "1001", "4000")
	AuthBadTimestamp = dataPlane("auth_bad_timestamp",
		Text{"the signing time is not in the scheme's format", "签名时间的格式不符合签名方式的要求"},
		general("UNAUTHENTICATED", 401), "10046", "1003", "4000")
	AuthExpired = dataPlane("auth_expired",
		Text{"the signing time is outside the allowed window, or the signature has expired", "签名时间超出允许的时间窗，或签名已过期"},
		general("UNAUTHENTICATED", 401), "10047", "1002", "4200")
	KeyNotFound = dataPlane("key_not_found",
		Text{"the key the request names does not exist", "请求使用的密钥不存在"},
		sdk("APIGW_KEY_NOT_EXITST", 401), "10001", "1005", "4100")
	KeyDisabled = dataPlane("key_disabled",
		Text{"the key the request names is disabled", "请求使用的密钥已被禁用"},
		sdk("APIGW_KEY_DISABLED", 401), "10001", "1006", "4100")
	SignatureMismatch = dataPlane("signature_mismatch",
		Text{"the signature differs from the one the gateway computes", "签名与网关计算的结果不一致"},
		sdk("APIGW_SIGN_RESULT_NOT_SAME", 401), "10047", "1004", "4100")
	NonceReused = dataPlane("nonce_reused",
		Text{"the nonce was already used inside the replay window", "随机数在防重放时间窗内已被使用"},
		sdk("APIGW_NONCE_CONFLICT", 403), "10047", "1002", "4500")
)

// Data plane: the caller's identity and permissions (stages 6 and 7).
var (
	AccountDisabled = dataPlane("account_disabled",
		Text{"the account that owns the key is disabled", "密钥所属的账号已被禁用"},
		general("HTTP_FORBIDDEN", 403), "10050", "1009", "4300")
	UserNotFound = dataPlane("user_not_found",
		Text{"the user (child account) the request acts as does not exist", "请求所代表的用户（子账号）不存在"},
		sdk("APIGW_USER_NOT_EXITST", 403), "10001", "1008", "4300")
	UserNotActivated = dataPlane("user_not_activated",
		Text{"the user the request acts as is not activated", "请求所代表的用户未激活"},
		sdk("USER_NOT_ACTIVATED", 403), "10050", "2102", "4300")
	UserDisabled = dataPlane("user_disabled",
		Text{"the user the request acts as is disabled", "请求所代表的用户已被禁用"},
		general("HTTP_FORBIDDEN", 403), "10050", "2102", "4300")
	PinMalformed = dataPlane("pin_malformed",
		Text{"the x-jdcloud-pin header is malformed", "x-jdcloud-pin头格式错误"},
		sdk("APIGW_FORMAT_ERROR", 403), "12001", "1103", "4000")
	UserBlacklisted = dataPlane("user_blacklisted",
		Text{"the caller's pin is on the group's blacklist", "调用者的pin在分组的黑名单中"},
		sdk("APIGW_USER_BLACK_LIST", 403), "10060", "1015", "4300")
	IPBlacklisted = dataPlane("ip_blacklisted",
		Text{"the caller's IP address is on the group's blacklist", "调用者的IP地址在分组的黑名单中"},
		sdk("APIGW_USER_BLACK_LIST", 403), "10060", "1015", "4300")
	RoleNotAllowed = dataPlane("role_not_allowed",
		Text{"the group does not accept callers acting through a role", "分组不接受以角色身份调用"},
		sdk("APIGW_ROLE_NOT_ALLOWED", 403), "10060", "1015", "4300")
	RoleNotFound = dataPlane("role_not_found",
		Text{"the role the request acts through does not exist", "请求所使用的角色不存在"},
		sdk("APIGW_ROLE_NOT_EXITST", 403), "10001", "1008", "4300")
	ChildAccountNotAllowed = dataPlane("child_account_not_allowed",
		Text{"the child account may not call this API of its account", "子账号无权调用其主账号的该API"},
		sdk("APIGW_CHILD_ACCOUNT_NOT_ALLOWED", 403), "10060", "1015", "4300")
	OperationNotAllowed = dataPlane("operation_not_allowed",
		Text{"the caller's permissions do not include this operation (e.g. a read-only key sending a write)", "调用者的权限不包含此操作（例如只读密钥发起写操作）"},
		sdk("APIGW_OPERATION_NOT_ALLOWED", 403), "10060", "1015", "4300")
	MFAFailed = dataPlane("mfa_failed",
		Text{"the caller's policy requires multi-factor authentication and the request has no valid proof of it", "调用者的策略要求多因素认证，但请求没有有效的认证凭据"},
		sdk("APIGW_MFA_FAIL", 403), "10060", "1015", "4300")
	ServiceDisabled = dataPlane("service_disabled",
		Text{"the group is suspended", "分组已被停用"},
		sdk("APIGW_SERVICE_DISABLED", 403), "10030", "1011", "4300")
	NotAuthorizedOnGroup = dataPlane("not_authorized_on_group",
		Text{"the key is not authorized on this group deployment", "密钥没有被授权访问该分组的此环境"},
		console("APIGATEWAY_BIND_GROUP_NOT_FOUND", 404), "10048", "1015", "4300")
	APINotAllowed = dataPlane("api_not_allowed",
		Text{"the caller's authorization on the group leaves out this API", "调用者在分组上的授权不包含此API"},
		sdk("APIGW_API_NOT_ALLOWED", 403), "10048", "1015", "4300")
	CallerRestricted = dataPlane("caller_restricted",
		Text{"the publisher lets only listed callers call this API, and the caller is not listed", "发布者只允许名单内的调用者调用此API，调用者不在名单中"},
		general("HTTP_FORBIDDEN", 403), "10060", "1015", "4300")
)

// Data plane: market subscription and balance (stage 8).
var (
	NotSubscribed = dataPlane("not_subscribed",
		Text{"the caller has no subscription to the API's plan", "调用者没有订阅该API的套餐"},
		sdk("APIGW_API_NOT_ALLOWED", 403), "10048", "1012", "4300")
	NoBalance = dataPlane("no_balance",
		Text{"the API is paid per call and the caller's balance cannot pay for one", "API按次计费，调用者的余额不足以支付一次调用"},
		general("QUOTA_EXCEEDED", 429), "10010", "1017", "4300")
)

// Data plane: traffic control (stage 9).
var (
	RateLimited = dataPlane("rate_limited",
		Text{"the key's or user's request rate is over its limit", "密钥或用户的请求速率超过限制"},
		general("RATE_LIMIT_EXCEEDED", 429), "10043", "1016", "4400")
	ClusterRateLimited = dataPlane("cluster_rate_limited",
		Text{"the API's request rate, across all callers, is over its limit", "API在所有调用者上的总请求速率超过限制"},
		general("RATE_LIMIT_EXCEEDED", 429), "10044", "1016", "4400")
	DailyQuotaExceeded = dataPlane("daily_quota_exceeded",
		Text{"the caller's calls of the day are used up", "调用者当天的调用次数已用完"},
		general("QUOTA_EXCEEDED", 429), "10040", "1018", "4400")
	TotalQuotaExceeded = dataPlane("total_quota_exceeded",
		Text{"the caller's call package is used up", "调用者的调用次数包已用完"},
		general("QUOTA_EXCEEDED", 429), "10048", "1017", "4400")
)

// Data plane: request validation (stage 10).
var (
	InvalidArgument = dataPlane("invalid_argument",
		Text{"a parameter's value breaks its declared schema", "参数的值不符合声明的模式"},
		general("INVALID_ARGUMENT", 400), "12001", "1103", "4000")
	ArgumentMissing = dataPlane("argument_missing",
		Text{"a required parameter is missing", "缺少必填参数"},
		general("ARGUMENT_NOT_FOUND", 400), "12001", "1103", "4000")
	ArgumentWrongFormat = dataPlane("argument_wrong_format",
		Text{"a parameter is not of its declared type or format", "参数不是声明的类型或格式"},
		general("ARGUMENT_WRONG_FORMAT", 400), "12001", "1103", "4000")
	ArgumentOutOfRange = dataPlane("argument_out_of_range",
		Text{"a parameter's value is outside its declared range or enumeration", "参数的值超出声明的范围或枚举"},
		general("OUT_OF_RANGE", 400), "12001", "1103", "4000")
	ArgumentUnsupported = dataPlane("argument_unsupported",
		Text{"the request carries a parameter the API does not declare, and the API is strict", "请求携带了API未声明的参数，且该API要求严格校验"},
		general("ARGUMENT_NOT_SUPPORT", 400), "12001", "1103", "4000")
	ArgumentBadBase64 = dataPlane("argument_bad_base64",
		Text{"a parameter or body field declared as base64 (format byte) does not decode", "声明为Base64（format byte）的参数或请求体字段无法解码"},
		general("ARGUMENT_WRONG_FORMAT", 400), "12001", "1102", "4000")
	BodyMalformed = dataPlane("body_malformed",
		Text{"the body is declared as JSON and does not parse", "请求体声明为JSON，但无法解析"},
		general("INVALID_ARGUMENT", 400), "12001", "1101", "4000")
)

// Data plane: the API's body rules (the body stage, and the size limit
// from match on). A picture is a body too: its format, bytes and pixels
// answer with the body's conditions.
var (
	BodyTypeUnsupported = dataPlane("body_type_unsupported",
		Text{"the body's media type, or its picture's format, is not one the API accepts", "请求体的媒体类型或图片格式不是该API接受的类型"},
		general("INVALID_ARGUMENT", 400), "12007", "1107", "4000")
	BodyTooLarge = dataPlane("body_too_large",
		Text{"the body exceeds the API's maximum size, or its picture the API's maximum bytes or pixels", "请求体超过该API的大小上限，或图片超过该API的字节数或像素上限"},
		general("OUT_OF_RANGE", 400), "12009", "1103", "4000")
	ImageUndecodable = dataPlane("image_undecodable",
		Text{"the API takes a picture and the body is not one that can be decoded", "该API要求图片，但请求体不是可解码的图片"},
		general("INVALID_ARGUMENT", 400), "12005", "1110", "4000")
)

// Data plane: proxying and the backend's answer (stages 11 and 12).
var (
	SourceUnavailable = dataPlane("source_unavailable",
		Text{"the backend refused or reset the connection", "后端拒绝或重置了连接"},
		general("SOURCE_UNAVAILABLE", 502), "11010", "1109", "6000")
	Unavailable = dataPlane("unavailable",
		Text{"unavailable: no usable backend target (none configured, or all marked unhealthy), or the configuration store cannot be reached", "不可用：没有可用的后端目标（未配置，或全部被标记为不健康），或无法连接配置存储"},
		general("UNAVAILABLE", 503), "11010", "1108", "6200")
	DeadlineExceeded = dataPlane("deadline_exceeded",
		Text{"the backend did not answer within the backend's timeoutMs", "后端没有在timeoutMs内应答"},
		general("DEADLINE_EXCEEDED", 504), "11010", "1109", "6000")
	Cancelled = dataPlane("cancelled",
		Text{"the client went away before the answer; recorded, never sent", "客户端在应答前断开；只记录，不发送"},
		general("CANCELLED", 499), "10030", "1106", "6000")
	BadGateway = dataPlane("bad_gateway",
		Text{"the backend answered with a malformed response, or one that breaks the declared format", "后端的应答格式错误，或不符合声明的格式"},
		sdk("HTTP_BAD_GATEWAY", 502), "11030", "1109", "6000")
	Internal = dataPlane("internal",
		Text{"an unexpected failure inside the gateway", "网关内部发生意外故障"},
		general("INTERNAL", 500), "10030", "1106", "6000")
	// BusinessError is an error the backend raised (raise.go). Its Error
	// values carry the entry the backend named (Raise) and render that
	// entry in its own status; the codes here answer only an Error of the
	// condition made without one, which the gateway never makes.
	BusinessError = dataPlane("business_error",
		Text{"the backend raised a business error with X-Tollgate-Error: answered with the entry its code names, in that entry's status (see Business errors)", "后端通过X-Tollgate-Error抛出业务错误：以该错误码对应的条目及其HTTP状态应答（见“业务错误”）"},
		general("INTERNAL", 500), "10030", "1106", "6000")
)

// Control plane: the admin API's callers, users and keys.
var (
	Unauthenticated = controlPlane("unauthenticated",
		Text{"the admin API was called without a valid credential", "调用管理接口时没有携带有效凭据"},
		general("UNAUTHENTICATED", 401), "10001", "1001", "4100")
	Forbidden = controlPlane("forbidden",
		Text{"the caller may not take this action (an operator's operation, or a field only the operator sets)", "调用者无权执行该操作（运维者的操作，或只有运维者可设置的字段）"},
		console("APIGATEWAY_HTTP_FORBIDDEN", 403), "10060", "1015", "4300")
	// Hidden answers a call that names another tenant's resource, and a
	// call that names one that does not exist, alike in every dialect:
	// the jdcloud dialect keeps the console's 403, the others say that
	// the resource does not exist, as Tencent's 5000 does for "another
	// user's resource".
	Hidden = controlPlane("hidden",
		Text{"the id names another tenant's resource, or none: both answer alike, so that no tenant learns what another has", "该ID指向其他租户的资源或不存在：两者应答相同，租户无从得知其他租户的资源"},
		console("APIGATEWAY_HTTP_FORBIDDEN", 403), "10003", "1000", "5000")
	LoginFailed = controlPlane("login_failed",
		Text{"a console login failed; the reason is not told", "控制台登录失败，不告知具体原因"},
		general("UNAUTHENTICATED", 401), "10001", "1104", "4100")
	LoginNotAllowed = controlPlane("login_not_allowed",
		Text{"the user may not log in to the console", "该用户不允许登录控制台"},
		console("APIGATEWAY_HTTP_FORBIDDEN", 403), "10050", "1105", "4300")
	UserHeaderMissing = controlPlane("user_header_missing",
		Text{"an admin call on behalf of a user lacks the header naming the user", "代表用户的管理调用缺少标识用户的header"},
		console("APIGW_NO_HEADER", 400), "12001", "1103", "4000")
	PinInvalid = controlPlane("pin_invalid",
		Text{"the pin an admin call names is no account or user", "管理调用指定的pin不是任何账号或用户"},
		console("APIGATEWAY_NONE_VALID_PIN", 400), "10003", "2101", "5000")
	UserNameTaken = controlPlane("user_name_taken",
		Text{"another user has this name", "其他用户已使用该用户名"},
		general("ALREADY_EXISTS", 409), "12001", "2103", "5100")
	UserEmailTaken = controlPlane("user_email_taken",
		Text{"another user has this email address", "其他用户已使用该邮箱"},
		general("ALREADY_EXISTS", 409), "12001", "2104", "5100")
	KeyIDNotFound = controlPlane("key_id_not_found",
		Text{"the key id an admin call names does not exist", "管理调用指定的密钥ID不存在"},
		console("APIGATEWAY_NONE_VALID_APPID", 404), "10003", "2401", "5000")
	KeyIDDisabled = controlPlane("key_id_disabled",
		Text{"the operation needs an enabled key, and the key named is disabled", "该操作需要启用的密钥，而指定的密钥已被禁用"},
		general("FAILED_PRECONDITION", 400), "12001", "2402", "5100")
	KeyRefreshOutsideWindow = controlPlane("key_refresh_outside_window",
		Text{"a temporary key was refreshed outside its refresh window", "在刷新窗口期之外刷新临时密钥"},
		general("FAILED_PRECONDITION", 400), "12001", "1007", "5100")
	AccessKeyRepeat = controlPlane("access_key_repeat",
		Text{"another key has this access key", "其他密钥已使用该访问密钥"},
		console("APIGATEWAY_ACCESSKEY_ISREPEAT", 409), "12001", "1103", "5100")
	AccessKeyAuthRepeat = controlPlane("access_key_auth_repeat",
		Text{"the key is already authorized on this group deployment", "该密钥已被授权访问该分组的此环境"},
		console("APIGATEWAY_ACCESSKEYAUTH_ISREPEAT", 409), "12001", "1103", "5100")
	KeyLimitReached = controlPlane("key_limit_reached",
		Text{"the account has as many keys as allowed", "账号的密钥数量已达上限"},
		general("QUOTA_EXCEEDED", 429), "12001", "1103", "4400")
)

// Control plane: groups, APIs, revisions, domains, policies and imports.
var (
	ArgumentNotSupport = controlPlane("argument_not_support",
		Text{"the request names a field the API does not have", "请求包含接口不支持的字段"},
		console("APIGATEWAY_ARGUMENT_NOT_SUPPORT", 400), "12001", "1103", "4000")
	ArgumentNotFound = controlPlane("argument_not_found",
		Text{"a required field is missing or empty", "缺少必填字段，或字段为空"},
		console("APIGATEWAY_ARGUMENT_NOT_FOUND", 400), "12001", "1103", "4000")
	ParamValueInvalid = controlPlane("param_value_invalid",
		Text{"a field's value is malformed or out of range", "字段的值格式错误或超出范围"},
		console("APIGW_PARAM_VALUE_INVALID", 400), "12001", "1103", "4000")
	ArgumentsInconsistent = controlPlane("arguments_inconsistent",
		Text{"two fields' values contradict each other (e.g. a minimum above the maximum)", "两个字段的值相互矛盾（例如最小值大于最大值）"},
		general("FAILED_PRECONDITION", 409), "12001", "1103", "4000")
	ParamNotDeclared = controlPlane("param_not_declared",
		Text{"a backend mapping names a parameter the API does not declare", "后端参数映射引用了API未声明的参数"},
		general("ARGUMENT_MISMATCH", 400), "12001", "1103", "4000")
	ResourceNotFound = controlPlane("resource_not_found",
		Text{"the id names no resource", "该ID没有对应的资源"},
		console("APIGATEWAY_NOT_FOUND", 404), "10003", "1000", "5000")
	RecordNotFound = controlPlane("record_not_found",
		Text{"a record that the body refers to (not the path) does not exist", "请求体（而非路径）引用的记录不存在"},
		console("APIGW_RECORD_NOT_FOUND", 404), "10003", "1103", "5000")
	RecordConflict = controlPlane("record_conflict",
		Text{"a record with the same unique value exists", "已存在具有相同唯一值的记录"},
		console("APIGW_RECORD_CONFLICT", 403), "12001", "1103", "5100")
	ConcurrentChange = controlPlane("concurrent_change",
		Text{"another change to the resource came first (the version the call names is stale)", "该资源已先被其他修改更新（调用指定的版本已过时）"},
		general("ABORTED", 409), "12001", "1106", "5100")
	ParentMismatch = controlPlane("parent_mismatch",
		Text{"two resources of the call belong to different groups", "调用涉及的两个资源属于不同的分组"},
		general("CONFLICT", 409), "12001", "1103", "5100")
	GroupNameRepeat = controlPlane("group_name_repeat",
		Text{"another group has this name", "其他分组已使用该名称"},
		console("APIGATEWAY_APIGROUPNAME_ISREPEAT", 409), "12001", "1103", "5100")
	BackendPrefixRepeat = controlPlane("backend_prefix_repeat",
		Text{"another backend of the group has this path prefix", "分组中其他后端服务已使用该路径前缀"},
		console("APIGATEWAY_BACKENDSERVICE_PREFIX_ISREPEAT", 409), "12001", "1103", "5100")
	APINameRepeat = controlPlane("api_name_repeat",
		Text{"another API of the group has this name", "分组中其他API已使用该名称"},
		console("APIGATEWAY_APINAME_ISREPEAT", 409), "12001", "1103", "5100")
	APIPathRepeat = controlPlane("api_path_repeat",
		Text{"another API of the group has this method and path", "分组中其他API已使用该方法和路径"},
		console("APIGATEWAY_API_PATH_ISREPEAT", 409), "12001", "1103", "5100")
	PathParamsUndefined = controlPlane("path_params_undefined",
		Text{"a path variable is not declared as a path parameter", "路径变量没有被声明为路径参数"},
		console("APIGATEWAY_PATH_PARAMETERS_MUST_BE_DEFINED", 400), "12001", "1103", "4000")
	BodySchemaInvalid = controlPlane("body_schema_invalid",
		Text{"a stored API's body schema cannot be compiled", "已保存的API的请求体模式无法编译"},
		console("APIGATEWAY_API_BODY_ERROR", 500), "10030", "1106", "5100")
	NotExistMethod = controlPlane("not_exist_method",
		Text{"a debug call names an API that the revision deployed to the environment does not have, or nothing is deployed there", "调试调用指定的API不在该环境已发布的版本中，或该环境没有发布"},
		console("APIGATEWAY_NOT_EXIST_METHOD_ERROR", 404), "10003", "1013", "6100")
	DebugBodyInvalid = controlPlane("debug_body_invalid",
		Text{"a debug call's sample body breaks the body the API declares (content type, JSON Schema)", "调试调用的示例请求体不符合API声明的请求体（内容类型、JSON Schema）"},
		console("APIGATEWAY_API_BODY_ERROR", 500), "12001", "1103", "4000")
	RevisionRepeat = controlPlane("revision_repeat",
		Text{"the group already has this revision number", "分组已存在该修订版本号"},
		console("APIGATEWAY_REVISION_ISREPEAT", 409), "12001", "1103", "5100")
	NoneValidAPI = controlPlane("none_valid_api",
		Text{"a revision was asked of a group with no API", "为没有API的分组创建修订版本"},
		console("APIGATEWAY_NONE_VALID_API", 404), "10003", "1013", "5100")
	DeleteAPIError = controlPlane("delete_api_error",
		Text{"an online deployment still serves what was to be deleted", "要删除的内容仍有上线的发布在使用"},
		console("APIGATEWAY_DELETE_API_ERROR", 400), "12001", "1106", "5100")
	ModifyError = controlPlane("modify_error",
		Text{"the change is forbidden while the group is published", "分组处于发布状态，不允许此修改"},
		console("APIGATEWAY_MODIFY_ERROR", 400), "12001", "1106", "5100")
	DomainExists = controlPlane("domain_exists",
		Text{"the custom domain is already registered", "该自定义域名已被注册"},
		console("APIGATEWAY_DOMAIN_ALREADY_EXISTS", 403), "12001", "1103", "5100")
	DomainBound = controlPlane("domain_bound",
		Text{"the custom domain is bound to a group environment and cannot change", "该自定义域名已绑定到分组环境，无法修改"},
		console("APIGATEWAY_DOMAIN_IS_BINDED", 403), "12001", "1106", "5100")
	DomainLimitReached = controlPlane("domain_limit_reached",
		Text{"the group environment has as many custom domains as allowed", "分组环境的自定义域名数量已达上限"},
		console("APIGATEWAY_DOMAIN_NUM_IS_MAX", 403), "12001", "1106", "5100")
	PolicyNameRepeat = controlPlane("policy_name_repeat",
		Text{"another policy has this name", "其他策略已使用该名称"},
		console("APIGATEWAY_POLICYNAME_ISREPEAT", 409), "12001", "1103", "5100")
	BindGroupTooMuch = controlPlane("bind_group_too_much",
		Text{"the traffic policy is bound to more than one group, and the operation needs it bound to none", "流控策略绑定了多个分组，该操作要求先解除所有绑定"},
		console("APIGATEWAY_BIND_GROUP_TOO_MUCH", 400), "12001", "1106", "5100")
	DeleteWhileBound = controlPlane("delete_while_bound",
		Text{"a policy or key is still bound to a group and cannot be deleted", "策略或密钥仍绑定着分组，不能删除"},
		console("APIGATEWAY_DELETE_ERROR", 400), "12001", "1106", "5100")
	ImportEmpty = controlPlane("import_empty",
		Text{"an OpenAPI import has an empty document", "导入的OpenAPI文档为空"},
		console("APIGATEWAY_SWAGGER_NULL_ERRO", 404), "12001", "1103", "4000")
	ImportParseError = controlPlane("import_parse_error",
		Text{"an OpenAPI import's document does not parse", "导入的OpenAPI文档无法解析"},
		console("APIGATEWAY_SWAGGER_PARSE_ERROR", 500), "12001", "1103", "4000")
	OperationFailed = controlPlane("operation_failed",
		Text{"the store failed to carry out the operation", "存储未能完成该操作"},
		console("APIGATEWAY_OPERATION_FAILED", 500), "10030", "1106", "5100")
)

// Control plane: the account's service and market purchases.
var (
	GatewayServiceStopped = controlPlane("gateway_service_stopped",
		Text{"the account's gateway service is not opened, or is stopped", "账号的网关服务未开通或已停止"},
		console("APIGATEWAY_INVALID_SERVICE_STATUS", 500), "10030", "1011", "4300")
	PurchaseIdentityUnverified = controlPlane("purchase_identity_unverified",
		Text{"a plan purchase by an account without real-name verification", "未完成实名认证的账号购买套餐"},
		console("APIGATEWAY_INVALID_AUTHENTICATION_STATUS", 500), "12001", "1106", "5500")
	PurchaseNoBalance = controlPlane("purchase_no_balance",
		Text{"a plan purchase that the account's balance cannot pay for", "账号余额不足以支付所购买的套餐"},
		general("FAILED_PRECONDITION", 400), "10010", "1017", "5300")
	PurchaseFailed = controlPlane("purchase_failed",
		Text{"a plan purchase failed for another reason (e.g. the plan is withdrawn)", "套餐购买因其他原因失败（例如套餐已下架）"},
		console("APIGATEWAY_OPERATION_FAILED", 500), "10030", "1106", "5200")
)
