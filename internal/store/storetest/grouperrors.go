package storetest

import (
	"strings"
	"testing"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/model"
	"github.com/tollgate-gw/tollgate/internal/store"
)

func groupError(groupID, code string, http int) model.GroupError {
	return model.GroupError{GroupID: groupID, Code: code, HTTP: http,
		Message: errcode.Text{EN: "Model offline", ZH: "模型离线"}, Solution: errcode.Text{EN: "Try later", ZH: "稍后重试"}}
}

func testGroupErrors(t *testing.T, s store.Store) {
	jd := mustGroup(t, s, "jd")
	zn := mustGroup(t, s, "zn")
	if _, err := s.UpdateGroup(ctx, zn.ID, func(g *model.Group) error { g.Dialect = errcode.DialectZenith; return nil }); err != nil {
		t.Fatal(err)
	}
	for _, e := range []model.GroupError{groupError(jd.ID, "MODEL_OFFLINE", 503), groupError(jd.ID, "70001", 429), groupError(zn.ID, "70001", 422)} {
		got, err := s.CreateGroupError(ctx, e)
		if err != nil {
			t.Fatalf("CreateGroupError(%s %s): %v", e.GroupID, e.Code, err)
		}
		if got.Code != e.Code || got.HTTP != e.HTTP || got.Message != e.Message || got.Solution != e.Solution || got.CreatedAt.IsZero() {
			t.Errorf("CreateGroupError: got %+v, want %+v", got, e)
		}
	}
	noMessage := groupError(jd.ID, "NO_MESSAGE", 400)
	noMessage.Message.ZH = ""
	long := groupError(jd.ID, "LONG", 400)
	long.Message.EN = strings.Repeat("x", model.MaxErrorMessageLen+1)
	refusals := []struct {
		e       model.GroupError
		cond    *errcode.Condition
		subject string
	}{
		{groupError(jd.ID, "MODEL_OFFLINE", 500), errcode.RecordConflict, "code"}, // the group has it
		{groupError(jd.ID, "NOT_FOUND", 404), errcode.RecordConflict, ""},         // the dialect has it
		{groupError(jd.ID, "APIGW_SIGN_RESULT_NOT_SAME", 401), errcode.RecordConflict, ""},
		{groupError(zn.ID, "3001", 500), errcode.RecordConflict, ""},
		{groupError(zn.ID, "MODEL_OFFLINE", 503), errcode.ParamValueInvalid, "code"}, // zenith codes are numbers
		{groupError(jd.ID, "model_offline", 503), errcode.ParamValueInvalid, "code"},
		{groupError(jd.ID, "", 503), errcode.ArgumentNotFound, "code"},
		{groupError(jd.ID, "TEAPOT", 200), errcode.ParamValueInvalid, "http"},
		{groupError(jd.ID, "TEAPOT", 600), errcode.ParamValueInvalid, "http"},
		{noMessage, errcode.ArgumentNotFound, "message.zh"},
		{long, errcode.ParamValueInvalid, "message.en"},
		{groupError("g-nosuchgroup0", "TEAPOT", 418), errcode.ResourceNotFound, "group g-nosuchgroup0"},
	}
	for _, tt := range refusals {
		_, err := s.CreateGroupError(ctx, tt.e)
		wantErr(t, "CreateGroupError("+tt.e.GroupID+" "+tt.e.Code+")", err, tt.cond, tt.subject)
	}
	list, err := s.ListGroupErrors(ctx, jd.ID)
	if err != nil || len(list) != 2 || list[0].Code != "MODEL_OFFLINE" || list[1].Code != "70001" {
		t.Errorf("ListGroupErrors(jd): got %+v, %v", list, err)
	}
	_, err = s.ListGroupErrors(ctx, "g-nosuchgroup0")
	wantErr(t, "ListGroupErrors(unknown group)", err, errcode.ResourceNotFound, "")

	// What is deployed carries the group's codes, and only its own.
	mustAPI(t, s, zn.ID, "a", "GET", "/a")
	mustRevision(t, s, zn.ID, "1.0.0")
	mustDeploy(t, s, zn.ID, "1.0.0", model.EnvOnline)
	pubs, err := s.LoadPublished(ctx)
	if err != nil || len(pubs) != 1 || len(pubs[0].Errors) != 1 || pubs[0].Errors[0].Code != "70001" || pubs[0].Errors[0].HTTP != 422 || pubs[0].Errors[0].Message.ZH != "模型离线" {
		t.Errorf("LoadPublished: got %+v, %v; want zn's one code", pubs, err)
	}

	if err := s.DeleteGroupError(ctx, jd.ID, "70001"); err != nil {
		t.Fatalf("DeleteGroupError: %v", err)
	}
	wantErr(t, "DeleteGroupError twice", s.DeleteGroupError(ctx, jd.ID, "70001"), errcode.ResourceNotFound, "")
	if list, _ := s.ListGroupErrors(ctx, zn.ID); len(list) != 1 {
		t.Errorf("deleting jd's 70001 touched zn's: %+v", list)
	}

	// A group takes at most MaxGroupErrors codes.
	for i := len(mustList(t, s, jd.ID)); i < model.MaxGroupErrors; i++ {
		if _, err := s.CreateGroupError(ctx, groupError(jd.ID, "C"+strings.Repeat("X", i%10)+string(rune('A'+i/26%26))+string(rune('A'+i%26)), 400)); err != nil {
			t.Fatalf("code %d: %v", i, err)
		}
	}
	_, err = s.CreateGroupError(ctx, groupError(jd.ID, "ONE_TOO_MANY", 400))
	wantErr(t, "CreateGroupError past the limit", err, errcode.ParamValueInvalid, "")

	// The codes go with their group.
	if err := s.DeleteGroup(ctx, jd.ID); err != nil {
		t.Fatal(err)
	}
	jd2 := mustGroup(t, s, "jd")
	if list := mustList(t, s, jd2.ID); len(list) != 0 {
		t.Errorf("a new group has codes: %+v", list)
	}
}

func mustList(t *testing.T, s store.Store, groupID string) []model.GroupError {
	t.Helper()
	list, err := s.ListGroupErrors(ctx, groupID)
	if err != nil {
		t.Fatal(err)
	}
	return list
}
