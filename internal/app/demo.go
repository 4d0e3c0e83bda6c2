package app

import (
	"context"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/model"
	"github.com/tollgate-gw/tollgate/internal/store"
)

// DemoGroupID is the id of the group a first start creates, so that the
// README's first curl line is the same for everyone:
// http://demo.localhost:8080/hello.
const DemoGroupID = "demo"

// seedDemo creates the demo group: two APIs answered by a mock backend,
// revision 1.0.0 deployed to test and online.
func seedDemo(ctx context.Context, st store.Store) error {
	g, err := st.CreateGroup(ctx, model.Group{
		ID:          DemoGroupID,
		Name:        "demo",
		Description: "Created by the first start of Tollgate; delete it when you like.",
		Dialect:     errcode.DialectJDCloud,
		Language:    errcode.English,
	})
	if err != nil {
		return err
	}
	apis := []model.API{
		{Name: "hello", Method: "GET", Path: "/hello"},
		{Name: "greet", Method: "GET", Path: "/greet/{name}",
			Params: []model.Param{{Name: "name", In: model.InPath, Type: "string", Required: true}}},
	}
	for _, a := range apis {
		a.GroupID, a.MatchType, a.BackendPath, a.BackendMethod = g.ID, model.MatchAbsolute, a.Path, a.Method
		if _, err := st.CreateAPI(ctx, a); err != nil {
			return err
		}
	}
	for _, env := range []model.Environment{model.EnvTest, model.EnvOnline} {
		if _, err := st.PutBackend(ctx, model.Backend{
			GroupID:     g.ID,
			Environment: env,
			Type:        model.BackendMock,
			Status:      200,
			Headers:     map[string]string{"Content-Type": "application/json"},
			Body:        `{"message":"Hello from Tollgate's demo group","environment":"` + string(env) + `"}`,
		}); err != nil {
			return err
		}
	}
	if _, err := st.CreateRevision(ctx, g.ID, "1.0.0", "demo"); err != nil {
		return err
	}
	for _, env := range []model.Environment{model.EnvTest, model.EnvOnline} {
		if _, err := st.Deploy(ctx, g.ID, "1.0.0", env); err != nil {
			return err
		}
	}
	return nil
}
