// Package console is ewaybill's web console: plain JavaScript modules and
// CSS embedded in the binary, so `ewaybill serve` serves it without
// Node.js or a build step. It talks only to the public REST API, with the
// API key the user pastes (kept in the tab's session storage); the server
// gives it no other access.
package console

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"
)

// Prefix is where the assets are served; "/" serves index.html.
const Prefix = "/console/"

// ContentSecurityPolicy is sent with every console response. Scripts,
// styles and everything fetched come from this origin only, nothing
// inline (trusted types make an injected string of HTML throw). Label
// previews are blob: images, the PDF to print a blob: frame: Chromium
// shows a PDF in a frame with object-src 'none' (the console's tests
// check it), so plugins stay off.
const ContentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; " +
	"connect-src 'self'; frame-src 'self' blob:; object-src 'none'; base-uri 'none'; form-action 'none'; " +
	"frame-ancestors 'none'; require-trusted-types-for 'script'; trusted-types 'none'"

//go:embed static
var static embed.FS

// contentTypes are the types of the files the console ships, fixed here
// rather than read from the host's MIME tables, which differ between
// machines (a module served as text/plain does not run).
var contentTypes = map[string]string{
	".html": "text/html; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".svg":  "image/svg+xml",
}

// asset is one embedded file, read once, and its gzip form when that is
// smaller (a tablet on warehouse Wi-Fi loads a third of the bytes).
type asset struct {
	body        []byte
	contentType string
	etag        string
	gzipped     []byte
}

// Handler serves the console: index.html at "/" and the assets under
// Prefix. Any other path is not found. Assets are revalidated on every
// load (their names carry no version), which their ETags make cheap.
func Handler() http.Handler {
	assets, err := loadOnce()
	if err != nil {
		// The files are compiled in; an unreadable one is a broken build.
		panic(err)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", ContentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		name := "index.html"
		if r.URL.Path != "/" {
			name = strings.TrimPrefix(r.URL.Path, Prefix)
		}
		a, ok := assets[name]
		if !ok || (r.URL.Path != "/" && !strings.HasPrefix(r.URL.Path, Prefix)) {
			http.Error(w, "not found", http.StatusNotFound)
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			h.Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		h.Set("Content-Type", a.contentType)
		h.Set("Cache-Control", "no-cache")
		h.Set("Vary", "Accept-Encoding")
		body, etag := a.body, a.etag
		if a.gzipped != nil && acceptsGzip(r) {
			// Each encoding is its own representation, with its own tag.
			body, etag = a.gzipped, strings.TrimSuffix(a.etag, `"`)+`-gz"`
			h.Set("Content-Encoding", "gzip")
		}
		h.Set("ETag", etag)
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
	})
}

// loadOnce reads and compresses the files on the first call only: each
// server (and each test's) builds its handler, and the files never change.
var loadOnce = sync.OnceValues(load)

// load reads every embedded file, keyed by its path under static/.
func load() (map[string]asset, error) {
	root, err := fs.Sub(static, "static")
	if err != nil {
		return nil, err
	}
	assets := map[string]asset{}
	err = fs.WalkDir(root, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		ct, ok := contentTypes[path.Ext(name)]
		if !ok {
			return fmt.Errorf("console: no content type for %s", name)
		}
		body, err := fs.ReadFile(root, name)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		a := asset{body: body, contentType: ct, etag: `"` + base64.RawURLEncoding.EncodeToString(sum[:16]) + `"`}
		var z bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&z, gzip.BestCompression)
		zw.Write(body)
		if err := zw.Close(); err != nil {
			return err
		}
		if z.Len() < len(body) {
			a.gzipped = z.Bytes()
		}
		assets[name] = a
		return nil
	})
	return assets, err
}

// acceptsGzip reports whether r's Accept-Encoding takes gzip (and does
// not refuse it with q=0).
func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(coding), "gzip") {
			q := strings.ReplaceAll(params, " ", "")
			return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
		}
	}
	return false
}
