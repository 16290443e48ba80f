package services

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/sangathan/sangathan/models"
)

// API token limits.
const (
	apiTokenPrefix         = "sgt_"
	DefaultTokenDays       = 90
	MaxTokenDays           = 365
	MaxTokensPerUser       = 50
	tokenLastUsedPrecision = time.Minute // last_used_at is written at most this often per token
)

// Tokens manages API tokens: named, expiring, revocable secrets that integrations send as
// bearer tokens and that act with their owner's role and scope.
type Tokens struct {
	db  *gorm.DB
	now Clock
}

// NewTokens returns the API token service.
func NewTokens(db *gorm.DB, now Clock) *Tokens { return &Tokens{db: db, now: now} }

// TokenInput is a new API token.
type TokenInput struct {
	Name          string
	ExpiresInDays int // 0 means DefaultTokenDays
}

// NewToken is a created token with its secret, which is shown only this once.
type NewToken struct {
	Token  models.APIToken
	Secret string
}

// Create issues a token for the actor. Returns Invalid for a bad name or lifetime, Conflict when
// the actor already holds MaxTokensPerUser live tokens, Forbidden when the actor is itself an API token.
func (s *Tokens) Create(ctx context.Context, actor Actor, in TokenInput) (NewToken, error) {
	if actor.ViaAPIToken {
		// Otherwise one leaked token could outlive its own revocation through its offspring.
		return NewToken{}, Errorf(EForbidden, "API tokens are created from a login session, not with another API token")
	}
	in.Name = strings.TrimSpace(in.Name)
	var f Fields
	switch {
	case in.Name == "":
		f.AddCode("name", "required", nil, "is required")
	case utf8.RuneCountInString(in.Name) > 100 || !cleanText(in.Name):
		f.AddCode("name", "too_long", map[string]any{"max": 100}, "must be at most 100 characters of text")
	}
	if in.ExpiresInDays == 0 {
		in.ExpiresInDays = DefaultTokenDays
	}
	if in.ExpiresInDays < 1 || in.ExpiresInDays > MaxTokenDays {
		f.AddCode("expires_in_days", "out_of_range", map[string]any{"min": 1, "max": MaxTokenDays}, "must be between 1 and %d", MaxTokenDays)
	}
	if err := f.Err(); err != nil {
		return NewToken{}, err
	}
	var out NewToken
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		now := s.now()
		var live int64
		if err := tx.Model(&models.APIToken{}).Where("user_id = ? AND revoked_at IS NULL AND expires_at > ?", actor.UserID, now).Count(&live).Error; err != nil {
			return dbErr("create token", err)
		}
		if live >= MaxTokensPerUser {
			return Errorf(EConflict, "you already hold %d live API tokens; revoke one first", MaxTokensPerUser)
		}
		secret := apiTokenPrefix + newSecret()
		t := models.APIToken{UserID: actor.UserID, Name: in.Name, TokenHash: hashToken(secret), CreatedAt: now,
			ExpiresAt: now.Add(time.Duration(in.ExpiresInDays) * 24 * time.Hour)}
		if err := tx.Create(&t).Error; err != nil {
			return dbErr("create token", err)
		}
		if err := record(tx, now, actor, change{Action: "create", Entity: "api_token", EntityID: t.ID, Unit: actorUnit(tx, actor),
			After: map[string]any{"id": t.ID, "name": t.Name, "user_id": t.UserID, "expires_at": t.ExpiresAt}}); err != nil {
			return err
		}
		out = NewToken{Token: t, Secret: secret}
		return nil
	})
	return out, err
}

// List returns the actor's own tokens, newest first, without secrets.
func (s *Tokens) List(ctx context.Context, actor Actor, pr PageRequest) (Page[models.APIToken], error) {
	limit, before, err := pr.bounds()
	if err != nil {
		return Page[models.APIToken]{}, err
	}
	q := s.db.WithContext(ctx).Where("user_id = ?", actor.UserID)
	if before > 0 {
		q = q.Where("id < ?", before)
	}
	var rows []models.APIToken
	if err := q.Order("id DESC").Limit(limit + 1).Find(&rows).Error; err != nil {
		return Page[models.APIToken]{}, dbErr("list tokens", err)
	}
	return paginate(rows, limit, func(t models.APIToken) int64 { return t.ID }), nil
}

// Revoke ends one of the actor's tokens at once. Returns NotFound for another user's token.
func (s *Tokens) Revoke(ctx context.Context, actor Actor, id int64) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var t models.APIToken
		if err := tx.Where("id = ? AND user_id = ?", id, actor.UserID).Take(&t).Error; err != nil {
			return dbErr("revoke token", err)
		}
		if t.RevokedAt != nil {
			return nil
		}
		now := s.now()
		if err := tx.Model(&models.APIToken{}).Where("id = ?", t.ID).UpdateColumn("revoked_at", now).Error; err != nil {
			return dbErr("revoke token", err)
		}
		return record(tx, now, actor, change{Action: "revoke", Entity: "api_token", EntityID: t.ID, Unit: actorUnit(tx, actor),
			Before: map[string]any{"id": t.ID, "name": t.Name, "user_id": t.UserID}})
	})
}

// actorUnit is the actor's scope unit, where its own account changes are filed in the audit log.
func actorUnit(tx *gorm.DB, actor Actor) *models.Unit {
	if actor.ScopeUnitID == nil {
		return nil
	}
	return &models.Unit{ID: *actor.ScopeUnitID, Path: actor.ScopePath}
}

// authenticateAPIToken checks an API token and loads its owner as the actor. Returns
// Unauthenticated for unknown, revoked or expired tokens and inactive owners.
func (a *Auth) authenticateAPIToken(ctx context.Context, secret string) (Actor, error) {
	db := a.db.WithContext(ctx)
	var t models.APIToken
	if err := db.Where("token_hash = ?", hashToken(secret)).Take(&t).Error; err != nil {
		return Actor{}, Errorf(EUnauthenticated, "invalid or expired token")
	}
	now := a.now()
	if t.RevokedAt != nil || !now.Before(t.ExpiresAt) {
		return Actor{}, Errorf(EUnauthenticated, "invalid or expired token")
	}
	act, err := a.actorFor(ctx, t.UserID, 0)
	if err != nil {
		return Actor{}, err
	}
	act.ViaAPIToken = true
	if t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) >= tokenLastUsedPrecision {
		if err := db.Model(&models.APIToken{}).Where("id = ?", t.ID).UpdateColumn("last_used_at", now).Error; err != nil {
			return Actor{}, dbErr("record token use", err)
		}
	}
	return act, nil
}
