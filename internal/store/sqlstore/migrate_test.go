package sqlstore

import (
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

// TestMigrationsOneList: every engine has every version, in one order.
func TestMigrationsOneList(t *testing.T) {
	var lists [][]int
	for _, e := range Engines {
		all, err := Migrations(e)
		if err != nil {
			t.Fatalf("Migrations(%s): %v", e, err)
		}
		var versions []int
		for _, m := range all {
			if !strings.HasSuffix(m.Name, "."+e+".sql") && strings.Count(m.Name, ".") != 1 {
				t.Errorf("Migrations(%s): version %d runs %s", e, m.Version, m.Name)
			}
			versions = append(versions, m.Version)
		}
		if !slices.IsSorted(versions) {
			t.Errorf("Migrations(%s): versions %v out of order", e, versions)
		}
		lists = append(lists, versions)
	}
	for i := range lists[1:] {
		if !slices.Equal(lists[0], lists[i+1]) {
			t.Errorf("%s has versions %v, %s %v", Engines[0], lists[0], Engines[i+1], lists[i+1])
		}
	}
}

func TestMigrationsRefused(t *testing.T) {
	file := func(sql string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(sql)} }
	tests := []struct {
		name  string
		files fstest.MapFS
		want  string
	}{
		{"a version missing for an engine", fstest.MapFS{
			"migrations/0001_init.sqlite.sql": file("CREATE TABLE a (x INTEGER)"),
		}, "no file for postgres"},
		{"shared beside per-engine", fstest.MapFS{
			"migrations/0001_init.sql":          file("x"),
			"migrations/0001_init.sqlite.sql":   file("x"),
			"migrations/0001_init.postgres.sql": file("x"),
		}, "both a shared file and per-engine files"},
		{"an unknown engine", fstest.MapFS{
			"migrations/0001_init.mysql.sql": file("x"),
		}, `"mysql" is no engine`},
		{"no version number", fstest.MapFS{
			"migrations/init.sql": file("x"),
		}, "NNNN_name"},
		{"one version, two names", fstest.MapFS{
			"migrations/0001_init.sqlite.sql":    file("x"),
			"migrations/0001_start.postgres.sql": file("x"),
		}, "also named"},
	}
	for _, tt := range tests {
		if _, err := migrationsIn(tt.files, "sqlite"); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: got %v, want an error with %q", tt.name, err, tt.want)
		}
	}
	got, err := migrationsIn(fstest.MapFS{
		"migrations/0002_b.sql":          file("shared"),
		"migrations/0001_a.sqlite.sql":   file("lite"),
		"migrations/0001_a.postgres.sql": file("pg"),
		"migrations/0010_c.postgres.sql": file("pg10"),
		"migrations/0010_c.sqlite.sql":   file("lite10"),
	}, "postgres")
	if err != nil || len(got) != 3 || got[0].SQL != "pg" || got[1].SQL != "shared" || got[2].SQL != "pg10" || got[2].Version != 10 {
		t.Errorf("migrationsIn(postgres): got %+v, %v; want pg, shared, pg10", got, err)
	}
}
