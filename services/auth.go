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
	Secret     []byte        // HS256 key, at least 32 bytes
	BcryptCost int           // 0 means bcrypt.DefaultCost; tests use bcrypt.MinCost
	Limiter    *LoginLimiter // nil: DefaultLoginLimits over the auth service's database
	// SecondFactorRoles must use two-step verification (twofactor.go); nil means
	// DefaultSecondFactorRoles (admin and state office), an empty list none.
	SecondFactorRoles []models.Role
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
		lim = NewLoginLimiter(db, now, DefaultLoginLimits)
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
		return invalid(field, "too_short", map[string]any{"min": 10}, "must be at least 10 characters")
	case len(pw) > 72:
		return invalid(field, "too_long", map[string]any{"max": 72}, "must be at most 72 bytes")
	}
	return nil
}

// Session is the answer to a login or refresh.
type Session struct {
	AccessToken  string
	ExpiresIn    int
	RefreshToken string
	User         models.User
	SessionID    int64 // the login's row in sessions
	// A login that needs its second step carries no tokens: SecondFactor says which step
	// (SecondFactorRequired or SecondFactorEnrol) and Challenge is what that step presents.
	SecondFactor       string
	Challenge          string
	ChallengeExpiresIn int
	// RecoveryCodes are set once, by the login step that finishes an enrolment.
	RecoveryCodes []string
}

// Claims are the access token's claims.
type Claims struct {
	jwt.RegisteredClaims
	Role  models.Role `json:"role"`
	Scope string      `json:"scope,omitempty"`
	// SessionID is the login (sessions.id) the token belongs to: the token is refused once it ends.
	SessionID string `json:"sid"`
}

// Login checks a username and password. Returns Unauthenticated for any bad pair (the same answer
// for an unknown user and a wrong password) and RateLimited, without checking the password, when
// the attempt is over a LoginLimits limit. Every attempt is counted before its password is
// checked; a successful login takes its attempt back. For an account with two-step verification,
// or whose role needs it, the right password gives no tokens: the session carries SecondFactor
// and a Challenge for CompleteLogin (twofactor.go).
func (a *Auth) Login(ctx context.Context, username, password, clientIP string) (Session, error) {
	username = strings.ToLower(strings.TrimSpace(username))
	if !cleanText(username) || len(username) > 64 {
		username = "" // matches no account, and still costs a hash comparison below
	}
	att, err := a.limiter.reserve(ctx, username, clientIP)
	if err != nil {
		a.auditLockout(ctx, username, att)
		return Session{}, err
	}
	var u models.User
	err = a.db.WithContext(ctx).Where("username = ?", username).Take(&u).Error
	if err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
		return Session{}, dbErr("login", err)
	}
	hash := a.dummy
	if err == nil {
		hash = []byte(u.PasswordHash)
	}
	if bcrypt.CompareHashAndPassword(hash, []byte(password)) != nil || err != nil || !u.Active {
		a.auditLoginFailed(ctx, username, u, err == nil, "wrong_password") // the attempt stays counted
		return Session{}, Errorf(EUnauthenticated, "wrong username or password")
	}
	var s Session
	err = a.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := a.limiter.succeeded(tx, att); err != nil {
			return err
		}
		// Accounts with two-step verification (or whose role needs it) get a challenge for the
		// second step instead of tokens.
		purpose, err := a.loginPurpose(tx, u)
		if err != nil {
			return err
		}
		if purpose != "" {
			var cerr error
			s, cerr = a.challenge(tx, u, purpose)
			return cerr
		}
		var terr error
		s, terr = a.startSession(ctx, tx, u)
		return terr
	})
	return s, err
}

// issue mints an access token for session sid and a new refresh token in it.
func (a *Auth) issue(tx *gorm.DB, u models.User, sid int64) (Session, error) {
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
		Role:      u.Role,
		SessionID: strconv.FormatInt(sid, 10),
	}
	if u.ScopeUnitID != nil {
		claims.Scope = strconv.FormatInt(*u.ScopeUnitID, 10)
	}
	access, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(a.cfg.Secret)
	if err != nil {
		return Session{}, err
	}
	refresh := "sgr_" + newSecret()
	rt := models.RefreshToken{UserID: u.ID, Family: strconv.FormatInt(sid, 10), SessionID: &sid, TokenHash: hashToken(refresh),
		ExpiresAt: now.Add(RefreshTokenTTL), CreatedAt: now}
	if err := tx.Create(&rt).Error; err != nil {
		return Session{}, dbErr("store refresh token", err)
	}
	return Session{AccessToken: access, ExpiresIn: int(AccessTokenTTL.Seconds()), RefreshToken: refresh, User: u, SessionID: sid}, nil
}

// Refresh exchanges a refresh token for a new pair; the old token stops working. Presenting a
// token that was already used (more than ReuseGrace ago) ends its whole login, since someone
// else holds a copy. The login's session is locked first (as every ending of it does), so a
// session ended meanwhile never gains a live token.
// Returns Unauthenticated for unknown, expired, used or revoked tokens, ended sessions and
// inactive users.
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
		if rt.SessionID == nil {
			return Errorf(EUnauthenticated, "the login has ended")
		}
		if err := lockRow(tx, "sessions", *rt.SessionID, lockChange); err != nil {
			return err
		}
		var ses models.Session
		if err := tx.Where("id = ?", *rt.SessionID).Take(&ses).Error; err != nil {
			return dbErr("refresh", err)
		}
		if ses.RevokedAt != nil {
			return Errorf(EUnauthenticated, "the login has ended")
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
		// A refresh is the session's use: about once an access token's lifetime while it is open.
		if err := tx.Model(&models.Session{}).Where("id = ?", ses.ID).UpdateColumn("last_used_at", now).Error; err != nil {
			return dbErr("refresh", err)
		}
		var err error
		s, err = a.issue(tx, u, ses.ID)
		return err
	})
	if reused {
		// Outside the failed transaction, so the revocation sticks.
		_ = a.endSessionOf(ctx, token, EndReuse)
	}
	return s, err
}

// Logout ends the refresh token's whole login: its refresh tokens and its access tokens. Unknown
// tokens are ignored.
func (a *Auth) Logout(ctx context.Context, token string) error {
	err := a.endSessionOf(ctx, token, EndLogout)
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
	sid, err := strconv.ParseInt(c.SessionID, 10, 64)
	if err != nil || sid <= 0 { // a token from before sessions: the client refreshes
		return Actor{}, Errorf(EUnauthenticated, "invalid token session")
	}
	return a.actorFor(ctx, id, sid)
}

// actorFor loads a user and the path of its scope unit and, for an access token (sid > 0),
// whether its session is still open — all in one query, since it runs on every request.
func (a *Auth) actorFor(ctx context.Context, userID, sid int64) (Actor, error) {
	var row struct {
		models.User
		ScopePath   *string
		SessionLive int
		WroteLSN    int64
	}
	err := a.db.WithContext(ctx).Table("users").
		Select("users.*, units.path AS scope_path, CASE WHEN sessions.id IS NOT NULL AND sessions.revoked_at IS NULL THEN 1 ELSE 0 END AS session_live, COALESCE(write_marks.lsn, 0) AS wrote_lsn").
		Joins("LEFT JOIN units ON units.id = users.scope_unit_id").
		Joins("LEFT JOIN write_marks ON write_marks.user_id = users.id").
		Joins("LEFT JOIN sessions ON sessions.id = ? AND sessions.user_id = users.id", sid).
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
	if sid > 0 && row.SessionLive != 1 {
		return Actor{}, Errorf(EUnauthenticated, "the login has ended")
	}
	act := Actor{UserID: row.ID, Username: row.Username, Role: row.Role, ScopeUnitID: row.ScopeUnitID, PersonID: row.PersonID, SessionID: sid, WroteLSN: uint64(row.WroteLSN)}
	if row.ScopePath != nil {
		act.ScopePath = *row.ScopePath
	}
	return act, nil
}

// MarkWrite records, after a request of userID's that wrote, the primary's WAL position now:
// with a read replica, that user's reads go to the primary until the replica has replayed this
// far (Actor.WroteLSN; database/replica.go). The position only moves forward, whichever of two
// concurrent requests records last. PostgreSQL only; it is called only with a replica.
func (a *Auth) MarkWrite(ctx context.Context, userID int64) error {
	err := a.db.WithContext(ctx).Exec(`INSERT INTO write_marks (user_id, lsn)
		VALUES (?, (pg_current_wal_insert_lsn() - '0/0'::pg_lsn)::bigint)
		ON CONFLICT (user_id) DO UPDATE SET lsn = GREATEST(write_marks.lsn, EXCLUDED.lsn)`, userID).Error
	if err != nil {
		return dbErr("record the write's position", err)
	}
	return nil
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
