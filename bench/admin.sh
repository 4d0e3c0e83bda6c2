# bench/admin.sh: configuring a Tollgate under test through its real admin
# API, for scripts/bench.sh. Sourced after bench/lib.sh; bash only; needs
# curl and sed.
#
# Each function is one step a publisher or the operator takes (README.md,
# docs/admin-api.md), so that a new target is a few calls: the unsigned
# target publishes a group; the signed one also makes an account, a key and
# an authorization. A target with quotas or a traffic policy adds its own
# bench_admin calls (POST /v1/policies and .../bindings) and passes the
# authorization's extra fields (a dailyLimit, say) to bench_authorize.
#
# The Tollgate being configured: set these before the first call.
#   BENCH_ADMIN        its admin listener, e.g. http://127.0.0.1:9080
#   BENCH_ADMIN_TOKEN  its admin token (the data directory's admin-token)
#   BENCH_ADMIN_OUT    a scratch file for answers

# bench_admin METHOD PATH [JSON]: one admin call as the operator; prints the
# answer's body, or stops the benchmark on any status but 2xx.
bench_admin() {
	local method=$1 path=$2 data=${3:-} code
	code=$(curl -sS -m 10 -o "$BENCH_ADMIN_OUT" -w '%{http_code}' -X "$method" \
		-H "Authorization: Bearer $BENCH_ADMIN_TOKEN" -H 'Content-Type: application/json' \
		${data:+--data "$data"} "$BENCH_ADMIN$path") || code=000
	case $code in
	2??) cat "$BENCH_ADMIN_OUT" ;;
	*) bench_die "admin $method $path: HTTP $code: $(cat "$BENCH_ADMIN_OUT" 2>/dev/null)" ;;
	esac
}

# bench_json_field NAME: the value of the first string field NAME of the
# JSON object on stdin (the admin API's answers are flat enough for sed).
bench_json_field() {
	sed -n "s/.*\"$1\"[[:space:]]*:[[:space:]]*\"\\([^\"]*\\)\".*/\\1/p" | head -n1
}

# bench_publish GROUP_JSON BACKEND_PORT ENV: creates a group from
# GROUP_JSON (the body of POST /v1/groups), its one API GET /hello, the
# backend of ENV (http://127.0.0.1:BACKEND_PORT), revision 1.0.0, and
# deploys it to ENV (test, preview or online). Sets BENCH_GROUP and
# BENCH_GROUP_HOST, the Host the environment is served at.
bench_publish() {
	local body=$1 bport=$2 env=$3
	BENCH_GROUP=$(bench_admin POST /v1/groups "$body" | bench_json_field groupId)
	[ -n "$BENCH_GROUP" ] || bench_die "POST /v1/groups returned no groupId"
	bench_admin POST "/v1/groups/$BENCH_GROUP/apis" '{"name":"hello","method":"GET","path":"/hello"}' >/dev/null
	bench_admin PUT "/v1/groups/$BENCH_GROUP/backends/$env" "{\"type\":\"http\",\"urls\":[\"http://127.0.0.1:$bport\"]}" >/dev/null
	bench_admin POST "/v1/groups/$BENCH_GROUP/revisions" '{"revision":"1.0.0"}' >/dev/null
	bench_admin POST "/v1/groups/$BENCH_GROUP/deployments" "{\"revision\":\"1.0.0\",\"environment\":\"$env\"}" >/dev/null
	case $env in
	online) BENCH_GROUP_HOST="$BENCH_GROUP.localhost" ;;
	*) BENCH_GROUP_HOST="$BENCH_GROUP-$env.localhost" ;;
	esac
}

# bench_account_key PIN: creates account PIN and a signature key of it.
# Sets BENCH_AK and BENCH_SK (the secret, shown once by the API).
bench_account_key() {
	local pin=$1 key
	bench_admin POST /v1/accounts "{\"pin\":\"$pin\"}" >/dev/null
	key=$(bench_admin POST "/v1/accounts/$pin/keys" '{}')
	BENCH_AK=$(printf '%s' "$key" | bench_json_field accessKey)
	BENCH_SK=$(printf '%s' "$key" | bench_json_field secretKey)
	[ -n "$BENCH_AK" ] && [ -n "$BENCH_SK" ] || bench_die "POST /v1/accounts/$pin/keys returned no key"
}

# bench_authorize GROUP ENV ACCESS_KEY [FIELDS]: authorizes the key on the
# group's environment. FIELDS, if given, are more JSON fields of the
# authorization, without braces (e.g. '"dailyLimit":1000000'). Sets
# BENCH_AUTHORIZATION.
bench_authorize() {
	local group=$1 env=$2 ak=$3 fields=${4:-}
	BENCH_AUTHORIZATION=$(bench_admin POST "/v1/groups/$group/authorizations" \
		"{\"environment\":\"$env\",\"accessKey\":\"$ak\"${fields:+,$fields}}" | bench_json_field authorizationId)
	[ -n "$BENCH_AUTHORIZATION" ] || bench_die "POST /v1/groups/$group/authorizations returned no authorizationId"
}

# BENCH_VALIDATED_API is the API of the tollgate-validated target: POST
# /items/{id} (to the backend's /hello) with an integer path parameter,
# 3 query parameters with rules (a range, an enumeration, a date) and a
# JSON Schema for a small body.
BENCH_VALIDATED_API='{"name":"items","method":"POST","path":"/items/{id}","backendPath":"/hello",
 "params":[{"name":"id","in":"path","type":"integer"},
  {"name":"limit","in":"query","type":"integer","required":true,"minimum":1,"maximum":100},
  {"name":"sort","in":"query","type":"string","enum":["asc","desc"]},
  {"name":"day","in":"query","type":"string","format":"date"}],
 "body":{"required":true,"schema":{"type":"object","required":["name"],"properties":{
  "name":{"type":"string","maxLength":32},"age":{"type":"integer","minimum":0}}}}}'

# BENCH_POSTED_API is the API of the tollgate-posted control: the same
# POST /items/{id} as BENCH_VALIDATED_API with nothing declared to check
# (the path parameter as a plain string), so that tollgate-posted pays for
# the body's path and not for validation.
BENCH_POSTED_API='{"name":"items","method":"POST","path":"/items/{id}","backendPath":"/hello",
 "params":[{"name":"id","in":"path","type":"string"}]}'

# bench_add_api API_JSON: adds an API (the body of POST .../apis) to
# BENCH_GROUP, then publishes revision 1.1.0 of it to ENV ($1).
bench_add_api() {
	local env=$1 api=$2
	bench_admin POST "/v1/groups/$BENCH_GROUP/apis" "$api" >/dev/null
	bench_admin POST "/v1/groups/$BENCH_GROUP/revisions" '{"revision":"1.1.0"}' >/dev/null
	bench_admin POST "/v1/groups/$BENCH_GROUP/deployments" "{\"revision\":\"1.1.0\",\"environment\":\"$env\"}" >/dev/null
}
