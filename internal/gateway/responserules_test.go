package gateway

import (
	"encoding/json"
	"testing"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/model"
)

// withAnswerSchema returns the market fixture with, on every group, an
// API GET /ok that validates its 200 answer against schema.
func withAnswerSchema(pubs []model.Published, schema string) []model.Published {
	ok := api("ok", "GET", "/ok", model.MatchAbsolute, "")
	ok.ValidateResponse = true
	ok.Responses = []model.Response{{Status: 200, Schema: json.RawMessage(schema)}}
	for i := range pubs {
		pubs[i].Revision.APIs = append([]model.API{ok}, pubs[i].Revision.APIs...)
	}
	return pubs
}

// TestAnswerBreakingSchemaNotCharged: a pay-per-call caller's call whose
// 2xx answer breaks the API's declared schema is refused with
// BadGateway (11030 in the market dialect), in every dialect, and costs
// nothing; once the schema is one the answer meets, the same call passes
// and is charged.
func TestAnswerBreakingSchemaNotCharged(t *testing.T) {
	m := newMarketHarness(t, Config{}, nil)
	// /ok answers {"city": "北京", "temp": 21.5, "tags": [...]}.
	breaks := `{"type":"object","required":["city","population"]}`
	meets := `{"type":"object","required":["city"],"properties":{"temp":{"type":"number"}}}`
	if err := m.holder.Update(m.opts, withAnswerSchema(marketPubs(m.backend.URL), breaks), m.callers); err != nil {
		t.Fatal(err)
	}
	for _, d := range marketDialects {
		gid := "m-" + d.id
		resp := m.call(gid, "payer", "/ok")
		checkRefusal(t, "an answer breaking its schema", resp, errcode.BadGateway, d.dialect, errcode.English)
		if u := m.usage("payer", gid); u.Charged != 0 || u.OK != 0 {
			t.Errorf("%s: usage %+v after a refused answer", gid, u)
		}
	}
	if got := m.balance("payer", payerCredit); got != payerCredit {
		t.Errorf("balance %d after refused answers, want %d", got, payerCredit)
	}
	if err := m.holder.Update(m.opts, withAnswerSchema(marketPubs(m.backend.URL), meets), m.callers); err != nil {
		t.Fatal(err)
	}
	for _, d := range marketDialects {
		if resp := m.call("m-"+d.id, "payer", "/ok"); resp.StatusCode != 200 {
			t.Errorf("%s: an answer meeting its schema: %d %s", d.id, resp.StatusCode, resp.body)
		}
	}
	if got, want := m.balance("payer", payerCredit), int64(payerCredit-4*pricePerCall); got != want {
		t.Errorf("balance %d after four good answers, want %d", got, want)
	}
}
