package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/sangathan/sangathan/database"
	"github.com/sangathan/sangathan/migrations"
	"github.com/sangathan/sangathan/services"
)

// config is read from the environment; flags may override some of it.
type config struct {
	Addr        string
	DatabaseURL string
	MigrateURL  string // the schema owner's URL; empty: DatabaseURL
	// ReadURL is a streaming replica of DatabaseURL's database (SANGATHAN_READ_DATABASE_URL) for
	// the reads that may go there; MaxReplicaLag (SANGATHAN_READ_MAX_LAG, a Go duration) is how
	// far behind it may fall before reads go back to the primary.
	ReadURL        string
	MaxReplicaLag  time.Duration
	DataDir        string
	JWTSecret      string
	AdminPassword  string
	SecureCookies  *bool
	TrustedProxies []string
	LogFormat      string
	MetricsAddr    string              // a listener of its own for /metrics; empty: /metrics on Addr, admins only
	DBMaxConns     int                 // PostgreSQL pool size; 0: database.DefaultMaxConns
	ImportMaxMiB   int64               // the largest import body, and file it decompresses to, over HTTP; 0: api.MaxImportBody
	Letterhead     services.Letterhead // the memoranda's letterhead: SANGATHAN_PARTY_NAME, SANGATHAN_PARTY_ADDRESS
	// IntakeLimits bound the public intake per client address: SANGATHAN_INTAKE_REPORTS_PER_HOUR,
	// SANGATHAN_INTAKE_LOOKUPS_PER_HOUR; zero: services.DefaultIntakeLimits.
	IntakeLimits services.IntakeLimits
	// CORSOrigins is SANGATHAN_CORS_ORIGINS as given, checked by api.ParseOrigins at start.
	CORSOrigins string
	// TLSCert and TLSKey (SANGATHAN_TLS_CERT, SANGATHAN_TLS_KEY) are PEM files: with both set the
	// server speaks HTTPS itself and sends HSTS.
	TLSCert, TLSKey string
}

func loadConfig() config {
	c := config{
		Addr:          env("SANGATHAN_ADDR", ":8080"),
		DatabaseURL:   os.Getenv("SANGATHAN_DATABASE_URL"),
		MigrateURL:    os.Getenv("SANGATHAN_MIGRATE_DATABASE_URL"),
		ReadURL:       os.Getenv("SANGATHAN_READ_DATABASE_URL"),
		DataDir:       env("SANGATHAN_DATA_DIR", "data"),
		JWTSecret:     os.Getenv("SANGATHAN_JWT_SECRET"),
		AdminPassword: os.Getenv("SANGATHAN_ADMIN_PASSWORD"),
		LogFormat:     env("SANGATHAN_LOG_FORMAT", "text"),
		MetricsAddr:   os.Getenv("SANGATHAN_METRICS_ADDR"),
		Letterhead:    services.Letterhead{Name: os.Getenv("SANGATHAN_PARTY_NAME"), Address: os.Getenv("SANGATHAN_PARTY_ADDRESS")},
		CORSOrigins:   os.Getenv("SANGATHAN_CORS_ORIGINS"),
		TLSCert:       os.Getenv("SANGATHAN_TLS_CERT"),
		TLSKey:        os.Getenv("SANGATHAN_TLS_KEY"),
	}
	if d, err := time.ParseDuration(os.Getenv("SANGATHAN_READ_MAX_LAG")); err == nil && d > 0 {
		c.MaxReplicaLag = d
	}
	if n, err := strconv.Atoi(os.Getenv("SANGATHAN_DB_MAX_CONNS")); err == nil && n > 0 {
		c.DBMaxConns = n
	}
	if v, err := strconv.ParseInt(os.Getenv("SANGATHAN_IMPORT_MAX_MIB"), 10, 64); err == nil && v > 0 && v <= 1<<20 {
		c.ImportMaxMiB = v
	}
	if n, err := strconv.Atoi(os.Getenv("SANGATHAN_INTAKE_REPORTS_PER_HOUR")); err == nil && n > 0 {
		c.IntakeLimits.Submissions = n
	}
	if n, err := strconv.Atoi(os.Getenv("SANGATHAN_INTAKE_LOOKUPS_PER_HOUR")); err == nil && n > 0 {
		c.IntakeLimits.Lookups = n
	}
	if v := os.Getenv("SANGATHAN_SECURE_COOKIES"); v != "" {
		b := v != "false" && v != "0"
		c.SecureCookies = &b
	}
	for _, p := range strings.Split(os.Getenv("SANGATHAN_TRUSTED_PROXIES"), ",") {
		if p = strings.TrimSpace(p); p != "" {
			c.TrustedProxies = append(c.TrustedProxies, p)
		}
	}
	return c
}

func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func newLogger(c config) *slog.Logger {
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(os.Stderr, nil))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, nil))
}

// app is the wired set of services.
type app struct {
	cfg config
	log *slog.Logger
	db  *database.DB
	*services.Set
	// keyGenerated: SANGATHAN_JWT_SECRET is unset, the token key is this data directory's own.
	keyGenerated bool
}

// openApp opens and migrates the database and builds the services.
func openApp(ctx context.Context, c config) (*app, error) {
	log := newLogger(c)
	slog.SetDefault(log)
	db, err := database.Open(ctx, database.Options{URL: c.DatabaseURL, MigrateURL: c.MigrateURL, SQLitePath: filepath.Join(c.DataDir, "sangathan.db"), MaxConns: c.DBMaxConns,
		ReadURL: c.ReadURL, MaxReplicaLag: c.MaxReplicaLag, Log: log})
	if err != nil {
		return nil, err
	}
	n, err := db.Migrate(ctx)
	if err != nil {
		db.Close()
		return nil, err
	}
	if n > 0 {
		log.Info("database migrated", "applied", n, "dialect", db.Dialect)
	}
	secret, generated, err := jwtSecret(c)
	if err != nil {
		db.Close()
		return nil, err
	}
	// SANGATHAN_2FA_ROLES: the roles that must use two-step verification ("none" for none).
	twoFA, err := services.ParseSecondFactorRoles(os.Getenv("SANGATHAN_2FA_ROLES"))
	if err != nil {
		db.Close()
		return nil, err
	}
	svc, err := services.NewSet(db.DB, services.SystemClock, services.AuthConfig{Secret: secret, SecondFactorRoles: twoFA})
	if err != nil {
		db.Close()
		return nil, err
	}
	svc.Incidents.Letterhead = c.Letterhead
	svc.Intake.Limits = c.IntakeLimits
	return &app{cfg: c, log: log, db: db, Set: svc, keyGenerated: generated}, nil
}

func (a *app) Close() error { return a.db.Close() }

// jwtSecret returns the configured key, or one generated on first use and kept in the data
// directory (mode 0600) so that tokens survive restarts; generated says which.
func jwtSecret(c config) (secret []byte, generated bool, err error) {
	if c.JWTSecret != "" {
		if len(c.JWTSecret) < 32 {
			return nil, false, errors.New("SANGATHAN_JWT_SECRET must be at least 32 characters")
		}
		return []byte(c.JWTSecret), false, nil
	}
	path := filepath.Join(c.DataDir, "jwt-secret")
	b, err := os.ReadFile(path)
	if err == nil && len(strings.TrimSpace(string(b))) >= 32 {
		return []byte(strings.TrimSpace(string(b))), true, nil
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, true, fmt.Errorf("read %s: %w", path, err)
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return nil, true, err
	}
	key := hex.EncodeToString(raw)
	if err := os.MkdirAll(c.DataDir, 0o700); err != nil {
		return nil, true, err
	}
	if err := os.WriteFile(path, []byte(key+"\n"), 0o600); err != nil {
		return nil, true, fmt.Errorf("write %s: %w", path, err)
	}
	return []byte(key), true, nil
}

// claimTokenKey makes sure that every server process on a PostgreSQL database signs tokens with
// one key (services/token_key.go): a generated key that differs from the others' stops this
// process; a configured one takes over, and the processes on the old key report not ready.
// SQLite is one process's file: there is nothing to share.
func (a *app) claimTokenKey(ctx context.Context) error {
	if a.db.Dialect != migrations.Postgres {
		return nil
	}
	replaced, err := a.Auth.ClaimTokenKey(ctx, !a.keyGenerated)
	switch {
	case errors.Is(err, services.ErrTokenKeyDiffers):
		return fmt.Errorf("%w: this process generated a token key of its own (SANGATHAN_JWT_SECRET is unset), "+
			"so its tokens would be refused by the other processes and theirs by it. Set the same SANGATHAN_JWT_SECRET "+
			"(at least 32 characters) on every process that serves this database", err)
	case err != nil:
		return err
	case replaced:
		a.log.Warn("the token key changed: this process signs with SANGATHAN_JWT_SECRET, and server processes still on the old key now report not ready")
	}
	return nil
}
