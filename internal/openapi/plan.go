package openapi

import (
	"encoding/json"
	"fmt"

	"github.com/tollgate-gw/tollgate/internal/model"
)

// Modes of an import.
const (
	// ModeMerge creates and updates the document's APIs and leaves the
	// group's others alone.
	ModeMerge = "merge"
	// ModeReplace also removes the group's APIs the document does not
	// have, but never one the revision deployed online serves.
	ModeReplace = "replace"
)

// Existing is an API of the group before the import.
type Existing struct {
	API model.API
	// Online is set when the revision deployed online holds the API: it
	// cannot be removed (the store refuses it).
	Online bool
}

// Change is one line of a plan.
type Change struct {
	Method string `json:"method"`
	Path   string `json:"path"`
	Name   string `json:"name"`
	APIID  string `json:"apiId,omitempty"`
	// Fields lists what an update changes.
	Fields []string `json:"fields,omitempty"`
	// Pointer and Line say where the document declares the operation.
	Pointer string `json:"pointer,omitempty"`
	Line    int    `json:"line,omitempty"`
	// Reason says why a conflict is left as it is.
	Reason string `json:"reason,omitempty"`
}

// Plan is what an import does to a group: the diff a dry run answers,
// and the writes a real one makes.
type Plan struct {
	Mode      string    `json:"mode"`
	Version   string    `json:"version"`
	Added     []Change  `json:"added"`
	Changed   []Change  `json:"changed"`
	Removed   []Change  `json:"removed"`
	Unchanged int       `json:"unchanged"`
	Conflicts []Change  `json:"conflicts"`
	Warnings  []Problem `json:"warnings"`

	// Creates, Updates (with the existing ids) and Deletes (ids) are the
	// writes, to be made in that order reversed: deletes, updates, then
	// creates, so that a name or path freed by one is free for another.
	Creates []model.API `json:"-"`
	Updates []model.API `json:"-"`
	Deletes []string    `json:"-"`
}

// NewPlan compares a document's APIs with the group's. An operation is
// the API of the same method and path (paths that differ only in variable
// names are the same), or else of the same name; one that would take the
// name or the method and path of an API that stays is a conflict, as is,
// in replace mode, the removal of an API served online.
func NewPlan(doc *Document, existing []Existing, mode string) (*Plan, error) {
	if mode == "" {
		mode = ModeMerge
	}
	if mode != ModeMerge && mode != ModeReplace {
		return nil, fmt.Errorf("mode %q is not merge or replace", mode)
	}
	p := &Plan{Mode: mode, Version: doc.Version, Added: []Change{}, Changed: []Change{}, Removed: []Change{},
		Conflicts: []Change{}, Warnings: doc.Warnings}
	if p.Warnings == nil {
		p.Warnings = []Problem{}
	}
	byRoute := map[string]int{}
	byName := map[string]int{}
	for i, e := range existing {
		byRoute[routeKey(e.API)] = i
		byName[e.API.Name] = i
	}
	matched := make([]int, len(doc.Operations)) // index in existing, or -1
	taken := map[int]bool{}
	for i, op := range doc.Operations {
		matched[i] = -1
		if j, ok := byRoute[routeKey(op.API)]; ok && !taken[j] {
			matched[i], taken[j] = j, true
			continue
		}
		if j, ok := byName[op.API.Name]; ok && !taken[j] {
			matched[i], taken[j] = j, true
		}
	}
	// What stays besides the document's APIs.
	staying := map[int]bool{}
	for j, e := range existing {
		if taken[j] {
			continue
		}
		if mode == ModeMerge {
			staying[j] = true
			continue
		}
		c := change(e.API)
		if e.Online {
			c.Reason = "served online by the deployed revision; deploy a revision without it first"
			p.Conflicts = append(p.Conflicts, c)
			staying[j] = true
			continue
		}
		p.Removed = append(p.Removed, c)
		p.Deletes = append(p.Deletes, e.API.ID)
	}
	for i, op := range doc.Operations {
		c := change(op.API)
		c.Pointer, c.Line = op.Pointer, op.Line
		if reason := clash(op.API, existing, staying); reason != "" {
			c.Reason = reason
			p.Conflicts = append(p.Conflicts, c)
			continue
		}
		j := matched[i]
		if j < 0 {
			p.Added = append(p.Added, c)
			p.Creates = append(p.Creates, op.API)
			continue
		}
		old := existing[j].API
		fields := differs(old, op.API)
		if len(fields) == 0 {
			p.Unchanged++
			continue
		}
		c.APIID, c.Fields = old.ID, fields
		p.Changed = append(p.Changed, c)
		a := op.API
		a.ID, a.GroupID, a.CreatedAt = old.ID, old.GroupID, old.CreatedAt
		p.Updates = append(p.Updates, a)
	}
	return p, nil
}

// Empty reports whether the plan writes nothing.
func (p *Plan) Empty() bool {
	return len(p.Creates) == 0 && len(p.Updates) == 0 && len(p.Deletes) == 0
}

func change(a model.API) Change {
	return Change{Method: a.Method, Path: a.Path, Name: a.Name, APIID: a.ID}
}

// routeKey is what makes two APIs answer the same calls.
func routeKey(a model.API) string {
	return a.Method + " " + model.PathKey(a.Path)
}

// clash returns why a cannot be written beside the APIs that stay.
func clash(a model.API, existing []Existing, staying map[int]bool) string {
	for j := range staying {
		e := existing[j].API
		if e.Name == a.Name {
			return fmt.Sprintf("the group's API %s (%s %s) has the name and stays", e.ID, e.Method, e.Path)
		}
		if routeKey(e) == routeKey(a) {
			return fmt.Sprintf("the group's API %s (%s) answers the same method and path and stays", e.ID, e.Name)
		}
	}
	return ""
}

// differs lists the fields in which b, read from a document, differs from
// a, the group's API.
func differs(a, b model.API) []string {
	var out []string
	pairs := []struct {
		name string
		x, y any
	}{
		{"name", a.Name, b.Name},
		{"description", a.Description, b.Description},
		{"method", a.Method, b.Method},
		{"path", a.Path, b.Path},
		{"matchType", a.MatchType, b.MatchType},
		{"params", a.Params, b.Params},
		{"backendPath", a.BackendPath, b.BackendPath},
		{"backendMethod", a.BackendMethod, b.BackendMethod},
		{"grpc", a.GRPC, b.GRPC},
		{"websocket", a.WebSocket, b.WebSocket},
		{"strict", a.Strict, b.Strict},
		{"protocols", a.Protocols, b.Protocols},
		{"body", a.Body, b.Body},
		{"responses", a.Responses, b.Responses},
		{"validateResponse", a.ValidateResponse, b.ValidateResponse},
		{"mappings", a.Mappings, b.Mappings},
	}
	for _, p := range pairs {
		if canonical(p.x) != canonical(p.y) {
			out = append(out, p.name)
		}
	}
	return out
}

// canonical renders v as JSON with every object's keys sorted, schemas
// included, and empty lists as null, so that equal values compare equal
// however they were written.
func canonical(v any) string {
	raw, err := json.Marshal(v)
	if err != nil {
		return err.Error()
	}
	var g any
	if err := json.Unmarshal(raw, &g); err != nil {
		return err.Error()
	}
	if l, ok := g.([]any); ok && len(l) == 0 {
		g = nil
	}
	out, _ := json.Marshal(g)
	return string(out)
}
