package api

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sangathan/sangathan/models"
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
		"Gender":       stringsOf(models.Genders),
		"Category":     stringsOf(models.Categories),
		"Religion":     models.Religions,
		"Position":     stringsOf(models.Positions),
		"PublicOffice": models.PublicOffices,
		"Role":         stringsOf(models.Roles),
		"Level":        stringsOf(models.Levels),
		"single":       single,
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
	for _, name := range []string{"Gender", "Category", "Religion", "Position", "PublicOffice", "Role", "Level"} {
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
