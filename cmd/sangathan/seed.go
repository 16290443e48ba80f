package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/sangathan/sangathan/demodata"
	"github.com/sangathan/sangathan/migrations"
	"github.com/sangathan/sangathan/services"
)

// cmdSeed fills an empty database with a generated Uttar Pradesh: the real units and 2014
// booths topped up to the 2024 count, sectors, committees at every level and the accounts that
// the load tool logs in with.
func cmdSeed(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fl := flag.NewFlagSet("seed", flag.ContinueOnError)
	fl.SetOutput(stderr)
	scale := fl.String("scale", "district", "district (the first --districts districts) or state (all 75)")
	districts := fl.Int("districts", 1, "at --scale=district, how many districts, in a fixed order starting with UP-LUCKNOW")
	seed := fl.Uint64("seed", 1, "random seed: the same seed gives the same data")
	password := fl.String("password", "", "password of the accounts it makes (default $SANGATHAN_SEED_PASSWORD, else a random one, printed once)")
	pos, err := parseInterleaved(fl, args)
	if err != nil {
		return err
	}
	set := map[string]bool{}
	fl.Visit(func(f *flag.Flag) { set[f.Name] = true })
	order := seedOrder()
	var codes []string
	switch {
	case len(pos) != 0:
		return fmt.Errorf("%w: seed takes no arguments", errUsage)
	case *scale == "state" && set["districts"]:
		return fmt.Errorf("%w: --districts applies only to --scale=district", errUsage)
	case *scale == "state":
		codes = order
	case *scale == "district" && (*districts < 1 || *districts > len(order)):
		return fmt.Errorf("%w: --districts must be between 1 and %d", errUsage, len(order))
	case *scale == "district":
		codes = order[:*districts]
	default:
		return fmt.Errorf("%w: --scale must be district or state", errUsage)
	}
	pw, generated := *password, false
	if pw == "" {
		pw = os.Getenv("SANGATHAN_SEED_PASSWORD")
	}
	if pw == "" {
		pw, generated = randomPassword(), true
	}
	if err := services.ValidatePassword("password", pw); err != nil {
		return fmt.Errorf("%w: --password %s", errUsage, err.(*services.Error).Fields[0].Message)
	}

	a, err := openApp(ctx, loadConfig())
	if err != nil {
		return err
	}
	defer a.Close()
	plan, err := demodata.NewSeed(*seed, codes)
	if err != nil {
		return err
	}
	seeder := services.NewSeeder(a.db.DB, services.SystemClock, a.Users, a.Units)
	if err := seeder.Check(ctx, services.System, plan); err != nil {
		return err
	}
	total := plan.Counts().Rows()
	fmt.Fprintf(stdout, "Seeding %d of %d districts (seed %d): %d rows\n", len(codes), len(order), *seed, total)
	if a.db.Dialect != migrations.Postgres && len(codes) > 10 {
		fmt.Fprintln(stdout, "Note: the embedded SQLite database loads about 25,000 rows a second here (the whole state in about 4 minutes, 1.3 GB); PostgreSQL is the production database.")
	}
	start := time.Now()
	p := newProgress(stderr, total)
	res, err := seeder.Seed(ctx, services.System, plan, p.set)
	if err != nil {
		p.abort()
		return err
	}
	p.done()
	took := time.Since(start)
	fmt.Fprintf(stdout, "Seeded %d units, %d people and %d seats (%d rows) in %s, %.0f rows/s; rollups recounted, statistics refreshed.\n",
		res.Units, res.People, res.Seats, res.Rows(), took.Round(time.Millisecond), float64(res.Rows())/took.Seconds())

	// The party itself, so that the seat sharing (सीट बंटवारा) can allot its own seats.
	if own, added, err := a.Alliances.EnsureOwnParty(ctx, services.System, a.cfg.Letterhead.Name); err != nil {
		return err
	} else if added {
		fmt.Fprintf(stdout, "Party: %s (%s), the party's own row of the alliance.\n", own.Name, own.ShortName)
	}

	accounts, err := seeder.Accounts(ctx, services.System, plan, pw)
	if err != nil {
		return err
	}
	made := 0
	for _, acc := range accounts {
		if acc.Created {
			made++
		}
	}
	fmt.Fprintf(stdout, "Accounts: %d made, %d already there and left alone, e.g. up.office, up.viewer, %s, %s.\n",
		made, len(accounts)-made, accounts[2].Username, accounts[3].Username)
	switch {
	case generated:
		fmt.Fprintf(stdout, "Their password is %s — it is shown only this once.\n", pw)
	case *password != "":
		fmt.Fprintln(stdout, "Their password is the one given with --password.")
	default:
		fmt.Fprintln(stdout, "Their password is the one in SANGATHAN_SEED_PASSWORD.")
	}
	return nil
}

// seedOrder is the order in which --districts takes districts; tests put a small one first.
var seedOrder = demodata.SeedOrder

// progress shows the rows written on stderr: a bar with rate and time left on a terminal, else
// a plain line every few seconds.
type progress struct {
	bar   *progressbar.ProgressBar
	w     io.Writer
	total int
	start time.Time
	last  time.Time
	rows  int
}

func newProgress(w io.Writer, total int) *progress {
	p := &progress{w: w, total: total, start: time.Now(), last: time.Now()}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		p.bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(w), progressbar.OptionSetDescription("seed"),
			progressbar.OptionShowCount(), progressbar.OptionShowIts(), progressbar.OptionSetItsString("rows"),
			progressbar.OptionSetPredictTime(true), progressbar.OptionThrottle(200*time.Millisecond),
			progressbar.OptionSetWidth(30), progressbar.OptionOnCompletion(func() { fmt.Fprintln(w) }))
	}
	return p
}

func (p *progress) set(rows int) {
	p.rows = rows
	if p.bar != nil {
		_ = p.bar.Set(rows)
		return
	}
	if now := time.Now(); now.Sub(p.last) >= 3*time.Second {
		p.last = now
		p.line()
	}
}

func (p *progress) line() {
	el := time.Since(p.start).Seconds()
	rate := float64(p.rows) / max(el, 1e-9)
	eta := "?"
	if rate > 0 {
		eta = (time.Duration(float64(max(p.total-p.rows, 0))/rate) * time.Second).Round(time.Second).String()
	}
	fmt.Fprintf(p.w, "seed: %d/%d rows (%.0f%%), %.0f rows/s, %s left\n", p.rows, p.total, 100*float64(p.rows)/float64(max(p.total, 1)), rate, eta)
}

// abort ends the bar's line, so that the error that follows starts on its own.
func (p *progress) abort() {
	if p.bar != nil {
		_ = p.bar.Exit()
		fmt.Fprintln(p.w)
	}
}

func (p *progress) done() {
	if p.bar != nil {
		_ = p.bar.Finish()
		return
	}
	p.line()
}
