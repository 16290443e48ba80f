package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/sangathan/sangathan/services"
)

// cmdErasePerson erases a person's personal data as the installation itself (services.Privacy.Erase,
// docs/PRIVACY.md): the operator's answer to a request that reached the office outside the web
// UI. Without --version it erases the version stored now; with it, only that version (as the API's
// If-Match).
func cmdErasePerson(ctx context.Context, args []string, out io.Writer) error {
	fl := flag.NewFlagSet("erase-person", flag.ContinueOnError)
	id := fl.Int64("id", 0, "the person's id")
	reason := fl.String("reason", "", "whose request this answers (a reference, never personal data); kept in the audit log")
	version := fl.Int64("version", 0, "erase only if the person's version is still this one")
	if err := fl.Parse(args); err != nil || *id <= 0 || fl.NArg() != 0 {
		return fmt.Errorf("%w: erase-person --id N --reason \"…\" [--version V]", errUsage)
	}
	a, err := openApp(ctx, loadConfig())
	if err != nil {
		return err
	}
	defer a.Close()
	v := *version
	if v == 0 {
		p, err := a.People.Get(ctx, services.System, *id)
		if err != nil {
			return fmt.Errorf("person %d: %w", *id, err)
		}
		v = p.Person.Version
	}
	e, err := a.Privacy.Erase(ctx, services.System, *id, &v, *reason)
	if err != nil {
		printRowErrors(out, nil, err)
		return err
	}
	fmt.Fprintf(out, "erased person %d: now %q; %d seats kept, %d accounts unlinked, %d programs cleared, %d audit rows redacted\n",
		*id, e.Person.Person.Name, e.SeatsKept, e.AccountsUnlinked, e.ProgramsCleared, e.AuditRowsRedacted)
	return nil
}
