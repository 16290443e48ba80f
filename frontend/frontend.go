// Package frontend embeds the web UI: static HTML, CSS and ES modules served by the binary.
// The UI uses hash routes (#/units/12), so the server only ever serves these files.
package frontend

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/sangathan/sangathan/api"
)

//go:embed static
var files embed.FS

// The dashboard's map shapes are made from the Hindustan Times Labs boundaries (see README.md):
//go:generate go run ../cmd/mapshapes -in ../../shared/data/realworld/up_ac_psleci.geojson -out static/map/up-ac.json

// ContentSecurityPolicy is sent as a header with every file, index.html included. It is not
// repeated in a <meta>: there browsers ignore frame-ancestors and warn in the console.
const ContentSecurityPolicy = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'"

// contentTypes are set by us rather than by the mime package, whose table the host's
// /etc/mime.types can change (some map .js to application/javascript).
var contentTypes = map[string]string{
	".html": "text/html; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".json": "application/json",
	".css":  "text/css; charset=utf-8",
	".svg":  "image/svg+xml",
	".png":  "image/png",
	".ico":  "image/x-icon",
	".txt":  "text/plain; charset=utf-8",
}

type asset struct {
	body  []byte
	gz    []byte // body gzip-compressed, or nil where that saves little
	ctype string
	etag  string
}

// Handler serves the UI: index.html at /, and the embedded files by path. Everything is sent
// with Cache-Control: no-cache and a content hash as ETag, so a browser revalidates cheaply
// (304) and sees a new release at once; gzip-compressed (once, at start-up) to a browser that
// accepts it, which is every browser: on a phone's slow network the first load is then about a
// third of the bytes.
func Handler() http.Handler {
	assets, err := load(files)
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		p := r.URL.Path
		if p == "/" {
			p = "/index.html"
		}
		a, ok := assets[p]
		if !ok {
			http.NotFound(w, r)
			return
		}
		h := w.Header()
		h.Set("Content-Type", a.ctype)
		h.Set("Cache-Control", "no-cache")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Content-Security-Policy", ContentSecurityPolicy)
		body, etag := a.body, a.etag
		if a.gz != nil {
			h.Set("Vary", "Accept-Encoding")
			if api.AcceptsGzip(r.Header.Get("Accept-Encoding")) {
				// Another representation, so another (strong) ETag.
				body, etag = a.gz, strings.TrimSuffix(a.etag, `"`)+`-gz"`
				h.Set("Content-Encoding", "gzip")
			}
		}
		h.Set("ETag", etag)
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
	})
}

// load reads every embedded file into memory once (the whole UI is a few tens of KB).
func load(fsys embed.FS) (map[string]asset, error) {
	sub, err := fs.Sub(fsys, "static")
	if err != nil {
		return nil, err
	}
	out := map[string]asset{}
	err = fs.WalkDir(sub, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		ct, ok := contentTypes[path.Ext(p)]
		if !ok {
			ct = "application/octet-stream"
		}
		b, err := fs.ReadFile(sub, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		gz, err := compress(b)
		if err != nil {
			return err
		}
		out["/"+p] = asset{body: b, gz: gz, ctype: ct, etag: `"` + hex.EncodeToString(sum[:8]) + `"`}
		return nil
	})
	return out, err
}

// compress gzips b, or returns nil when that saves less than a tenth (small or already
// compressed files), which are then sent as they are.
func compress(b []byte) ([]byte, error) {
	if len(b) < 512 {
		return nil, nil
	}
	var buf bytes.Buffer
	w, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(b); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	if buf.Len() > len(b)*9/10 {
		return nil, nil
	}
	return buf.Bytes(), nil
}
