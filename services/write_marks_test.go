package services_test

import (
	"context"
	"sync"
	"testing"

	"github.com/sangathan/sangathan/models"
)

// TestWriteMarksOnlyMoveForward: many requests of the same users record their write positions
// at once (Auth.MarkWrite, after every write request when a read replica is configured); each
// mark is at least the primary's position before the call — so the user's next read waits for
// the replica to have replayed their write — and a late, smaller mark never moves it back. One row
// per user.
func TestWriteMarksOnlyMoveForward(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if e.db.Dialect != "postgres" {
		t.Skip("PostgreSQL only: write positions are WAL positions, and only PostgreSQL has replicas")
	}
	ctx := context.Background()
	users := []models.User{e.newUser(t, models.RoleAdmin, nil), e.newUser(t, models.RoleAdmin, nil)}
	walNow := func() uint64 {
		var n int64
		noErr(t, e.db.Raw("SELECT (pg_current_wal_insert_lsn() - '0/0'::pg_lsn)::bigint").Scan(&n).Error)
		return uint64(n)
	}
	markOf := func(id int64) uint64 {
		var n int64
		noErr(t, e.db.Raw("SELECT lsn FROM write_marks WHERE user_id = ?", id).Scan(&n).Error)
		return uint64(n)
	}
	const clients, rounds = 16, 20
	var wg sync.WaitGroup
	errs := make(chan string, clients*rounds)
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func(u models.User) {
			defer wg.Done()
			for i := 0; i < rounds; i++ {
				before := walNow()
				if err := e.auth.MarkWrite(ctx, u.ID); err != nil {
					errs <- err.Error()
					return
				}
				if m := markOf(u.ID); m < before {
					errs <- "a mark fell below the position before the write"
				}
				// Some WAL of its own, as a request's write makes.
				if err := e.db.Exec("UPDATE users SET updated_at = updated_at WHERE id = ?", u.ID).Error; err != nil {
					errs <- err.Error()
				}
			}
		}(users[c%len(users)])
	}
	wg.Wait()
	close(errs)
	for msg := range errs {
		t.Fatal(msg)
	}
	for _, u := range users {
		before := walNow()
		noErr(t, e.auth.MarkWrite(ctx, u.ID))
		if m := markOf(u.ID); m < before {
			t.Fatalf("user %d: mark %d, want at least %d", u.ID, m, before)
		}
		// A mark recorded late, smaller than the one there (as a slow request's), does not move it back.
		ahead := walNow() + 1<<40
		noErr(t, e.db.Exec("UPDATE write_marks SET lsn = ? WHERE user_id = ?", ahead, u.ID).Error)
		noErr(t, e.auth.MarkWrite(ctx, u.ID))
		if m := markOf(u.ID); m != ahead {
			t.Fatalf("user %d: mark %d after a smaller one, want it kept at %d", u.ID, m, ahead)
		}
		var n int64
		noErr(t, e.db.Raw("SELECT count(*) FROM write_marks WHERE user_id = ?", u.ID).Scan(&n).Error)
		if n != 1 {
			t.Fatalf("user %d has %d marks, want one row", u.ID, n)
		}
	}
}
