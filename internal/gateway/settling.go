package gateway

import "net/http"

// settlingWriter is the http.ResponseWriter a streamed answer is written
// through. It settles the call (see settleAs) when the backend's status
// arrives, before the status goes on to the client: a client that is
// told a call succeeded is told so only once the success is counted and
// would survive a crash of the process (a charged call: of the machine).
// The price is that a streamed answer is judged by its status: a 2xx
// whose body is then cut short stays counted. The market dialect, which
// holds the whole answer back anyway, judges by the whole answer.
//
// When settling fails, nothing reaches the client: the status and the
// body are dropped, and the proxy stage answers with settling's error.
type settlingWriter struct {
	http.ResponseWriter
	g   *Gateway
	c   *Call
	err error
	// wrote: the status went to the client (or settling refused it).
	wrote bool
	// dropped counts the body of an answer that raised a business error.
	dropped int
}

func (w *settlingWriter) WriteHeader(status int) {
	if w.wrote {
		return
	}
	if status < 200 {
		// 1xx answers are informational: the real status follows.
		w.ResponseWriter.WriteHeader(status)
		return
	}
	w.wrote = true
	if h := w.ResponseWriter.Header(); h[raiseHeader] != nil {
		// The backend raised a business error: its answer is replaced,
		// and nothing of it reaches the client. Never charged.
		w.g.raise(w.c, h, true)
		w.err = w.g.settleAs(w.c, false)
		return
	}
	if w.err = w.g.settleAs(w.c, is2xx(status)); w.err != nil {
		return
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *settlingWriter) Write(p []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	if w.err != nil {
		return 0, w.err
	}
	if w.c.raised != nil {
		return raisedBody(&w.dropped, p)
	}
	return w.ResponseWriter.Write(p)
}

// Flush passes a flush on, so that a streamed answer keeps streaming. It
// is called after every write of a body of unknown length: a plain type
// assertion, where http.ResponseController would allocate each time.
func (w *settlingWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok && w.err == nil && w.c.raised == nil {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the client's writer.
func (w *settlingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
