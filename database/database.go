// Package database opens the production PostgreSQL database or the embedded SQLite file
// and brings its schema up to date.
package database

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
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
}

// Options say which database to open.
type Options struct {
	// URL is a postgres:// URL; empty selects the embedded SQLite file.
	URL string
	// SQLitePath is the SQLite file used when URL is empty.
	SQLitePath string
}

// Open connects to the database. It does not migrate.
func Open(ctx context.Context, o Options) (*DB, error) {
	cfg := &gorm.Config{
		TranslateError: true,
		Logger:         logger.Discard, // SQL carries personal data; never log it
		NowFunc:        func() time.Time { return time.Now().UTC() },
	}
	if o.URL != "" {
		if !strings.HasPrefix(o.URL, "postgres://") && !strings.HasPrefix(o.URL, "postgresql://") {
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
		sqlDB.SetMaxOpenConns(20)
		sqlDB.SetMaxIdleConns(10)
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
		if err := sqlDB.PingContext(ctx); err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		return &DB{DB: g, Dialect: migrations.Postgres}, nil
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
	return &DB{DB: g, Dialect: migrations.SQLite}, nil
}

// Migrate applies pending migrations.
func (d *DB) Migrate(ctx context.Context) (int, error) {
	sqlDB, err := d.DB.DB()
	if err != nil {
		return 0, err
	}
	return migrations.Up(ctx, sqlDB, d.Dialect)
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
