package storetest

import (
	"testing"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/model"
	"github.com/tollgate-gw/tollgate/internal/store"
)

// testAPIProtocols checks that an API's gRPC and WebSocket flags are kept,
// changed, validated and carried into the revision the data plane
// compiles.
func testAPIProtocols(t *testing.T, s store.Store) {
	g := mustGroup(t, s, "live")
	ws := newAPI(g.ID, "chat", "GET", "/chat")
	ws.WebSocket = true
	ws, err := s.CreateAPI(ctx, ws)
	if err != nil {
		t.Fatalf("CreateAPI websocket: %v", err)
	}
	rpc := newAPI(g.ID, "health", "POST", "/grpc.health.v1.Health/Check")
	rpc.GRPC = true
	if rpc, err = s.CreateAPI(ctx, rpc); err != nil {
		t.Fatalf("CreateAPI grpc: %v", err)
	}
	if got, _ := s.API(ctx, g.ID, ws.ID); !got.WebSocket || got.GRPC {
		t.Errorf("API websocket: got websocket %v grpc %v", got.WebSocket, got.GRPC)
	}
	if got, _ := s.API(ctx, g.ID, rpc.ID); !got.GRPC || got.WebSocket {
		t.Errorf("API grpc: got websocket %v grpc %v", got.WebSocket, got.GRPC)
	}

	_, err = s.UpdateAPI(ctx, g.ID, ws.ID, func(a *model.API) error { a.GRPC = true; return nil })
	wantErr(t, "UpdateAPI to both protocols", err, errcode.ParamValueInvalid, "websocket")
	bad := newAPI(g.ID, "push", "POST", "/push")
	bad.WebSocket = true
	_, err = s.CreateAPI(ctx, bad)
	wantErr(t, "CreateAPI websocket on POST", err, errcode.ParamValueInvalid, "method")

	b := model.Backend{GroupID: g.ID, Environment: model.EnvTest, Type: model.BackendHTTP, URLs: []string{"http://127.0.0.1:9"}}
	b.ApplyDefaults()
	if _, err := s.PutBackend(ctx, b); err != nil {
		t.Fatalf("PutBackend: %v", err)
	}
	rev := mustRevision(t, s, g.ID, "1.0.0")
	mustDeploy(t, s, g.ID, "1.0.0", model.EnvTest)
	if len(rev.APIs) != 2 || !rev.APIs[0].WebSocket || !rev.APIs[1].GRPC {
		t.Errorf("CreateRevision: got %+v", rev.APIs)
	}
	pubs, err := s.LoadPublished(ctx)
	if err != nil {
		t.Fatalf("LoadPublished: %v", err)
	}
	found := 0
	for _, p := range pubs {
		if p.Group.ID != g.ID {
			continue
		}
		for _, a := range p.Revision.APIs {
			if (a.ID == ws.ID && a.WebSocket) || (a.ID == rpc.ID && a.GRPC) {
				found++
			}
		}
	}
	if found != 2 {
		t.Errorf("LoadPublished: found %d of the 2 APIs with their protocol", found)
	}

	if _, err := s.UpdateAPI(ctx, g.ID, ws.ID, func(a *model.API) error { a.WebSocket = false; return nil }); err != nil {
		t.Fatalf("UpdateAPI off: %v", err)
	}
	if got, _ := s.API(ctx, g.ID, ws.ID); got.WebSocket {
		t.Error("API after turning websocket off: still on")
	}
}
