package admin

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/tollgate-gw/tollgate/internal/errcode"
)

// successWriter is the writer the edge gives a handler: it says how
// writeJSON and noContent write a success (answer.go), and whether to tag
// it with its version (an ETag, for a read).
type successWriter struct {
	http.ResponseWriter
	requestID string
	answer    answer
	tag       bool
}

// Unwrap lets http.ResponseController reach the connection.
func (w *successWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// writeJSON writes v as the JSON body of a success with status, with an
// ETag where the call reads a resource (precondition.go).
func writeJSON(w http.ResponseWriter, status int, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return errcode.Wrap(errcode.Internal, err)
	}
	if sw, ok := w.(*successWriter); ok && sw.tag && status == http.StatusOK {
		w.Header().Set("ETag", etag(b))
	}
	return writeSuccess(w, status, b)
}

// writeSuccess writes result, the plain JSON of a success (nil for none),
// with status: in the success envelope where the call's answer has one,
// else as it is.
func writeSuccess(w http.ResponseWriter, status int, result []byte) error {
	b := append(result, '\n')
	if sw, ok := w.(*successWriter); ok && sw.answer.envelope {
		b, _ = errcode.Success(sw.answer.dialect, sw.answer.lang, sw.requestID, result)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(b)
	return nil
}

// etag is the version of a resource: a strong entity tag made of the
// SHA-256 of its plain JSON (cut to 128 bits), whatever envelope carries
// it, so that a change of anything the resource shows changes it, and
// nothing it does not show (a secret) goes into it.
func etag(plain []byte) string {
	sum := sha256.Sum256(plain)
	return `"` + hex.EncodeToString(sum[:16]) + `"`
}

// created answers 201 with v and the location of the new resource.
func created(w http.ResponseWriter, location string, v any) error {
	w.Header().Set("Location", location)
	return writeJSON(w, http.StatusCreated, v)
}

// noContent answers 204, or 200 with an envelope without a result where
// the call's answer has one: an enveloped success always has a body.
func noContent(w http.ResponseWriter) error {
	if sw, ok := w.(*successWriter); ok && sw.answer.envelope {
		return writeSuccess(w, http.StatusOK, nil)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
