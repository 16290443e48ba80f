package demodata

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
)

// Names for generated committee members, in Latin and Devanagari. They are common names of
// Uttar Pradesh, not real people; the community mix comes from the district's census shares.
var (
	maleNames   = [][2]string{{"Ram", "राम"}, {"Shyam", "श्याम"}, {"Mohan", "मोहन"}, {"Rajesh", "राजेश"}, {"Suresh", "सुरेश"}, {"Dinesh", "दिनेश"}, {"Anil", "अनिल"}, {"Sunil", "सुनील"}, {"Vijay", "विजय"}, {"Ajay", "अजय"}, {"Rakesh", "राकेश"}, {"Mukesh", "मुकेश"}, {"Ashok", "अशोक"}, {"Santosh", "संतोष"}, {"Pradeep", "प्रदीप"}, {"Manoj", "मनोज"}, {"Ramesh", "रमेश"}, {"Arvind", "अरविंद"}, {"Deepak", "दीपक"}, {"Sanjay", "संजय"}}
	femaleNames = [][2]string{{"Sita", "सीता"}, {"Geeta", "गीता"}, {"Sunita", "सुनीता"}, {"Anita", "अनीता"}, {"Rekha", "रेखा"}, {"Kiran", "किरण"}, {"Meena", "मीना"}, {"Poonam", "पूनम"}, {"Savitri", "सावित्री"}, {"Kamla", "कमला"}, {"Shanti", "शांति"}, {"Pushpa", "पुष्पा"}, {"Neelam", "नीलम"}, {"Suman", "सुमन"}, {"Radha", "राधा"}}
	muslimMale  = [][2]string{{"Mohammad", "मोहम्मद"}, {"Abdul", "अब्दुल"}, {"Imran", "इमरान"}, {"Salim", "सलीम"}, {"Rashid", "राशिद"}, {"Irfan", "इरफ़ान"}, {"Aslam", "असलम"}, {"Naseem", "नसीम"}}
	muslimFem   = [][2]string{{"Fatima", "फ़ातिमा"}, {"Shabana", "शबाना"}, {"Nasreen", "नसरीन"}, {"Rubina", "रुबीना"}, {"Salma", "सलमा"}}
	surnames    = map[string][][3]string{ // category → {Latin, Devanagari, caste}
		"SC":  {{"Kumar", "कुमार", "Jatav"}, {"Gautam", "गौतम", "Jatav"}, {"Pasi", "पासी", "Pasi"}, {"Valmiki", "वाल्मीकि", "Valmiki"}, {"Kori", "कोरी", "Kori"}, {"Dhobi", "धोबी", "Dhobi"}},
		"ST":  {{"Gond", "गोंड", "Gond"}, {"Kharwar", "खरवार", "Kharwar"}, {"Chero", "चेरो", "Chero"}, {"Baiga", "बैगा", "Baiga"}},
		"OBC": {{"Yadav", "यादव", "Yadav"}, {"Kurmi", "कुर्मी", "Kurmi"}, {"Maurya", "मौर्य", "Maurya"}, {"Nishad", "निषाद", "Nishad"}, {"Prajapati", "प्रजापति", "Prajapati"}, {"Rajbhar", "राजभर", "Rajbhar"}, {"Lodh", "लोध", "Lodh"}},
		"GEN": {{"Sharma", "शर्मा", "Brahmin"}, {"Tiwari", "तिवारी", "Brahmin"}, {"Singh", "सिंह", "Thakur"}, {"Agarwal", "अग्रवाल", "Vaishya"}, {"Srivastava", "श्रीवास्तव", "Kayastha"}, {"Gupta", "गुप्ता", "Vaishya"}},
	}
	muslimSurnames = [][3]string{{"Ansari", "अंसारी", "Ansari"}, {"Qureshi", "क़ुरैशी", "Qureshi"}, {"Khan", "ख़ान", "Pathan"}, {"Siddiqui", "सिद्दीक़ी", "Shaikh"}, {"Mansoori", "मंसूरी", "Mansoori"}}
)

// Committees returns a people CSV that seats generated members on the committees of the booths
// of the given districts: full of each district's assemblies' booths with probability fill
// (0..1) a booth gets a committee; about one in five of those is left incomplete. Communities
// follow each district's census shares (SC, ST, Muslim; the rest split between OBC and
// general), about a third of members are women, and every tenth has a voter ID. The output is
// the same for the same arguments.
func Committees(fill float64, seed uint64, districts ...string) (io.Reader, error) {
	shares, err := districtShares()
	if err != nil {
		return nil, err
	}
	booths, err := boothsByDistrict(districts...)
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(seed, 0x5a6e))
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write([]string{"name", "name_hi", "gender", "birth_year", "phone", "voter_id", "category", "religion", "caste",
		"home_unit_code", "committee_unit_code", "position"})
	serial := 0
	for _, d := range districts {
		sh := shares[d]
		for _, booth := range booths[d] {
			if rng.Float64() >= fill {
				continue
			}
			size := 10 + rng.IntN(8)
			positions := []string{"president", "booth_agent", "vice_president", "secretary", "treasurer"}
			if rng.IntN(5) == 0 { // an incomplete committee: too few members, or no booth agent yet
				if rng.IntN(2) == 0 {
					size = 4 + rng.IntN(5)
				} else {
					positions = []string{"president", "vice_president", "secretary", "treasurer"}
				}
			}
			for i := 0; i < size; i++ {
				pos := "member"
				if i < len(positions) {
					pos = positions[i]
				}
				serial++
				_ = w.Write(member(rng, sh, serial, booth, pos))
			}
		}
	}
	w.Flush()
	return &buf, w.Error()
}

// share holds a district's census shares: SC, ST, Muslim, and the other religious minorities.
type share struct{ sc, st, muslim, other float64 }

func member(rng *rand.Rand, sh share, serial int, booth, position string) []string {
	female := rng.Float64() < 0.34
	x := rng.Float64()
	category, religion := "GEN", "hindu"
	var given [2]string
	var sur [3]string
	switch {
	case x < sh.muslim:
		religion = "muslim"
		category = "OBC"
		if rng.IntN(3) == 0 {
			category = "GEN"
		}
		sur = muslimSurnames[rng.IntN(len(muslimSurnames))]
		if female {
			given = muslimFem[rng.IntN(len(muslimFem))]
		} else {
			given = muslimMale[rng.IntN(len(muslimMale))]
		}
	default:
		switch y := rng.Float64(); {
		case y < sh.sc/(1-sh.muslim):
			category = "SC"
		case y < (sh.sc+sh.st)/(1-sh.muslim):
			category = "ST"
		case y < 0.75:
			category = "OBC"
		}
		list := surnames[category]
		sur = list[rng.IntN(len(list))]
		if female {
			given = femaleNames[rng.IntN(len(femaleNames))]
		} else {
			given = maleNames[rng.IntN(len(maleNames))]
		}
	}
	gender := "male"
	if female {
		gender = "female"
	}
	voter := ""
	if serial%10 == 0 {
		voter = fmt.Sprintf("UPD%07d", serial)
	}
	phone := fmt.Sprintf("+91%d%09d", 6+rng.IntN(4), rng.IntN(1_000_000_000))
	return []string{given[0] + " " + sur[0], given[1] + " " + sur[1], gender, strconv.Itoa(1950 + rng.IntN(55)), phone, voter,
		category, religion, sur[2], booth, booth, position}
}

// districtShares reads the census shares of every district from Units().
func districtShares() (map[string]share, error) {
	r := csv.NewReader(Units())
	recs, err := r.ReadAll()
	if err != nil {
		return nil, err
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	out := map[string]share{}
	for _, rec := range recs[1:] {
		if rec[col["level"]] != "district" {
			continue
		}
		total, _ := strconv.ParseFloat(rec[col["population_total"]], 64)
		if total == 0 {
			out[rec[col["code"]]] = share{sc: 0.21, st: 0.006, muslim: 0.19, other: 0.007} // the state's shares, for districts formed after 2011
			continue
		}
		sc, _ := strconv.ParseFloat(rec[col["population_sc"]], 64)
		st, _ := strconv.ParseFloat(rec[col["population_st"]], 64)
		mu, _ := strconv.ParseFloat(rec[col["population_muslim"]], 64)
		mi, _ := strconv.ParseFloat(rec[col["population_minority"]], 64)
		out[rec[col["code"]]] = share{sc: sc / total, st: st / total, muslim: mu / total, other: max(0, mi-mu) / total}
	}
	return out, nil
}

// boothsByDistrict lists the booth codes of each district, in file order.
func boothsByDistrict(districts ...string) (map[string][]string, error) {
	out := map[string][]string{}
	for _, d := range districts {
		r, err := BoothsOf(d)
		if err != nil {
			return nil, err
		}
		recs, err := csv.NewReader(r).ReadAll()
		if err != nil {
			return nil, err
		}
		for _, rec := range recs[1:] {
			out[d] = append(out[d], rec[1])
		}
	}
	return out, nil
}
