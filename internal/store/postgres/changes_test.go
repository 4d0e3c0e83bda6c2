package postgres

import (
	"context"
	"fmt"
	"testing"

	"github.com/tollgate-gw/tollgate/internal/store/storetest"
)

func TestChangeLogPrunes(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	storetest.ChangeLogPrunes(t, s, func(n int) error {
		_, err := s.writer.ExecContext(ctx, fmt.Sprintf(storetest.LogManySQL, n))
		return err
	}, func() (n int, err error) {
		err = s.reader.QueryRowContext(ctx, `SELECT COUNT(*) FROM changes`).Scan(&n)
		return n, err
	})
}
