// Package frontend embeds the web UI: static HTML, CSS and ES modules served by the binary.
// The UI uses hash routes (#/units/12), so the server only ever serves these files.
//
// For a phone on a slow network the server prepares, once at start-up, a fingerprinted copy
// of what the UI loads (see Handler): the ES modules bundled into one file, the CSS and the
// JSON files, each at a URL that names its content's hash and is cached as immutable; an
// index.html that names those URLs; and a service worker (sw.js) that keeps them for the next
// visit. No Node tool is needed: the bundler is esbuild's Go package.
package frontend

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"

	esbuild "github.com/evanw/esbuild/pkg/api"

	"github.com/sangathan/sangathan/api"
)

//go:embed static
var files embed.FS

// The dashboard's map shapes are made from the Hindustan Times Labs boundaries (see README.md):
//go:generate go run ../cmd/mapshapes -in ../../shared/data/realworld/up_ac_psleci.geojson -out static/map/up-ac.json

// ContentSecurityPolicy is sent as a header with every file, index.html included. It is not
// repeated in a <meta>: there browsers ignore frame-ancestors and warn in the console. The
// service worker and the web app manifest are same-origin files, which default-src allows.
// style-src also allows, by its hash, the one inline stylesheet of the incidents' memorandum
// (services.MemoStyle): the case page opens the memorandum from a blob: URL, and such a page
// inherits this policy.
const ContentSecurityPolicy = "default-src 'self'; img-src 'self' data:; style-src 'self' 'sha256-yIuoqS5AO4dMhcNBVg9BmRS4U7iuFUgjOcRevyb52P8='; script-src 'self'; connect-src 'self'; frame-ancestors 'none'"

// contentTypes are set by us rather than by the mime package, whose table the host's
// /etc/mime.types can change (some map .js to application/javascript).
var contentTypes = map[string]string{
	".html":        "text/html; charset=utf-8",
	".js":          "text/javascript; charset=utf-8",
	".json":        "application/json",
	".webmanifest": "application/manifest+json",
	".css":         "text/css; charset=utf-8",
	".svg":         "image/svg+xml",
	".png":         "image/png",
	".ico":         "image/x-icon",
	".txt":         "text/plain; charset=utf-8",
}

// Cache-Control values: a fingerprinted URL never changes its content, everything else is
// revalidated on every use (cheaply, by ETag).
const (
	cacheImmutable  = "public, max-age=31536000, immutable"
	cacheRevalidate = "no-cache"
)

// AssetPrefix is the folder of the fingerprinted files: /assets/app.3f9a1c0b2d4e.js.
const AssetPrefix = "/assets/"

type asset struct {
	body  []byte
	gz    []byte // body gzip-compressed, or nil where that saves little
	ctype string
	etag  string
	cache string // the Cache-Control header
}

func newAsset(p string, b []byte, cache string) (asset, error) {
	ct, ok := contentTypes[path.Ext(p)]
	if !ok {
		ct = "application/octet-stream"
	}
	gz, err := compress(b)
	if err != nil {
		return asset{}, err
	}
	return asset{body: b, gz: gz, ctype: ct, etag: `"` + hash(b) + `"`, cache: cache}, nil
}

// hash is the fingerprint of a file: 12 hex digits of its SHA-256.
func hash(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:6])
}

// Site is the prepared UI: every file by the path it is served at.
type Site struct {
	assets map[string]asset
	// current maps the plain name of a fingerprinted file (app.js, hi.json) to its URL.
	current map[string]string
	// Release fingerprints the whole shell: it names the service worker's cache.
	Release string
	// Shell lists the fingerprinted URLs the service worker keeps at install, index.html first.
	Shell []string
	// Prefetch lists what index.html asks for early besides the CSS and the bundle: the Hindi
	// table, which a first visit needs (a prefetch, not a preload: a reader who chose English
	// leaves it unused, and an unused preload is a console warning).
	Prefetch []string
}

// Handler serves the UI: index.html at / (naming the fingerprinted bundle, CSS and Hindi
// table, so that a first visit needs two rounds of requests), the fingerprinted files under
// /assets/ with Cache-Control immutable, sw.js and the embedded files by their own path with
// no-cache and a content hash as ETag, so a browser revalidates cheaply (304) and sees a new
// release at once. Everything is gzip-compressed (once, at start-up) for a browser that
// accepts it, which is every browser: on a phone's slow network the first load is then about
// a third of the bytes.
func Handler() http.Handler {
	s, err := built()
	if err != nil {
		panic(err) // the embedded tree is fixed at build time; the tests build it
	}
	return s
}

// Build prepares the embedded UI (once: the files are fixed at build time).
func Build() (*Site, error) {
	return built()
}

var built = sync.OnceValues(func() (*Site, error) { return build(files) })

func (s *Site) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	p := r.URL.Path
	if p == "/" {
		p = "/index.html"
	}
	a, ok := s.assets[p]
	if !ok {
		// A page of the release before still asks for its fingerprints (a JSON file it loads
		// late): it gets today's file, not to be kept.
		if cur, found := s.current[plainName(p)]; found {
			a, ok = s.assets[cur], true
			a.cache = cacheRevalidate
		}
	}
	if !ok {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", a.ctype)
	h.Set("Cache-Control", a.cache)
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
}

// plainName turns /assets/hi.0123456789ab.json into hi.json ("" for any other path).
func plainName(p string) string {
	if !strings.HasPrefix(p, AssetPrefix) {
		return ""
	}
	name := strings.TrimPrefix(p, AssetPrefix)
	ext := path.Ext(name)
	base := strings.TrimSuffix(name, ext)
	dot := strings.LastIndexByte(base, '.')
	if dot < 0 || strings.Contains(base, "/") {
		return ""
	}
	return base[:dot] + ext
}

// fingerprinted are the files served under /assets/ besides the bundle, by their path in static/.
var fingerprinted = []string{"css/app.css", "i18n/hi.json", "i18n/en.json", "map/up-ac.json", "favicon.svg"}

// The entry module, the files index.html names, and the Hindi table a first visit loads.
const (
	entryModule = "js/app.js"
	firstTable  = "i18n/hi.json"
)

func build(fsys fs.FS) (*Site, error) {
	sub, err := fs.Sub(fsys, "static")
	if err != nil {
		return nil, err
	}
	s := &Site{assets: map[string]asset{}, current: map[string]string{}}
	// Every file by its own path, revalidated on each use (as before fingerprints; the tests
	// and a browser holding an old index.html still find them).
	raw := map[string][]byte{}
	err = fs.WalkDir(sub, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(sub, p)
		if err != nil {
			return err
		}
		raw[p] = b
		return nil
	})
	if err != nil {
		return nil, err
	}
	for p, b := range raw {
		if s.assets["/"+p], err = newAsset(p, b, cacheRevalidate); err != nil {
			return nil, err
		}
	}
	urls := map[string]string{} // "/i18n/hi.json" → "/assets/hi.….json"
	fingerprint := func(name string, b []byte) (string, error) {
		ext := path.Ext(name)
		u := AssetPrefix + strings.TrimSuffix(name, ext) + "." + hash(b) + ext
		if _, dup := s.current[name]; dup {
			return "", fmt.Errorf("frontend: two fingerprinted files are called %s", name)
		}
		s.current[name] = u
		a, err := newAsset(name, b, cacheImmutable)
		s.assets[u] = a
		return u, err
	}
	for _, p := range fingerprinted {
		b, ok := raw[p]
		if !ok {
			return nil, fmt.Errorf("frontend: static/%s is missing", p)
		}
		if urls["/"+p], err = fingerprint(path.Base(p), b); err != nil {
			return nil, err
		}
	}
	js, err := bundle(sub, entryModule, urls)
	if err != nil {
		return nil, err
	}
	bundleURL, err := fingerprint(path.Base(entryModule), js)
	if err != nil {
		return nil, err
	}

	// index.html names the fingerprinted files; a first visit asks for all of them at once.
	index := string(raw["index.html"])
	s.Prefetch = []string{urls["/"+firstTable]}
	for _, r := range []struct{ from, to string }{
		{`href="/css/app.css"`, `href="` + urls["/css/app.css"] + `"`},
		{`href="/favicon.svg"`, `href="` + urls["/favicon.svg"] + `"`},
		{`<script type="module" src="/js/app.js"></script>`, `<script type="module" src="` + bundleURL + `"></script>` +
			"\n" + `<link rel="prefetch" href="` + s.Prefetch[0] + `">`},
	} {
		if strings.Count(index, r.from) != 1 {
			return nil, fmt.Errorf("frontend: index.html should name %s once", r.from)
		}
		index = strings.Replace(index, r.from, r.to, 1)
	}
	if s.assets["/index.html"], err = newAsset("index.html", []byte(index), cacheRevalidate); err != nil {
		return nil, err
	}

	// The service worker keeps the shell: index.html, the bundle, the CSS, both tables, the
	// manifest and the icons. (The map shapes are kept when the dashboard first loads them.)
	s.Shell = []string{"/", bundleURL}
	for _, p := range fingerprinted {
		if !strings.HasPrefix(p, "map/") {
			s.Shell = append(s.Shell, urls["/"+p])
		}
	}
	s.Shell = append(s.Shell, "/manifest.webmanifest", "/icon.svg")
	rel := sha256.New()
	rel.Write([]byte(index))
	for _, u := range s.Shell {
		rel.Write([]byte(u + "\n"))
	}
	rel.Write(raw["manifest.webmanifest"])
	rel.Write(raw["icon.svg"])
	rel.Write(raw["sw.js"])
	s.Release = hex.EncodeToString(rel.Sum(nil)[:6])
	sw, err := serviceWorker(string(raw["sw.js"]), s.Release, s.Shell)
	if err != nil {
		return nil, err
	}
	if s.assets["/sw.js"], err = newAsset("sw.js", []byte(sw), cacheRevalidate); err != nil {
		return nil, err
	}
	return s, nil
}

// swRelease is the line of sw.js that the server fills in with this release's shell.
const swRelease = "const RELEASE = { name: 'dev', shell: [] }; // filled in by the server (frontend.go)"

func serviceWorker(src, release string, shell []string) (string, error) {
	if strings.Count(src, swRelease) != 1 {
		return "", fmt.Errorf("frontend: sw.js should hold the line %q once", swRelease)
	}
	list, err := json.Marshal(shell)
	if err != nil {
		return "", err
	}
	return strings.Replace(src, swRelease, fmt.Sprintf("const RELEASE = { name: %q, shell: %s };", release, list), 1), nil
}

// bundle joins the ES modules reachable from entry into one minified module, so that a phone
// fetches one file instead of discovering imports one level at a time (each level a round trip
// of two seconds on a slow network). __ASSETS__ in the code becomes the map from the static
// JSON files' paths to their fingerprinted URLs.
func bundle(sub fs.FS, entry string, urls map[string]string) ([]byte, error) {
	assets, err := json.Marshal(urls)
	if err != nil {
		return nil, err
	}
	embedded := esbuild.Plugin{Name: "embedded", Setup: func(b esbuild.PluginBuild) {
		b.OnResolve(esbuild.OnResolveOptions{Filter: `.*`}, func(a esbuild.OnResolveArgs) (esbuild.OnResolveResult, error) {
			if a.Kind == esbuild.ResolveEntryPoint {
				return esbuild.OnResolveResult{Path: a.Path, Namespace: "static"}, nil
			}
			if !strings.HasPrefix(a.Path, "./") && !strings.HasPrefix(a.Path, "../") {
				return esbuild.OnResolveResult{}, fmt.Errorf("%s imports %s: the UI's modules import each other by relative path only", a.Importer, a.Path)
			}
			return esbuild.OnResolveResult{Path: path.Join(path.Dir(a.Importer), a.Path), Namespace: "static"}, nil
		})
		b.OnLoad(esbuild.OnLoadOptions{Filter: `.*`, Namespace: "static"}, func(a esbuild.OnLoadArgs) (esbuild.OnLoadResult, error) {
			src, err := fs.ReadFile(sub, a.Path)
			if err != nil {
				return esbuild.OnLoadResult{}, err
			}
			text := string(src)
			return esbuild.OnLoadResult{Contents: &text, Loader: esbuild.LoaderJS}, nil
		})
	}}
	res := esbuild.Build(esbuild.BuildOptions{
		EntryPoints:       []string{entry},
		Bundle:            true,
		Write:             false,
		Outfile:           "app.js",
		Format:            esbuild.FormatESModule,
		MinifyWhitespace:  true,
		MinifyIdentifiers: true,
		MinifySyntax:      true,
		LegalComments:     esbuild.LegalCommentsNone,
		Charset:           esbuild.CharsetUTF8,
		Define:            map[string]string{"__ASSETS__": string(assets)},
		Plugins:           []esbuild.Plugin{embedded},
		LogLevel:          esbuild.LogLevelSilent,
	})
	if len(res.Errors) > 0 {
		msgs := make([]string, len(res.Errors))
		for i, m := range res.Errors {
			msgs[i] = m.Text
			if m.Location != nil {
				msgs[i] = fmt.Sprintf("%s:%d: %s", m.Location.File, m.Location.Line, m.Text)
			}
		}
		return nil, fmt.Errorf("frontend: bundling %s: %s", entry, strings.Join(msgs, "; "))
	}
	if len(res.OutputFiles) != 1 {
		return nil, fmt.Errorf("frontend: bundling %s made %d files", entry, len(res.OutputFiles))
	}
	return res.OutputFiles[0].Contents, nil
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
