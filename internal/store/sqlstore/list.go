package sqlstore

import (
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// stringList is a []string kept in a TEXT column as a JSON array. As an
// argument it writes nil as "[]"; as a scan destination it reads "[]" as
// nil, so that empty lists marked omitempty stay out of answers.
type stringList []string

// Value implements driver.Valuer.
func (l stringList) Value() (driver.Value, error) {
	if l == nil {
		return "[]", nil
	}
	b, err := json.Marshal([]string(l))
	return string(b), err
}

// Scan implements sql.Scanner.
func (l *stringList) Scan(src any) error {
	var b []byte
	switch v := src.(type) {
	case string:
		b = []byte(v)
	case []byte:
		b = v
	default:
		return fmt.Errorf("stringList: cannot scan %T", src)
	}
	var out []string
	if err := json.Unmarshal(b, &out); err != nil {
		return fmt.Errorf("stringList: %w", err)
	}
	if len(out) == 0 {
		out = nil
	}
	*l = out
	return nil
}

// micros is a time.Time kept in an INTEGER column as Unix microseconds,
// 0 for the zero time.
type micros time.Time

// Scan implements sql.Scanner.
func (m *micros) Scan(src any) error {
	us, ok := src.(int64)
	if !ok {
		return fmt.Errorf("micros: cannot scan %T", src)
	}
	if us == 0 {
		*m = micros(time.Time{})
		return nil
	}
	*m = micros(fromMicros(us))
	return nil
}

// orZero returns t as Unix microseconds, 0 for the zero time.
func orZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

// whereIn returns the clause "WHERE col IN (?, ...)" selecting the values
// of ids, and its arguments; nil ids select everything (no clause), an
// empty list nothing.
func whereIn(col string, ids []string) (string, []any) {
	if ids == nil {
		return "", nil
	}
	if len(ids) == 0 {
		return "WHERE FALSE", nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return "WHERE " + col + " IN (?" + strings.Repeat(", ?", len(ids)-1) + ")", args
}
