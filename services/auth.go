package services

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/crypto/bcrypt"
	"gorm.io/gorm"

	"github.com/sangathan/sangathan/models"
)

// Token settings.
const (
	Issuer          = "sangathan"
	Audience        = "sangathan-api"
	AccessTokenTTL  = 15 * time.Minute
	RefreshTokenTTL = 30 * 24 * time.Hour
	// ReuseGrace is how soon after its rotation a refresh token may be presented again (by a
	// second tab racing the first) without revoking the whole login; it is still refused.
	ReuseGrace = 10 * time.Second
)

// AuthConfig configures the auth service.
type AuthConfig struct {
	Secret     []byte // HS256 key, at least 32 bytes
	BcryptCost int    // 0 means bcrypt.DefaultCost; tests use bcrypt.MinCost
	Limiter    *LoginLimiter
}

// Auth logs users in, issues and checks tokens.
type Auth struct {
	db      *gorm.DB
	now     Clock
	cfg     AuthConfig
	dummy   []byte // a hash to compare against when the user does not exist, so timing says nothing
	limiter *LoginLimiter
}

// NewAuth returns the auth service.
func NewAuth(db *gorm.DB, now Clock, cfg AuthConfig) (*Auth, error) {
	if len(cfg.Secret) < 32 {
		return nil, errors.New("auth: the JWT secret must be at least 32 bytes")
	}
	if cfg.BcryptCost == 0 {
		cfg.BcryptCost = bcrypt.DefaultCost
	}
	dummy, err := bcrypt.GenerateFromPassword([]byte("not a real password"), cfg.BcryptCost)
	if err != nil {
		return nil, err
	}
	lim := cfg.Limiter
	if lim == nil {
		lim = NewLoginLimiter(now, DefaultLoginLimits)
	}
	return &Auth{db: db, now: now, cfg: cfg, dummy: dummy, limiter: lim}, nil
}

// HashPassword hashes a password for storage.
func (a *Auth) HashPassword(pw string) (string, error) {
	h, err := bcrypt.GenerateFromPassword([]byte(pw), a.cfg.BcryptCost)
	if err != nil {
		return "", err
	}
	return string(h), nil
}

// ValidatePassword returns field errors for a password that is too weak or too long.
func ValidatePassword(field, pw string) error {
	switch {
	case len(pw) < 10:
		return invalid(field, "must be at least 10 characters")
	case len(pw) > 72:
		return invalid(field, "must be at most 72 bytes")
	}
	return nil
}

// Session is the answer to a login or refresh.
type Session struct {
	AccessToken  string
	ExpiresIn    int
	RefreshToken string
	User         models.User
}

// Claims are the access token's claims.
type Claims struct {
	jwt.RegisteredClaims
	Role  models.Role `json:"role"`
	Scope string      `json:"scope,omitempty"`
}

// Login checks a username and password. Returns Unauthenticated for any bad pair (the same answer
// for an unknown user and a wrong password) and RateLimited after too many failures.
func (a *Auth) Login(ctx context.Context, username, password, clientIP string) (Session, error) {
	username = strings.ToLower(strings.TrimSpace(username))
	if !cleanText(username) || len(username) > 64 {
		username = "" // matches no account, and still costs a hash comparison below
	}
	if wait := a.limiter.Wait(username, clientIP); wait > 0 {
		return Session{}, &Error{Code: ERateLimited, Message: "too many login attempts; try again later", RetryAfter: int(wait.Seconds()) + 1}
	}
	var u models.User
	err := a.db.WithContext(ctx).Where("username = ?", username).Take(&u).Error
	if err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
		return Session{}, dbErr("login", err)
	}
	hash := a.dummy
	if err == nil {
		hash = []byte(u.PasswordHash)
	}
	if bcrypt.CompareHashAndPassword(hash, []byte(password)) != nil || err != nil || !u.Active {
		a.limiter.Fail(username, clientIP)
		return Session{}, Errorf(EUnauthenticated, "wrong username or password")
	}
	a.limiter.Succeed(username)
	var s Session
	err = a.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var terr error
		s, terr = a.issue(tx, u, newSecret())
		return terr
	})
	return s, err
}

// issue mints an access token and a new refresh token in family.
func (a *Auth) issue(tx *gorm.DB, u models.User, family string) (Session, error) {
	now := a.now()
	claims := Claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    Issuer,
			Subject:   strconv.FormatInt(u.ID, 10),
			Audience:  jwt.ClaimStrings{Audience},
			IssuedAt:  jwt.NewNumericDate(now),
			NotBefore: jwt.NewNumericDate(now.Add(-30 * time.Second)),
			ExpiresAt: jwt.NewNumericDate(now.Add(AccessTokenTTL)),
			ID:        newSecret()[:16],
		},
		Role: u.Role,
	}
	if u.ScopeUnitID != nil {
		claims.Scope = strconv.FormatInt(*u.ScopeUnitID, 10)
	}
	access, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(a.cfg.Secret)
	if err != nil {
		return Session{}, err
	}
	refresh := "sgr_" + newSecret()
	rt := models.RefreshToken{UserID: u.ID, Family: family, TokenHash: hashToken(refresh), ExpiresAt: now.Add(RefreshTokenTTL), CreatedAt: now}
	if err := tx.Create(&rt).Error; err != nil {
		return Session{}, dbErr("store refresh token", err)
	}
	return Session{AccessToken: access, ExpiresIn: int(AccessTokenTTL.Seconds()), RefreshToken: refresh, User: u}, nil
}

// Refresh exchanges a refresh token for a new pair; the old token stops working. Presenting a
// token that was already used (more than ReuseGrace ago) revokes its whole family, since someone
// else holds a copy.
// Returns Unauthenticated for unknown, expired, used or revoked tokens and inactive users.
func (a *Auth) Refresh(ctx context.Context, token string) (Session, error) {
	var s Session
	var reused bool
	err := a.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		now := a.now()
		var rt models.RefreshToken
		if err := tx.Where("token_hash = ?", hashToken(token)).Take(&rt).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return Errorf(EUnauthenticated, "unknown refresh token")
			}
			return dbErr("refresh", err)
		}
		if rt.RevokedAt != nil {
			// Two tabs refreshing at once present the same token moments apart; only a token
			// replayed after ReuseGrace is taken as a stolen copy.
			reused = now.Sub(*rt.RevokedAt) >= ReuseGrace
			return Errorf(EUnauthenticated, "refresh token already used")
		}
		if !now.Before(rt.ExpiresAt) {
			return Errorf(EUnauthenticated, "refresh token expired")
		}
		// The conditional update makes two concurrent refreshes with one token yield one winner.
		res := tx.Model(&models.RefreshToken{}).Where("id = ? AND revoked_at IS NULL", rt.ID).Update("revoked_at", now)
		if res.Error != nil {
			return dbErr("refresh", res.Error)
		}
		if res.RowsAffected != 1 { // a concurrent refresh with the same token won
			return Errorf(EUnauthenticated, "refresh token already used")
		}
		var u models.User
		if err := tx.Where("id = ?", rt.UserID).Take(&u).Error; err != nil {
			return dbErr("refresh", err)
		}
		if !u.Active {
			return Errorf(EUnauthenticated, "account is deactivated")
		}
		var err error
		s, err = a.issue(tx, u, rt.Family)
		return err
	})
	if reused {
		// Outside the failed transaction, so the revocation sticks.
		_ = a.revokeFamilyOf(ctx, token)
	}
	return s, err
}

func (a *Auth) revokeFamilyOf(ctx context.Context, token string) error {
	var rt models.RefreshToken
	db := a.db.WithContext(ctx)
	if err := db.Where("token_hash = ?", hashToken(token)).Take(&rt).Error; err != nil {
		return err
	}
	return db.Model(&models.RefreshToken{}).Where("family = ? AND revoked_at IS NULL", rt.Family).Update("revoked_at", a.now()).Error
}

// Logout revokes the refresh token's whole login. Unknown tokens are ignored.
func (a *Auth) Logout(ctx context.Context, token string) error {
	err := a.revokeFamilyOf(ctx, token)
	if err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
		return dbErr("logout", err)
	}
	return nil
}

// Authenticate checks an access token (or an API token) and loads the actor afresh, so a deactivated user or a
// changed role takes effect at once. Returns Unauthenticated for any bad token.
func (a *Auth) Authenticate(ctx context.Context, token string) (Actor, error) {
	if strings.HasPrefix(token, apiTokenPrefix) {
		return a.authenticateAPIToken(ctx, token)
	}
	parser := jwt.NewParser(
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithIssuer(Issuer),
		jwt.WithAudience(Audience),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithTimeFunc(a.now),
	)
	var c Claims
	if _, err := parser.ParseWithClaims(token, &c, func(*jwt.Token) (any, error) { return a.cfg.Secret, nil }); err != nil {
		return Actor{}, Errorf(EUnauthenticated, "invalid or expired token")
	}
	id, err := strconv.ParseInt(c.Subject, 10, 64)
	if err != nil {
		return Actor{}, Errorf(EUnauthenticated, "invalid token subject")
	}
	return a.actorFor(ctx, id)
}

// actorFor loads a user and the path of its scope unit.
func (a *Auth) actorFor(ctx context.Context, userID int64) (Actor, error) {
	var row struct {
		models.User
		ScopePath *string
	}
	err := a.db.WithContext(ctx).Table("users").
		Select("users.*, units.path AS scope_path").
		Joins("LEFT JOIN units ON units.id = users.scope_unit_id").
		Where("users.id = ?", userID).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Actor{}, Errorf(EUnauthenticated, "unknown user")
	}
	if err != nil {
		return Actor{}, dbErr("authenticate", err)
	}
	if !row.Active {
		return Actor{}, Errorf(EUnauthenticated, "account is deactivated")
	}
	act := Actor{UserID: row.ID, Username: row.Username, Role: row.Role, ScopeUnitID: row.ScopeUnitID, PersonID: row.PersonID}
	if row.ScopePath != nil {
		act.ScopePath = *row.ScopePath
	}
	return act, nil
}

func newSecret() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func hashToken(t string) string {
	h := sha256.Sum256([]byte(t))
	return hex.EncodeToString(h[:])
}

// LoginLimits bound failed logins in a sliding window.
type LoginLimits struct {
	Window      time.Duration
	PerUsername int
	PerAddress  int
}

// DefaultLoginLimits allow 5 failures per username and 20 per client address in 15 minutes.
var DefaultLoginLimits = LoginLimits{Window: 15 * time.Minute, PerUsername: 5, PerAddress: 20}

// LoginLimiter counts failed logins per username and per client address, in memory. Each API
// replica keeps its own counts, which bounds guessing per replica; see README.
type LoginLimiter struct {
	mu     sync.Mutex
	now    Clock
	limits LoginLimits
	fails  map[string][]time.Time
}

// NewLoginLimiter returns a limiter.
func NewLoginLimiter(now Clock, l LoginLimits) *LoginLimiter {
	return &LoginLimiter{now: now, limits: l, fails: map[string][]time.Time{}}
}

// Wait returns how long the caller must wait before another attempt, 0 when it may try now.
func (l *LoginLimiter) Wait(username, addr string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	w := l.waitFor("u:"+username, l.limits.PerUsername, now)
	if w2 := l.waitFor("a:"+addr, l.limits.PerAddress, now); w2 > w {
		w = w2
	}
	return w
}

func (l *LoginLimiter) waitFor(key string, max int, now time.Time) time.Duration {
	ts := l.prune(key, now)
	if len(ts) < max {
		return 0
	}
	return ts[len(ts)-max].Add(l.limits.Window).Sub(now)
}

// prune drops failures older than the window and returns the rest.
func (l *LoginLimiter) prune(key string, now time.Time) []time.Time {
	ts := l.fails[key]
	i := 0
	for i < len(ts) && !ts[i].After(now.Add(-l.limits.Window)) {
		i++
	}
	ts = ts[i:]
	if len(ts) == 0 {
		delete(l.fails, key)
		return nil
	}
	l.fails[key] = ts
	return ts
}

// Fail records a failed attempt.
func (l *LoginLimiter) Fail(username, addr string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if len(l.fails) > 100_000 { // bound memory under a spray of usernames
		for k := range l.fails {
			l.prune(k, now)
		}
	}
	l.fails["u:"+username] = append(l.prune("u:"+username, now), now)
	l.fails["a:"+addr] = append(l.prune("a:"+addr, now), now)
}

// Succeed clears the username's failures after a good login.
func (l *LoginLimiter) Succeed(username string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.fails, "u:"+username)
}
