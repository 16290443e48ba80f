package services

// Two-step verification (दो-चरणीय सत्यापन): a TOTP second factor (RFC 6238, 30-second steps, six
// digits, SHA-1 as every authenticator app reads it) and ten single-use recovery codes.

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/base64"
	"errors"
	"fmt"
	"image/png"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
	"golang.org/x/crypto/bcrypt"
	"gorm.io/gorm"

	"github.com/sangathan/sangathan/models"
)

// Second-factor settings.
const (
	// ChallengeTTL is how long a login may wait between its password and its second step.
	ChallengeTTL = 5 * time.Minute
	// ChallengeMaxFailures wrong codes end a challenge; the password must be given again.
	ChallengeMaxFailures = 5
	// RecoveryCodeCount recovery codes are made at enrolment and at each regeneration.
	RecoveryCodeCount = 10
	// totpPeriod is the length of a TOTP time step in seconds; totpSkew steps either side of the
	// server's own are accepted for a phone whose clock is a little off.
	totpPeriod = 30
	totpSkew   = 1
	// TOTPIssuer names the installation in authenticator apps.
	TOTPIssuer = "Sangathan"
)

// The purposes of a login challenge, as the login answer names them in second_factor.
const (
	SecondFactorRequired = "required" // the account has a second factor: give a code
	SecondFactorEnrol    = "enrol"    // the account's role needs one and it has none yet: enrol first
)

// DefaultSecondFactorRoles must use a second factor unless configured otherwise.
var DefaultSecondFactorRoles = []models.Role{models.RoleAdmin, models.RoleStateOffice}

// ParseSecondFactorRoles reads a list of roles that must use a second factor, as
// SANGATHAN_2FA_ROLES gives it: roles separated by commas, or "none". An empty string is the
// default (DefaultSecondFactorRoles).
func ParseSecondFactorRoles(s string) ([]models.Role, error) {
	s = strings.TrimSpace(s)
	switch s {
	case "":
		return slices.Clone(DefaultSecondFactorRoles), nil
	case "none":
		return []models.Role{}, nil
	}
	var out []models.Role
	for _, p := range strings.Split(s, ",") {
		r := models.Role(strings.TrimSpace(p))
		if !r.Valid() {
			return nil, fmt.Errorf("SANGATHAN_2FA_ROLES: %q is not a role (want a list of %v, or none)", p, models.Roles)
		}
		out = append(out, r)
	}
	return out, nil
}

// SecondFactorRequiredFor reports whether accounts of role must use a second factor.
func (a *Auth) SecondFactorRequiredFor(role models.Role) bool {
	roles := a.cfg.SecondFactorRoles
	if roles == nil {
		roles = DefaultSecondFactorRoles
	}
	return slices.Contains(roles, role)
}

// Enrolment is a new TOTP secret for an authenticator app: the secret itself (base32, for typing
// in), its otpauth:// URI and that URI as a QR code (a PNG data: URL drawn here).
type Enrolment struct {
	Secret string
	URI    string
	QR     string
}

// SecondFactorStatus is what a user sees of their own second factor.
type SecondFactorStatus struct {
	Enabled           bool
	Pending           bool // an enrolment was started and waits for its first code
	Required          bool // the user's role must use one
	EnabledAt         *time.Time
	RecoveryCodesLeft int
}

// SecondFactorInput is the second step of a login: the challenge the password step gave and
// either a code from the authenticator app or a recovery code.
type SecondFactorInput struct {
	Challenge    string
	Code         string
	RecoveryCode string
	ClientIP     string
}

// DisableSecondFactorInput proves the user is who they say: their password or a current code.
type DisableSecondFactorInput struct {
	CurrentPassword string
	Code            string
	ClientIP        string
}

// errWrongCode ends a transaction whose code did not match; the caller counts it.
var errWrongCode = errors.New("wrong second-factor code")

// sealKey derives the key that seals TOTP secrets from the JWT secret, so that a database
// dump alone does not give them away.
func (a *Auth) sealKey() []byte {
	k, err := hkdf.Key(sha256.New, a.cfg.Secret, nil, "sangathan totp secret v1", 32)
	if err != nil {
		panic("hkdf: " + err.Error())
	}
	return k
}

// seal encrypts a TOTP secret with AES-256-GCM, bound to its user.
func (a *Auth) seal(userID int64, secret string) string {
	block, err := aes.NewCipher(a.sealKey())
	if err != nil {
		panic("aes: " + err.Error())
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		panic("gcm: " + err.Error())
	}
	nonce := make([]byte, gcm.NonceSize())
	rand.Read(nonce)
	out := gcm.Seal(nonce, nonce, []byte(secret), []byte(strconv.FormatInt(userID, 10)))
	return "v1:" + base64.RawStdEncoding.EncodeToString(out)
}

// open decrypts a sealed TOTP secret. It fails when the JWT secret changed since enrolment:
// then an administrator resets the user's second factor.
func (a *Auth) open(userID int64, sealed string) (string, error) {
	raw, err := base64.RawStdEncoding.DecodeString(strings.TrimPrefix(sealed, "v1:"))
	if err != nil {
		return "", fmt.Errorf("open totp secret: %w", err)
	}
	block, err := aes.NewCipher(a.sealKey())
	if err != nil {
		return "", err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return "", err
	}
	if len(raw) < gcm.NonceSize() {
		return "", errors.New("open totp secret: too short")
	}
	pt, err := gcm.Open(nil, raw[:gcm.NonceSize()], raw[gcm.NonceSize():], []byte(strconv.FormatInt(userID, 10)))
	if err != nil {
		return "", fmt.Errorf("open totp secret (was the JWT secret changed? reset the user's second factor): %w", err)
	}
	return string(pt), nil
}

var totpOpts = totp.ValidateOpts{Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// matchStep returns the time step, within totpSkew of now, whose code is code, or -1.
func matchStep(secret, code string, now time.Time) int64 {
	code = strings.ReplaceAll(strings.TrimSpace(code), " ", "")
	if len(code) != 6 {
		return -1
	}
	cur := now.Unix() / totpPeriod
	for d := int64(-totpSkew); d <= totpSkew; d++ {
		step := cur + d
		want, err := totp.GenerateCodeCustom(secret, time.Unix(step*totpPeriod, 0), totpOpts)
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return step
		}
	}
	return -1
}

// newEnrolment makes a secret for username and draws its QR code.
func newEnrolment(username string) (Enrolment, error) {
	key, err := totp.Generate(totp.GenerateOpts{Issuer: TOTPIssuer, AccountName: username, Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		return Enrolment{}, fmt.Errorf("totp secret: %w", err)
	}
	img, err := key.Image(240, 240)
	if err != nil {
		return Enrolment{}, fmt.Errorf("totp qr: %w", err)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return Enrolment{}, fmt.Errorf("totp qr: %w", err)
	}
	return Enrolment{Secret: key.Secret(), URI: key.URL(), QR: "data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes())}, nil
}

// recoveryAlphabet leaves out symbols read alike (0/o, 1/l): 32 symbols, 5 bits each.
var recoveryAlphabet = base32.NewEncoding("abcdefghijkmnpqrstuvwxyz23456789").WithPadding(base32.NoPadding)

// newRecoveryCode returns a code of 60 random bits as xxxx-xxxx-xxxx.
func newRecoveryCode() string {
	b := make([]byte, 8)
	rand.Read(b)
	s := recoveryAlphabet.EncodeToString(b)[:12]
	return s[:4] + "-" + s[4:8] + "-" + s[8:12]
}

// normRecoveryCode makes a typed recovery code comparable: lower case, no spaces or dashes.
func normRecoveryCode(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '-' || r == ' ':
			return -1
		case r >= 'A' && r <= 'Z':
			return r + 'a' - 'A'
		}
		return r
	}, s)
}

func hashRecoveryCode(code string) string { return hashToken("rc:" + normRecoveryCode(code)) }

// newRecoveryCodes replaces the user's recovery codes with RecoveryCodeCount new ones, in tx,
// and returns them: the only time they are seen.
func (a *Auth) newRecoveryCodes(tx *gorm.DB, userID int64) ([]string, error) {
	if err := tx.Where("user_id = ?", userID).Delete(&models.RecoveryCode{}).Error; err != nil {
		return nil, dbErr("recovery codes", err)
	}
	codes := make([]string, RecoveryCodeCount)
	rows := make([]models.RecoveryCode, RecoveryCodeCount)
	for i := range codes {
		codes[i] = newRecoveryCode()
		rows[i] = models.RecoveryCode{UserID: userID, CodeHash: hashRecoveryCode(codes[i]), CreatedAt: a.now()}
	}
	if err := tx.Create(&rows).Error; err != nil {
		return nil, dbErr("recovery codes", err)
	}
	return codes, nil
}

// secondFactorOf loads a user's second factor, or nil.
func secondFactorOf(tx *gorm.DB, userID int64) (*models.SecondFactor, error) {
	var sf models.SecondFactor
	err := tx.Where("user_id = ?", userID).Take(&sf).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, dbErr("load second factor", err)
	}
	return &sf, nil
}

// loginPurpose says whether a login with a right password needs a second step, and which.
func (a *Auth) loginPurpose(tx *gorm.DB, u models.User) (string, error) {
	sf, err := secondFactorOf(tx, u.ID)
	if err != nil {
		return "", err
	}
	switch {
	case sf != nil && sf.EnabledAt != nil:
		return SecondFactorRequired, nil
	case a.SecondFactorRequiredFor(u.Role):
		return SecondFactorEnrol, nil
	}
	return "", nil
}

// challenge answers a right password with a challenge for the second step instead of tokens.
func (a *Auth) challenge(tx *gorm.DB, u models.User, purpose string) (Session, error) {
	tok := "sgc_" + newSecret()
	now := a.now()
	c := models.LoginChallenge{UserID: u.ID, TokenHash: hashToken(tok), Purpose: purpose, ExpiresAt: now.Add(ChallengeTTL), CreatedAt: now}
	if err := tx.Create(&c).Error; err != nil {
		return Session{}, dbErr("store login challenge", err)
	}
	// Old challenges go with the next one's creation, so the table holds only live ones.
	if err := tx.Where("expires_at < ?", now.Add(-ChallengeTTL)).Delete(&models.LoginChallenge{}).Error; err != nil {
		return Session{}, dbErr("prune login challenges", err)
	}
	return Session{SecondFactor: purpose, Challenge: tok, ChallengeExpiresIn: int(ChallengeTTL.Seconds()), User: u}, nil
}

func challengeExpired() error {
	return &Error{Code: EUnauthenticated, Message: "the login has expired; give your password again",
		Fields: []FieldError{{Field: "challenge", Code: "challenge_expired", Message: "has expired or was used; log in again"}}}
}

// liveChallenge loads a challenge that may still be answered, and its user.
func (a *Auth) liveChallenge(tx *gorm.DB, token string) (models.LoginChallenge, models.User, error) {
	var c models.LoginChallenge
	var u models.User
	if token == "" {
		return c, u, challengeExpired()
	}
	err := tx.Where("token_hash = ?", hashToken(token)).Take(&c).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return c, u, challengeExpired()
	}
	if err != nil {
		return c, u, dbErr("load login challenge", err)
	}
	if c.UsedAt != nil || c.Failures >= ChallengeMaxFailures || !a.now().Before(c.ExpiresAt) {
		return c, u, challengeExpired()
	}
	if err := tx.Where("id = ?", c.UserID).Take(&u).Error; err != nil {
		return c, u, dbErr("load login challenge", err)
	}
	if !u.Active {
		return c, u, challengeExpired()
	}
	return c, u, nil
}

// EnrolDuringLogin starts enrolment for a login whose challenge says "enrol": a new secret
// replaces any earlier unfinished one. Returns Unauthenticated for a dead challenge, Conflict when
// the challenge is not for enrolment.
func (a *Auth) EnrolDuringLogin(ctx context.Context, challenge string) (Enrolment, error) {
	var out Enrolment
	err := a.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		c, u, err := a.liveChallenge(tx, challenge)
		if err != nil {
			return err
		}
		if c.Purpose != SecondFactorEnrol {
			return Errorf(EConflict, "this account already has a second factor: give a code")
		}
		if err := lockRow(tx, "users", u.ID, lockChange); err != nil {
			return err
		}
		out, err = a.startEnrolment(tx, u)
		return err
	})
	return out, err
}

// startEnrolment stores a new, not yet enabled secret for u (in place of an unfinished one).
// Returns Conflict when u's second factor is enabled already.
func (a *Auth) startEnrolment(tx *gorm.DB, u models.User) (Enrolment, error) {
	sf, err := secondFactorOf(tx, u.ID)
	if err != nil {
		return Enrolment{}, err
	}
	if sf != nil && sf.EnabledAt != nil {
		return Enrolment{}, Errorf(EConflict, "two-step verification is already on")
	}
	e, err := newEnrolment(u.Username)
	if err != nil {
		return Enrolment{}, err
	}
	if err := tx.Where("user_id = ?", u.ID).Delete(&models.SecondFactor{}).Error; err != nil {
		return Enrolment{}, dbErr("start enrolment", err)
	}
	if err := tx.Create(&models.SecondFactor{UserID: u.ID, SecretEnc: a.seal(u.ID, e.Secret), CreatedAt: a.now()}).Error; err != nil {
		return Enrolment{}, dbErr("start enrolment", err)
	}
	return e, nil
}

// checkCode checks a TOTP code against sf and, when it matches a step not used before, records
// that step. Returns errWrongCode otherwise (a replayed code too).
func (a *Auth) checkCode(tx *gorm.DB, sf *models.SecondFactor, code string) error {
	secret, err := a.open(sf.UserID, sf.SecretEnc)
	if err != nil {
		return err
	}
	step := matchStep(secret, code, a.now())
	if step < 0 || (sf.LastStep != nil && step <= *sf.LastStep) {
		return errWrongCode
	}
	if err := tx.Model(&models.SecondFactor{}).Where("user_id = ?", sf.UserID).Update("last_step", step).Error; err != nil {
		return dbErr("record code", err)
	}
	sf.LastStep = &step
	return nil
}

// useRecoveryCode spends one of the user's unused recovery codes. Returns errWrongCode for an
// unknown or used code.
func (a *Auth) useRecoveryCode(tx *gorm.DB, userID int64, code string) error {
	res := tx.Model(&models.RecoveryCode{}).Where("user_id = ? AND code_hash = ? AND used_at IS NULL", userID, hashRecoveryCode(code)).Update("used_at", a.now())
	if res.Error != nil {
		return dbErr("use recovery code", res.Error)
	}
	if res.RowsAffected != 1 {
		return errWrongCode
	}
	return nil
}

// enable switches a pending second factor on and makes its recovery codes.
func (a *Auth) enable(tx *gorm.DB, actor Actor, u models.User) ([]string, error) {
	now := a.now()
	if err := tx.Model(&models.SecondFactor{}).Where("user_id = ?", u.ID).Update("enabled_at", now).Error; err != nil {
		return nil, dbErr("enable second factor", err)
	}
	codes, err := a.newRecoveryCodes(tx, u.ID)
	if err != nil {
		return nil, err
	}
	return codes, a.audit2FA(tx, actor, u, "second_factor_enable", map[string]any{"second_factor": "none"}, map[string]any{"second_factor": "enabled", "recovery_codes_left": RecoveryCodeCount})
}

// audit2FA records a second-factor event on the user; it never carries a secret or a code.
func (a *Auth) audit2FA(tx *gorm.DB, actor Actor, u models.User, action string, before, after any) error {
	var scope *models.Unit
	if u.ScopeUnitID != nil {
		var unit models.Unit
		if err := tx.Where("id = ?", *u.ScopeUnitID).Take(&unit).Error; err != nil {
			return dbErr("audit second factor", err)
		}
		scope = &unit
	}
	return record(tx, a.now(), actor, change{Action: action, Entity: "user", EntityID: u.ID, Unit: scope, Before: before, After: after})
}

func actorOf(u models.User) Actor {
	return Actor{UserID: u.ID, Username: u.Username, Role: u.Role, ScopeUnitID: u.ScopeUnitID}
}

// wrongCode is the answer to a code that did not match, on field.
func wrongCode(code Code, field string) error {
	fc, msg := "otp_wrong", "is wrong, expired or already used"
	if field == "recovery_code" {
		fc, msg = "recovery_code_wrong", "is not an unused recovery code of this account"
	}
	return &Error{Code: code, Message: "the code is wrong", Fields: []FieldError{{Field: field, Code: fc, Message: msg}}}
}

// oneCode checks that exactly one of code and recovery code is given.
func oneCode(code, recovery string) error {
	if (code == "") == (recovery == "") {
		return invalid("code", "either_or", map[string]any{"fields": []string{"code", "recovery_code"}}, "give either code or recovery_code")
	}
	return nil
}

// CompleteLogin is the second step of a login: a code (or a recovery code) for the challenge the
// password step gave. It answers the session; when the step finished an enrolment, the session
// carries the ten recovery codes, shown this once. Every wrong code counts under the login
// limits (per username and address) and against the challenge, which dies after
// ChallengeMaxFailures. A code's time step is accepted once: a replayed code is wrong.
// Returns Invalid when neither or both codes are given, Unauthenticated for a wrong code or a
// dead challenge, RateLimited over the login limits, Conflict for an enrolment not started.
func (a *Auth) CompleteLogin(ctx context.Context, in SecondFactorInput) (Session, error) {
	if err := oneCode(in.Code, in.RecoveryCode); err != nil {
		return Session{}, err
	}
	c, u, err := a.liveChallenge(a.db.WithContext(ctx), in.Challenge)
	if err != nil {
		return Session{}, err
	}
	att, err := a.limiter.reserve(ctx, u.Username, in.ClientIP)
	if err != nil {
		a.auditLockout(ctx, u.Username, att)
		return Session{}, err
	}
	var s Session
	err = a.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// The user's row lock makes two uses of one code (or one recovery code) take turns: the
		// second sees the step (or the code) used.
		if err := lockRow(tx, "users", c.UserID, lockChange); err != nil {
			return err
		}
		c, u, err := a.liveChallenge(tx, in.Challenge)
		if err != nil {
			return err
		}
		sf, err := secondFactorOf(tx, u.ID)
		if err != nil {
			return err
		}
		if sf == nil {
			if c.Purpose == SecondFactorEnrol {
				return Errorf(EConflict, "start the enrolment first (POST /api/v1/auth/login/enrol)")
			}
			return challengeExpired() // reset since the password step
		}
		var codes []string
		switch {
		case in.Code != "":
			if err := a.checkCode(tx, sf, in.Code); err != nil {
				return err
			}
			if sf.EnabledAt == nil {
				if codes, err = a.enable(tx, actorOf(u), u); err != nil {
					return err
				}
			}
		default:
			if sf.EnabledAt == nil {
				return errWrongCode // a pending enrolment has no recovery codes
			}
			if err := a.useRecoveryCode(tx, u.ID, in.RecoveryCode); err != nil {
				return err
			}
			var left int64
			if err := tx.Model(&models.RecoveryCode{}).Where("user_id = ? AND used_at IS NULL", u.ID).Count(&left).Error; err != nil {
				return dbErr("count recovery codes", err)
			}
			if err := a.audit2FA(tx, actorOf(u), u, "recovery_code_use", nil, map[string]any{"recovery_codes_left": left}); err != nil {
				return err
			}
		}
		res := tx.Model(&models.LoginChallenge{}).Where("id = ? AND used_at IS NULL", c.ID).Update("used_at", a.now())
		if res.Error != nil {
			return dbErr("use login challenge", res.Error)
		}
		if res.RowsAffected != 1 {
			return challengeExpired()
		}
		if err := a.limiter.succeeded(tx, att); err != nil {
			return err
		}
		s, err = a.startSession(ctx, tx, u)
		s.RecoveryCodes = codes
		return err
	})
	if errors.Is(err, errWrongCode) {
		// Outside the failed transaction, so that the count sticks.
		if err := a.db.WithContext(ctx).Model(&models.LoginChallenge{}).Where("id = ?", c.ID).Update("failures", gorm.Expr("failures + 1")).Error; err != nil {
			return Session{}, dbErr("count wrong code", err)
		}
		field := "code"
		if in.Code == "" {
			field = "recovery_code"
		}
		a.auditLoginFailed(ctx, u.Username, u, true, "wrong_"+field)
		return Session{}, wrongCode(EUnauthenticated, field)
	}
	return s, err
}

// SecondFactorStatus returns the actor's own second-factor status.
func (a *Auth) SecondFactorStatus(ctx context.Context, actor Actor) (SecondFactorStatus, error) {
	out := SecondFactorStatus{Required: a.SecondFactorRequiredFor(actor.Role)}
	db := a.db.WithContext(ctx)
	sf, err := secondFactorOf(db, actor.UserID)
	if err != nil || sf == nil {
		return out, err
	}
	out.Enabled, out.Pending, out.EnabledAt = sf.EnabledAt != nil, sf.EnabledAt == nil, sf.EnabledAt
	var left int64
	if err := db.Model(&models.RecoveryCode{}).Where("user_id = ? AND used_at IS NULL", actor.UserID).Count(&left).Error; err != nil {
		return out, dbErr("count recovery codes", err)
	}
	out.RecoveryCodesLeft = int(left)
	return out, nil
}

// ownAccount locks and loads the actor's own account for a change of its second factor, which
// is made from a login session only.
func (a *Auth) ownAccount(tx *gorm.DB, actor Actor) (models.User, error) {
	var u models.User
	if actor.ViaAPIToken {
		return u, Errorf(EForbidden, "two-step verification is changed from a login session, not with an API token")
	}
	if err := lockRow(tx, "users", actor.UserID, lockChange); err != nil {
		return u, err
	}
	if err := tx.Where("id = ?", actor.UserID).Take(&u).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return u, Errorf(EUnauthenticated, "unknown user")
		}
		return u, dbErr("load user", err)
	}
	if !u.Active {
		return u, Errorf(EUnauthenticated, "account is deactivated")
	}
	return u, nil
}

// StartEnrolment makes a new secret for the actor's own account, to be confirmed with a code.
// Returns Conflict when the second factor is on already, Forbidden with an API token.
func (a *Auth) StartEnrolment(ctx context.Context, actor Actor) (Enrolment, error) {
	var out Enrolment
	err := a.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		u, err := a.ownAccount(tx, actor)
		if err != nil {
			return err
		}
		out, err = a.startEnrolment(tx, u)
		return err
	})
	return out, err
}

// withCode runs fn after checking a code of the actor's enabled (or, with pending, not yet
// enabled) second factor, counting a wrong code under the login limits.
func (a *Auth) withCode(ctx context.Context, actor Actor, code, clientIP string, pending bool, fn func(tx *gorm.DB, u models.User) error) error {
	if code == "" {
		return invalid("code", "required", nil, "is required")
	}
	att, err := a.limiter.reserve(ctx, actor.Username, clientIP)
	if err != nil {
		return err
	}
	err = a.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		u, err := a.ownAccount(tx, actor)
		if err != nil {
			return err
		}
		sf, err := secondFactorOf(tx, u.ID)
		if err != nil {
			return err
		}
		switch {
		case pending && (sf == nil || sf.EnabledAt != nil):
			return Errorf(EConflict, "no enrolment waits for a code: start one first")
		case !pending && (sf == nil || sf.EnabledAt == nil):
			return Errorf(EConflict, "two-step verification is off")
		}
		if err := a.checkCode(tx, sf, code); err != nil {
			return err
		}
		if err := a.limiter.succeeded(tx, att); err != nil {
			return err
		}
		return fn(tx, u)
	})
	if errors.Is(err, errWrongCode) {
		return wrongCode(EInvalid, "code")
	}
	return err
}

// ConfirmEnrolment switches on the actor's pending second factor with a first code, and returns
// the ten recovery codes, shown this once. Returns Invalid for a wrong code, Conflict when no
// enrolment waits, RateLimited over the login limits.
func (a *Auth) ConfirmEnrolment(ctx context.Context, actor Actor, code, clientIP string) ([]string, error) {
	var codes []string
	err := a.withCode(ctx, actor, code, clientIP, true, func(tx *gorm.DB, u models.User) error {
		var err error
		codes, err = a.enable(tx, actor, u)
		return err
	})
	return codes, err
}

// RegenerateRecoveryCodes replaces the actor's recovery codes, given a current code.
// Returns Invalid for a wrong code, Conflict when the second factor is off.
func (a *Auth) RegenerateRecoveryCodes(ctx context.Context, actor Actor, code, clientIP string) ([]string, error) {
	var codes []string
	err := a.withCode(ctx, actor, code, clientIP, false, func(tx *gorm.DB, u models.User) error {
		var err error
		if codes, err = a.newRecoveryCodes(tx, u.ID); err != nil {
			return err
		}
		return a.audit2FA(tx, actor, u, "recovery_codes_regenerate", nil, map[string]any{"recovery_codes_left": RecoveryCodeCount})
	})
	return codes, err
}

// DisableSecondFactor switches the actor's second factor off, given their password or a current
// code. Returns Forbidden when the actor's role must use one, Conflict when it is off, Invalid
// for a wrong password or code.
func (a *Auth) DisableSecondFactor(ctx context.Context, actor Actor, in DisableSecondFactorInput) error {
	if a.SecondFactorRequiredFor(actor.Role) {
		return Errorf(EForbidden, "your role must use two-step verification")
	}
	if (in.CurrentPassword == "") == (in.Code == "") {
		return invalid("current_password", "either_or", map[string]any{"fields": []string{"current_password", "code"}}, "give either current_password or code")
	}
	att, err := a.limiter.reserve(ctx, actor.Username, in.ClientIP)
	if err != nil {
		return err
	}
	err = a.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		u, err := a.ownAccount(tx, actor)
		if err != nil {
			return err
		}
		sf, err := secondFactorOf(tx, u.ID)
		if err != nil {
			return err
		}
		if sf == nil {
			return Errorf(EConflict, "two-step verification is off")
		}
		if in.Code != "" {
			if err := a.checkCode(tx, sf, in.Code); err != nil {
				return err
			}
		} else if bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(in.CurrentPassword)) != nil {
			return invalid("current_password", "password_wrong", nil, "does not match your password")
		}
		if err := a.limiter.succeeded(tx, att); err != nil {
			return err
		}
		before := map[string]any{"second_factor": stateOf(sf)}
		if err := removeSecondFactor(tx, u.ID); err != nil {
			return err
		}
		return a.audit2FA(tx, actor, u, "second_factor_disable", before, map[string]any{"second_factor": "none"})
	})
	if errors.Is(err, errWrongCode) {
		return wrongCode(EInvalid, "code")
	}
	return err
}

func stateOf(sf *models.SecondFactor) string {
	switch {
	case sf == nil:
		return "none"
	case sf.EnabledAt == nil:
		return "pending"
	}
	return "enabled"
}

// removeSecondFactor deletes a user's secret, recovery codes and waiting challenges.
func removeSecondFactor(tx *gorm.DB, userID int64) error {
	for _, m := range []any{&models.SecondFactor{}, &models.RecoveryCode{}, &models.LoginChallenge{}} {
		if err := tx.Where("user_id = ?", userID).Delete(m).Error; err != nil {
			return dbErr("remove second factor", err)
		}
	}
	return nil
}

// ResetSecondFactor removes another user's second factor (a lost phone and lost recovery codes):
// their next login asks them to enrol again when their role needs it. An administrator may
// reset any other account, other administrators included; state office and district
// coordinators the accounts they manage (inside their scope, with a role below their own). Never
// one's own: that goes through DisableSecondFactor. Every session of the account ends. Audited as
// second_factor_reset.
// Returns NotFound outside scope, Forbidden for oneself and for roles the actor does not manage.
func (s *Users) ResetSecondFactor(ctx context.Context, actor Actor, id int64) error {
	if id == actor.UserID {
		return Errorf(EForbidden, "reset your own two-step verification from your account screen")
	}
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := lockRow(tx, "users", id, lockChange); err != nil {
			return err
		}
		v, err := s.load(tx, actor, id)
		if err != nil {
			return err
		}
		if !actor.isSystem() && actor.Role != models.RoleAdmin && !Outranks(actor.Role, v.User.Role) {
			return Errorf(EForbidden, "you may reset only accounts with a role below your own")
		}
		sf, err := secondFactorOf(tx, id)
		if err != nil {
			return err
		}
		if err := removeSecondFactor(tx, id); err != nil {
			return err
		}
		// A lost phone may be a stolen one: whoever holds it may hold a login too.
		ended, err := s.auth.endSessions(tx, id, false, "revoked")
		if err != nil {
			return err
		}
		return record(tx, s.now(), actor, change{Action: "second_factor_reset", Entity: "user", EntityID: id, Unit: v.Scope,
			Before: map[string]any{"second_factor": stateOf(sf)}, After: map[string]any{"second_factor": "none", "sessions_ended": ended}})
	})
}
