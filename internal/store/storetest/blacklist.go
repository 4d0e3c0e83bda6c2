package storetest

import (
	"testing"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/model"
	"github.com/tollgate-gw/tollgate/internal/store"
)

func testBlacklist(t *testing.T, s store.Store) {
	tests := []struct {
		kind, value, want string
	}{
		{model.BlacklistPin, "mallory", "mallory"},
		{model.BlacklistIP, "192.0.2.7", "192.0.2.7"},
		{model.BlacklistIP, "10.1.2.3/8", "10.0.0.0/8"},
		{model.BlacklistIP, "2001:DB8::1", "2001:db8::1"},
		{model.BlacklistIP, "2001:db8:1::/48", "2001:db8:1::/48"},
		{model.BlacklistIP, "::ffff:198.51.100.1", "198.51.100.1"},
		{model.BlacklistIP, "::ffff:203.0.113.0/120", "203.0.113.0/24"},
	}
	var ids []string
	for _, tt := range tests {
		e, err := s.CreateBlacklistEntry(ctx, model.BlacklistEntry{Kind: tt.kind, Value: tt.value, Reason: "abuse"})
		if err != nil {
			t.Fatalf("CreateBlacklistEntry(%s): %v", tt.value, err)
		}
		if e.Value != tt.want || e.Kind != tt.kind || e.Reason != "abuse" || e.ID[:len(store.BlacklistIDPrefix)] != store.BlacklistIDPrefix {
			t.Errorf("CreateBlacklistEntry(%s): got %+v, want value %s", tt.value, e, tt.want)
		}
		ids = append(ids, e.ID)
	}
	refusals := []struct {
		kind, value string
		cond        *errcode.Condition
		subject     string
	}{
		{model.BlacklistIP, "10.9.9.9/8", errcode.RecordConflict, "value"}, // the same range
		{model.BlacklistPin, "mallory", errcode.RecordConflict, "value"},
		{model.BlacklistIP, "300.1.1.1", errcode.ParamValueInvalid, "value"},
		{model.BlacklistIP, "10.0.0.0/33", errcode.ParamValueInvalid, "value"},
		{model.BlacklistIP, "fe80::1%eth0", errcode.ParamValueInvalid, "value"},
		{model.BlacklistIP, "", errcode.ArgumentNotFound, "value"},
		{model.BlacklistPin, "a b", errcode.ParamValueInvalid, "value"},
		{"asn", "13335", errcode.ParamValueInvalid, "kind"},
		{"", "x", errcode.ArgumentNotFound, "kind"},
	}
	for _, tt := range refusals {
		_, err := s.CreateBlacklistEntry(ctx, model.BlacklistEntry{Kind: tt.kind, Value: tt.value})
		wantErr(t, "CreateBlacklistEntry("+tt.kind+" "+tt.value+")", err, tt.cond, tt.subject)
	}
	list, total, err := s.ListBlacklist(ctx, store.Page{Number: 2, Size: 3})
	if err != nil || total != len(tests) || len(list) != 3 || list[0].ID != ids[3] {
		t.Errorf("ListBlacklist: got %+v of %d, %v", list, total, err)
	}
	if err := s.DeleteBlacklistEntry(ctx, ids[0]); err != nil {
		t.Fatalf("DeleteBlacklistEntry: %v", err)
	}
	wantErr(t, "DeleteBlacklistEntry twice", s.DeleteBlacklistEntry(ctx, ids[0]), errcode.ResourceNotFound, "blacklist entry "+ids[0])
}
