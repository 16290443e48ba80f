package services_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/sangathan/sangathan/services"
)

// TestTokenKeyIsOneForAllProcesses: the processes of one database record the key they sign
// tokens with (by fingerprint). The same key is accepted by any number of processes claiming
// it at once; a generated key that differs is refused, naming since when the other is in use;
// a configured one takes over, after which the processes on the old key are not current (their
// /readyz answers 503) and the new one is. The fingerprint does not reveal the key.
func TestTokenKeyIsOneForAllProcesses(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	process := func(secret string) *services.Auth {
		a, err := services.NewAuth(e.db.DB, e.clock.Now, services.AuthConfig{Secret: []byte(secret), BcryptCost: bcrypt.MinCost})
		noErr(t, err)
		return a
	}
	first, second := process(strings.Repeat("a", 40)), process(strings.Repeat("a", 40))
	other := process(strings.Repeat("b", 40))

	current := func(a *services.Auth) bool {
		ok, err := a.TokenKeyCurrent(ctx)
		noErr(t, err)
		return ok
	}
	if !current(first) || !current(other) {
		t.Fatal("with no key recorded, every process is current")
	}

	// Many processes with one key start at once: all succeed, one row.
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func(a *services.Auth) {
			defer wg.Done()
			if replaced, err := a.ClaimTokenKey(ctx, false); err != nil || replaced {
				errs <- errors.Join(err, errors.New("a process with the shared key was refused or replaced it"))
			}
		}(map[bool]*services.Auth{true: first, false: second}[i%2 == 0])
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	var rows int64
	noErr(t, e.db.Raw("SELECT count(*) FROM server_keys").Scan(&rows).Error)
	if rows != 1 {
		t.Fatalf("%d key rows, want 1", rows)
	}
	var fp string
	noErr(t, e.db.Raw("SELECT fingerprint FROM server_keys").Scan(&fp).Error)
	if fp != first.TokenKeyFingerprint() || strings.Contains(fp, "aaaa") || len(fp) != 32 {
		t.Fatalf("recorded fingerprint %q, want the first key's, revealing nothing of it", fp)
	}

	// A generated key of another process is refused; nothing changes.
	_, err := other.ClaimTokenKey(ctx, false)
	if !errors.Is(err, services.ErrTokenKeyDiffers) || !strings.Contains(err.Error(), "in use since") {
		t.Fatalf("a generated key that differs: %v, want ErrTokenKeyDiffers saying since when", err)
	}
	if !current(first) || current(other) {
		t.Fatal("a refused key changed which key is current")
	}

	// A configured key takes over: the old processes are no longer current.
	e.clock.Advance(time.Hour)
	replaced, err := other.ClaimTokenKey(ctx, true)
	if err != nil || !replaced {
		t.Fatalf("a configured key: replaced=%v, %v; want it to take over", replaced, err)
	}
	if current(first) || current(second) || !current(other) {
		t.Fatal("after the takeover the old key must not be current and the new one must")
	}
	// Claiming the current key again replaces nothing.
	if replaced, err := other.ClaimTokenKey(ctx, true); err != nil || replaced {
		t.Fatalf("claiming the current key again: replaced=%v, %v", replaced, err)
	}
}
