package services

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"gorm.io/gorm"
)

// LoginLimits bound password checks. Every count runs over a fixed window and lives in the
// database (table login_throttle), so all server processes on one database share it. An attempt
// is counted before its password is checked, in the same step that decides whether it may be
// checked at all; a successful login takes its attempt back, so the counts are of failures.
type LoginLimits struct {
	// Window is how long a count runs before it starts again from zero.
	Window time.Duration
	// PerUserAddress is how many attempts one username may have checked from one client address
	// in a window; the next ones get RateLimited until the window ends. A successful login from
	// that address starts this count again.
	PerUserAddress int
	// PerAddress is how many attempts one client address may have checked in a window, across
	// all usernames; the next ones get RateLimited until the window ends.
	PerAddress int
	// PerUsername is the ceiling for one username across all addresses. Reaching it does not
	// lock the account: each attempt from then on is followed by a back-off, during which every
	// attempt for that username gets RateLimited. The back-off starts at BackoffBase and doubles
	// with each further attempt in the window, up to BackoffMax.
	PerUsername int
	BackoffBase time.Duration
	BackoffMax  time.Duration
}

// DefaultLoginLimits allow, in 15 minutes, 5 failed attempts per username and client address,
// 20 per client address, and 50 per username across addresses, after which each attempt for that
// username waits a back-off from 15 seconds doubling up to 5 minutes.
var DefaultLoginLimits = LoginLimits{
	Window:         15 * time.Minute,
	PerUserAddress: 5,
	PerAddress:     20,
	PerUsername:    50,
	BackoffBase:    15 * time.Second,
	BackoffMax:     5 * time.Minute,
}

// LoginLimiter counts login attempts in the database.
type LoginLimiter struct {
	db        *gorm.DB
	now       Clock
	limits    LoginLimits
	lastPrune atomic.Int64 // Unix milliseconds of this process's last prune
}

// NewLoginLimiter returns a limiter over db. Zero fields of l take their DefaultLoginLimits value.
func NewLoginLimiter(db *gorm.DB, now Clock, l LoginLimits) *LoginLimiter {
	d := DefaultLoginLimits
	for _, f := range []struct{ v, def *int }{{&l.PerUserAddress, &d.PerUserAddress}, {&l.PerAddress, &d.PerAddress}, {&l.PerUsername, &d.PerUsername}} {
		if *f.v <= 0 {
			*f.v = *f.def
		}
	}
	for _, f := range []struct{ v, def *time.Duration }{{&l.Window, &d.Window}, {&l.BackoffBase, &d.BackoffBase}, {&l.BackoffMax, &d.BackoffMax}} {
		if *f.v <= 0 {
			*f.v = *f.def
		}
	}
	return &LoginLimiter{db: db, now: now, limits: l}
}

// The kinds of counted keys, in lock order: every attempt (and every release) takes its rows'
// locks as a, u, ua, one row of each kind, so two attempts never wait on each other in a cycle.
const (
	keyAddress     = "a:"
	keyUsername    = "u:"
	keyUserAddress = "ua:"
)

// loginAttempt is a reservation: the counted keys, in lock order, and the window each was
// counted in.
type loginAttempt struct {
	keys    []throttleKey
	windows []int64
	// blocked are, for a refused attempt, the keys that refused it and the block each is in.
	blocked []blockedKey
}

// blockedKey is a key that refused an attempt, and which block it is in: the window's start for
// the address and username-and-address limits, the back-off's end for the username's.
type blockedKey struct {
	throttleKey
	block int64
}

// throttleKey is one counted key and its kind.
type throttleKey struct{ kind, key string }

// throttleKeys are the keys an attempt counts on, in lock order. Client addresses hold no "|",
// so the username-and-address key names one pair.
func throttleKeys(username, addr string) []throttleKey {
	return []throttleKey{
		{keyAddress, keyAddress + addr},
		{keyUsername, keyUsername + username},
		{keyUserAddress, keyUserAddress + username + "|" + addr},
	}
}

// throttleRow is a login_throttle row as the reservation left it.
type throttleRow struct {
	Failures     int
	WindowStart  int64
	BlockedUntil *int64
}

// reserveSQL counts one attempt on a key, starting a new window when the old one has ended, and
// returns the row. It runs on PostgreSQL and SQLite (≥ 3.35) alike; on a conflict the row stays
// locked until the transaction ends.
const reserveSQL = `INSERT INTO login_throttle (key, failures, window_start) VALUES (?, 1, ?)
ON CONFLICT (key) DO UPDATE SET
	failures = CASE WHEN login_throttle.window_start <= ? THEN 1 ELSE login_throttle.failures + 1 END,
	window_start = CASE WHEN login_throttle.window_start <= ? THEN excluded.window_start ELSE login_throttle.window_start END
RETURNING failures, window_start, blocked_until`

// errThrottled rolls a refused reservation back.
var errThrottled = errors.New("login throttled")

// reserve counts an attempt for username from addr on every key and says whether its password
// may be checked. Returns RateLimited (with RetryAfter) when any limit is reached; then the
// transaction is rolled back and nothing is counted, so attempts refused at one address never
// add to the username's ceiling. Each key is counted and read back by one statement that keeps
// the row locked until the decision commits, so parallel attempts (in any process) are counted
// one after another and cannot all pass before any is counted.
func (l *LoginLimiter) reserve(ctx context.Context, username, addr string) (loginAttempt, error) {
	now := l.now()
	nowMs := now.UnixMilli()
	cutoff := now.Add(-l.limits.Window).UnixMilli()
	keys := throttleKeys(username, addr)
	att := loginAttempt{keys: keys, windows: make([]int64, len(keys))}
	var wait time.Duration
	err := l.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for i, k := range keys {
			var r throttleRow
			if err := tx.Raw(reserveSQL, k.key, nowMs, cutoff, cutoff).Scan(&r).Error; err != nil {
				return dbErr("count login attempt", err)
			}
			att.windows[i] = r.WindowStart
			windowLeft := time.UnixMilli(r.WindowStart).Add(l.limits.Window).Sub(now)
			var w time.Duration
			block := r.WindowStart
			switch k.kind {
			case keyAddress:
				if r.Failures > l.limits.PerAddress {
					w = windowLeft
				}
			case keyUserAddress:
				if r.Failures > l.limits.PerUserAddress {
					w = windowLeft
				}
			case keyUsername:
				if r.BlockedUntil != nil && *r.BlockedUntil > nowMs {
					w, block = time.UnixMilli(*r.BlockedUntil).Sub(now), *r.BlockedUntil
				} else if r.Failures >= l.limits.PerUsername {
					until := now.Add(l.backoff(r.Failures - l.limits.PerUsername)).UnixMilli()
					if err := tx.Exec("UPDATE login_throttle SET blocked_until = ? WHERE key = ?", until, k.key).Error; err != nil {
						return dbErr("count login attempt", err)
					}
				}
			}
			if w > 0 {
				att.blocked = append(att.blocked, blockedKey{k, block})
			}
			wait = max(wait, w)
		}
		if wait > 0 {
			return errThrottled
		}
		return nil
	})
	if errors.Is(err, errThrottled) {
		return loginAttempt{blocked: att.blocked}, &Error{Code: ERateLimited, Message: "too many login attempts; try again later", RetryAfter: int(wait/time.Second) + 1}
	}
	if err != nil {
		return loginAttempt{}, dbErr("count login attempt", err)
	}
	l.prune(ctx, now)
	return att, nil
}

// backoff is the wait after the n-th attempt beyond the per-username ceiling (n from 0).
func (l *LoginLimiter) backoff(n int) time.Duration {
	d := l.limits.BackoffBase
	for ; n > 0 && d < l.limits.BackoffMax; n-- {
		d *= 2
	}
	return min(d, l.limits.BackoffMax)
}

// succeeded takes a successful attempt back, inside tx: the username-and-address count starts
// again, and the address and username counts lose this attempt (when still in its window). A row
// left with nothing to count is deleted, so good logins leave no rows behind. Rows are taken in
// the reservation's lock order.
func (l *LoginLimiter) succeeded(tx *gorm.DB, att loginAttempt) error {
	nowMs := l.now().UnixMilli()
	for i, k := range att.keys {
		if k.kind == keyUserAddress {
			if err := tx.Exec("DELETE FROM login_throttle WHERE key = ?", k.key).Error; err != nil {
				return dbErr("release login attempt", err)
			}
			continue
		}
		res := tx.Exec("DELETE FROM login_throttle WHERE key = ? AND window_start = ? AND failures <= 1 AND (blocked_until IS NULL OR blocked_until <= ?)",
			k.key, att.windows[i], nowMs)
		if res.Error == nil && res.RowsAffected == 0 {
			res = tx.Exec("UPDATE login_throttle SET failures = failures - 1 WHERE key = ? AND window_start = ? AND failures > 0", k.key, att.windows[i])
		}
		if res.Error != nil {
			return dbErr("release login attempt", res.Error)
		}
	}
	return nil
}

// prune deletes the rows whose window has ended and whose back-off is over (they count as no row
// at all), at most once a window per process, so the table holds only recent failures. It deletes
// one kind of key per statement: a reservation holds at most one row of each kind and waits only
// for rows of a later kind, so it never waits on a prune that waits on it.
func (l *LoginLimiter) prune(ctx context.Context, now time.Time) {
	last := l.lastPrune.Load()
	if now.UnixMilli()-last < l.limits.Window.Milliseconds() || !l.lastPrune.CompareAndSwap(last, now.UnixMilli()) {
		return
	}
	for _, kind := range []string{keyAddress, keyUsername, keyUserAddress} {
		// A failed prune is retried a window later; the limits do not depend on it.
		_ = l.db.WithContext(ctx).Exec("DELETE FROM login_throttle WHERE substr(key, 1, ?) = ? AND window_start <= ? AND (blocked_until IS NULL OR blocked_until <= ?)",
			len(kind), kind, now.Add(-l.limits.Window).UnixMilli(), now.UnixMilli()).Error
	}
}

// lockoutKinds names the limits in the audit log.
var lockoutKinds = map[string]string{keyAddress: "address", keyUsername: "username", keyUserAddress: "username_address"}

// noteLockout marks, inside tx, the blocks that refused att as written to the audit log and
// returns the limits whose block was not marked before (in lock order): a block is audited once,
// however many attempts it refuses. Two refusals at once mark it once: the update is conditional.
func (l *LoginLimiter) noteLockout(tx *gorm.DB, att loginAttempt) ([]string, error) {
	var kinds []string
	for _, b := range att.blocked {
		res := tx.Exec("UPDATE login_throttle SET lockout_noted = ? WHERE key = ? AND (lockout_noted IS NULL OR lockout_noted <> ?)", b.block, b.key, b.block)
		if res.Error != nil {
			return nil, dbErr("note lockout", res.Error)
		}
		if res.RowsAffected == 1 {
			kinds = append(kinds, lockoutKinds[b.kind])
		}
	}
	return kinds, nil
}
