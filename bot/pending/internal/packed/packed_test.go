package packed

import (
	"errors"
	"reflect"
	"testing"
)

func encodeSample(words, list []string, s string) string {
	b := AppendString(nil, s)
	b = AppendWords(b, words)
	return string(AppendStrings(b, list))
}

func TestWordsAndStringsReadBackExactly(t *testing.T) {
	words := []string{"delete", "909494e3-558e-46b6-a9eb-07a8e18ca62f", "909494E3-558E-46B6-A9EB-07A8E18CA62F", "909494e3-558E-46b6-a9eb-07a8e18ca62f", "", "é"}
	list := []string{"slack:U1", ""}
	p := encodeSample(words, list, "https://hooks.slack.com/x")
	d := NewReader(p)
	s, gotWords, gotList := d.String(), d.Words(), d.Strings()
	if err := d.Done(); err != nil || s != "https://hooks.slack.com/x" || !reflect.DeepEqual(gotWords, words) || !reflect.DeepEqual(gotList, list) {
		t.Fatalf("read %q %q %q, %v", s, gotWords, gotList, err)
	}
	// 26 for the string; 83 for the words: 1 for their count, 7, 17 and
	// 17 for the two UUIDs in one case each, 37 for the mixed-case one
	// (kept as text), 1 and 3; 11 for the list.
	if len(p) != 120 {
		t.Fatalf("packed into %d bytes, want 120", len(p))
	}
}

// Every input cut short is an error, never a panic or a partial record.
func TestEveryTruncationIsCorrupt(t *testing.T) {
	p := encodeSample([]string{"delete", "909494e3-558e-46b6-a9eb-07a8e18ca62f", "inc-2"}, []string{"a", "bc"}, "msg")
	for n := range len(p) {
		d := NewReader(p[:n])
		_, _, _ = d.String(), d.Words(), d.Strings()
		if err := d.Done(); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("cut to %d of %d bytes: %v", n, len(p), err)
		}
	}
}

// A number of more than 64 bits is corrupt, as binary.Uvarint has it, not
// its low bits.
func TestAnOverlongNumberIsCorrupt(t *testing.T) {
	for _, p := range []string{"\xff\xff\xff\xff\xff\xff\xff\xff\xff\x02", "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", "\x80"} {
		d := NewReader(p)
		if x := d.Uvarint(); !errors.Is(d.Err(), ErrCorrupt) || x != 0 {
			t.Fatalf("%q read as %d, %v", p, x, d.Err())
		}
	}
	d := NewReader("\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01")
	if x := d.Uvarint(); d.Done() != nil || x != 1<<64-1 {
		t.Fatalf("the largest number read as %d, %v", x, d.Err())
	}
}

// Whatever bytes it is given, a Reader returns or reports an error: no
// panic, and no list longer than its input.
func FuzzReaderNeverPanics(f *testing.F) {
	f.Add(encodeSample([]string{"delete", "909494e3-558e-46b6-a9eb-07a8e18ca62f"}, []string{"x"}, "m"))
	f.Add("\x01\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01")
	f.Add("\x00\x05\x01\x02")
	f.Fuzz(func(t *testing.T, p string) {
		d := NewReader(p)
		_ = d.Varint()
		_ = d.Byte()
		s := d.String()
		w := d.Words()
		l := d.Strings()
		if len(s) > len(p) || len(w) > len(p) || len(l) > len(p) {
			t.Fatalf("read more than was given: %d, %d, %d from %d bytes", len(s), len(w), len(l), len(p))
		}
		_ = d.Done()
	})
}
