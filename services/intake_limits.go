package services

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net"
	"sync/atomic"
	"time"

	"gorm.io/gorm"
)

// IntakeLimits bound what one client address may do with the public intake, which needs no
// login. Every count runs over a fixed window and lives in the database (table intake_throttle),
// so that all server processes on one database share it, as the login limits do.
type IntakeLimits struct {
	// Window is how long a count runs before it starts again from zero.
	Window time.Duration
	// Submissions is how many reports one client address may file in a window (a filled
	// honeypot counts as one); the next get RateLimited until the window ends.
	Submissions int
	// AllSubmissions is the ceiling for every address together, so that many addresses at once
	// cannot bury the review queue.
	AllSubmissions int
	// Lookups is how many tracking-code lookups one client address may make in a window, found
	// or not: with codes of some 50 bits, this makes guessing them hopeless.
	Lookups int
}

// DefaultIntakeLimits allow, in an hour, 5 reports and 60 lookups per client address and 500
// reports in all.
var DefaultIntakeLimits = IntakeLimits{Window: time.Hour, Submissions: 5, AllSubmissions: 500, Lookups: 60}

// withDefaults fills the zero fields of l from DefaultIntakeLimits.
func (l IntakeLimits) withDefaults() IntakeLimits {
	d := DefaultIntakeLimits
	if l.Window <= 0 {
		l.Window = d.Window
	}
	for _, f := range []struct{ v, def *int }{{&l.Submissions, &d.Submissions}, {&l.AllSubmissions, &d.AllSubmissions}, {&l.Lookups, &d.Lookups}} {
		if *f.v <= 0 {
			*f.v = *f.def
		}
	}
	return l
}

// The kinds of intake keys. Lock order: per-address keys before the shared one.
const (
	intakeSubmit    = "s:"
	intakeAllSubmit = "s:*"
	intakeLookup    = "t:"
)

// addressKey is the counted form of a client address: a digest, so that the table holds no
// reporter's address, of the address itself (IPv4) or of its /64 network (IPv6, where one
// subscriber commonly holds the whole /64 and could otherwise change address at will).
func addressKey(addr string) string {
	if ip := net.ParseIP(addr); ip != nil {
		if v4 := ip.To4(); v4 != nil {
			addr = v4.String()
		} else {
			addr = ip.Mask(net.CIDRMask(64, 128)).String() + "/64"
		}
	}
	sum := sha256.Sum256([]byte("sangathan-intake|" + addr))
	return hex.EncodeToString(sum[:16])
}

// hitSQL counts one hit on a key, starting a new window when the old one has ended, and returns
// the row; on PostgreSQL the row stays locked until the transaction ends, so parallel hits (in
// any process) are counted one after another.
const hitSQL = `INSERT INTO intake_throttle (key, hits, window_start) VALUES (?, 1, ?)
ON CONFLICT (key) DO UPDATE SET
	hits = CASE WHEN intake_throttle.window_start <= ? THEN 1 ELSE intake_throttle.hits + 1 END,
	window_start = CASE WHEN intake_throttle.window_start <= ? THEN excluded.window_start ELSE intake_throttle.window_start END
RETURNING hits, window_start`

// errIntakeThrottled rolls a refused hit back.
var errIntakeThrottled = errors.New("intake throttled")

// intakeThrottle counts hits in intake_throttle.
type intakeThrottle struct {
	lastPrune atomic.Int64 // Unix milliseconds of this process's last prune
}

// hit counts one hit on each key in tx, whose limits are given in the same order, and returns
// how long to wait when any count is over its limit (0 when all are within). The caller rolls
// the transaction back on a wait, so refused hits are not counted.
func (t *intakeThrottle) hit(tx *gorm.DB, now time.Time, window time.Duration, keys []string, limits []int) (time.Duration, error) {
	nowMs := now.UnixMilli()
	cutoff := now.Add(-window).UnixMilli()
	var wait time.Duration
	for i, k := range keys {
		var r struct {
			Hits        int
			WindowStart int64
		}
		if err := tx.Raw(hitSQL, k, nowMs, cutoff, cutoff).Scan(&r).Error; err != nil {
			return 0, dbErr("count intake", err)
		}
		if r.Hits > limits[i] {
			wait = max(wait, time.UnixMilli(r.WindowStart).Add(window).Sub(now))
		}
	}
	return wait, nil
}

// rateLimited is the error for a refused hit.
func rateLimited(msg string, wait time.Duration) error {
	return &Error{Code: ERateLimited, Message: msg, RetryAfter: int(wait/time.Second) + 1}
}

// prune deletes the rows whose window has ended, at most once a window per process.
func (t *intakeThrottle) prune(db *gorm.DB, now time.Time, window time.Duration) {
	last := t.lastPrune.Load()
	if now.UnixMilli()-last < window.Milliseconds() || !t.lastPrune.CompareAndSwap(last, now.UnixMilli()) {
		return
	}
	// A failed prune is retried a window later; the limits do not depend on it.
	_ = db.Exec("DELETE FROM intake_throttle WHERE window_start <= ?", now.Add(-window).UnixMilli()).Error
}
