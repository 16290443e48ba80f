package services_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sangathan/sangathan/models"
	"github.com/sangathan/sangathan/services"
)

// cutWriter accepts n bytes, then fails, as a client that hangs up mid-download.
type cutWriter struct {
	n   int
	buf bytes.Buffer
}

var errHungUp = errors.New("client hung up")

func (w *cutWriter) Write(p []byte) (int, error) {
	if w.buf.Len()+len(p) > w.n {
		return 0, errHungUp
	}
	return w.buf.Write(p)
}

// peopleExportAudit is the after-value of a people export's audit row.
type peopleExportAudit struct {
	Under *struct {
		ID   int64  `json:"id"`
		Code string `json:"code"`
	} `json:"under"`
	Rows     int  `json:"rows"`
	Complete bool `json:"complete"`
}

func exportAudits(t *testing.T, rows []models.AuditEntry) []peopleExportAudit {
	t.Helper()
	var out []peopleExportAudit
	for _, r := range rows {
		if r.Action != "export" {
			continue
		}
		if r.Entity != "people" || r.After == nil {
			t.Fatalf("export audit row %+v", r)
		}
		var a peopleExportAudit
		if err := json.Unmarshal([]byte(*r.After), &a); err != nil {
			t.Fatalf("export audit after %q: %v", *r.After, err)
		}
		out = append(out, a)
	}
	return out
}

// TestPeopleExportAuditedWhenCutShort: an export the client stops reading is recorded with the
// rows written until then and complete false; a whole one with every row and complete true.
func TestPeopleExportAuditedWhenCutShort(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tr := e.newTree(t)
	rows := make([]csvPerson, 0, 200)
	for range 200 {
		r := newRow(tr.b1.Code)
		r.caste = strings.Repeat("x", 60) // rows long enough to fill the writer's buffer several times
		rows = append(rows, r)
	}
	e.importPeople(t, services.System, services.AllOrNothing, peopleFile(rows...))
	dc := scoped(models.RoleDistrictCoordinator, tr.d1)
	ctx := context.Background()
	sel, err := e.exports.CheckPeople(ctx, dc, &tr.a1.ID)
	noErr(t, err)

	mark := e.auditMark(t)
	w := &cutWriter{n: 6000}
	if err := e.exports.People(ctx, dc, sel, w); !errors.Is(err, errHungUp) {
		t.Fatalf("export into a writer that fails: %v, want the writer's error", err)
	}
	got := exportAudits(t, e.auditSince(t, mark))
	if len(got) != 1 || got[0].Complete || got[0].Rows <= 0 || got[0].Rows >= len(rows) || got[0].Under == nil || got[0].Under.ID != tr.a1.ID {
		t.Fatalf("audit of a cut export: %+v, want one incomplete row with some of %d rows under a1", got, len(rows))
	}
	// The rows the audit counts were written before the failure: at least those that reached
	// the client, at most one buffer more.
	if sent := strings.Count(w.buf.String(), "\n") - 1; got[0].Rows < sent {
		t.Errorf("audit counts %d rows, but %d reached the client", got[0].Rows, sent)
	}

	mark = e.auditMark(t)
	var buf bytes.Buffer
	noErr(t, e.exports.People(ctx, dc, sel, &buf))
	got = exportAudits(t, e.auditSince(t, mark))
	if d := cmp.Diff([]peopleExportAudit{{Under: got[0].Under, Rows: len(rows), Complete: true}}, got); d != "" || got[0].Under == nil {
		t.Errorf("audit of a whole export (-want +got):\n%s", d)
	}
	if n := len(readPeopleCSV(t, buf.String())); n != len(rows) {
		t.Errorf("whole export wrote %d rows, want %d", n, len(rows))
	}
}

// TestPeopleExportRoles: only district coordinators and above export people.
func TestPeopleExportRoles(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tr := e.newTree(t)
	ctx := context.Background()
	for _, actor := range []services.Actor{scoped(models.RoleBoothWorker, tr.b1), scoped(models.RoleViewer, tr.state), scoped(models.RoleViewer, tr.b1)} {
		_, err := e.exports.CheckPeople(ctx, actor, nil)
		wantErr(t, err, services.EForbidden)
	}
	for _, actor := range []services.Actor{services.System, scoped(models.RoleStateOffice, tr.state), scoped(models.RoleDistrictCoordinator, tr.d1)} {
		_, err := e.exports.CheckPeople(ctx, actor, nil)
		noErr(t, err)
	}
}
