package main

import (
	"bufio"
	"compress/gzip"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/sangathan/sangathan/models"
	"github.com/sangathan/sangathan/services"
)

func cmdMigrate(ctx context.Context, args []string, out io.Writer) error {
	sub := "up"
	if len(args) > 0 {
		sub = args[0]
	}
	c := loadConfig()
	switch sub {
	case "up":
		a, err := openApp(ctx, c) // opening migrates
		if err != nil {
			return err
		}
		defer a.Close()
		fmt.Fprintln(out, "database is up to date")
		return nil
	case "status":
		a, err := openApp(ctx, c)
		if err != nil {
			return err
		}
		defer a.Close()
		list, err := a.db.MigrationStatus(ctx)
		if err != nil {
			return err
		}
		for _, m := range list {
			state := "pending"
			if m.Applied {
				state = "applied"
			}
			fmt.Fprintf(out, "%05d  %-8s %s\n", m.Version, state, m.Name)
		}
		return nil
	}
	return fmt.Errorf("%w: migrate takes up or status", errUsage)
}

// parseInterleaved parses flags that may come before or after the positional arguments.
func parseInterleaved(fl *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fl.Parse(args); err != nil {
			return nil, errUsage
		}
		args = fl.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

func cmdImport(ctx context.Context, args []string, out io.Writer) error {
	fl := flag.NewFlagSet("import", flag.ContinueOnError)
	mode := fl.String("mode", string(services.AllOrNothing), "all_or_nothing or valid_rows")
	maxMiB := fl.Int64("max-mib", defaultImportMiB, "refuse a file larger than this many MiB (after decompression)")
	pos, err := parseInterleaved(fl, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 || (pos[0] != "units" && pos[0] != "people") {
		return fmt.Errorf("%w: import units|people FILE", errUsage)
	}
	if *maxMiB <= 0 || *maxMiB > 1<<20 {
		return fmt.Errorf("%w: --max-mib must be between 1 and %d", errUsage, 1<<20)
	}
	r, closeFn, err := openInput(pos[1])
	if err != nil {
		return err
	}
	defer closeFn()
	r = capInput(r, pos[1], *maxMiB<<20)
	a, err := openApp(ctx, loadConfig())
	if err != nil {
		return err
	}
	defer a.Close()
	start := time.Now()
	load := a.Imports.Units
	if pos[0] == "people" {
		load = a.Imports.People
	}
	res, err := load(ctx, services.System, r, services.ImportMode(*mode))
	printRowErrors(out, res.Errors, err)
	if err != nil {
		return err
	}
	seated := ""
	if pos[0] == "people" {
		seated = fmt.Sprintf(", seated %d", res.Seated)
	}
	fmt.Fprintf(out, "inserted %d, updated %d%s, %d rows with errors, in %s\n", res.Inserted, res.Updated, seated, len(res.Errors), time.Since(start).Round(time.Millisecond))
	return nil
}

func printRowErrors(out io.Writer, rowErrs []services.FieldError, err error) {
	var se *services.Error
	if errors.As(err, &se) && len(se.Fields) > 0 {
		rowErrs = se.Fields
	}
	for i, e := range rowErrs {
		if i == 200 {
			fmt.Fprintf(out, "… and %d more\n", len(rowErrs)-200)
			break
		}
		fmt.Fprintf(out, "line %d: %s: %s\n", e.Line, e.Field, e.Message)
	}
}

// openInput opens a file, "-" for stdin, decompressing .gz files.
func openInput(name string) (io.Reader, func(), error) {
	var f io.ReadCloser = os.Stdin
	if name != "-" {
		var err error
		if f, err = os.Open(name); err != nil {
			return nil, nil, err
		}
	}
	br := bufio.NewReaderSize(f, 1<<16)
	if strings.HasSuffix(name, ".gz") {
		gz, err := gzip.NewReader(br)
		if err != nil {
			f.Close()
			return nil, nil, fmt.Errorf("%s: %w", name, err)
		}
		return gz, func() { gz.Close(); f.Close() }, nil
	}
	return br, func() { f.Close() }, nil
}

func cmdExport(ctx context.Context, args []string, stdout io.Writer) error {
	fl := flag.NewFlagSet("export", flag.ContinueOnError)
	under := fl.String("under", "", "export only this unit (by code) and everything below it")
	outName := fl.String("out", "", "write to this file instead of standard output")
	pos, err := parseInterleaved(fl, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || (pos[0] != "units" && pos[0] != "people" && pos[0] != "incidents") {
		return fmt.Errorf("%w: export units|people|incidents", errUsage)
	}
	a, err := openApp(ctx, loadConfig())
	if err != nil {
		return err
	}
	defer a.Close()
	var underID *int64
	if *under != "" {
		u, err := a.Units.UnitByCode(ctx, services.System, *under)
		if err != nil {
			return fmt.Errorf("--under %s: %w", *under, err)
		}
		underID = &u.ID
	}
	var sel services.UnitSelection
	var incidents services.IncidentSelection
	if pos[0] == "incidents" {
		incidents, err = a.Incidents.Select(ctx, services.System, services.IncidentFilter{Under: underID})
	} else {
		sel, err = a.Exports.CheckUnits(ctx, services.System, underID)
	}
	if err != nil {
		return err
	}
	w := stdout
	if *outName != "" {
		f, err := os.Create(*outName)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	write := func() error { return a.Exports.Units(ctx, sel, bw) }
	switch pos[0] {
	case "people":
		write = func() error { return a.Exports.People(ctx, services.System, sel, bw) }
	case "incidents":
		write = func() error { return a.Incidents.ExportCSV(ctx, incidents, bw) }
	}
	if err := write(); err != nil {
		return err
	}
	return bw.Flush()
}

func cmdUser(ctx context.Context, args []string, out io.Writer) error {
	if len(args) > 0 && args[0] == "password" {
		return cmdUserPassword(ctx, args[1:], out)
	}
	if len(args) == 0 || args[0] != "create" {
		return fmt.Errorf("%w: user create --username U --password P --role R [--scope CODE] | user password --username U [--password P]", errUsage)
	}
	fl := flag.NewFlagSet("user create", flag.ContinueOnError)
	username := fl.String("username", "", "login name")
	password := fl.String("password", "", "password (at least 10 characters)")
	role := fl.String("role", "", "admin, state_office, district_coordinator, booth_worker or viewer")
	scope := fl.String("scope", "", "code of the scope unit (not for admin)")
	if err := fl.Parse(args[1:]); err != nil {
		return errUsage
	}
	a, err := openApp(ctx, loadConfig())
	if err != nil {
		return err
	}
	defer a.Close()
	in := services.UserInput{Username: *username, Password: *password, Role: models.Role(*role)}
	if *scope != "" {
		u, err := a.Units.UnitByCode(ctx, services.System, *scope)
		if err != nil {
			return fmt.Errorf("--scope %s: %w", *scope, err)
		}
		in.ScopeUnitID = &u.ID
	}
	u, err := a.Users.Create(ctx, services.System, in)
	if err != nil {
		printRowErrors(out, nil, err)
		return err
	}
	fmt.Fprintf(out, "created user %s (id %d, role %s)\n", u.User.Username, u.User.ID, u.User.Role)
	return nil
}

// cmdUserPassword sets a new password for an account, as the installation itself: for an
// administrator locked out, or a demo account whose first-start password is lost. Without
// --password (or $SANGATHAN_NEW_PASSWORD) it makes a random one and prints it once. Every session
// of the account ends, as with any password change.
func cmdUserPassword(ctx context.Context, args []string, out io.Writer) error {
	fl := flag.NewFlagSet("user password", flag.ContinueOnError)
	username := fl.String("username", "", "login name")
	password := fl.String("password", "", "the new password (default $SANGATHAN_NEW_PASSWORD, else a random one, printed once)")
	if err := fl.Parse(args); err != nil {
		return errUsage
	}
	if *username == "" {
		return fmt.Errorf("%w: user password --username U [--password P]", errUsage)
	}
	pw, generated := *password, false
	if pw == "" {
		pw = os.Getenv("SANGATHAN_NEW_PASSWORD")
	}
	if pw == "" {
		pw, generated = randomPassword(), true
	}
	a, err := openApp(ctx, loadConfig())
	if err != nil {
		return err
	}
	defer a.Close()
	id, err := a.Users.IDByUsername(ctx, *username)
	if err != nil {
		return fmt.Errorf("--username %s: %w", *username, err)
	}
	if _, err := a.Users.Update(ctx, services.System, id, services.UserPatch{Password: &pw}); err != nil {
		printRowErrors(out, nil, err)
		return err
	}
	if generated {
		fmt.Fprintf(out, "New password of %s: %s — it is shown only this once. Every session of the account has ended.\n", *username, pw)
	} else {
		fmt.Fprintf(out, "Password of %s changed. Every session of the account has ended.\n", *username)
	}
	return nil
}

// errDifferences makes `sangathan verify` exit with status 1.
var errDifferences = errors.New("the stored tree or rollups differ from a recount")

// cmdVerify recounts every unit's path, depth and rollups from the raw rows and prints each
// difference; --fix repairs them all in one transaction with one audit row.
func cmdVerify(ctx context.Context, args []string, out io.Writer) error {
	fl := flag.NewFlagSet("verify", flag.ContinueOnError)
	fix := fl.Bool("fix", false, "repair every difference, in one transaction")
	pos, err := parseInterleaved(fl, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return fmt.Errorf("%w: verify [--fix]", errUsage)
	}
	a, err := openApp(ctx, loadConfig())
	if err != nil {
		return err
	}
	defer a.Close()
	v := services.NewVerifier(a.db.DB, services.SystemClock)
	check := v.Check
	if *fix {
		check = v.Fix
	}
	diffs, err := check(ctx, services.System)
	if err != nil {
		return err
	}
	for _, d := range diffs {
		fmt.Fprintln(out, d)
	}
	switch {
	case len(diffs) == 0:
		fmt.Fprintln(out, "no differences")
		return nil
	case !*fix:
		return fmt.Errorf("%w: %d differences (sangathan verify --fix repairs them)", errDifferences, len(diffs))
	}
	unfixed := 0
	for _, d := range diffs {
		if !d.Fixable() {
			unfixed++
		}
	}
	fmt.Fprintf(out, "fixed %d differences in one transaction\n", len(diffs)-unfixed)
	if unfixed > 0 {
		return fmt.Errorf("%w: %d units are outside the tree and need a new parent", errDifferences, unfixed)
	}
	return nil
}
