package sqlstore

import "testing"

func TestNumberPlaceholders(t *testing.T) {
	tests := []struct{ in, want string }{
		{`SELECT 1`, `SELECT 1`},
		{`SELECT a FROM t WHERE x = ? AND y = ?`, `SELECT a FROM t WHERE x = $1 AND y = $2`},
		{`INSERT INTO t VALUES (?, '?', "a?b", ?) -- why?` + "\n" + `ON CONFLICT DO NOTHING`,
			`INSERT INTO t VALUES ($1, '?', "a?b", $2) -- why?` + "\n" + `ON CONFLICT DO NOTHING`},
		{`UPDATE t SET s = 'it''s?' WHERE id = ?`, `UPDATE t SET s = 'it''s?' WHERE id = $1`},
		{`SELECT ? -- trailing?`, `SELECT $1 -- trailing?`},
		{`SELECT '?`, `SELECT '?`},
		{`id IN (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, `id IN ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`},
	}
	for _, tt := range tests {
		if got := numberPlaceholders(tt.in); got != tt.want {
			t.Errorf("numberPlaceholders(%q):\ngot  %q\nwant %q", tt.in, got, tt.want)
		}
	}
}
