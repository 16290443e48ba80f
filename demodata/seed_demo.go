package demodata

import (
	"bytes"
	"encoding/csv"
	"io"
	"math/rand/v2"
)

// UpperCommittees returns a people CSV (the columns of Committees) that fills the committees
// above the booth for serve --demo: every assembly of the given districts, the districts
// themselves, the state, and every Lok Sabha constituency with an assembly in them, with office
// bearers and members who are entered at that unit. Communities follow the district's census
// shares (the state's for the state committee). Voter
// IDs are numbered from 9,000,000, clear of those of Committees. The output is the same for
// the same arguments.
func UpperCommittees(seed uint64, districts ...string) (io.Reader, error) {
	shares, err := districtShares()
	if err != nil {
		return nil, err
	}
	skel := skeletonRows()
	index := map[string]int{}
	for i, u := range skel {
		index[u.Code] = i
	}
	for _, d := range districts {
		if i, ok := index[d]; !ok || skel[i].Level != "district" {
			return nil, errUnknownDistrict(d)
		}
	}
	rng := rand.New(rand.NewPCG(seed, 0x7c0e))
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write([]string{"name", "name_hi", "gender", "birth_year", "phone", "voter_id", "category", "religion", "caste",
		"home_unit_code", "committee_unit_code", "position"})
	serial := 9_000_000
	committee := func(code string, sh share, size int) {
		for _, pos := range upperPositions(size) {
			serial++
			_ = w.Write(member(rng, sh, serial, code, pos))
		}
	}
	for _, d := range districts {
		for _, u := range skel {
			if u.Level == "assembly" && skel[u.Parent].Code == d {
				committee(u.Code, shares[d], 21+rng.IntN(21))
			}
		}
		committee(d, shares[d], 31+rng.IntN(31))
	}
	committee(skel[0].Code, share{sc: 0.21, st: 0.006, muslim: 0.19}, 41+rng.IntN(21))
	// Every Lok Sabha constituency with an assembly in the districts, with the communities of the
	// district of its first such assembly; last, so that the committees above stay as they were.
	in := map[string]bool{}
	for _, d := range districts {
		in[d] = true
	}
	done := map[int]bool{}
	for _, u := range skel {
		if pc := u.Parliamentary; u.Level == "assembly" && pc >= 0 && !done[pc] && in[skel[u.Parent].Code] {
			done[pc] = true
			committee(skel[pc].Code, shares[skel[u.Parent].Code], 21+rng.IntN(21))
		}
	}
	w.Flush()
	return &buf, w.Error()
}
