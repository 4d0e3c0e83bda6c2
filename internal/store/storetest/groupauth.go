package storetest

import (
	"slices"
	"testing"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/model"
	"github.com/tollgate-gw/tollgate/internal/store"
)

func testGroupAuth(t *testing.T, s store.Store) {
	mustAccount(t, s, "acme")
	// Auth fields left zero take their defaults, even without
	// ApplyDefaults: callers written before them keep working.
	plain, err := s.CreateGroup(ctx, model.Group{Name: "plain", Dialect: errcode.DialectJDCloud, Language: errcode.English})
	if err != nil {
		t.Fatalf("CreateGroup without auth fields: %v", err)
	}
	if plain.AuthType != model.AuthNone || plain.ReplayWindowSeconds != model.DefaultReplayWindowSeconds || plain.Owner != "" {
		t.Errorf("CreateGroup defaults: got %+v", plain)
	}

	g := model.Group{Name: "signed", Owner: "acme", AuthType: model.AuthSignature,
		Schemes: []string{model.SchemeAWS4, model.SchemeJDCloud3}, ReplayWindowSeconds: 60,
		SignRegion: "cn-north-1", SignService: "shop", AllowedPins: []string{"acme", "other"}}
	g.ApplyDefaults()
	created, err := s.CreateGroup(ctx, g)
	if err != nil {
		t.Fatalf("CreateGroup: %v", err)
	}
	got, err := s.Group(ctx, created.ID)
	if err != nil {
		t.Fatalf("Group: %v", err)
	}
	if got.Owner != "acme" || got.AuthType != model.AuthSignature || !slices.Equal(got.Schemes, g.Schemes) ||
		got.ReplayWindowSeconds != 60 || got.SignRegion != "cn-north-1" || got.SignService != "shop" ||
		!slices.Equal(got.AllowedPins, g.AllowedPins) {
		t.Errorf("Group: got %+v, want the auth fields of %+v", got, g)
	}
	updated, err := s.UpdateGroup(ctx, created.ID, func(g *model.Group) error {
		g.Schemes, g.AllowedPins, g.ReplayWindowSeconds = nil, nil, 3600
		return nil
	})
	if err != nil || updated.Schemes != nil || updated.AllowedPins != nil || updated.ReplayWindowSeconds != 3600 {
		t.Errorf("UpdateGroup clearing lists: got %+v, %v", updated, err)
	}

	tests := []struct {
		name    string
		change  func(*model.Group)
		cond    *errcode.Condition
		subject string
	}{
		{"unknown auth type", func(g *model.Group) { g.AuthType = "oauth" }, errcode.ParamValueInvalid, "authType"},
		{"unknown scheme", func(g *model.Group) { g.Schemes = []string{"HMAC-MD5"} }, errcode.ParamValueInvalid, "schemes"},
		{"scheme of another type", func(g *model.Group) { g.Schemes = []string{model.SchemeAppKey} }, errcode.ParamValueInvalid, "schemes"},
		{"scheme twice", func(g *model.Group) { g.Schemes = []string{model.SchemeTC3, model.SchemeTC3} }, errcode.ParamValueInvalid, "schemes"},
		{"schemes with none", func(g *model.Group) { g.AuthType, g.Schemes = model.AuthNone, []string{model.SchemeTC3} }, errcode.ParamValueInvalid, "schemes"},
		{"window too wide", func(g *model.Group) { g.ReplayWindowSeconds = 3601 }, errcode.ParamValueInvalid, "replayWindowSeconds"},
		{"window negative", func(g *model.Group) { g.ReplayWindowSeconds = -1 }, errcode.ParamValueInvalid, "replayWindowSeconds"},
		{"region with a slash", func(g *model.Group) { g.SignRegion = "cn/north" }, errcode.ParamValueInvalid, "signRegion"},
		{"bad allowed pin", func(g *model.Group) { g.AllowedPins = []string{"a b"} }, errcode.ParamValueInvalid, "allowedPins"},
		{"allowed pin twice", func(g *model.Group) { g.AllowedPins = []string{"a", "a"} }, errcode.ParamValueInvalid, "allowedPins"},
		{"unknown owner", func(g *model.Group) { g.Owner = "nobody" }, errcode.PinInvalid, "owner"},
	}
	for _, tt := range tests {
		_, err := s.UpdateGroup(ctx, created.ID, func(g *model.Group) error { tt.change(g); return nil })
		wantErr(t, "UpdateGroup: "+tt.name, err, tt.cond, tt.subject)
		g := model.Group{Name: "new", AuthType: model.AuthSignature}
		g.ApplyDefaults()
		tt.change(&g)
		_, err = s.CreateGroup(ctx, g)
		wantErr(t, "CreateGroup: "+tt.name, err, tt.cond, tt.subject)
	}
}

func testGroupAuthOnline(t *testing.T, s store.Store) {
	g := mustGroup(t, s, "live")
	mustAPI(t, s, g.ID, "a", "GET", "/a")
	mustRevision(t, s, g.ID, "1.0.0")
	mustDeploy(t, s, g.ID, "1.0.0", model.EnvTest)
	// Deployed to test only: anything may change.
	if _, err := s.UpdateGroup(ctx, g.ID, func(g *model.Group) error { g.AuthType = model.AuthSignature; return nil }); err != nil {
		t.Fatalf("UpdateGroup authType while in test: %v", err)
	}
	mustDeploy(t, s, g.ID, "1.0.0", model.EnvOnline)
	for what, change := range map[string]func(*model.Group){
		"authType": func(g *model.Group) { g.AuthType = model.AuthAppKey },
		"schemes":  func(g *model.Group) { g.Schemes = []string{model.SchemeAWS4} },
	} {
		_, err := s.UpdateGroup(ctx, g.ID, func(g *model.Group) error { change(g); return nil })
		wantErr(t, "UpdateGroup "+what+" while online", err, errcode.ModifyError, "")
	}
	// The rest may change while online.
	if _, err := s.UpdateGroup(ctx, g.ID, func(g *model.Group) error {
		g.ReplayWindowSeconds, g.SignRegion, g.AllowedPins = 30, "r", []string{"p"}
		return nil
	}); err != nil {
		t.Errorf("UpdateGroup of the window, region and pins while online: %v", err)
	}
	if err := s.Undeploy(ctx, g.ID, model.EnvOnline); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UpdateGroup(ctx, g.ID, func(g *model.Group) error { g.Schemes = []string{model.SchemeAWS4}; return nil }); err != nil {
		t.Errorf("UpdateGroup schemes once offline: %v", err)
	}
}

func testOwnedGroups(t *testing.T, s store.Store) {
	mustAccount(t, s, "a")
	mustAccount(t, s, "b")
	var ofA []string
	for i, owner := range []string{"a", "b", "a", "", "a"} {
		g := model.Group{Name: "g" + string(rune('0'+i)), Owner: owner}
		g.ApplyDefaults()
		g, err := s.CreateGroup(ctx, g)
		if err != nil {
			t.Fatalf("CreateGroup: %v", err)
		}
		if owner == "a" {
			ofA = append(ofA, g.ID)
		}
	}
	ids := func(gs []model.Group) []string {
		var out []string
		for _, g := range gs {
			out = append(out, g.ID)
		}
		return out
	}
	tests := []struct {
		name      string
		owner     string
		only      []string
		page      store.Page
		wantIDs   []string
		wantTotal int
	}{
		{"all of a", "a", nil, all, ofA, 3},
		{"a, second page of 2", "a", nil, store.Page{Number: 2, Size: 2}, ofA[2:], 3},
		{"a, only two", "a", []string{ofA[0], ofA[2]}, all, []string{ofA[0], ofA[2]}, 2},
		{"a, only none", "a", []string{}, all, nil, 0},
		{"a, only another's", "b", []string{ofA[0]}, all, nil, 0},
		{"nobody", "c", nil, all, nil, 0},
	}
	for _, tt := range tests {
		gs, total, err := s.ListOwnedGroups(ctx, tt.owner, tt.only, tt.page)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if got := ids(gs); !slices.Equal(got, tt.wantIDs) || total != tt.wantTotal {
			t.Errorf("%s: got %v of %d, want %v of %d", tt.name, got, total, tt.wantIDs, tt.wantTotal)
		}
	}
}
