package admin

import (
	"net/http"
	"strconv"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/store"
)

// Paging of lists.
const (
	DefaultPageSize = 20
	MaxPageSize     = 100
)

// page reads pageNumber (default 1) and pageSize (default DefaultPageSize,
// at most MaxPageSize) from the query.
func page(r *http.Request) (store.Page, error) {
	q := r.URL.Query()
	n, err := pageParam(q.Get("pageNumber"), "pageNumber", 1, 1<<31-1)
	if err != nil {
		return store.Page{}, err
	}
	size, err := pageParam(q.Get("pageSize"), "pageSize", DefaultPageSize, MaxPageSize)
	if err != nil {
		return store.Page{}, err
	}
	return store.Page{Number: n, Size: size}, nil
}

func pageParam(s, name string, def, limit int) (int, error) {
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > limit {
		return 0, &errcode.Error{Cond: errcode.ParamValueInvalid, Subject: name,
			Detail: strconv.Quote(s) + " is not an integer from 1 to " + strconv.Itoa(limit)}
	}
	return n, nil
}

// list is the body of a page of a list: the total, the page, and the items
// under their own name (groups, apis, revisions).
func list(total int, p store.Page, name string, items any) map[string]any {
	return map[string]any{
		"totalCount": total,
		"pageNumber": p.Number,
		"pageSize":   p.Size,
		name:         items,
	}
}
