// Command sangathan is the one binary of Sangathan: the server and its maintenance commands.
//
//	sangathan serve [--demo] [--addr :8080]
//	sangathan migrate [up|status]
//	sangathan import units|people FILE.csv[.gz] [--mode all_or_nothing|valid_rows] [--max-mib 512]
//	sangathan export units|people|incidents [--under CODE] [--out FILE]
//	sangathan user create --username U --password P --role R [--scope CODE]
//	sangathan verify [--fix]
//	sangathan seed [--scale district|state] [--districts N] [--seed N] [--password P]
//	sangathan loadtest [--url U] [--clients 32] [--duration 30s] [--mix mixed] [--json] …
//	sangathan openapi
//	sangathan erase-person --id N --reason "…" [--version V]
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

const usage = `sangathan — booth-level party organisation management

Usage:
  sangathan serve [--demo] [--addr :8080]      run the HTTP server (the default command)
  sangathan demo                               load the demo data and accounts (as serve --demo does) and exit
  sangathan migrate [up|status]                apply or list database migrations
  sangathan import units|people FILE [--mode M] [--max-mib 512]
                                               load a units or people CSV (.csv or .csv.gz, - for stdin),
                                               refusing one larger than --max-mib after decompression
  sangathan export units|people|incidents [--under CODE] [--out FILE]
                                               write units or people as CSV (stdout by default)
  sangathan user create --username U --password P --role R [--scope CODE]
                                               create an account
  sangathan user password --username U [--password P]
                                               set an account's password (random and printed once if
                                               not given; $SANGATHAN_NEW_PASSWORD); its sessions end
  sangathan verify [--fix]                     recount every unit path and rollup from the raw rows;
                                               exit status 1 on a difference; --fix repairs them
  sangathan seed [--scale=district|state] [--districts N] [--seed N] [--password P]
                                               fill an empty database with a generated Uttar Pradesh:
                                               the real units and booths (topped up to 2024's 162,069),
                                               sectors, committees at every level, and the accounts
                                               up.office, up.viewer, <district>.coord and <district>.booth;
                                               --scale=district seeds the first N districts (default 1,
                                               Lucknow first), --scale=state all 75 (5.3 million rows:
                                               about 3 minutes on PostgreSQL, 4 on SQLite);
                                               the same --seed gives the same data; a database holding
                                               people, seats or units beyond that skeleton is refused
  sangathan loadtest [--url http://127.0.0.1:8080[,URL…]] [--clients 32] [--duration 30s] [--requests N]
                    [--mix mixed|reads|writes|endpoint=weight,…] [--skip people_list] [--seed N]
                    [--password P | --accounts FILE] [--server-pid PID[,PID…] | --metrics-url U | --admin-password P]
                    [--baseline-db postgres://…] [--warmup 2s] [--json]
                                               drive a running server with many coordinators and the
                                               state office; print per endpoint req/s, p50/p95/p99,
                                               errors, the server's peak memory and, with --baseline-db,
                                               the ratio to the bare SQL (loadtest --help lists every flag);
                                               several URLs split the clients between servers
  sangathan loadtest compare LABEL=FILE …      table of --json reports side by side (docs/scalebench.sh)
  sangathan openapi                            write the OpenAPI document the server serves
  sangathan erase-person --id N --reason "…" [--version V]
                                               erase a person's personal data (DPDP Act 2023,
                                               docs/PRIVACY.md); cannot be undone; audited

Configuration (environment):
  SANGATHAN_ADDR            listen address (default :8080)
  SANGATHAN_DATABASE_URL    postgres://… ; empty: embedded SQLite in the data directory
  SANGATHAN_MIGRATE_DATABASE_URL
                            postgres://… of the schema owner that runs migrations and grants the
                            server's user only what it needs (default: SANGATHAN_DATABASE_URL)
  SANGATHAN_DATA_DIR        data directory (default ./data)
  SANGATHAN_JWT_SECRET      token signing key; empty: generated once and kept in the data directory
                            (every process on one PostgreSQL database must sign with the same key)
  SANGATHAN_ADMIN_PASSWORD  password of the first admin; empty: a random one is printed once
  SANGATHAN_SECURE_COOKIES  "false" to allow the refresh cookie over plain HTTP (default true; --demo: false)
  SANGATHAN_TRUSTED_PROXIES comma-separated proxy addresses whose X-Forwarded-For (and X-Forwarded-Proto) is believed
  SANGATHAN_CORS_ORIGINS    comma-separated origins (https://host[:port]) whose pages may call the API
                            from a browser; empty (the default): none but the server's own
  SANGATHAN_TLS_CERT, SANGATHAN_TLS_KEY
                            PEM certificate and key: serve HTTPS and send Strict-Transport-Security
  SANGATHAN_LOG_FORMAT      text (default) or json
  SANGATHAN_SEED_PASSWORD   password of the accounts that seed makes (default: random, printed once)
  SANGATHAN_METRICS_ADDR    serve /metrics and /debug/pprof/ without a token on this address only (e.g. 127.0.0.1:9090);
                            empty: /metrics on the main address, for an admin's token
  SANGATHAN_DB_MAX_CONNS    PostgreSQL pool size (default 4 per core, at least 8)
  SANGATHAN_IMPORT_MAX_MIB  the largest CSV import over HTTP, and what a gzip body may expand to (default 2048)
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "sangathan:", err)
		if errors.Is(err, errUsage) {
			fmt.Fprint(os.Stderr, "\n"+usage)
			os.Exit(2)
		}
		os.Exit(1)
	}
}

var errUsage = errors.New("bad usage")

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return cmdServe(ctx, args, stdout, stderr)
	case "demo":
		return cmdDemo(ctx, args, stdout)
	case "migrate":
		return cmdMigrate(ctx, args, stdout)
	case "import":
		return cmdImport(ctx, args, stdout)
	case "export":
		return cmdExport(ctx, args, stdout)
	case "user":
		return cmdUser(ctx, args, stdout)
	case "verify":
		return cmdVerify(ctx, args, stdout)
	case "seed":
		return cmdSeed(ctx, args, stdout, stderr)
	case "loadtest":
		return cmdLoadtest(ctx, args, stdout, stderr)
	case "openapi":
		return cmdOpenAPI(ctx, args, stdout)
	case "erase-person":
		return cmdErasePerson(ctx, args, stdout)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	return fmt.Errorf("%w: unknown command %q", errUsage, cmd)
}
