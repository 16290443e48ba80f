package models

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Cross-script name search (issue 10). No maintained Go transliteration library is available
// here, so this is a small table: a name in Devanagari and the same name in Latin letters are
// both reduced to one phonetic key, and search compares keys.
//
//  1. Devanagari is romanised by table (Romanize): consonants carry an inherent "a" unless a
//     vowel sign or a virama follows, vowel signs give their vowel, the anusvara and the
//     chandrabindu give "n" ("m" before p, b, m), the nukta is ignored except in ड़ and ढ़ ("r").
//  2. The romanised word and a word typed in Latin letters are reduced to a skeleton (Key): the
//     spelling variants of Hindi names in Latin letters fold together — aspirates lose their h
//     (kh→k, bh→b, sh→s, ch→c, ph→p), ee→i, oo→u, w→v, z→j, f→p, q→k, x→ks, a final y after a
//     consonant is i, a final ng is n, doubled letters are one, and every "a" but an initial one
//     is dropped (it stands for the inherent vowel, which Latin spellings keep or drop at will).
//
// So रमेश and Ramesh are both "rmes", गुडम्बा and Gudamba "gudmb", सिंह, Singh and Sinh "sin".
// A few well-known place names whose English spelling is not phonetic (Lucknow) are in
// keyExceptions.

// Devanagari code points used below.
const (
	devaVirama        = '\u094D'
	devaNukta         = '\u093C'
	devaAnusvara      = '\u0902'
	devaChandrabindu  = '\u0901'
	devaVisarga       = '\u0903'
	devaDDA           = 'ड'
	devaDDHA          = 'ढ'
	zeroWidthJoiner   = '\u200D'
	zeroWidthNonJoin  = '\u200C'
	devanagariFirst   = '\u0900'
	devanagariLast    = '\u097F'
	devanagariDigit0  = '०'
	devanagariDigit9  = '९'
	devanagariDanda   = '।'
	devanagariDDanda  = '॥'
	devanagariAvagrah = 'ऽ'
)

var devaConsonants = map[rune]string{
	'क': "k", 'ख': "kh", 'ग': "g", 'घ': "gh", 'ङ': "n",
	'च': "ch", 'छ': "chh", 'ज': "j", 'झ': "jh", 'ञ': "n",
	'ट': "t", 'ठ': "th", 'ड': "d", 'ढ': "dh", 'ण': "n",
	'त': "t", 'थ': "th", 'द': "d", 'ध': "dh", 'न': "n", 'ऩ': "n",
	'प': "p", 'फ': "ph", 'ब': "b", 'भ': "bh", 'म': "m",
	'य': "y", 'र': "r", 'ऱ': "r", 'ल': "l", 'ळ': "l", 'ऴ': "l", 'व': "v",
	'श': "sh", 'ष': "sh", 'स': "s", 'ह': "h",
	// Precomposed letters with a nukta.
	'\u0958': "k", '\u0959': "kh", '\u095A': "g", '\u095B': "j", '\u095C': "r", '\u095D': "rh", '\u095E': "ph", '\u095F': "y",
}

// devaVowels are the independent vowels.
var devaVowels = map[rune]string{
	'अ': "a", 'आ': "aa", 'इ': "i", 'ई': "ii", 'उ': "u", 'ऊ': "uu", 'ऋ': "ri", 'ॠ': "ri", 'ऌ': "li",
	'ए': "e", 'ऐ': "ai", 'ओ': "o", 'औ': "au", 'ऑ': "o", 'ऍ': "e", 'ऎ': "e", 'ऒ': "o",
}

// devaSigns are the dependent vowel signs (matras).
var devaSigns = map[rune]string{
	'ा': "aa", 'ि': "i", 'ी': "ii", 'ु': "u", 'ू': "uu", 'ृ': "ri", 'ॄ': "ri", 'ॢ': "li",
	'े': "e", 'ै': "ai", 'ो': "o", 'ौ': "au", 'ॉ': "o", 'ॅ': "e", 'ॆ': "e", 'ॊ': "o",
}

// IsDevanagari reports whether r is in the Devanagari block.
func IsDevanagari(r rune) bool { return r >= devanagariFirst && r <= devanagariLast }

// Romanize writes Devanagari in loose Latin letters (see the package comment); other letters are
// lower-cased and kept. The inherent vowel of a word's last consonant is dropped, as Hindi drops
// it (राम → ram).
func Romanize(s string) string {
	var b strings.Builder
	runes := []rune(s)
	pending := false // a consonant was written and its inherent vowel not yet decided
	cluster := false // ... and it closes a conjunct (a virama before it)
	virama := false  // the last sign was a virama
	inWord := false  // the last rune was a Devanagari letter or sign
	var last rune    // the last consonant written
	endWord := func() {
		// Hindi drops the inherent vowel of a word's last consonant (राम → ram) but keeps it
		// after a conjunct (मिश्र → mishra, मौर्य → maurya).
		if pending && cluster {
			b.WriteByte('a')
		}
		pending, cluster, virama, inWord = false, false, false, false
	}
	for i := 0; i < len(runes); i++ {
		r := runes[i]
		if c, ok := devaConsonants[r]; ok {
			if pending {
				b.WriteByte('a')
			}
			b.WriteString(c)
			cluster = virama
			pending, last, virama, inWord = true, r, false, true
			continue
		}
		switch {
		case r == devaNukta:
			// ड़ and ढ़ written as two code points are r and rh; other nuktas change little in
			// Latin spellings (ज़ is written j or z alike).
			if pending && (last == devaDDA || last == devaDDHA) {
				s := b.String()
				b.Reset()
				if last == devaDDA {
					b.WriteString(s[:len(s)-1] + "r")
				} else {
					b.WriteString(s[:len(s)-2] + "rh")
				}
				last = 0
			}
		case r == devaVirama:
			pending, virama = false, inWord
		case r == zeroWidthJoiner || r == zeroWidthNonJoin:
		case devaSigns[r] != "":
			if inWord { // a vowel sign on nothing is dropped
				b.WriteString(devaSigns[r])
			}
			pending, cluster, virama = false, false, false
		case r == devaAnusvara || r == devaChandrabindu:
			if !inWord {
				continue
			}
			if pending {
				b.WriteByte('a')
			}
			pending, cluster, virama = false, false, false
			nasal := "n"
			if i+1 < len(runes) {
				switch runes[i+1] {
				case 'प', 'फ', 'ब', 'भ', 'म':
					nasal = "m"
				}
			}
			b.WriteString(nasal)
		case r == devaVisarga:
			if inWord {
				if pending {
					b.WriteByte('a')
				}
				b.WriteByte('h')
			}
			pending, cluster, virama = false, false, false
		case devaVowels[r] != "":
			if pending {
				b.WriteByte('a')
			}
			b.WriteString(devaVowels[r])
			pending, cluster, virama, inWord = false, false, false, true
		case r >= devanagariDigit0 && r <= devanagariDigit9:
			endWord()
			b.WriteByte(byte('0' + r - devanagariDigit0))
		case r == devanagariDanda || r == devanagariDDanda || r == devanagariAvagrah:
			endWord()
			b.WriteByte(' ')
		default:
			// A rune outside the tables (a space, Latin, another script) ends a word.
			endWord()
			b.WriteRune(unicode.ToLower(r))
		}
	}
	endWord()
	return b.String()
}

// keyExceptions are English spellings of well-known names that no phonetic rule links to their
// Hindi form, mapped to a phonetic Latin spelling.
var keyExceptions = map[string]string{
	"lucknow":  "lakhnau",
	"bareilly": "bareli",
	"meerut":   "merath",
	"verma":    "varma",
	"cawnpore": "kanpur",
	"benares":  "banaras",
	"jhansee":  "jhansi",
}

func isVowel(c byte) bool {
	return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u'
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' }

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// Key returns the phonetic key of one word, in either script: "" when the word has no letter or
// digit. Two spellings of one name share a key (Ramesh, रमेश → "rmes"); a prefix of a word has
// a key that is usually a prefix of the word's key (Rame → "rme").
func Key(word string) string {
	w := word
	if !isASCII(w) {
		w = Romanize(w) // lower-cases too
	}
	// Only Latin letters and digits count: marks left over and other scripts are dropped.
	lat := make([]byte, 0, len(w))
	for i := 0; i < len(w); i++ {
		c := w[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if isLetter(c) || (c >= '0' && c <= '9') {
			lat = append(lat, c)
		}
	}
	if len(lat) == 0 {
		return ""
	}
	if e, ok := keyExceptions[string(lat)]; ok {
		lat = []byte(e)
	}
	// Letters and digraphs that Latin spellings use for one sound. The passes after this one
	// only drop letters, so they work in place.
	s := make([]byte, 0, 2*len(lat))
	for i := 0; i < len(lat); i++ {
		c := lat[i]
		next := byte(0)
		if i+1 < len(lat) {
			next = lat[i+1]
		}
		switch {
		case c == 'e' && next == 'e':
			s = append(s, 'i')
			i++
		case c == 'o' && next == 'o':
			s = append(s, 'u')
			i++
		case c == 'o' && next == 'u':
			s = append(s, 'a', 'u')
			i++
		case c == 'q' && next == 'u':
			s = append(s, 'k')
			i++
		case c == 'c' && next == 'k':
			s = append(s, 'k')
			i++
		case c == 'c' && next != 'h':
			s = append(s, 'k')
		case c == 'q':
			s = append(s, 'k')
		case c == 'x':
			s = append(s, 'k', 's')
		case c == 'z':
			s = append(s, 'j')
		case c == 'w':
			s = append(s, 'v')
		case c == 'f':
			s = append(s, 'p')
		default:
			s = append(s, c)
		}
	}
	// An h after a stop or s marks an aspirate or a sibilant: dropped (kh, gh, ch, chh, th,
	// dh, ph, bh, sh). After n, r, l, m, v, y it is a letter of its own (Chinhat, चिनहट), but a
	// final nh is n (Sinh, सिंह).
	out := s[:0]
	prev := byte(0)
	for _, c := range s {
		drop := c == 'h' && strings.IndexByte("kgcjtdpbs", prev) >= 0
		prev = c
		if !drop {
			out = append(out, c)
		}
	}
	s = out
	if n := len(s); n >= 3 && s[n-2] == 'n' && s[n-1] == 'h' {
		s = s[:n-1]
	}
	// "iya" is written "ia" as often as not (Ghaziabad, गाज़ियाबाद).
	out = s[:0]
	for i, c := range s {
		if c == 'y' && i > 0 && s[i-1] == 'i' && i+1 < len(s) && isVowel(s[i+1]) {
			continue
		}
		out = append(out, c)
	}
	s = out
	// A final y after a consonant is a vowel (Chaudhary, Tripathy); a final ng is n (Singh, सिंह).
	if n := len(s); n >= 2 && s[n-1] == 'y' && !isVowel(s[n-2]) {
		s[n-1] = 'i'
	}
	if n := len(s); n >= 3 && s[n-2] == 'n' && s[n-1] == 'g' {
		s = s[:n-1]
	}
	// Every "a" but an initial one is dropped, then doubled letters are one.
	out = s[:0]
	for i, c := range s {
		if c == 'a' && i > 0 {
			continue
		}
		if len(out) > 0 && out[len(out)-1] == c {
			continue
		}
		out = append(out, c)
	}
	return string(out)
}

// Words splits a name into words: runs of letters, marks and digits.
func Words(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		return !(unicode.IsLetter(r) || unicode.IsMark(r) || unicode.IsDigit(r) || r == zeroWidthJoiner || r == zeroWidthNonJoin)
	})
}

// KeyMark starts each phonetic key in a search text: "qqrmes". Keys never hold a q (Key writes
// it k), and a marker of letters keeps a key one word for the trigram index: a key's start is
// then the trigram "qq" and its first letter, which the index can look up, where a word
// boundary before it would be the trigram of every word with that first letter.
const KeyMark = "qq"

// SearchSeparator divides the Latin half of a search text from the Hindi half, so that an
// update that does not change name_hi can keep the stored Hindi half (the CSV imports do).
const SearchSeparator = " | "

// SearchPart is one half of a search text: the lower-cased name and the key of each of its words
// ("ramesh kumar qqrmes qqkumr"). A "|" in the name is written as a space.
func SearchPart(name string) string {
	name = strings.ToLower(strings.TrimSpace(strings.ReplaceAll(name, "|", " ")))
	var b strings.Builder
	b.Grow(2 * len(name))
	b.WriteString(name)
	var seen []string
	for _, w := range Words(name) {
		k := Key(w)
		if k == "" || slices.Contains(seen, k) {
			continue
		}
		seen = append(seen, k)
		b.WriteString(" ")
		b.WriteString(KeyMark)
		b.WriteString(k)
	}
	return b.String()
}

// SearchText builds the lower-cased text that q= searches: the name and the key of each of its
// words, then the same for the Hindi name ("ramesh qqrmes | रमेश qqrmes"). See services.nameSearch.
func SearchText(name, nameHi string) string {
	return SearchPart(name) + SearchSeparator + SearchPart(nameHi)
}

// The Latin → Devanagari table of ToDevanagari: longest match first.
var latinConsonants = []struct{ lat, deva string }{
	{"chh", "छ"}, {"ksh", "क्ष"}, {"shr", "श्र"}, {"tr", "त्र"},
	{"kh", "ख"}, {"gh", "घ"}, {"ch", "च"}, {"jh", "झ"}, {"th", "थ"}, {"dh", "ध"}, {"ph", "फ"},
	{"bh", "भ"}, {"sh", "श"}, {"ck", "क"},
	{"k", "क"}, {"g", "ग"}, {"c", "क"}, {"j", "ज"}, {"t", "त"}, {"d", "द"}, {"n", "न"}, {"p", "प"},
	{"f", "फ़"}, {"b", "ब"}, {"m", "म"}, {"y", "य"}, {"r", "र"}, {"l", "ल"}, {"v", "व"}, {"w", "व"},
	{"s", "स"}, {"h", "ह"}, {"z", "ज़"}, {"qu", "क़"}, {"q", "क़"}, {"x", "क्स"},
}

// vowel: independent form, sign after a consonant ("" for the inherent a).
var latinVowels = []struct{ lat, indep, sign string }{
	{"aa", "आ", "ा"}, {"ai", "ऐ", "ै"}, {"au", "औ", "ौ"}, {"ee", "ई", "ी"}, {"ii", "ई", "ी"},
	{"oo", "ऊ", "ू"}, {"uu", "ऊ", "ू"}, {"ou", "औ", "ौ"},
	{"a", "अ", ""}, {"i", "इ", "ि"}, {"u", "उ", "ु"}, {"e", "ए", "े"}, {"o", "ओ", "ो"},
}

// ToDevanagari writes a Latin name in Devanagari, approximately (for display, marked as
// transliterated): the common words of polling station names in their usual Hindi spelling
// (School → स्कूल, Prathmik → प्राथमिक, Room No → रूम नं.), every other word by sound, consonant
// clusters joined with a virama, a word's final a as ā and its final i as ī, as in most Hindi
// names (Gudamba → गुदम्बा). Digits and other characters are kept.
func ToDevanagari(s string) string {
	var b strings.Builder
	lower := lowerASCII(s) // byte for byte: indexes into lower are indexes into s
	for i := 0; i < len(lower); {
		j := i
		for j < len(lower) && isLetter(lower[j]) {
			j++
		}
		if j > i {
			if w, ok := boothWords[lower[i:j]]; ok {
				b.WriteString(w)
			} else {
				b.WriteString(soundToDevanagari(s[i:j]))
			}
			i = j
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		b.WriteRune(r)
		i += size
	}
	return b.String()
}

// lowerASCII lower-cases the Latin letters of s and leaves every other byte as it is, so that
// the result is as long as s. (strings.ToLower is not: İ gets longer, K the Kelvin sign and
// invalid bytes change length, and ToDevanagari, which reads letters in the lower-cased text and
// copies the rest from s at the same offsets, then looped forever or sliced past the end.)
func lowerASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// boothWords are the words that recur in the names of polling stations (the ECI's lists for Uttar
// Pradesh, Bihar and Haryana), in the spelling a Hindi reader expects rather than the one their
// sound gives (High → हाई, not हिघ).
var boothWords = map[string]string{
	"school": "स्कूल", "sch": "स्कूल", "room": "रूम", "no": "नं.", "number": "नंबर", "primary": "प्राइमरी", "primari": "प्राइमरी",
	"praimari": "प्राइमरी", "praimary": "प्राइमरी", "college": "कॉलेज", "collage": "कॉलेज", "inter": "इंटर", "high": "हाई",
	"junior": "जूनियर", "jr": "जूनियर", "middle": "मिडिल", "main": "मेन", "east": "ईस्ट", "west": "वेस्ट", "north": "नॉर्थ",
	"south": "साउथ", "side": "साइड", "wing": "विंग", "public": "पब्लिक", "road": "रोड", "auxiliary": "सहायक", "girls": "गर्ल्स",
	"boys": "बॉयज़", "new": "न्यू", "colony": "कॉलोनी", "block": "ब्लॉक", "city": "सिटी", "sector": "सेक्टर", "near": "निकट",
	"centre": "सेंटर", "center": "सेंटर", "hall": "हॉल", "office": "ऑफ़िस", "building": "बिल्डिंग", "part": "भाग", "ward": "वार्ड",
	"pathshala": "पाठशाला", "pathsala": "पाठशाला", "vidyalaya": "विद्यालय", "vidyalay": "विद्यालय", "vidyalya": "विद्यालय",
	"vidhalya": "विद्यालय", "vidhalaya": "विद्यालय", "vidhalay": "विद्यालय", "vidhyalaya": "विद्यालय", "prathmik": "प्राथमिक",
	"prathmic": "प्राथमिक", "pra": "प्रा", "vi": "वि", "kanya": "कन्या", "zila": "ज़िला", "kamra": "कमरा", "parishad": "परिषद",
	"parisad": "परिषद", "kaksh": "कक्ष", "bhawan": "भवन", "bhavan": "भवन", "khurd": "खुर्द", "kalan": "कलां", "uttari": "उत्तरी",
	"purvi": "पूर्वी", "dakshini": "दक्षिणी", "paschimi": "पश्चिमी", "mandir": "मंदिर", "panchayat": "पंचायत", "palika": "पालिका",
	"madhyamik": "माध्यमिक", "balika": "बालिका", "adarsh": "आदर्श", "purv": "पूर्व", "poorv": "पूर्व", "purva": "पूर्व",
	"purwa": "पुरवा", "shri": "श्री", "uttar": "उत्तर", "devi": "देवी", "naya": "नया", "janta": "जनता", "kasba": "कस्बा",
	"khas": "ख़ास", "gandhi": "गांधी", "nagla": "नगला", "bujurg": "बुज़ुर्ग", "urf": "उर्फ़", "thana": "थाना", "nagar": "नगर",
	"nigam": "निगम", "sadan": "सदन", "kendra": "केंद्र", "sanskrit": "संस्कृत", "degree": "डिग्री", "mahavidyalaya": "महाविद्यालय",
	"model": "मॉडल", "convent": "कॉन्वेंट", "academy": "एकेडमी", "library": "लाइब्रेरी", "hospital": "अस्पताल", "community": "कम्युनिटी",
}

// soundToDevanagari writes one Latin word in Devanagari by sound (see ToDevanagari).
func soundToDevanagari(s string) string {
	var b strings.Builder
	lower := lowerASCII(s)
	i := 0
	afterConsonant := false
	for i < len(lower) {
		c := lower[i]
		if !isLetter(c) {
			if afterConsonant {
				afterConsonant = false
			}
			r, size := utf8.DecodeRuneInString(lower[i:])
			b.WriteRune(r)
			i += size
			continue
		}
		wordEnd := func(j int) bool { return j >= len(lower) || !isLetter(lower[j]) }
		if c == 'y' && afterConsonant && wordEnd(i+1) { // Chaudhary → चौधरी
			b.WriteString("ी")
			afterConsonant = false
			i++
			continue
		}
		if !afterConsonant && i > 0 && isLetter(lower[i-1]) { // Singh, Sinh → सिंह
			for _, nh := range []string{"ngh", "nh"} {
				if strings.HasPrefix(lower[i:], nh) && wordEnd(i+len(nh)) {
					b.WriteString("ंह")
					i += len(nh)
					break
				}
			}
			if wordEnd(i) {
				continue
			}
		}
		matched := false
		for _, v := range latinVowels {
			if strings.HasPrefix(lower[i:], v.lat) {
				end := i + len(v.lat)
				switch {
				case !afterConsonant:
					b.WriteString(v.indep)
				case v.lat == "a" && wordEnd(end) && i > 0 && !strings.HasSuffix(lower[:i], "ay"): // Vidyalaya → विद्यालय
					b.WriteString("ा")
				case v.lat == "i" && wordEnd(end):
					b.WriteString("ी")
				default:
					b.WriteString(v.sign)
				}
				afterConsonant = false
				i = end
				matched = true
				break
			}
		}
		if matched {
			continue
		}
		for _, k := range latinConsonants {
			if strings.HasPrefix(lower[i:], k.lat) {
				if afterConsonant {
					b.WriteRune(devaVirama)
				}
				b.WriteString(k.deva)
				afterConsonant = true
				i += len(k.lat)
				matched = true
				break
			}
		}
		if !matched { // unreachable: every letter is in a table
			b.WriteByte(c)
			i++
		}
	}
	return b.String()
}
