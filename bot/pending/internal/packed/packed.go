// Package packed is the compact encoding both confirmation stores keep
// records in: each string is its length as a uvarint and its bytes, except
// that a word that is a UUID in canonical form (36 characters, lower or
// upper case) takes 17 bytes, a tag and its 16 bytes. A `delete` of 50
// UUIDs so takes under 900 bytes instead of about 2,000.
//
// Writing never fails. Reading checks every length against what is left,
// so a truncated or corrupt input is an error, never a panic: the Redis
// store reads what anyone with access to Redis could have written.
package packed

import (
	"encoding/binary"
	"errors"
	"strings"
)

// A word's header is its length times two (even), or one of these tags.
const (
	lowerUUID = 1
	upperUUID = 3
)

// ErrCorrupt means the input ended early or holds a length or tag that
// does not fit.
var ErrCorrupt = errors.New("packed: corrupt or truncated")

// AppendString appends s.
func AppendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// AppendStrings appends a list of strings: its length, then each.
func AppendStrings(b []byte, list []string) []byte {
	b = binary.AppendUvarint(b, uint64(len(list)))
	for _, s := range list {
		b = AppendString(b, s)
	}
	return b
}

// AppendWords appends a list of words, UUIDs in 17 bytes each.
func AppendWords(b []byte, words []string) []byte {
	b = binary.AppendUvarint(b, uint64(len(words)))
	for _, w := range words {
		b = appendWord(b, w)
	}
	return b
}

// MaxSize bounds what AppendStrings or AppendWords adds for list.
func MaxSize(list []string) int {
	n := binary.MaxVarintLen64
	for _, s := range list {
		n += binary.MaxVarintLen64 + len(s)
	}
	return n
}

func appendWord(b []byte, w string) []byte {
	if len(w) == 36 {
		if raw, tag := uuidBytes(w); tag != 0 {
			b = append(b, tag)
			return append(b, raw[:]...)
		}
	}
	b = binary.AppendUvarint(b, uint64(len(w))<<1)
	return append(b, w...)
}

// uuidBytes reads a UUID written in canonical form in one case (digits
// alone count as lower case): its 16 bytes, and lowerUUID or upperUUID.
// The tag is 0 for anything else.
func uuidBytes(w string) (raw [16]byte, tag byte) {
	if len(w) != 36 || w[8] != '-' || w[13] != '-' || w[18] != '-' || w[23] != '-' {
		return raw, 0
	}
	var cases byte // hexLower | hexUpper, as seen
	for j, k := 0, 0; j < 16; j++ {
		if k == 8 || k == 13 || k == 18 || k == 23 {
			k++
		}
		hi, lo := hexValue[w[k]], hexValue[w[k+1]]
		if hi == 0 || lo == 0 {
			return raw, 0
		}
		cases |= (hi | lo) & (hexLower | hexUpper)
		raw[j] = (hi&0xf)<<4 | lo&0xf
		k += 2
	}
	switch cases {
	case hexLower | hexUpper:
		return raw, 0
	case hexUpper:
		return raw, upperUUID
	}
	return raw, lowerUUID
}

// hexValue is 0 for a byte that is not a hex digit, else hexDigitBit,
// the digit's value and its case.
const (
	hexDigitBit = 0x80
	hexLower    = 0x40
	hexUpper    = 0x20
)

var hexValue = func() (t [256]byte) {
	for c := '0'; c <= '9'; c++ {
		t[c] = hexDigitBit | byte(c-'0')
	}
	for c := 'a'; c <= 'f'; c++ {
		t[c] = hexDigitBit | hexLower | byte(c-'a'+10)
	}
	for c := 'A'; c <= 'F'; c++ {
		t[c] = hexDigitBit | hexUpper | byte(c-'A'+10)
	}
	return t
}()

// Reader reads what the Append functions wrote, in the same order. The
// strings it returns share p's memory, except UUIDs, which are written out
// again. After the first error every read returns a zero value and Err
// reports it.
type Reader struct {
	p   string
	off int
	err error
}

// NewReader reads p.
func NewReader(p string) *Reader { return &Reader{p: p} }

// Err is the first error met, or nil.
func (d *Reader) Err() error { return d.err }

// Done reports an error unless all of p was read without one.
func (d *Reader) Done() error {
	if d.err == nil && d.off != len(d.p) {
		d.err = ErrCorrupt
	}
	return d.err
}

// Uvarint reads an unsigned number.
func (d *Reader) Uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	x, n := binary.Uvarint([]byte(d.p[d.off:min(len(d.p), d.off+binary.MaxVarintLen64)]))
	if n <= 0 { // cut short, or more than 64 bits
		d.err = ErrCorrupt
		return 0
	}
	d.off += n
	return x
}

// Varint reads a signed number written with binary.AppendVarint.
func (d *Reader) Varint() int64 {
	u := d.Uvarint()
	x := int64(u >> 1)
	if u&1 != 0 {
		x = ^x
	}
	return x
}

// Byte reads one byte.
func (d *Reader) Byte() byte {
	if d.err != nil {
		return 0
	}
	if d.off >= len(d.p) {
		d.err = ErrCorrupt
		return 0
	}
	d.off++
	return d.p[d.off-1]
}

// String reads a string.
func (d *Reader) String() string { return d.take(d.Uvarint()) }

func (d *Reader) take(n uint64) string {
	if d.err != nil {
		return ""
	}
	if n > uint64(len(d.p)-d.off) {
		d.err = ErrCorrupt
		return ""
	}
	s := d.p[d.off : d.off+int(n)]
	d.off += int(n)
	return s
}

// count reads a list's length, which cannot be more than the bytes left
// (each entry takes at least one), so that no input makes a huge slice.
func (d *Reader) count() int {
	n := d.Uvarint()
	if n > uint64(len(d.p)-d.off) {
		d.err = ErrCorrupt
		return 0
	}
	return int(n)
}

// Strings reads a list of strings; none is nil, as a copy of none is.
func (d *Reader) Strings() []string {
	n := d.count()
	if n == 0 {
		return nil
	}
	list := make([]string, n)
	for i := range list {
		list[i] = d.String()
	}
	if d.err != nil {
		return nil
	}
	return list
}

// Words reads a list of words; none is nil. The UUIDs among them are
// written out in one allocation.
func (d *Reader) Words() []string {
	n := d.count()
	if n == 0 {
		return nil
	}
	start, uuids := d.off, 0
	for range n { // count the UUIDs, checking every length
		switch h := d.Uvarint(); h {
		case lowerUUID, upperUUID:
			d.take(16)
			uuids++
		default:
			if h&1 != 0 {
				d.err = ErrCorrupt
			}
			d.take(h >> 1)
		}
	}
	if d.err != nil {
		return nil
	}
	words := make([]string, n)
	var text strings.Builder // grown once: every string taken from it stays valid
	text.Grow(36 * uuids)
	d.off = start
	for i := range words {
		h := d.Uvarint()
		if h != lowerUUID && h != upperUUID {
			words[i] = d.take(h >> 1)
			continue
		}
		raw := d.take(16)
		var u [36]byte
		for j, k := 0, 0; j < 16; j++ {
			if k == 8 || k == 13 || k == 18 || k == 23 {
				u[k] = '-'
				k++
			}
			u[k], u[k+1] = hexDigit(raw[j]>>4, h), hexDigit(raw[j]&0xf, h)
			k += 2
		}
		text.Write(u[:])
		all := text.String()
		words[i] = all[len(all)-36:]
	}
	return words
}

func hexDigit(v byte, tag uint64) byte {
	if v < 10 {
		return '0' + v
	}
	if tag == upperUUID {
		return 'A' + v - 10
	}
	return 'a' + v - 10
}
