package services_test

import (
	"context"
	"sync"
	"testing"

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

func TestLoginLimitsHoldUnderParallelAttempts(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u := e.newUser(t, models.RoleAdmin, nil)
	limit := services.DefaultLoginLimits.PerUserAddress
	got := parallelLogins(t, []*services.Auth{e.auth}, 60, u.Username, "192.0.2.1")
	t.Logf("60 parallel wrong passwords: %d checked (401), %d refused (429)", got[services.EUnauthenticated], got[services.ERateLimited])
	if got[services.EUnauthenticated] != limit || got[services.ERateLimited] != 60-limit {
		t.Errorf("answers %v, want %d checked and %d refused", got, limit, 60-limit)
	}
	_, err := e.auth.Login(context.Background(), u.Username, testPassword, "192.0.2.1")
	wantErr(t, err, services.ERateLimited)
}
