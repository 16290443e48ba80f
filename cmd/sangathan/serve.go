package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/sangathan/sangathan/api"
	"github.com/sangathan/sangathan/demodata"
	"github.com/sangathan/sangathan/frontend"
	"github.com/sangathan/sangathan/models"
	"github.com/sangathan/sangathan/services"
)

// tuneGC trades memory the server has for CPU it lacks, unless GOGC or GOMEMLIMIT say otherwise:
// the live heap under load is some 20 MiB, so collecting when it has grown by 400 % instead of
// 100 % costs a few tens of MiB and saves most of the collector's CPU (a quarter of the server's
// under load); the soft limit makes the collector work harder rather than let the heap pass
// 160 MiB, inside the 200 MB the server is allowed.
func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(160 << 20)
	}
}

func cmdServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := loadConfig()
	fl := flag.NewFlagSet("serve", flag.ContinueOnError)
	fl.SetOutput(stderr)
	demo := fl.Bool("demo", false, "load the demo data (Uttar Pradesh) on first start")
	fl.StringVar(&c.Addr, "addr", c.Addr, "listen address")
	if err := fl.Parse(args); err != nil {
		return errUsage
	}
	origins, err := api.ParseOrigins(c.CORSOrigins)
	if err != nil {
		return err
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		return errors.New("SANGATHAN_TLS_CERT and SANGATHAN_TLS_KEY go together: set both to serve HTTPS, or neither")
	}
	tuneGC()
	a, err := openApp(ctx, c)
	if err != nil {
		return err
	}
	defer a.Close()
	a.warnPrivileges(ctx)
	if err := a.claimTokenKey(ctx); err != nil {
		return err
	}

	if err := a.bootstrapAdmin(ctx, stdout); err != nil {
		return err
	}
	if *demo {
		if err := a.loadDemo(ctx, stdout); err != nil {
			return err
		}
		if err := a.demoAccounts(ctx, stdout); err != nil {
			return err
		}
	}
	secure := !*demo || c.TLSCert != ""
	if c.SecureCookies != nil {
		secure = *c.SecureCookies
	}
	srv, err := api.New(api.Deps{Log: a.log, DB: a.db, Set: a.Set,
		SecureCookies: secure, TrustedProxies: c.TrustedProxies, Frontend: frontend.Handler(), CORSOrigins: origins,
		MetricsElsewhere: c.MetricsAddr != "", ImportLimit: c.ImportMaxMiB << 20, Replica: a.db.Replica})
	if err != nil {
		return err
	}
	if c.MetricsAddr != "" {
		ms, err := serveMetrics(c.MetricsAddr, srv.Metrics(), stdout, a.log)
		if err != nil {
			return err
		}
		defer ms.Close()
	}
	if r := a.db.Replica; r != nil {
		st := r.Status()
		fmt.Fprintf(stdout, "Reads may go to the read replica (now %s; they go to the primary while it lags more than %s or is down)\n", st.State, time.Duration(st.MaxLagSeconds*float64(time.Second)))
	}
	ln, err := net.Listen("tcp", c.Addr)
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 5 * time.Minute,
		WriteTimeout: 10 * time.Minute, IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 64 << 10}
	tlsOn := c.TLSCert != ""
	fmt.Fprintf(stdout, "Sangathan is listening on %s — open %s in a browser; the API is at %s/api/v1\n", ln.Addr(), baseURL(ln.Addr(), tlsOn), baseURL(ln.Addr(), tlsOn))

	errc := make(chan error, 1)
	go func() {
		if tlsOn {
			errc <- hs.ServeTLS(ln, c.TLSCert, c.TLSKey)
			return
		}
		errc <- hs.Serve(ln)
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	a.log.Info("shutting down: finishing requests in flight")
	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	a.log.Info("stopped")
	return nil
}

func baseURL(addr net.Addr, tls bool) string {
	host, port, _ := net.SplitHostPort(addr.String())
	if host == "" || host == "::" || host == "0.0.0.0" {
		host = "localhost"
	}
	scheme := "http://"
	if tls {
		scheme = "https://"
	}
	return scheme + net.JoinHostPort(host, port)
}

// cmdDemo does what serve --demo does before it listens — the first admin, the demo data, the
// demo accounts — and exits: docker compose's demo profile runs it once before the server.
func cmdDemo(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) != 0 {
		return fmt.Errorf("%w: demo takes no arguments", errUsage)
	}
	a, err := openApp(ctx, loadConfig())
	if err != nil {
		return err
	}
	defer a.Close()
	if err := a.bootstrapAdmin(ctx, stdout); err != nil {
		return err
	}
	if err := a.loadDemo(ctx, stdout); err != nil {
		return err
	}
	return a.demoAccounts(ctx, stdout)
}

// bootstrapAdmin creates the first account, "admin", when there are none.
func (a *app) bootstrapAdmin(ctx context.Context, out io.Writer) error {
	n, err := a.Users.Count(ctx)
	if err != nil || n > 0 {
		return err
	}
	pw := a.cfg.AdminPassword
	generated := pw == ""
	if generated {
		pw = randomPassword()
	}
	_, err = a.Users.Create(ctx, services.System, services.UserInput{Username: "admin", Password: pw, Role: models.RoleAdmin})
	if services.ErrorCode(err) == services.EConflict {
		return nil // another process starting on this database at the same moment made it
	}
	if err != nil {
		return fmt.Errorf("create the first admin: %w", err)
	}
	if generated {
		fmt.Fprintf(out, "Created user admin with password %s — it is shown only this once.\n", pw)
	} else {
		fmt.Fprintln(out, "Created user admin with the password from SANGATHAN_ADMIN_PASSWORD.")
	}
	return nil
}

func randomPassword() string {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return strings.NewReplacer("-", "x", "_", "y").Replace(base64.RawURLEncoding.EncodeToString(b))
}

// demoLock is the PostgreSQL advisory lock under which the demo data is loaded ("SGNDEMO").
const demoLock = 0x53474e44454d4f

// loadDemo loads Uttar Pradesh — the state, its districts and constituencies, and the booths of a
// few districts — when the database has no units yet. Processes that start together with --demo
// load it one after the other, so the later ones find it there and load nothing.
func (a *app) loadDemo(ctx context.Context, out io.Writer) error {
	return a.db.Exclusively(ctx, demoLock, func() error { return a.loadDemoOnce(ctx, out) })
}

func (a *app) loadDemoOnce(ctx context.Context, out io.Writer) error {
	n, err := a.Units.Count(ctx)
	if err != nil || n > 0 {
		return err
	}
	start := time.Now()
	res, err := a.Imports.Units(ctx, services.System, demodata.Units(), services.AllOrNothing)
	if err != nil {
		return fmt.Errorf("demo data: %w", err)
	}
	booths, err := demodata.BoothsOf(demodata.DemoDistricts...)
	if err != nil {
		return fmt.Errorf("demo data: %w", err)
	}
	res2, err := a.Imports.Units(ctx, services.System, booths, services.AllOrNothing)
	if err != nil {
		return fmt.Errorf("demo data: %w", err)
	}
	committees, err := demodata.Committees(0.6, 1, demoCommitteeDistricts...)
	if err != nil {
		return fmt.Errorf("demo data: %w", err)
	}
	res3, err := a.Imports.People(ctx, services.System, committees, services.AllOrNothing)
	if err != nil {
		return fmt.Errorf("demo data: %w", err)
	}
	upper, err := demodata.UpperCommittees(1, demoCommitteeDistricts...)
	if err != nil {
		return fmt.Errorf("demo data: %w", err)
	}
	res4, err := a.Imports.People(ctx, services.System, upper, services.AllOrNothing)
	if err != nil {
		return fmt.Errorf("demo data: %w", err)
	}
	// The party itself, so that the seat sharing (सीट बंटवारा) can allot its own seats.
	if _, _, err := a.Alliances.EnsureOwnParty(ctx, services.System, a.cfg.Letterhead.Name); err != nil {
		return fmt.Errorf("demo data: %w", err)
	}
	fmt.Fprintf(out, "Loaded demo data: %d units of Uttar Pradesh, %d booths of %s, %d booth committee members and %d members of assembly, district, Lok Sabha and state committees in %s, in %s.\n",
		res.Inserted, res2.Inserted, strings.Join(demodata.DemoDistricts, ", "), res3.Seated, res4.Seated,
		strings.Join(demoCommitteeDistricts, ", "), time.Since(start).Round(time.Millisecond))
	return nil
}

// demoCommitteeDistricts get generated committees: about 60 % of their booths, a fifth of
// those incomplete, and every assembly, the district, the Lok Sabha constituencies of its
// assemblies and the state, with communities drawn from each district's census shares. (The demo has no sectors: its booths hang under their
// assemblies.)
var demoCommitteeDistricts = []string{"UP-LUCKNOW", "UP-RAMPUR", "UP-SONBHADRA"}

// demoAccount is one account per role that --demo makes, inside the demo districts.
type demoAccount struct {
	username string
	role     models.Role
	scope    string // unit code
}

var demoAccounts = []demoAccount{
	{"up.office", models.RoleStateOffice, "UP"},
	{"lucknow.coord", models.RoleDistrictCoordinator, "UP-LUCKNOW"},
	{"varanasi.coord", models.RoleDistrictCoordinator, "UP-VARANASI"},
	{"booth.lko173", models.RoleBoothWorker, "UP-AC-173-PS-0001"},
	{"up.viewer", models.RoleViewer, "UP"},
}

// demoAccounts creates one account per role so that a newcomer can try each, and prints their
// passwords only when it creates them: at the first start. A password printed at every start
// would sit in every log the output goes to (a container's, a terminal's scrollback) for as long
// as the installation runs. A later start names the accounts and how to set a new password.
func (a *app) demoAccounts(ctx context.Context, out io.Writer) error {
	var made, existing []string
	for _, d := range demoAccounts {
		unit, err := a.Units.UnitByCode(ctx, services.System, d.scope)
		if err != nil {
			return fmt.Errorf("demo account %s: %w", d.username, err)
		}
		pw := randomPassword()
		_, err = a.Users.Create(ctx, services.System, services.UserInput{Username: d.username, Password: pw, Role: d.role, ScopeUnitID: &unit.ID})
		switch {
		case services.ErrorCode(err) == services.EConflict:
			existing = append(existing, d.username)
			continue
		case err != nil:
			return fmt.Errorf("demo account %s: %w", d.username, err)
		}
		if len(made) == 0 {
			fmt.Fprintln(out, "Demo accounts (one per role; the passwords are shown only this once):")
		}
		made = append(made, d.username)
		fmt.Fprintf(out, "  %-15s %-21s %-18s password %s\n", d.username, d.role, d.scope, pw)
	}
	if len(existing) > 0 {
		fmt.Fprintf(out, "Demo accounts %s exist already; their passwords were shown when they were made. To set a new one: sangathan user password --username %s\n",
			strings.Join(existing, ", "), existing[0])
	}
	var twoStep []string
	for _, r := range models.Roles {
		if a.Auth.SecondFactorRequiredFor(r) {
			twoStep = append(twoStep, string(r))
		}
	}
	if len(twoStep) > 0 {
		fmt.Fprintf(out, "Two-step verification is required for %s (SANGATHAN_2FA_ROLES): the first login of such an account\n"+
			"shows a QR code to scan with an authenticator app (Google Authenticator, FreeOTP, …), then asks for its code.\n", strings.Join(twoStep, ", "))
	}
	return nil
}
