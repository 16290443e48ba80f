package models

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzTranslit fuzzes the transliteration step (Romanize, Key, Words, SearchPart, SearchText,
// ToDevanagari) with any text, valid UTF-8 or not. What the code promises, checked for every
// input:
//   - no panic, and valid UTF-8 out of every function;
//   - a key is Latin lower-case letters and digits only, with no q (KeyMark "qq" must never
//     occur inside a key: Key writes q as k);
//   - Key ignores case in Latin text and the difference between a word and its romanisation
//     (Key romanises Devanagari itself);
//   - Romanize is idempotent (its output holds no Devanagari letter or sign it would read again);
//   - SearchText is the two SearchParts joined by SearchSeparator, and a SearchPart holds no
//     "|" (a name's | is written as a space), so the separator splits the text in two;
//   - ToDevanagari keeps every character that is not a Latin letter.
func FuzzTranslit(f *testing.F) {
	for _, s := range []string{
		"", "Ramesh Kumar", "रमेश कुमार", "सिंह", "Singh", "अलीगढ\u093C", "क्ष्", "्", "ं", "ँ", "ः", "ऽ", "।॥", "०१२३",
		"\u200d\u200c", "Lucknow", "लखनऊ", "ड़ढ़", "\u0958\u095c", "PRA.VI. GUDAMBA", "JUNIOR HIGH SCHOOL BARAWAN KALA ROOM NO-2",
		"प्राथमिक विद्यालय रैली, इंग्लिश(पश्चिमी भाग)", "FATEHPUR(1)", "A|B", " | ", "\x00", "\xff\xfe", "\xe0\xa4", "İstanbul",
		"\u212a", "İa", "\u212aab", "PATNA Ⱥ", "Ⱦ", "Qqqq", "xXzZwWfF", "chhch", "Chaudhary", "Siddiqui", "ñ", "ß", strings.Repeat("क्ष", 200), "१२ Ram राम",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		rom := Romanize(s)
		key := Key(s)
		dev := ToDevanagari(s)
		text := SearchText(s, s)
		for name, out := range map[string]string{"Romanize": rom, "Key": key, "ToDevanagari": dev, "SearchText": text} {
			if !utf8.ValidString(out) {
				t.Fatalf("%s(%q) = %q: not UTF-8", name, s, out)
			}
		}
		for i := 0; i < len(key); i++ {
			if c := key[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9') || c == 'q' {
				t.Fatalf("Key(%q) = %q", s, key)
			}
		}
		if isASCII(s) {
			if k := Key(strings.ToUpper(s)); k != key {
				t.Fatalf("Key(%q) = %q but Key of it upper-cased = %q", s, key, k)
			}
		}
		if k := Key(rom); k != key {
			t.Fatalf("Key(%q) = %q but Key(Romanize) = Key(%q) = %q", s, key, rom, k)
		}
		if again := Romanize(rom); again != rom {
			t.Fatalf("Romanize not idempotent: %q → %q → %q", s, rom, again)
		}
		part := SearchPart(s)
		if text != part+SearchSeparator+part || strings.Contains(part, "|") {
			t.Fatalf("SearchText(%q) = %q, SearchPart %q", s, text, part)
		}
		for _, w := range Words(s) {
			if w == "" {
				t.Fatalf("Words(%q) has an empty word", s)
			}
			if k := Key(w); k != "" && !strings.Contains(part, KeyMark+k) {
				t.Fatalf("SearchPart(%q) = %q lacks the key %q of word %q", s, part, k, w)
			}
		}
		// Every rune but a Latin letter comes through, in order (words may add some: नं.).
		out := []rune(dev)
		for _, r := range s {
			if r < utf8.RuneSelf && isLetter(byte(r)|0x20) {
				continue
			}
			for len(out) > 0 && out[0] != r {
				out = out[1:]
			}
			if len(out) == 0 {
				t.Fatalf("ToDevanagari(%q) = %q lost %q", s, dev, r)
			}
			out = out[1:]
		}
	})
}
