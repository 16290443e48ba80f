package api

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/gin-contrib/cors"
	"github.com/gin-gonic/gin"
)

// HSTSHeader is sent on every answer over TLS: browsers then refuse plain HTTP to this host for
// two years, subdomains included. Not "preload": that is a decision for the site's owner.
const HSTSHeader = "max-age=63072000; includeSubDomains"

// ParseOrigins checks a CORS allow-list (SANGATHAN_CORS_ORIGINS): each entry an origin
// "scheme://host[:port]" with scheme http or https and nothing after the host — no path, no
// wildcard. A wildcard would let any site's scripts read what a logged-in worker's browser
// fetches, so it is refused rather than trusted.
func ParseOrigins(list string) ([]string, error) {
	var out []string
	for _, o := range strings.Split(list, ",") {
		o = strings.TrimSpace(o)
		if o == "" {
			continue
		}
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || strings.Contains(u.Host, "*") ||
			u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
			return nil, fmt.Errorf("SANGATHAN_CORS_ORIGINS: %q is not an origin like https://example.org (no path, no wildcard)", o)
		}
		out = append(out, u.Scheme+"://"+strings.ToLower(u.Host))
	}
	return out, nil
}

// corsPolicy answers cross-origin requests. The API is closed to other origins by default: a
// request whose Origin is neither this server's own nor in the allow-list gets 403 before any
// handler runs, preflight included, so a page on another site can neither read answers nor
// cause writes. Origins in the allow-list (SANGATHAN_CORS_ORIGINS) get the CORS headers from
// gin-contrib/cors: bearer-token requests with the headers the API reads, and the headers it
// answers with exposed. Credentials (cookies) are never allowed cross-origin: the refresh cookie
// stays with the web UI on its own origin.
func corsPolicy(origins []string) gin.HandlerFunc {
	allowed := map[string]bool{}
	for _, o := range origins {
		allowed[o] = true
	}
	var lib gin.HandlerFunc
	if len(origins) > 0 {
		lib = cors.New(cors.Config{
			AllowOrigins:     origins,
			AllowMethods:     []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete},
			AllowHeaders:     []string{"Authorization", "Content-Type", "Content-Encoding", "If-Match", headerReqID},
			ExposeHeaders:    []string{"ETag", "Retry-After", "Content-Disposition", headerReqID},
			AllowCredentials: false,
			MaxAge:           10 * time.Minute,
		})
	}
	return func(c *gin.Context) {
		origin := c.GetHeader("Origin")
		if origin == "" || sameOrigin(c.Request, origin) {
			c.Next()
			return
		}
		if !allowed[strings.ToLower(origin)] {
			fail(c, http.StatusForbidden, "requests from the origin "+strconvQuote(origin)+" are not allowed (header Origin); the server's SANGATHAN_CORS_ORIGINS lists the origins it accepts")
			c.Abort()
			return
		}
		lib(c)
	}
}

// sameOrigin reports whether origin is the server's own, as the browser saw it: the Host the
// request was sent to, over either scheme (a TLS-terminating proxy hides which).
func sameOrigin(r *http.Request, origin string) bool {
	o := strings.ToLower(origin)
	h := strings.ToLower(r.Host)
	return o == "http://"+h || o == "https://"+h
}

func strconvQuote(s string) string {
	if len(s) > 200 {
		s = s[:200]
	}
	return fmt.Sprintf("%q", s)
}

// hsts sends Strict-Transport-Security on answers that travelled over TLS: served by this
// process with a certificate, or by a TLS-terminating proxy in trustedProxies that says so in
// X-Forwarded-Proto. Over plain HTTP the header would mean nothing (browsers ignore it) and a
// forged X-Forwarded-Proto from an untrusted client must not turn it on.
func hsts(trustedProxies []string) (gin.HandlerFunc, error) {
	var nets []netip.Prefix
	for _, p := range trustedProxies {
		if pfx, err := netip.ParsePrefix(p); err == nil {
			nets = append(nets, pfx)
			continue
		}
		a, err := netip.ParseAddr(p)
		if err != nil {
			return nil, fmt.Errorf("trusted proxy %q is neither an address nor a CIDR prefix", p)
		}
		nets = append(nets, netip.PrefixFrom(a, a.BitLen()))
	}
	trusted := func(remote string) bool {
		host, _, err := net.SplitHostPort(remote)
		if err != nil {
			host = remote
		}
		a, err := netip.ParseAddr(host)
		if err != nil {
			return false
		}
		a = a.Unmap()
		for _, n := range nets {
			if n.Contains(a) {
				return true
			}
		}
		return false
	}
	return func(c *gin.Context) {
		r := c.Request
		if r.TLS != nil || (strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https") && trusted(r.RemoteAddr)) {
			c.Header("Strict-Transport-Security", HSTSHeader)
		}
		c.Next()
	}, nil
}
