package services

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"html/template"
	"strconv"
	"strings"

	"github.com/sangathan/sangathan/models"
)

// Letterhead is the party's name and address printed at the head of a memorandum
// (SANGATHAN_PARTY_NAME, SANGATHAN_PARTY_ADDRESS).
type Letterhead struct {
	Name    string
	Address string
}

// DefaultLetterhead is used when the configuration names no party.
var DefaultLetterhead = Letterhead{Name: "संगठन", Address: "प्रदेश कार्यालय, लखनऊ, उत्तर प्रदेश"}

// Memorandum addressees.
const (
	MemoToGovernor = "governor"
	MemoToDM       = "dm"
)

// memoText is the fixed wording of a memorandum in one language.
type memoText struct {
	Lang, To, Subject, Sir, Intro, Facts, Date, Place, Kind, Groups, Victims, What       string
	Investigation, Visited, Findings, Recommendations, Demands, DemandsIntro, Closing    string
	Signatories, Convener, Member, DateLabel, Sincerely, Copy, None, GovernorTo, DMToFmt string
	Kinds                                                                                map[models.IncidentKind]string
	GroupNames                                                                           map[string]string
}

var memoTexts = map[string]memoText{
	"hi": {Lang: "hi", To: "सेवा में,", Subject: "विषय", Sir: "महोदय,",
		Intro: "सविनय निवेदन है कि निम्नलिखित घटना की जांच पार्टी की जांच कमेटी ने की है। घटना का विवरण, कमेटी के निष्कर्ष और सिफारिशें नीचे प्रस्तुत हैं।",
		Facts: "घटना का विवरण", Date: "घटना की तिथि", Place: "स्थान", Kind: "प्रकार", Groups: "प्रभावित वर्ग", Victims: "पीड़ितों की संख्या", What: "क्या हुआ",
		Investigation: "जांच कमेटी की रिपोर्ट", Visited: "घटना स्थल का दौरा", Findings: "निष्कर्ष", Recommendations: "सिफारिशें",
		Demands: "हमारी मांगें", DemandsIntro: "अतः आपसे अनुरोध है कि निम्नलिखित मांगों पर शीघ्र कार्यवाही करने की कृपा करें:",
		Closing: "आशा है कि आप इस विषय में उचित कार्यवाही करेंगे।", Signatories: "जांच कमेटी", Convener: "संयोजक", Member: "सदस्य",
		DateLabel: "दिनांक", Sincerely: "भवदीय", None: "—",
		GovernorTo: "महामहिम राज्यपाल,\nउत्तर प्रदेश,\nराजभवन, लखनऊ।", DMToFmt: "जिलाधिकारी,\nजनपद %s।",
		Kinds: map[models.IncidentKind]string{models.KindViolence: "हिंसा", models.KindAtrocity: "अत्याचार", models.KindPoliceExcess: "पुलिस ज्यादती",
			models.KindLandDispute: "भूमि विवाद", models.KindCommunal: "सांप्रदायिक", models.KindOther: "अन्य"},
		GroupNames: map[string]string{"SC": "अनुसूचित जाति (दलित)", "ST": "अनुसूचित जनजाति", "OBC": "अन्य पिछड़ा वर्ग", "minority": "अल्पसंख्यक",
			"women": "महिलाएँ", "children": "बच्चे", "other": "अन्य"}},
	"en": {Lang: "en", To: "To,", Subject: "Subject", Sir: "Sir/Madam,",
		Intro: "We respectfully submit that the party's investigation committee has inquired into the incident below. The facts, the committee's findings and its recommendations follow.",
		Facts: "The facts", Date: "Date of the incident", Place: "Place", Kind: "Kind", Groups: "Affected groups", Victims: "Number of victims", What: "What happened",
		Investigation: "Report of the investigation committee", Visited: "Visit to the place", Findings: "Findings", Recommendations: "Recommendations",
		Demands: "Our demands", DemandsIntro: "We therefore request you to act promptly on the following demands:",
		Closing: "We trust that you will take appropriate action in this matter.", Signatories: "Investigation committee", Convener: "Convener", Member: "Member",
		DateLabel: "Date", Sincerely: "Yours sincerely", None: "—",
		GovernorTo: "His Excellency the Governor,\nUttar Pradesh,\nRaj Bhavan, Lucknow.", DMToFmt: "The District Magistrate,\nDistrict %s.",
		Kinds: map[models.IncidentKind]string{models.KindViolence: "Violence", models.KindAtrocity: "Atrocity", models.KindPoliceExcess: "Police excess",
			models.KindLandDispute: "Land dispute", models.KindCommunal: "Communal", models.KindOther: "Other"},
		GroupNames: map[string]string{"SC": "Scheduled Castes", "ST": "Scheduled Tribes", "OBC": "Other Backward Classes", "minority": "Minorities",
			"women": "Women", "children": "Children", "other": "Other"}},
}

type memoSigner struct {
	Name, Role string
}

type memoData struct {
	T                               memoText
	Party                           Letterhead
	Today                           string
	Addressee                       []string
	Title, OccurredOn, Place, Kind  string
	Groups, Victims, Description    string
	VisitedOn, Findings, Recommends string
	Demands                         []string
	Signers                         []memoSigner
}

// MemoStyle is the memorandum's stylesheet, inline in its <style> element: fixed text, never from
// the record, so one hash (MemoStyleHash) allows it in a Content-Security-Policy.
const MemoStyle = `
@page { size: A4; margin: 20mm 18mm 20mm 22mm; }
html { font-family: "Noto Sans Devanagari", "Noto Sans", "Mangal", "Nirmala UI", "Lohit Devanagari", sans-serif; font-size: 12pt; line-height: 1.6; color: #000; background: #fff; }
body { max-width: 170mm; margin: 0 auto; padding: 8mm 0; }
header { text-align: center; border-bottom: 2px solid #000; padding-bottom: 4mm; margin-bottom: 6mm; }
header h1 { font-size: 18pt; margin: 0; }
header p { margin: 0; }
.date { text-align: right; }
.to, .text { white-space: pre-line; }
h2 { font-size: 13pt; margin: 6mm 0 2mm; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 1mm 4mm; margin: 0; }
dt { font-weight: bold; }
dd { margin: 0; }
.signers { margin-top: 14mm; display: flex; flex-wrap: wrap; gap: 10mm 14mm; }
.signer { min-width: 45mm; border-top: 1px solid #000; padding-top: 1mm; page-break-inside: avoid; break-inside: avoid; }
@media print { body { padding: 0; } }
`

// MemoStyleHash is the CSP source of MemoStyle: 'sha256-…'. The memorandum's own answer allows
// that style and nothing else, and the app's CSP allows it too, which a memorandum opened from
// a blob: URL inherits.
var MemoStyleHash = func() string {
	sum := sha256.Sum256([]byte(MemoStyle))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}()

var memoTemplate = template.Must(template.New("memo").Parse(`<!DOCTYPE html>
<html lang="{{.T.Lang}}">
<head>
<meta charset="utf-8">
<title>{{.T.Subject}}: {{.Title}}</title>
<style>` + MemoStyle + `</style>
</head>
<body>
<header><h1>{{.Party.Name}}</h1><p>{{.Party.Address}}</p></header>
<p class="date">{{.T.DateLabel}}: {{.Today}}</p>
<p>{{.T.To}}</p>
<p class="to">{{range .Addressee}}{{.}}
{{end}}</p>
<p><strong>{{.T.Subject}}: {{.Title}}</strong></p>
<p>{{.T.Sir}}</p>
<p>{{.T.Intro}}</p>
<h2>{{.T.Facts}}</h2>
<dl>
<dt>{{.T.Date}}</dt><dd>{{.OccurredOn}}</dd>
<dt>{{.T.Place}}</dt><dd>{{.Place}}</dd>
<dt>{{.T.Kind}}</dt><dd>{{.Kind}}</dd>
<dt>{{.T.Groups}}</dt><dd>{{.Groups}}</dd>
<dt>{{.T.Victims}}</dt><dd>{{.Victims}}</dd>
</dl>
<h2>{{.T.What}}</h2>
<p class="text">{{.Description}}</p>
<h2>{{.T.Investigation}}</h2>
<p>{{.T.Visited}}: {{.VisitedOn}}</p>
<h3>{{.T.Findings}}</h3>
<p class="text findings">{{.Findings}}</p>
<h3>{{.T.Recommendations}}</h3>
<p class="text recommendations">{{.Recommends}}</p>
<h2>{{.T.Demands}}</h2>
<p>{{.T.DemandsIntro}}</p>
<ol class="demands">{{range .Demands}}<li>{{.}}</li>{{end}}</ol>
<p>{{.T.Closing}}</p>
<p>{{.T.Sincerely}},</p>
<p>{{.T.Signatories}}, {{.Party.Name}}</p>
<div class="signers">{{range .Signers}}<div class="signer">{{.Name}}<br>{{.Role}}</div>{{end}}</div>
</body>
</html>
`))

// Memorandum renders the memorandum (ज्ञापन) of an incident as a complete, printable HTML page in
// lang ("hi" or "en") addressed to the Governor ("governor") or to the District Magistrate of the
// incident's district ("dm"); every text from the record is escaped. Returns Forbidden and
// NotFound as Get does, Invalid for a bad lang or to, and Conflict before the committee's report
// is submitted.
func (s *Incidents) Memorandum(ctx context.Context, actor Actor, id int64, lang, to string) ([]byte, error) {
	var f Fields
	if lang == "" {
		lang = "hi"
	}
	if to == "" {
		to = MemoToGovernor
	}
	t, ok := memoTexts[lang]
	if !ok {
		f.AddCode("lang", "one_of", map[string]any{"allowed": []string{"hi", "en"}}, "must be hi or en")
	}
	if to != MemoToGovernor && to != MemoToDM {
		f.AddCode("to", "one_of", map[string]any{"allowed": []string{MemoToGovernor, MemoToDM}}, "must be governor or dm")
	}
	v, err := s.Get(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	if v.Report == nil {
		return nil, Errorf(EConflict, "the incident is %s: the memorandum needs the committee's report (status report_submitted or later)", v.Incident.Status)
	}
	head := s.Letterhead
	if strings.TrimSpace(head.Name) == "" {
		head.Name = DefaultLetterhead.Name
	}
	if strings.TrimSpace(head.Address) == "" {
		head.Address = DefaultLetterhead.Address
	}
	inc := v.Incident
	d := memoData{T: t, Party: head, Today: memoDate(s.today()), Title: inc.Title,
		OccurredOn: memoDate(inc.OccurredOn), Place: inc.Place, Kind: t.Kinds[inc.Kind], Victims: t.None, Description: inc.Description,
		VisitedOn: memoDate(v.Report.VisitedOn), Findings: v.Report.Findings, Recommends: v.Report.Recommendations}
	if inc.Victims != nil {
		d.Victims = strconv.Itoa(*inc.Victims)
	}
	groups := make([]string, 0, len(v.AffectedGroups))
	for _, g := range v.AffectedGroups {
		groups = append(groups, t.GroupNames[g])
	}
	d.Groups = strings.Join(groups, ", ")
	if d.Groups == "" {
		d.Groups = t.None
	}
	if d.Description == "" {
		d.Description = t.None
	}
	if to == MemoToGovernor {
		d.Addressee = strings.Split(t.GovernorTo, "\n")
	} else {
		district, err := s.districtOf(ctx, inc)
		if err != nil {
			return nil, err
		}
		name := district.Name
		if lang == "hi" && district.NameHi != "" {
			name = district.NameHi
		}
		d.Addressee = strings.Split(strings.Replace(t.DMToFmt, "%s", name, 1), "\n")
	}
	for _, line := range strings.Split(v.Report.Recommendations, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			d.Demands = append(d.Demands, line)
		}
	}
	if c := v.Committee; c != nil {
		for _, m := range c.Members { // the convener first, then the members by name
			if m.Convener {
				d.Signers = append(d.Signers, memoSigner{Name: memoName(m, lang), Role: t.Convener})
			}
		}
		for _, m := range c.Members {
			if !m.Convener {
				d.Signers = append(d.Signers, memoSigner{Name: memoName(m, lang), Role: t.Member})
			}
		}
	}
	var buf bytes.Buffer
	if err := memoTemplate.Execute(&buf, d); err != nil {
		return nil, Errorf(EInternal, "render memorandum: %v", err)
	}
	return buf.Bytes(), nil
}

func memoName(m InvestigatorView, lang string) string {
	if lang == "hi" && m.NameHi != "" {
		return m.NameHi
	}
	return m.Name
}

// memoDate writes a date as Indian letters do: DD-MM-YYYY.
func memoDate(d models.Date) string {
	s := string(d)
	if len(s) != len(models.DateLayout) {
		return s
	}
	return s[8:10] + "-" + s[5:7] + "-" + s[0:4]
}

// districtOf is the district the incident lies in (its unit, or the district above it).
func (s *Incidents) districtOf(ctx context.Context, inc models.Incident) (models.Unit, error) {
	var ids []int64
	for _, p := range strings.Split(strings.Trim(inc.Path, "/"), "/") {
		if n, err := strconv.ParseInt(p, 10, 64); err == nil {
			ids = append(ids, n)
		}
	}
	var u models.Unit
	if err := s.db.WithContext(ctx).Where("id IN ? AND level = ?", ids, models.LevelDistrict).Take(&u).Error; err != nil {
		return models.Unit{}, dbErr("load the incident's district", err)
	}
	return u, nil
}
