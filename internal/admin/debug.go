package admin

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/model"
)

// Debugger runs an API debug call through the data plane's pipeline. The
// gateway implements it; internal/app hands it over in Config, since the
// admin API may not import the data plane.
type Debugger interface {
	Debug(ctx context.Context, call model.DebugCall) (model.DebugAnswer, error)
}

// debugRequest is the body of POST .../apis/{apiId}/debug: a sample call of
// the API. params are the API's parameters by name, each put where the
// API declares it (path, query, header, cookie, form); a name it does not
// declare goes in the query. body is the request body: a JSON string is
// sent as its text, any other JSON value as its JSON; bodyBase64 sends
// bytes that are not text.
type debugRequest struct {
	Environment model.Environment       `json:"environment"`
	Method      string                  `json:"method"`
	Params      map[string]model.Scalar `json:"params"`
	Headers     map[string]string       `json:"headers"`
	Body        json.RawMessage         `json:"body"`
	BodyBase64  *string                 `json:"bodyBase64"`
}

// debugResponse is the answer of a debug call: the data plane's answer,
// with its body as text when it is UTF-8 and in base64 otherwise.
type debugResponse struct {
	model.DebugAnswer
	Body         string `json:"body"`
	BodyEncoding string `json:"bodyEncoding"`
}

// Body encodings of a debug answer.
const (
	encodingText   = "utf-8"
	encodingBase64 = "base64"
)

// debugAPI runs a sample call of an API in one environment through the
// gateway's pipeline and answers with what the client would have got and
// each stage's verdict. The API must be in the revision deployed to the
// environment (NotExistMethod otherwise), and the sample's body must be
// what the API declares (DebugBodyInvalid otherwise) before anything is
// sent. The call is made on behalf of the caller of the admin API.
func (s *server) debugAPI(w http.ResponseWriter, r *http.Request) error {
	var req debugRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	if err := model.ValidateEnvironment("environment", req.Environment); err != nil {
		return err
	}
	groupID, apiID := r.PathValue("groupId"), r.PathValue("apiId")
	api, err := s.deployedAPI(r.Context(), groupID, apiID, req.Environment)
	if err != nil {
		return err
	}
	call, err := debugCallOf(&req, &api)
	if err != nil {
		return err
	}
	if err := checkDebugBody(&api, call.Header.Get("Content-Type"), call.Body); err != nil {
		return err
	}
	if s.debugger == nil {
		return errcode.Newf(errcode.Unavailable, "this server runs no data plane to debug calls on")
	}
	c := callerOf(r.Context())
	call.GroupID, call.Environment, call.APIID = groupID, req.Environment, apiID
	call.RemoteAddr = r.RemoteAddr
	call.Actor = model.DebugActor{Operator: c.operator, Pin: c.pin(), User: c.user}
	a, err := s.debugger.Debug(r.Context(), call)
	if err != nil {
		return err
	}
	resp := debugResponse{DebugAnswer: a, BodyEncoding: encodingText}
	if utf8.Valid(a.Body) {
		resp.Body = string(a.Body)
	} else {
		resp.Body, resp.BodyEncoding = base64.StdEncoding.EncodeToString(a.Body), encodingBase64
	}
	return writeJSON(w, http.StatusOK, resp)
}

// deployedAPI returns the API apiID as the revision deployed to env has
// it: NotExistMethod when nothing is deployed there, or the revision has
// no such API (one created, or changed, since is not what is served).
func (s *server) deployedAPI(ctx context.Context, groupID, apiID string, env model.Environment) (model.API, error) {
	deps, err := s.store.Deployments(ctx, groupID)
	if err != nil {
		return model.API{}, err
	}
	i := slices.IndexFunc(deps, func(d model.Deployment) bool { return d.Environment == env })
	if i < 0 {
		return model.API{}, errcode.Newf(errcode.NotExistMethod, "nothing is deployed to %s", env)
	}
	rev, err := s.store.Revision(ctx, groupID, deps[i].Revision)
	if err != nil {
		return model.API{}, err
	}
	j := slices.IndexFunc(rev.APIs, func(a model.API) bool { return a.ID == apiID })
	if j < 0 {
		return model.API{}, errcode.Newf(errcode.NotExistMethod, "revision %s, deployed to %s, has no API %s", rev.Revision, env, apiID)
	}
	return rev.APIs[j], nil
}

// debugCallOf builds the request of req for api: the method, the path with
// its variables filled, and each parameter where api declares it.
func debugCallOf(req *debugRequest, api *model.API) (model.DebugCall, error) {
	call := model.DebugCall{Method: strings.ToUpper(req.Method), Header: make(http.Header)}
	switch {
	case call.Method == "" && api.Method == "ANY":
		call.Method = http.MethodGet
	case call.Method == "":
		call.Method = api.Method
	case api.Method != "ANY" && call.Method != api.Method:
		return call, errcode.Newf(errcode.ParamValueInvalid, "method: the API answers %s, not %s", api.Method, call.Method)
	}
	if err := model.ValidateMethod("method", call.Method); err != nil {
		return call, err
	}
	for name, v := range req.Headers {
		call.Header.Set(name, v)
	}
	where := make(map[string]string, len(api.Params))
	for _, p := range api.Params {
		where[p.Name] = p.In
	}
	var path strings.Builder
	used := map[string]bool{}
	for seg := range strings.SplitSeq(api.Path[1:], "/") {
		path.WriteByte('/')
		name, ok := model.PathVariable(seg)
		if !ok {
			path.WriteString(seg)
			continue
		}
		v, ok := req.Params[name]
		if !ok || v == "" {
			return call, errcode.New(errcode.ArgumentNotFound, "params."+name)
		}
		used[name] = true
		path.WriteString(url.PathEscape(string(v)))
	}
	if api.Path == "/" {
		path.Reset()
		path.WriteByte('/')
	}
	call.Path = path.String()
	query, form := url.Values{}, url.Values{}
	var cookies []string
	for _, name := range slices.Sorted(maps.Keys(req.Params)) {
		if used[name] {
			continue
		}
		v := string(req.Params[name])
		switch where[name] {
		case model.InHeader:
			call.Header.Add(name, v)
		case model.InCookie:
			cookies = append(cookies, (&http.Cookie{Name: name, Value: v}).String())
		case model.InForm:
			form.Add(name, v)
		default:
			query.Add(name, v)
		}
	}
	if len(cookies) > 0 {
		call.Header.Add("Cookie", strings.Join(cookies, "; "))
	}
	call.RawQuery = query.Encode()
	body, contentType, err := debugBody(req, api)
	if err != nil {
		return call, err
	}
	if len(form) > 0 {
		if len(body) > 0 {
			return call, errcode.Newf(errcode.ArgumentsInconsistent, "form parameters and a body cannot go together")
		}
		body, contentType = []byte(form.Encode()), "application/x-www-form-urlencoded"
	}
	if len(body) > 0 && call.Header.Get("Content-Type") == "" {
		call.Header.Set("Content-Type", contentType)
	}
	call.Body = body
	return call, nil
}

// debugBody returns the sample body of req and the content type it goes
// with unless the sample's headers say otherwise: the API's first
// declared one, else JSON for a JSON value and text for a string.
func debugBody(req *debugRequest, api *model.API) ([]byte, string, error) {
	var body []byte
	contentType := "application/json"
	switch raw := req.Body; {
	case req.BodyBase64 != nil && len(raw) > 0 && string(raw) != "null":
		return nil, "", errcode.Newf(errcode.ArgumentsInconsistent, "body and bodyBase64 cannot go together")
	case req.BodyBase64 != nil:
		b, err := base64.StdEncoding.DecodeString(*req.BodyBase64)
		if err != nil {
			return nil, "", &errcode.Error{Cond: errcode.ParamValueInvalid, Subject: "bodyBase64", Detail: "not base64: " + err.Error()}
		}
		body, contentType = b, "application/octet-stream"
	case len(raw) > 0 && raw[0] == '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, "", &errcode.Error{Cond: errcode.ParamValueInvalid, Subject: "body", Detail: err.Error()}
		}
		body, contentType = []byte(s), "text/plain; charset=utf-8"
	case len(raw) > 0 && string(raw) != "null":
		body = raw
	}
	if b := api.Body; b != nil && len(b.ContentTypes) > 0 {
		contentType = b.ContentTypes[0]
	}
	return body, contentType, nil
}

// isJSON reports whether the media type mt is JSON (application/json or
// a +json type).
func isJSON(mt string) bool {
	t, _, err := mime.ParseMediaType(mt)
	return err == nil && (t == "application/json" || strings.HasSuffix(t, "+json"))
}
