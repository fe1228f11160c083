package local

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
)

var requestCount atomic.Int64

// ServeHTTP serves the API over HTTP, so that a client written against a
// stage's base URL (a smoke check, say) runs unchanged against the
// emulator: httptest.NewServer(api).URL stands for the stage URL. A
// request no method matches gets the MISSING_AUTHENTICATION_TOKEN gateway
// response, 403 by default, as API Gateway answers an unknown resource or
// method ("Gateway response types for API Gateway", API Gateway developer
// guide). Repeated headers are joined with ", " (Cookie with "; "), as
// net/http's Header.Get would not; query parameters keep their first value.
func (a *RestAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	req := HTTPRequest{
		Method: r.Method, Path: r.URL.EscapedPath(), Body: string(body), Headers: map[string]string{}, Query: map[string]string{},
		RequestID: fmt.Sprintf("local-http-%d", requestCount.Add(1)),
	}
	for k, vs := range r.Header {
		sep := ", "
		if http.CanonicalHeaderKey(k) == "Cookie" {
			sep = "; "
		}
		req.Headers[http.CanonicalHeaderKey(k)] = strings.Join(vs, sep)
	}
	for k, vs := range r.URL.Query() {
		req.Query[k] = vs[0]
	}
	var resp HTTPResponse
	if _, _, err := a.route(req.Method, req.Path); err != nil {
		resp, err = a.gatewayResponse("MISSING_AUTHENTICATION_TOKEN", http.StatusForbidden,
			Request{Header: req.Headers, Context: map[string]any{"requestId": req.RequestID, "path": req.Path}}, "Missing Authentication Token", "")
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
	} else if resp, err = a.Do(r.Context(), req); err != nil {
		http.Error(w, "local emulator: "+err.Error(), http.StatusInternalServerError)
		return
	}
	for k, vs := range resp.MultiHeaders {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	w.WriteHeader(resp.Status)
	_, _ = io.WriteString(w, resp.Body)
}
