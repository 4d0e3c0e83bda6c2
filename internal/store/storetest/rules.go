package storetest

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/model"
	"github.com/tollgate-gw/tollgate/internal/store"
)

// testAPIDeclaredRules checks that what an API declares beyond its method and path
// (parameter rules, body, responses, protocols, mappings) is kept as
// given, changed, shape-checked, and carried into revisions.
func testAPIDeclaredRules(t *testing.T, s store.Store) {
	g := mustGroup(t, s, "rules")
	minimum, maxLen := 1.0, 8
	a := newAPI(g.ID, "createItem", "POST", "/items")
	a.Params = []model.Param{{Name: "limit", In: model.InQuery, Type: model.TypeInteger,
		ParamRules: model.ParamRules{Minimum: &minimum, Enum: []model.Scalar{"1", "2"}}},
		{Name: "code", In: model.InQuery, Type: model.TypeString, ParamRules: model.ParamRules{MaxLength: &maxLen, Pattern: "^[a-z]+$"}}}
	a.APIRules = model.APIRules{
		Strict:    true,
		Protocols: []string{model.ProtocolHTTPS},
		Body: &model.BodyRules{Required: true, ContentTypes: []string{"application/json"}, MaxBytes: 4096,
			Schema: json.RawMessage(`{"type":"object","required":["name"]}`)},
		Responses:        []model.Response{{Status: 200, ContentType: "application/json", Schema: json.RawMessage(`{"type":"object"}`)}},
		ValidateResponse: true,
		Mappings:         []model.Mapping{{From: &model.ParamRef{In: model.InQuery, Name: "code"}, To: model.ParamRef{In: model.InHeader, Name: "X-Code"}}},
	}
	created, err := s.CreateAPI(ctx, a)
	if err != nil {
		t.Fatalf("CreateAPI: %v", err)
	}
	got, err := s.API(ctx, g.ID, created.ID)
	if err != nil {
		t.Fatalf("API: %v", err)
	}
	if !reflect.DeepEqual(got.APIRules, a.APIRules) || !reflect.DeepEqual(got.Params, a.Params) {
		t.Errorf("API: got rules %+v params %+v, want %+v %+v", got.APIRules, got.Params, a.APIRules, a.Params)
	}

	_, err = s.UpdateAPI(ctx, g.ID, created.ID, func(x *model.API) error { x.Protocols = []string{"ftp"}; return nil })
	wantErr(t, "UpdateAPI protocols ftp", err, errcode.ParamValueInvalid, "protocols[0]")
	_, err = s.UpdateAPI(ctx, g.ID, created.ID, func(x *model.API) error {
		x.Body = &model.BodyRules{Schema: json.RawMessage(`[1]`)}
		return nil
	})
	wantErr(t, "UpdateAPI schema not an object", err, errcode.ParamValueInvalid, "body.schema")
	if got, _ := s.API(ctx, g.ID, created.ID); !reflect.DeepEqual(got.APIRules, a.APIRules) {
		t.Errorf("API after refused updates: got %+v, want it unchanged", got.APIRules)
	}

	if _, err := s.UpdateAPI(ctx, g.ID, created.ID, func(x *model.API) error { x.Strict = false; return nil }); err != nil {
		t.Fatalf("UpdateAPI strict off: %v", err)
	}
	rev := mustRevision(t, s, g.ID, "1.0.0")
	if len(rev.APIs) != 1 || rev.APIs[0].Strict || rev.APIs[0].Body == nil || rev.APIs[0].Body.MaxBytes != 4096 || rev.APIs[0].Params[0].Minimum == nil {
		t.Errorf("CreateRevision: got %+v", rev.APIs)
	}
}
