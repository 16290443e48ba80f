package services_test

import (
	"context"
	"strings"
	"testing"

	"github.com/sangathan/sangathan/models"
	"github.com/sangathan/sangathan/services"
)

// TestIncidentMemorandum: the memorandum needs the committee's report (409 before it); in Hindi
// and English it carries the record's facts, the findings and recommendations verbatim, the
// right addressee and the committee as signatories; user text is escaped; it is refused outside
// the scope (404) and to roles without incidents (403).
func TestIncidentMemorandum(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	iv := e.newInvestigation(t)
	s := e.set.Incidents
	s.Letterhead = services.Letterhead{Name: "जन अधिकार पार्टी", Address: "Hazratganj, Lucknow"}
	v := e.newIncident(t, iv.dc, iv.tr.b1, func(in *services.IncidentInput) {
		in.Title = `मारपीट <script>alert("t")</script>`
		in.Description = `He said "leave" & 'go' </p><img src=x onerror=alert(1)>`
		in.AffectedGroups = []string{"SC", "women"}
	})
	id := v.Incident.ID
	if _, err := s.Memorandum(ctx, iv.state, id, "hi", ""); services.ErrorCode(err) != services.EConflict {
		t.Fatalf("memorandum before the report: %v, want conflict", err)
	}
	v, err := s.FormCommittee(ctx, iv.state, id, services.CommitteeInput{MemberIDs: []int64{iv.members[0].ID, iv.members[1].ID}, ConvenerID: &iv.members[1].ID, IfMatch: &v.Incident.Version})
	noErr(t, err)
	if _, err := s.Memorandum(ctx, iv.state, id, "hi", ""); services.ErrorCode(err) != services.EConflict {
		t.Fatalf("memorandum before the report: %v, want conflict", err)
	}
	findings := "पुलिस ने प्राथमिकी दर्ज नहीं की।\n<script>steal()</script> \"quoted\""
	_, err = s.SubmitReport(ctx, iv.state, id, services.ReportInput{VisitedOn: "2024-03-01", Findings: findings,
		Recommendations: "दोषियों की गिरफ्तारी\nCompensation to the victims", IfMatch: &v.Incident.Version})
	noErr(t, err)

	hi, err := s.Memorandum(ctx, iv.dc, id, "hi", "")
	noErr(t, err)
	h := string(hi)
	for _, want := range []string{`<html lang="hi">`, "Noto Sans Devanagari", "@page { size: A4;", "जन अधिकार पार्टी", "महामहिम राज्यपाल",
		"मारपीट &lt;script&gt;alert(&#34;t&#34;)&lt;/script&gt;", "Village Rampur Khas", "20-02-2024", "अनुसूचित जाति (दलित), महिलाएँ",
		"पुलिस ने प्राथमिकी दर्ज नहीं की।\n&lt;script&gt;steal()&lt;/script&gt; &#34;quoted&#34;", "<li>दोषियों की गिरफ्तारी</li>", "<li>Compensation to the victims</li>",
		"He said &#34;leave&#34; &amp; &#39;go&#39; &lt;/p&gt;&lt;img src=x onerror=alert(1)&gt;", iv.members[0].Name, iv.members[1].Name, "संयोजक", "01-03-2024"} {
		if !strings.Contains(h, want) {
			t.Errorf("Hindi memorandum lacks %q:\n%s", want, h)
		}
	}
	if !strings.Contains(h, "<style>"+services.MemoStyle+"</style>") {
		t.Errorf("the stylesheet is not verbatim, so its hash does not allow it")
	}
	if strings.Contains(h, "<script") || strings.Contains(h, "<img") || strings.Contains(h, "District Magistrate") {
		t.Errorf("Hindi memorandum carries raw markup or the wrong addressee:\n%s", h)
	}
	if sig := h[strings.Index(h, `class="signers"`):]; strings.Index(sig, iv.members[1].Name) > strings.Index(sig, iv.members[0].Name) {
		t.Errorf("the convener does not sign first:\n%s", sig)
	}

	en, err := s.Memorandum(ctx, iv.state, id, "en", "dm")
	noErr(t, err)
	g := string(en)
	for _, want := range []string{`<html lang="en">`, "The District Magistrate", "District " + iv.tr.d1.Name, "Scheduled Castes, Women", "Findings", "Convener"} {
		if !strings.Contains(g, want) {
			t.Errorf("English memorandum lacks %q:\n%s", want, g)
		}
	}
	if strings.Contains(g, "Governor,") || strings.Contains(g, "<script") {
		t.Errorf("English DM memorandum names the Governor or carries raw markup:\n%s", g)
	}

	for _, c := range []struct {
		name     string
		actor    services.Actor
		lang, to string
		want     services.Code
	}{
		{"coordinator of another district", scoped(models.RoleDistrictCoordinator, iv.tr.d2), "hi", "", services.ENotFound},
		{"booth worker of the booth", scoped(models.RoleBoothWorker, iv.tr.b1), "hi", "", services.EForbidden},
		{"viewer", scoped(models.RoleViewer, iv.tr.state), "en", "", services.EForbidden},
		{"unknown language", iv.state, "fr", "", services.EInvalid},
		{"unknown addressee", iv.state, "hi", "pm", services.EInvalid},
	} {
		if _, err := s.Memorandum(ctx, c.actor, id, c.lang, c.to); services.ErrorCode(err) != c.want {
			t.Errorf("%s: %v, want %s", c.name, err, c.want)
		}
	}
}
