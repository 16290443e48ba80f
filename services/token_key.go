package services

// The token key in use (table server_keys). Every server process on one database must sign
// access tokens with the same key: a token one process issues is refused by another behind the
// same balancer otherwise — half the requests of every user fail, at random. A process left
// without SANGATHAN_JWT_SECRET generates a key of its own and keeps it in its data directory,
// which is right for one process and silently wrong for several on other machines. So each
// process records the key it signs with, by fingerprint, and:
//
//   - a process whose key was generated and differs from the recorded one does not start
//     (ClaimTokenKey returns ErrTokenKeyDiffers): the operator learns at once to set one key;
//   - a process whose key was configured and differs takes the record over (a key changed on
//     purpose, rolled out process by process), and the processes still on the old key report
//     not ready (TokenKeyCurrent), so the balancer stops sending them requests.
//
// The fingerprint is an HMAC of a fixed label under the key: it names the key without
// revealing it, and the key itself never enters the database or its backups.

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// tokenKeyName is the token key's row in server_keys.
const tokenKeyName = "jwt"

// ErrTokenKeyDiffers: another process on this database signs tokens with another key.
var ErrTokenKeyDiffers = errors.New("the database's other server processes sign tokens with another key")

// TokenKeyFingerprint names the token signing key without revealing it.
func (a *Auth) TokenKeyFingerprint() string {
	m := hmac.New(sha256.New, a.cfg.Secret)
	m.Write([]byte("sangathan token key fingerprint"))
	return hex.EncodeToString(m.Sum(nil))[:32]
}

// ClaimTokenKey records this process's token key as the one the database's servers sign with.
// When another is recorded, takeOver (the key was configured) replaces it and reports replaced;
// otherwise the answer wraps ErrTokenKeyDiffers, saying since when the other key is in use.
func (a *Auth) ClaimTokenKey(ctx context.Context, takeOver bool) (replaced bool, err error) {
	mine := a.TokenKeyFingerprint()
	err = runTx(ctx, a.db, func(tx *gorm.DB) error {
		replaced = false
		now := a.now().UTC()
		row := map[string]any{"name": tokenKeyName, "fingerprint": mine, "changed_at": now}
		if err := tx.Table("server_keys").Clauses(clause.OnConflict{DoNothing: true}).Create(row).Error; err != nil {
			return dbErr("record the token key", err)
		}
		var cur struct {
			Fingerprint string
			ChangedAt   time.Time
		}
		if err := lockRowBy(tx, "server_keys", "name", tokenKeyName, lockChange); err != nil {
			return err
		}
		if err := tx.Table("server_keys").Where("name = ?", tokenKeyName).Select("fingerprint", "changed_at").Take(&cur).Error; err != nil {
			return dbErr("read the token key", err)
		}
		switch {
		case cur.Fingerprint == mine:
			return nil
		case !takeOver:
			return fmt.Errorf("%w (in use since %s)", ErrTokenKeyDiffers, cur.ChangedAt.UTC().Format(time.RFC3339))
		}
		replaced = true
		return dbErr("replace the token key", tx.Table("server_keys").Where("name = ?", tokenKeyName).
			Updates(map[string]any{"fingerprint": mine, "changed_at": now}).Error)
	})
	return replaced, err
}

// TokenKeyCurrent reports whether this process signs with the database's token key: true when
// it does, or when none is recorded (a process that never claims one, as on SQLite).
func (a *Auth) TokenKeyCurrent(ctx context.Context) (bool, error) {
	var fps []string
	if err := a.db.WithContext(ctx).Table("server_keys").Where("name = ?", tokenKeyName).Pluck("fingerprint", &fps).Error; err != nil {
		return false, dbErr("read the token key", err)
	}
	return len(fps) == 0 || fps[0] == a.TokenKeyFingerprint(), nil
}
