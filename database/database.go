// Package database opens the production PostgreSQL database or the embedded SQLite file
// and brings its schema up to date.
package database

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/glebarez/sqlite"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/sangathan/sangathan/migrations"
)

// DB is an open database with its dialect.
type DB struct {
	*gorm.DB
	Dialect migrations.Dialect
	opts    Options
}

// Options say which database to open.
type Options struct {
	// URL is a postgres:// URL; empty selects the embedded SQLite file.
	URL string
	// MigrateURL is the postgres:// URL of the role that owns the schema and runs the
	// migrations; empty means URL. See Migrate.
	MigrateURL string
	// SQLitePath is the SQLite file used when URL is empty.
	SQLitePath string
	// MaxConns bounds the PostgreSQL connections of the pool (0: DefaultMaxConns()).
	MaxConns int
}

// DefaultMaxConns is the PostgreSQL pool's size unless Options say otherwise: four connections
// per core of this machine, and at least eight. More connections than the cores can serve only
// queue inside PostgreSQL instead of in the pool: on two cores under 32 clients, 8 connections
// gave the same throughput as 20 with a third less p99 latency (docs/BENCHMARKS.md).
func DefaultMaxConns() int { return max(8, 4*runtime.NumCPU()) }

// Open connects to the database. It does not migrate.
func Open(ctx context.Context, o Options) (*DB, error) {
	cfg := &gorm.Config{
		TranslateError: true,
		Logger:         logger.Discard, // SQL carries personal data; never log it
		NowFunc:        func() time.Time { return time.Now().UTC() },
	}
	if o.MigrateURL != "" && o.URL == "" {
		return nil, fmt.Errorf("open database: SANGATHAN_MIGRATE_DATABASE_URL needs SANGATHAN_DATABASE_URL (the embedded SQLite database has no roles)")
	}
	if o.MigrateURL != "" && !isPostgresURL(o.MigrateURL) {
		return nil, fmt.Errorf("open database: SANGATHAN_MIGRATE_DATABASE_URL must be a postgres:// URL")
	}
	if o.URL != "" {
		if !isPostgresURL(o.URL) {
			return nil, fmt.Errorf("open database: SANGATHAN_DATABASE_URL must be a postgres:// URL")
		}
		g, err := gorm.Open(postgres.Open(o.URL), cfg)
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		sqlDB, err := g.DB()
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		// Every connection kept: one closed when the pool shrinks takes its cache of prepared
		// statements with it, and a burst of requests would pay for new connections.
		n := o.MaxConns
		if n <= 0 {
			n = DefaultMaxConns()
		}
		sqlDB.SetMaxOpenConns(n)
		sqlDB.SetMaxIdleConns(n)
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
		if err := sqlDB.PingContext(ctx); err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		return &DB{DB: g, Dialect: migrations.Postgres, opts: o}, nil
	}
	if o.SQLitePath == "" {
		return nil, fmt.Errorf("open sqlite: no file path")
	}
	if err := os.MkdirAll(filepath.Dir(o.SQLitePath), 0o700); err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	dsn := o.SQLitePath + "?_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=synchronous(NORMAL)&_txlock=immediate"
	g, err := gorm.Open(sqlite.Open(dsn), cfg)
	if err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	sqlDB, err := g.DB()
	if err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	// One writer at a time is SQLite's nature; a small pool keeps readers concurrent under WAL.
	sqlDB.SetMaxOpenConns(4)
	if err := sqlDB.PingContext(ctx); err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	return &DB{DB: g, Dialect: migrations.SQLite, opts: o}, nil
}

func isPostgresURL(u string) bool {
	return strings.HasPrefix(u, "postgres://") || strings.HasPrefix(u, "postgresql://")
}

// Ping reports whether the database answers.
func (d *DB) Ping(ctx context.Context) error {
	sqlDB, err := d.DB.DB()
	if err != nil {
		return err
	}
	return sqlDB.PingContext(ctx)
}

// Close closes the connection pool.
func (d *DB) Close() error {
	sqlDB, err := d.DB.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}
