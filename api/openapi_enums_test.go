package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sangathan/sangathan/models"
	"github.com/sangathan/sangathan/services"
)

func stringsOf[T ~string](vs []T) []string {
	out := make([]string, 0, len(vs))
	for _, v := range vs {
		out = append(out, string(v))
	}
	return out
}

// modelEnums are the value lists that live in models, by the name of the OpenAPI schema that
// publishes them. The UI reads them from the document, so document and models must agree.
func modelEnums() map[string][]string {
	var single []string
	for _, p := range models.Positions {
		if p.SingleHolder() {
			single = append(single, string(p))
		}
	}
	return map[string][]string{
		"Gender":        stringsOf(models.Genders),
		"Category":      stringsOf(models.Categories),
		"Religion":      models.Religions,
		"Position":      stringsOf(models.Positions),
		"PublicOffice":  models.PublicOffices,
		"Role":          stringsOf(models.Roles),
		"Level":         stringsOf(models.Levels),
		"ProgramKind":   stringsOf(models.ProgramKinds),
		"ProgramStatus": stringsOf(models.ProgramStatuses),
		"single":        single,
	}
}

// TestOpenAPIEnumsMatchModels: the position, category, religion and gender lists (and the
// other lists the models keep) are published in the document exactly as the models hold them,
// in order; every inline copy of one in a request or response schema agrees too; and the
// schemas that carry such a field point at the published list.
func TestOpenAPIEnumsMatchModels(t *testing.T) {
	var doc struct {
		Components struct {
			Schemas map[string]json.RawMessage `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(openapiDoc, &doc); err != nil {
		t.Fatal(err)
	}
	type schema struct {
		Ref           string                     `json:"$ref"`
		Enum          []any                      `json:"enum"`
		AllOf         []schema                   `json:"allOf"`
		Items         *schema                    `json:"items"`
		Properties    map[string]json.RawMessage `json:"properties"`
		XSingleHolder []string                   `json:"x-single-holder"`
	}
	parse := func(raw json.RawMessage) schema {
		var s schema
		if err := json.Unmarshal(raw, &s); err != nil {
			t.Fatalf("schema %s: %v", raw, err)
		}
		return s
	}
	values := func(enum []any) []string { // without the null and "" that optional fields add
		var out []string
		for _, v := range enum {
			if s, ok := v.(string); ok && s != "" {
				out = append(out, s)
			}
		}
		return out
	}
	want := modelEnums()
	for _, name := range []string{"Gender", "Category", "Religion", "Position", "PublicOffice", "Role", "Level", "ProgramKind", "ProgramStatus"} {
		raw, ok := doc.Components.Schemas[name]
		if !ok {
			t.Errorf("components.schemas.%s is missing", name)
			continue
		}
		if d := cmp.Diff(want[name], values(parse(raw).Enum)); d != "" {
			t.Errorf("schema %s enum differs from models (-models +document):\n%s", name, d)
		}
	}
	if d := cmp.Diff(want["single"], parse(doc.Components.Schemas["Position"]).XSingleHolder); d != "" {
		t.Errorf("Position x-single-holder differs from models.Position.SingleHolder (-models +document):\n%s", d)
	}

	// Every property named after one of the lists, in every schema: a reference to the list or
	// an inline copy equal to it.
	field := map[string]string{"gender": "Gender", "category": "Category", "religion": "Religion", "position": "Position",
		"public_office": "PublicOffice", "role": "Role", "level": "Level"}
	checked := map[string]bool{}
	for sname, raw := range doc.Components.Schemas {
		for pname, praw := range parse(raw).Properties {
			list, ok := field[pname]
			if !ok {
				continue
			}
			p := parse(praw)
			for p.Ref == "" && len(p.Enum) == 0 && len(p.AllOf) == 1 {
				p = p.AllOf[0]
			}
			where := fmt.Sprintf("%s.%s", sname, pname)
			switch {
			case p.Ref != "":
				if p.Ref != "#/components/schemas/"+list {
					t.Errorf("%s refers to %s, want the %s list", where, p.Ref, list)
				}
			case len(p.Enum) > 0:
				if d := cmp.Diff(want[list], values(p.Enum)); d != "" {
					t.Errorf("%s: inline enum differs from models (-models +document):\n%s", where, d)
				}
			default:
				t.Errorf("%s has neither a reference to %s nor an enum", where, list)
			}
			checked[sname+"."+pname] = true
		}
	}
	for _, must := range []string{"Person.gender", "Person.category", "Person.religion", "Seat.position", "CreateSeatRequest.position",
		"PersonRequest.gender", "PersonRequest.category", "PersonRequest.religion"} {
		if !checked[must] {
			t.Errorf("%s was not checked: the document no longer has it", must)
		}
	}
	if !slices.Equal(stringsOf(models.Genders), []string{"male", "female", "other"}) {
		t.Errorf("models.Genders = %v", models.Genders)
	}
}

// TestOpenAPIFieldCodes: the codes a field error may carry are listed in the OpenAPI document,
// all of them and no others, and a refused batch carries them with their parameters.
func TestOpenAPIFieldCodes(t *testing.T) {
	var doc struct {
		Components struct {
			Schemas map[string]struct {
				Properties map[string]struct {
					Enum []string `json:"enum"`
				} `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(openapiDoc, &doc); err != nil {
		t.Fatal(err)
	}
	var want []string
	for c := range services.FieldCodes {
		want = append(want, c)
	}
	slices.Sort(want)
	for _, name := range []string{"FieldError", "ImportError"} {
		if got := doc.Components.Schemas[name].Properties["code"].Enum; !slices.Equal(got, want) {
			t.Errorf("%s.code lists %v, the services %v", name, got, want)
		}
	}

	s := newTestServer(t)
	rec := s.do(t, http.MethodPost, "/api/v1/units/"+s.fx.id("LKOW-1")+"/committee/batch", s.admin.Token, map[string]any{"seats": []any{
		map[string]any{"person": map[string]any{"name": "A", "gender": "female", "category": "SC", "phone": "123", "birth_year": 2020}, "position": "president"},
		map[string]any{"person": map[string]any{"name": "B", "gender": "female", "category": "SC"}, "position": "chief"},
	}})
	var p struct {
		Errors []services.FieldError `json:"errors"`
	}
	wantStatus(t, rec, http.StatusUnprocessableEntity)
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, fe := range p.Errors {
		got[fe.Field] = fe.Code
		if fe.Code == "age_out_of_range" && (fe.Params["min"] != float64(18) || fe.Params["max"] != float64(120)) {
			t.Errorf("age params %v", fe.Params)
		}
	}
	wantCodes := map[string]string{"seats[0].person.phone": "phone_invalid", "seats[0].person.birth_year": "age_out_of_range", "seats[1].position": "one_of"}
	for f, c := range wantCodes {
		if got[f] != c {
			t.Errorf("%s: code %q, want %q (all: %v)", f, got[f], c, got)
		}
	}
}
