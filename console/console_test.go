package console

import (
	"compress/gzip"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"path"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// handler is made once: each Handler compresses every asset.
var handler = sync.OnceValue(Handler)

// get serves one request through Handler.
func get(t *testing.T, method, target string, header http.Header) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for k, v := range header {
		req.Header[k] = v
	}
	rec := httptest.NewRecorder()
	handler().ServeHTTP(rec, req)
	return rec
}

// wantHardened checks the headers every console response carries.
func wantHardened(t *testing.T, rec *httptest.ResponseRecorder) {
	t.Helper()
	h := rec.Header()
	for k, want := range map[string]string{
		"Content-Security-Policy": ContentSecurityPolicy,
		"X-Content-Type-Options":  "nosniff",
		"Referrer-Policy":         "no-referrer",
		"X-Frame-Options":         "DENY",
	} {
		if got := h.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
}

// TestServesEveryAsset: index.html at "/", every embedded file under
// Prefix with its own content type, an ETag and no-cache, and the
// security headers on all of them.
func TestServesEveryAsset(t *testing.T) {
	root, err := fs.Sub(static, "static")
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{"/": "index.html"}
	fs.WalkDir(root, ".", func(name string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files[Prefix+name] = name
		}
		return err
	})
	if len(files) < 10 {
		t.Fatalf("only %d files embedded: %v", len(files), files)
	}
	wantType := map[string]string{".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
		".css": "text/css; charset=utf-8", ".svg": "image/svg+xml"}
	for url, name := range files {
		t.Run(url, func(t *testing.T) {
			rec := get(t, "GET", url, nil)
			body, _ := fs.ReadFile(root, name)
			if rec.Code != http.StatusOK || rec.Body.String() != string(body) {
				t.Fatalf("status %d, %d bytes; want 200 and the %d bytes of %s", rec.Code, rec.Body.Len(), len(body), name)
			}
			wantHardened(t, rec)
			if got := rec.Header().Get("Content-Type"); got != wantType[path.Ext(name)] {
				t.Errorf("Content-Type %q", got)
			}
			etag := rec.Header().Get("ETag")
			if !regexp.MustCompile(`^"[A-Za-z0-9_-]{22}"$`).MatchString(etag) || rec.Header().Get("Cache-Control") != "no-cache" {
				t.Errorf("ETag %q, Cache-Control %q", etag, rec.Header().Get("Cache-Control"))
			}
			again := get(t, "GET", url, http.Header{"If-None-Match": {etag}})
			if again.Code != http.StatusNotModified || again.Body.Len() != 0 {
				t.Errorf("revalidation: %d with %d bytes, want 304 and none", again.Code, again.Body.Len())
			}
			if head := get(t, "HEAD", url, nil); head.Code != http.StatusOK || head.Body.Len() != 0 {
				t.Errorf("HEAD: %d with %d bytes", head.Code, head.Body.Len())
			}
		})
	}
}

// TestGzip: a client that takes gzip gets the smaller encoding, under
// its own ETag, which decodes to the file; one that does not, the file.
func TestGzip(t *testing.T) {
	plain := get(t, "GET", Prefix+"js/i18n.js", nil)
	for _, c := range []struct {
		accept string
		gzip   bool
	}{
		{"gzip, deflate, br", true},
		{"br;q=1.0, gzip;q=0.8", true},
		{"GZIP", true},
		{"gzip;q=0", false},
		{"deflate", false},
		{"", false},
	} {
		rec := get(t, "GET", Prefix+"js/i18n.js", http.Header{"Accept-Encoding": {c.accept}})
		if got := rec.Header().Get("Content-Encoding") == "gzip"; got != c.gzip || rec.Header().Get("Vary") != "Accept-Encoding" {
			t.Fatalf("Accept-Encoding %q: Content-Encoding %q, Vary %q", c.accept, rec.Header().Get("Content-Encoding"), rec.Header().Get("Vary"))
		}
		if !c.gzip {
			if rec.Body.String() != plain.Body.String() {
				t.Fatalf("Accept-Encoding %q: not the plain file", c.accept)
			}
			continue
		}
		zr, err := gzip.NewReader(rec.Body)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(zr)
		if err != nil || string(body) != plain.Body.String() || rec.Body.Len() > plain.Body.Len()/2 {
			t.Fatalf("gzip body: %v, %d bytes decoded from %d; want the %d of the file, at least halved", err, len(body), rec.Body.Len(), plain.Body.Len())
		}
		etag := rec.Header().Get("ETag")
		if etag == plain.Header().Get("ETag") {
			t.Fatal("the gzip encoding shares the plain file's ETag")
		}
		if again := get(t, "GET", Prefix+"js/i18n.js", http.Header{"Accept-Encoding": {c.accept}, "If-None-Match": {etag}}); again.Code != http.StatusNotModified {
			t.Fatalf("revalidating the gzip encoding: %d", again.Code)
		}
	}
}

func TestRefusesWhatItDoesNotServe(t *testing.T) {
	for _, c := range []struct {
		method, url string
		status      int
	}{
		{"GET", "/console/", http.StatusNotFound},
		{"GET", "/console/nope.js", http.StatusNotFound},
		{"GET", "/console/../console.go", http.StatusNotFound},
		{"GET", "/index.html", http.StatusNotFound},
		{"GET", "/js/main.js", http.StatusNotFound},
		{"POST", "/", http.StatusMethodNotAllowed},
		{"DELETE", "/console/console.css", http.StatusMethodNotAllowed},
	} {
		rec := get(t, c.method, c.url, nil)
		if rec.Code != c.status {
			t.Errorf("%s %s: %d, want %d", c.method, c.url, rec.Code, c.status)
		}
		wantHardened(t, rec)
	}
}

// TestAssetsNeedNothingTheCSPForbids reads the files themselves: no
// inline script or style, nothing from another host, no HTML built from
// strings, and every module import and page reference resolving to an
// embedded file (a typo would otherwise show only in a browser).
func TestAssetsNeedNothingTheCSPForbids(t *testing.T) {
	assets, err := load()
	if err != nil {
		t.Fatal(err)
	}
	index := string(assets["index.html"].body)
	if regexp.MustCompile(`<script(?:\s[^>]*)?>\s*[^<\s]`).MatchString(index) || strings.Contains(index, "<style") ||
		regexp.MustCompile(`\sstyle=|\son[a-z]+=`).MatchString(index) {
		t.Error("index.html has an inline script, style or event handler")
	}
	for _, ref := range regexp.MustCompile(`(?:src|href)="([^"]+)"`).FindAllStringSubmatch(index, -1) {
		if _, ok := assets[strings.TrimPrefix(ref[1], Prefix)]; !ok || !strings.HasPrefix(ref[1], Prefix) {
			t.Errorf("index.html refers to %s, which the console does not serve", ref[1])
		}
	}
	importRE := regexp.MustCompile(`(?m)^\s*(?:import|export)\s[^;]*?from\s+'([^']+)'`)
	for name, a := range assets {
		text := string(a.body)
		if path.Ext(name) == ".svg" {
			continue // its xmlns is a name, not a fetch
		}
		if strings.Contains(text, "://") {
			t.Errorf("%s names another host (://)", name)
		}
		if path.Ext(name) != ".js" {
			continue
		}
		for _, bad := range []string{"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function", "localStorage.setItem('ewaybill.apiKey"} {
			if strings.Contains(text, bad) {
				t.Errorf("%s uses %s", name, bad)
			}
		}
		for _, m := range importRE.FindAllStringSubmatch(text, -1) {
			target := path.Join(path.Dir(name), m[1])
			if _, ok := assets[target]; !ok {
				t.Errorf("%s imports %s (%s), which is not embedded", name, m[1], target)
			}
		}
	}
}
