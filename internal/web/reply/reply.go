// Package reply writes the answers the server's programs-facing routes
// give: JSON bodies and the API's error shape
// {"error":{"code":"…","message":"…"}}, and says which requests get them.
package reply

import (
	"encoding/json"
	"net/http"
	"strings"
)

// IsAPI reports whether r is for the JSON API or another route meant for
// programs, which answer errors in JSON.
func IsAPI(r *http.Request) bool {
	return strings.HasPrefix(r.URL.Path, "/api/") || r.URL.Path == "/healthz" || r.URL.Path == "/metrics" ||
		strings.HasPrefix(r.URL.Path, "/assets/")
}

// JSON writes v as the JSON body of a response with status code.
func JSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	_ = enc.Encode(v) // a failed write means the client has gone
}

// Error writes an API error with a stable code and a message for people.
func Error(w http.ResponseWriter, code int, errCode, msg string) {
	JSON(w, code, map[string]any{"error": map[string]string{"code": errCode, "message": msg}})
}
