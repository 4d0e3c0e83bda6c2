// Package openapi turns an OpenAPI document (Swagger 2.0, OpenAPI 3.0 or
// 3.1, in YAML or JSON) into a group's APIs, and a group's APIs back into
// an OpenAPI 3.1 document. It parses with github.com/getkin/kin-openapi,
// which reads all three versions (Swagger 2.0 through openapi2conv), and
// depends on package model only: the admin API calls it and does the
// writing.
//
// An imported document is the tenant's, so it is read as hostile: its
// size, its YAML aliases, its nesting and its number of operations are
// bounded (Limits), and a $ref that leaves the document is refused before
// the parser could follow it to a file or a URL.
package openapi
