package server_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/ewaybill/ewaybill/console"
)

// TestConsoleBesideTheGateway: the HTTP handler serves the web console at
// / and /console/, and every other path as before: REST routes, health,
// OpenAPI, metrics, and the gateway's own answer for unknown paths.
func TestConsoleBesideTheGateway(t *testing.T) {
	e := newEnv(t)
	cases := []struct {
		method, path string
		status       int
		console      bool   // served by the console (its CSP)
		contentType  string // prefix
		body         string // a substring
	}{
		{"GET", "/", 200, true, "text/html", `<script type="module" src="/console/js/main.js">`},
		{"HEAD", "/", 200, true, "text/html", ""},
		{"GET", "/console/js/main.js", 200, true, "text/javascript", "apiKeys/current"},
		{"GET", "/console/console.css", 200, true, "text/css", ":root"},
		{"GET", "/console/nope.js", 404, true, "text/plain", "not found"},
		{"GET", "/v1/carriers", 401, false, "application/json", "API_KEY_MISSING"},
		{"GET", "/v1/apiKeys/current", 401, false, "application/json", "API_KEY_MISSING"},
		{"GET", "/healthz", 200, false, "application/json", "SERVING"},
		{"GET", "/openapi.json", 200, false, "application/json", "labels:lookup"},
		{"GET", "/metrics", 200, false, "text/plain", "ewaybill_"},
		{"GET", "/index.html", 404, false, "application/json", ""},
		{"POST", "/", 404, false, "application/json", ""},
	}
	for _, c := range cases {
		t.Run(c.method+" "+c.path, func(t *testing.T) {
			req, err := http.NewRequest(c.method, e.http.URL+c.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != c.status || !strings.HasPrefix(resp.Header.Get("Content-Type"), c.contentType) ||
				!strings.Contains(string(body), c.body) {
				t.Fatalf("%d %s: %.300s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
			}
			if csp := resp.Header.Get("Content-Security-Policy"); (csp == console.ContentSecurityPolicy) != c.console {
				t.Fatalf("Content-Security-Policy %q; served by the console: %v", csp, c.console)
			}
		})
	}
}
