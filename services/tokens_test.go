package services_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sangathan/sangathan/models"
	"github.com/sangathan/sangathan/services"
)

// storedToken reads an API token row straight from the database.
func storedToken(t *testing.T, e *env, id int64) models.APIToken {
	t.Helper()
	var tok models.APIToken
	noErr(t, e.db.Where("id = ?", id).Take(&tok).Error)
	return tok
}

func TestTokensCreateAndAuthenticate(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	tr := e.newTree(t)
	owner := e.actorOf(t, e.newUser(t, models.RoleDistrictCoordinator, &tr.d1))

	nt, err := e.set.Tokens.Create(ctx, owner, services.TokenInput{Name: " sync ", ExpiresInDays: 7})
	noErr(t, err)
	if !strings.HasPrefix(nt.Secret, "sgt_") || len(nt.Secret) < 40 {
		t.Errorf("secret %q, want sgt_ and at least 36 more characters", nt.Secret)
	}
	want := models.APIToken{ID: nt.Token.ID, UserID: owner.UserID, Name: "sync", TokenHash: nt.Token.TokenHash,
		CreatedAt: e.clock.Now(), ExpiresAt: e.clock.Now().Add(7 * 24 * time.Hour)}
	stored := storedToken(t, e, nt.Token.ID)
	if diff := cmp.Diff(want, stored); diff != "" {
		t.Errorf("stored token (-want +got):\n%s", diff)
	}
	if stored.TokenHash == nt.Secret || strings.Contains(stored.TokenHash, strings.TrimPrefix(nt.Secret, "sgt_")) || len(stored.TokenHash) < 32 {
		t.Errorf("token_hash %q for secret %q: want a hash, not the secret", stored.TokenHash, nt.Secret)
	}

	got, err := e.auth.Authenticate(ctx, nt.Secret)
	noErr(t, err)
	wantActor := owner
	wantActor.RequestID = ""
	wantActor.ViaAPIToken = true
	wantActor.SessionID = 0 // an API token is no login session
	if diff := cmp.Diff(wantActor, got); diff != "" {
		t.Errorf("the token authenticates as (-owner +got):\n%s", diff)
	}
	if lu := storedToken(t, e, nt.Token.ID).LastUsedAt; lu == nil || !lu.Equal(e.clock.Now()) {
		t.Errorf("last_used_at = %v after a use, want %v", lu, e.clock.Now())
	}
	// The hash stored is not itself a credential.
	_, err = e.auth.Authenticate(ctx, stored.TokenHash)
	wantErr(t, err, services.EUnauthenticated)
	_, err = e.auth.Authenticate(ctx, "sgt_"+stored.TokenHash)
	wantErr(t, err, services.EUnauthenticated)
}

func TestTokensCreateValidates(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tr := e.newTree(t)
	owner := e.actorOf(t, e.newUser(t, models.RoleViewer, &tr.d1))
	for _, c := range []struct {
		name   string
		in     services.TokenInput
		fields []string
	}{
		{"empty name", services.TokenInput{Name: ""}, []string{"name"}},
		{"blank name", services.TokenInput{Name: " \t "}, []string{"name"}},
		{"101 characters", services.TokenInput{Name: strings.Repeat("न", 101)}, []string{"name"}},
		{"NUL in the name", services.TokenInput{Name: "a\x00b"}, []string{"name"}},
		{"bad UTF-8", services.TokenInput{Name: "a\xffb"}, []string{"name"}},
		{"366 days", services.TokenInput{Name: "x", ExpiresInDays: 366}, []string{"expires_in_days"}},
		{"negative days", services.TokenInput{Name: "x", ExpiresInDays: -5}, []string{"expires_in_days"}},
		{"both", services.TokenInput{ExpiresInDays: 1000}, []string{"name", "expires_in_days"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := e.set.Tokens.Create(context.Background(), owner, c.in)
			wantErr(t, err, services.EInvalid, c.fields...)
		})
	}
	var n int64
	noErr(t, e.db.Model(&models.APIToken{}).Count(&n).Error)
	if n != 0 {
		t.Errorf("%d tokens stored after refused creates", n)
	}
	for _, days := range []struct{ in, want int }{{0, services.DefaultTokenDays}, {1, 1}, {services.MaxTokenDays, services.MaxTokenDays}} {
		nt, err := e.set.Tokens.Create(context.Background(), owner, services.TokenInput{Name: strings.Repeat("न", 100), ExpiresInDays: days.in})
		noErr(t, err)
		if want := e.clock.Now().Add(time.Duration(days.want) * 24 * time.Hour); !nt.Token.ExpiresAt.Equal(want) {
			t.Errorf("expires_in_days %d: expires at %v, want %v", days.in, nt.Token.ExpiresAt, want)
		}
	}
}

func TestTokensExpire(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	tr := e.newTree(t)
	owner := e.actorOf(t, e.newUser(t, models.RoleViewer, &tr.d1))
	nt, err := e.set.Tokens.Create(ctx, owner, services.TokenInput{Name: "x", ExpiresInDays: 1})
	noErr(t, err)
	e.clock.Advance(24*time.Hour - time.Nanosecond)
	_, err = e.auth.Authenticate(ctx, nt.Secret)
	noErr(t, err)
	e.clock.Advance(time.Nanosecond)
	_, err = e.auth.Authenticate(ctx, nt.Secret)
	wantErr(t, err, services.EUnauthenticated)
}

func TestTokensRevoke(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	tr := e.newTree(t)
	owner := e.actorOf(t, e.newUser(t, models.RoleDistrictCoordinator, &tr.d1))
	other := e.actorOf(t, e.newUser(t, models.RoleDistrictCoordinator, &tr.d2))
	mine, err := e.set.Tokens.Create(ctx, owner, services.TokenInput{Name: "mine"})
	noErr(t, err)
	theirs, err := e.set.Tokens.Create(ctx, other, services.TokenInput{Name: "theirs"})
	noErr(t, err)

	mark := e.auditMark(t)
	wantErr(t, e.set.Tokens.Revoke(ctx, owner, theirs.Token.ID), services.ENotFound)
	wantErr(t, e.set.Tokens.Revoke(ctx, owner, 987654), services.ENotFound)
	wantErr(t, e.set.Tokens.Revoke(ctx, services.System, theirs.Token.ID), services.ENotFound)
	if rows := e.auditSince(t, mark); len(rows) != 0 {
		t.Errorf("refused revocations wrote %d audit rows", len(rows))
	}
	if storedToken(t, e, theirs.Token.ID).RevokedAt != nil {
		t.Fatal("another user revoked the token")
	}

	noErr(t, e.set.Tokens.Revoke(ctx, owner, mine.Token.ID))
	if r := storedToken(t, e, mine.Token.ID).RevokedAt; r == nil || !r.Equal(e.clock.Now()) {
		t.Errorf("revoked_at = %v, want %v", r, e.clock.Now())
	}
	_, err = e.auth.Authenticate(ctx, mine.Secret)
	wantErr(t, err, services.EUnauthenticated)
	_, err = e.auth.Authenticate(ctx, theirs.Secret)
	noErr(t, err)

	// Revoking again succeeds and changes nothing, not even the log.
	mark = e.auditMark(t)
	e.clock.Advance(time.Hour)
	noErr(t, e.set.Tokens.Revoke(ctx, owner, mine.Token.ID))
	if r := storedToken(t, e, mine.Token.ID).RevokedAt; r == nil || r.Equal(e.clock.Now()) {
		t.Errorf("revoked_at = %v after a second revocation, want the first time", r)
	}
	if rows := e.auditSince(t, mark); len(rows) != 0 {
		t.Errorf("a second revocation wrote %d audit rows", len(rows))
	}
}

func TestTokensLivePerUser(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	tr := e.newTree(t)
	owner := e.actorOf(t, e.newUser(t, models.RoleViewer, &tr.d1))
	other := e.actorOf(t, e.newUser(t, models.RoleViewer, &tr.d1))
	var first services.NewToken
	for i := 0; i < services.MaxTokensPerUser; i++ {
		nt, err := e.set.Tokens.Create(ctx, owner, services.TokenInput{Name: fmt.Sprintf("t%d", i), ExpiresInDays: 1})
		noErr(t, err)
		if i == 0 {
			first = nt
		}
	}
	_, err := e.set.Tokens.Create(ctx, owner, services.TokenInput{Name: "one too many"})
	wantErr(t, err, services.EConflict)
	_, err = e.set.Tokens.Create(ctx, other, services.TokenInput{Name: "someone else's"})
	noErr(t, err)

	noErr(t, e.set.Tokens.Revoke(ctx, owner, first.Token.ID))
	_, err = e.set.Tokens.Create(ctx, owner, services.TokenInput{Name: "in the revoked one's place", ExpiresInDays: 2})
	noErr(t, err)
	_, err = e.set.Tokens.Create(ctx, owner, services.TokenInput{Name: "one too many again"})
	wantErr(t, err, services.EConflict)

	// A day on, the 49 one-day tokens have expired and free their places.
	e.clock.Advance(24 * time.Hour)
	for i := 0; i < services.MaxTokensPerUser-1; i++ {
		_, err := e.set.Tokens.Create(ctx, owner, services.TokenInput{Name: fmt.Sprintf("second round %d", i)})
		noErr(t, err)
	}
	_, err = e.set.Tokens.Create(ctx, owner, services.TokenInput{Name: "one too many at last"})
	wantErr(t, err, services.EConflict)
}

func TestTokensList(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	tr := e.newTree(t)
	owner := e.actorOf(t, e.newUser(t, models.RoleViewer, &tr.d1))
	other := e.actorOf(t, e.newUser(t, models.RoleViewer, &tr.d1))
	var want []int64
	for i := 0; i < 5; i++ {
		nt, err := e.set.Tokens.Create(ctx, owner, services.TokenInput{Name: fmt.Sprintf("t%d", i)})
		noErr(t, err)
		want = append([]int64{nt.Token.ID}, want...)
		_, err = e.set.Tokens.Create(ctx, other, services.TokenInput{Name: fmt.Sprintf("o%d", i)})
		noErr(t, err)
	}
	var got []int64
	pr := services.PageRequest{Limit: 2}
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatal("too many pages")
		}
		page, err := e.set.Tokens.List(ctx, owner, pr)
		noErr(t, err)
		for _, tok := range page.Items {
			got = append(got, tok.ID)
			if tok.UserID != owner.UserID {
				t.Errorf("listed token %d of user %d", tok.ID, tok.UserID)
			}
		}
		if page.NextCursor == "" {
			break
		}
		pr.Cursor = page.NextCursor
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("own tokens, newest first (-want +got):\n%s", diff)
	}
	_, err := e.set.Tokens.List(ctx, owner, services.PageRequest{Limit: services.MaxLimit + 1})
	wantErr(t, err, services.EInvalid, "limit")
}

func TestTokensEndWithTheirOwner(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	tr := e.newTree(t)
	coordinator := e.actorOf(t, e.newUser(t, models.RoleDistrictCoordinator, &tr.d1))
	u := e.newUser(t, models.RoleBoothWorker, &tr.b1)
	owner := e.actorOf(t, u)
	nt, err := e.set.Tokens.Create(ctx, owner, services.TokenInput{Name: "field app"})
	noErr(t, err)

	// A new password ends browser sessions, not integrations.
	_, err = e.users.Update(ctx, coordinator, u.ID, services.UserPatch{Password: ptr("a brand new password")})
	noErr(t, err)
	_, err = e.auth.Authenticate(ctx, nt.Secret)
	noErr(t, err)

	noErr(t, e.users.Deactivate(ctx, coordinator, u.ID))
	_, err = e.auth.Authenticate(ctx, nt.Secret)
	wantErr(t, err, services.EUnauthenticated)
	if storedToken(t, e, nt.Token.ID).RevokedAt == nil {
		t.Error("deactivation left the API token unrevoked")
	}
	on := true
	_, err = e.users.Update(ctx, coordinator, u.ID, services.UserPatch{Active: &on})
	noErr(t, err)
	_, err = e.auth.Authenticate(ctx, nt.Secret)
	wantErr(t, err, services.EUnauthenticated)
}

// TestTokensActAsTheOwnerNow: a token carries no role or scope of its own; a deactivated owner
// makes it fail even when the token row was not revoked (say, by a direct database change).
func TestTokensActAsTheOwnerNow(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	tr := e.newTree(t)
	u := e.newUser(t, models.RoleDistrictCoordinator, &tr.d1)
	nt, err := e.set.Tokens.Create(ctx, e.actorOf(t, u), services.TokenInput{Name: "x"})
	noErr(t, err)

	noErr(t, e.db.Exec("UPDATE users SET scope_unit_id = ? WHERE id = ?", tr.d2.ID, u.ID).Error)
	a, err := e.auth.Authenticate(ctx, nt.Secret)
	noErr(t, err)
	if a.ScopeUnitID == nil || *a.ScopeUnitID != tr.d2.ID || a.ScopePath != tr.d2.Path {
		t.Errorf("after a scope change the token acts as %+v, want scope %d (%s)", a, tr.d2.ID, tr.d2.Path)
	}
	noErr(t, e.db.Exec("UPDATE users SET active = ? WHERE id = ?", false, u.ID).Error)
	_, err = e.auth.Authenticate(ctx, nt.Secret)
	wantErr(t, err, services.EUnauthenticated)
}

// TestTokensCannotMintTokens: a token-authenticated caller may not create more tokens, so a
// leaked token cannot outlive its own revocation.
func TestTokensCannotMintTokens(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	u := e.newUser(t, models.RoleAdmin, nil)
	owner := e.actorOf(t, u)
	nt, err := e.set.Tokens.Create(ctx, owner, services.TokenInput{Name: "parent"})
	noErr(t, err)
	viaToken, err := e.auth.Authenticate(ctx, nt.Secret)
	noErr(t, err)
	_, err = e.set.Tokens.Create(ctx, viaToken, services.TokenInput{Name: "child"})
	wantErr(t, err, services.EForbidden)
}
