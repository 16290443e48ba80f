package services_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/sangathan/sangathan/models"
	"github.com/sangathan/sangathan/services"
)

// parallelLogins sends n wrong passwords for username from addr at once, spread over the given
// auth services, and counts the answers by code.
func parallelLogins(t *testing.T, auths []*services.Auth, n int, username, addr string) map[services.Code]int {
	t.Helper()
	var mu sync.Mutex
	got := map[services.Code]int{}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, err := auths[i%len(auths)].Login(context.Background(), username, "a-wrong-password", addr)
			mu.Lock()
			got[services.ErrorCode(err)]++
			mu.Unlock()
		}()
	}
	close(start)
	wg.Wait()
	return got
}

// wantChecked fails unless exactly checked of the answers were 401 and the rest 429.
func wantChecked(t *testing.T, got map[services.Code]int, n, checked int) {
	t.Helper()
	t.Logf("%d parallel wrong passwords: %d checked (401), %d refused (429)", n, got[services.EUnauthenticated], got[services.ERateLimited])
	if got[services.EUnauthenticated] != checked || got[services.ERateLimited] != n-checked {
		t.Errorf("answers %v, want %d checked (unauthenticated) and %d refused (rate_limited)", got, checked, n-checked)
	}
}

// secondProcess is another auth service over e's database with its own limiter, as a second
// server process on the same database would have.
func (e *env) secondProcess(t *testing.T, limits services.LoginLimits) *services.Auth {
	t.Helper()
	a, err := services.NewAuth(e.db.DB, e.clock.Now, services.AuthConfig{Secret: testSecret, BcryptCost: bcrypt.MinCost,
		Limiter: services.NewLoginLimiter(e.db.DB, e.clock.Now, limits)})
	noErr(t, err)
	return a
}

// TestLoginLimitsHoldUnderParallelAttempts: 60 wrong passwords at once for one user from one
// address get at most the limit checked; the right password is then refused from that address
// but let in from another one. An unknown username is limited exactly alike.
func TestLoginLimitsHoldUnderParallelAttempts(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	u := e.newUser(t, models.RoleAdmin, nil)
	limit := services.DefaultLoginLimits.PerUserAddress

	wantChecked(t, parallelLogins(t, []*services.Auth{e.auth}, 60, u.Username, "192.0.2.1"), 60, limit)
	_, err := e.auth.Login(ctx, u.Username, testPassword, "192.0.2.1")
	le := wantErr(t, err, services.ERateLimited)
	if max := int(services.DefaultLoginLimits.Window.Seconds()) + 1; le.RetryAfter <= 0 || le.RetryAfter > max {
		t.Errorf("RetryAfter %d, want 1..%d", le.RetryAfter, max)
	}
	if _, err := e.auth.Login(ctx, u.Username, testPassword, "198.51.100.7"); err != nil {
		t.Errorf("the right password from another address: %v", err)
	}

	wantChecked(t, parallelLogins(t, []*services.Auth{e.auth}, 60, "no-such-user", "192.0.2.2"), 60, limit)
}

// TestLoginLimitsSharedAcrossProcesses: two server processes on one database share the counts.
func TestLoginLimitsSharedAcrossProcesses(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	u := e.newUser(t, models.RoleAdmin, nil)
	other := e.secondProcess(t, services.DefaultLoginLimits)
	limit := services.DefaultLoginLimits.PerUserAddress

	wantChecked(t, parallelLogins(t, []*services.Auth{e.auth, other}, 60, u.Username, "192.0.2.1"), 60, limit)
	for _, a := range []*services.Auth{e.auth, other} {
		_, err := a.Login(ctx, u.Username, testPassword, "192.0.2.1")
		wantErr(t, err, services.ERateLimited)
	}

	// Failures split between the processes add up.
	v := e.newUser(t, models.RoleAdmin, nil)
	for i := range limit {
		_, err := []*services.Auth{e.auth, other}[i%2].Login(ctx, v.Username, "wrong", "192.0.2.3")
		wantErr(t, err, services.EUnauthenticated)
	}
	_, err := e.auth.Login(ctx, v.Username, testPassword, "192.0.2.3")
	wantErr(t, err, services.ERateLimited)
	_, err = other.Login(ctx, v.Username, testPassword, "192.0.2.3")
	wantErr(t, err, services.ERateLimited)
}

// TestLoginLimitsWindowExpires: a count lasts one window by the injected clock, then starts afresh.
func TestLoginLimitsWindowExpires(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	u := e.newUser(t, models.RoleAdmin, nil)
	limits := services.DefaultLoginLimits
	for range limits.PerUserAddress {
		_, err := e.auth.Login(ctx, u.Username, "wrong", "192.0.2.1")
		wantErr(t, err, services.EUnauthenticated)
	}
	e.clock.Advance(limits.Window - time.Second)
	_, err := e.auth.Login(ctx, u.Username, testPassword, "192.0.2.1")
	if le := wantErr(t, err, services.ERateLimited); le.RetryAfter != 2 {
		t.Errorf("RetryAfter %d with one second of the window left, want 2", le.RetryAfter)
	}
	e.clock.Advance(time.Second)
	if _, err := e.auth.Login(ctx, u.Username, testPassword, "192.0.2.1"); err != nil {
		t.Fatalf("login after the window: %v", err)
	}
	// A new window holds the full allowance again.
	for range limits.PerUserAddress {
		_, err := e.auth.Login(ctx, u.Username, "wrong", "192.0.2.1")
		wantErr(t, err, services.EUnauthenticated)
	}
	_, err = e.auth.Login(ctx, u.Username, "wrong", "192.0.2.1")
	wantErr(t, err, services.ERateLimited)
}

// TestLoginLimitsPerUsernameCeilingBacksOff: failures spread over many addresses reach the
// per-username ceiling; from then on every address waits a back-off that doubles up to its cap
// after each attempt, and the right password gets in once it is over: no lock-out.
func TestLoginLimitsPerUsernameCeilingBacksOff(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	limits := services.LoginLimits{Window: 15 * time.Minute, PerUserAddress: 3, PerAddress: 100, PerUsername: 6,
		BackoffBase: 10 * time.Second, BackoffMax: 40 * time.Second}
	auth := e.secondProcess(t, limits)
	u := e.newUser(t, models.RoleAdmin, nil)
	var addrs int
	fresh := func() string { addrs++; return fmt.Sprintf("203.0.113.%d", addrs) }
	login := func(password string) error {
		_, err := auth.Login(ctx, u.Username, password, fresh())
		return err
	}
	wantWait := func(seconds int) {
		t.Helper()
		if le := wantErr(t, login(testPassword), services.ERateLimited); le.RetryAfter != seconds+1 {
			t.Errorf("RetryAfter %d, want %d", le.RetryAfter, seconds+1)
		}
	}

	for i := range limits.PerUsername { // two from each address, under the per-address limit
		_, err := auth.Login(ctx, u.Username, "wrong", fmt.Sprintf("198.51.100.%d", i/2))
		wantErr(t, err, services.EUnauthenticated)
	}
	wantWait(10)
	// The ceiling is the username's: another account is not held up.
	v := e.newUser(t, models.RoleAdmin, nil)
	if _, err := auth.Login(ctx, v.Username, testPassword, fresh()); err != nil {
		t.Errorf("another user: %v", err)
	}
	prev := 10
	for _, wait := range []int{20, 40, 40} { // doubling, capped at BackoffMax
		e.clock.Advance(time.Duration(prev) * time.Second)
		wantErr(t, login("wrong"), services.EUnauthenticated)
		wantWait(wait)
		prev = wait
	}
	e.clock.Advance(limits.BackoffMax)
	if err := login(testPassword); err != nil {
		t.Errorf("the right password after the back-off: %v", err)
	}
}

// TestLoginLimitsOfficeBehindOneAddress: successful logins take their attempts back, so many
// users behind one address are not limited by each other's good logins, and leave no rows.
func TestLoginLimitsOfficeBehindOneAddress(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	for i := range services.DefaultLoginLimits.PerAddress + 5 {
		u := e.newUser(t, models.RoleAdmin, nil)
		if _, err := e.auth.Login(ctx, u.Username, testPassword, "192.0.2.50"); err != nil {
			t.Fatalf("login %d from the office: %v", i, err)
		}
	}
	var n int64
	noErr(t, e.db.Raw("SELECT count(*) FROM login_throttle").Scan(&n).Error)
	if n != 0 {
		t.Errorf("%d login_throttle rows after good logins only", n)
	}
}

// TestLoginLimitsPruneOldRows: rows whose window is over are deleted as logins go on.
func TestLoginLimitsPruneOldRows(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	count := func() int64 {
		var n int64
		noErr(t, e.db.Raw("SELECT count(*) FROM login_throttle").Scan(&n).Error)
		return n
	}
	for i := range 5 {
		_, err := e.auth.Login(ctx, fmt.Sprintf("guess-%d", i), "wrong", fmt.Sprintf("192.0.2.%d", i))
		wantErr(t, err, services.EUnauthenticated)
	}
	if n := count(); n != 15 {
		t.Fatalf("%d rows after 5 attempts on 15 keys", n)
	}
	e.clock.Advance(services.DefaultLoginLimits.Window / 2)
	_, err := e.auth.Login(ctx, "guess-late", "wrong", "192.0.2.99")
	wantErr(t, err, services.EUnauthenticated)
	if n := count(); n != 18 {
		t.Fatalf("%d rows within the window, want 18", n)
	}
	e.clock.Advance(services.DefaultLoginLimits.Window / 2)
	_, err = e.auth.Login(ctx, "guess-last", "wrong", "192.0.2.100")
	wantErr(t, err, services.EUnauthenticated)
	var keys []string
	noErr(t, e.db.Raw("SELECT key FROM login_throttle").Scan(&keys).Error)
	slices.Sort(keys)
	want := []string{"a:192.0.2.100", "a:192.0.2.99", "u:guess-last", "u:guess-late", "ua:guess-last|192.0.2.100", "ua:guess-late|192.0.2.99"}
	if fmt.Sprint(keys) != fmt.Sprint(want) {
		t.Errorf("rows after a window %q, want %q", keys, want)
	}
}

// TestLoginLimitsChurn: logins right and wrong for a few users from a few addresses, over two
// processes, while the clock moves on (windows end, back-offs pass, each process prunes): every
// answer is a session, Unauthenticated or RateLimited, never an error of the database (a
// deadlock between reservations, releases and pruning would be one).
func TestLoginLimitsChurn(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	limits := services.LoginLimits{PerUserAddress: 4, PerAddress: 40, PerUsername: 12}
	auths := []*services.Auth{e.secondProcess(t, limits), e.secondProcess(t, limits)}
	var users []string
	for range 6 {
		users = append(users, e.newUser(t, models.RoleAdmin, nil).Username)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	got := map[services.Code]int{}
	for g := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 40 {
				if g == 0 && i%3 == 2 {
					e.clock.Advance(limits.Window / 2)
				}
				password := "wrong"
				if (g+i)%3 == 0 {
					password = testPassword
				}
				_, err := auths[(g+i)%2].Login(context.Background(), users[(g*7+i)%len(users)], password, fmt.Sprintf("192.0.2.%d", (g+i*3)%4))
				mu.Lock()
				got[services.ErrorCode(err)]++
				mu.Unlock()
				if c := services.ErrorCode(err); c != "" && c != services.EUnauthenticated && c != services.ERateLimited {
					t.Errorf("login: %v", err)
					return
				}
			}
		}()
	}
	wg.Wait()
	t.Logf("answers: %v", got)
}
