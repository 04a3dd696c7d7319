package pending

import (
	"encoding/binary"
	"slices"
	"strings"
	"sync"
)

// pack writes what a Record holds in strings into one string, the one
// allocation the memory store makes for them: the requester's platform,
// user ID and name, the channel, the message, the words, the approvers
// and the requester's roles. Each string is its length as a uvarint and
// its bytes, except that a word that is a UUID in canonical form (36
// characters, lower or upper case) takes 17 bytes: a tag and its 16
// bytes. unpack reverses it exactly.
func pack(r *Record) string {
	n := 7*binary.MaxVarintLen32 + len(r.Requester.Platform) + len(r.Requester.UserID) + len(r.Requester.Name) + len(r.Channel) + len(r.Message)
	for _, w := range r.Words {
		n += binary.MaxVarintLen32 + len(w)
	}
	for _, a := range r.Approvers {
		n += binary.MaxVarintLen32 + len(a)
	}
	for _, a := range r.Roles {
		n += binary.MaxVarintLen32 + len(a)
	}
	// A scratch buffer from a pool: the one allocation is the string.
	bp := packBuffers.Get().(*[]byte)
	b := slices.Grow((*bp)[:0], n)
	defer func() {
		if cap(b) <= 64<<10 {
			*bp = b
			packBuffers.Put(bp)
		}
	}()
	for _, s := range [...]string{r.Requester.Platform, r.Requester.UserID, r.Requester.Name, r.Channel, r.Message} {
		b = appendString(b, s)
	}
	b = binary.AppendUvarint(b, uint64(len(r.Words)))
	for _, w := range r.Words {
		b = appendWord(b, w)
	}
	for _, list := range [...][]string{r.Approvers, r.Roles} {
		b = binary.AppendUvarint(b, uint64(len(list)))
		for _, a := range list {
			b = appendString(b, a)
		}
	}
	return string(b) // the one copy, of exactly its size
}

var packBuffers = sync.Pool{New: func() any { return new([]byte) }}

// A word's header is its length times two (even), or one of these tags.
const (
	lowerUUID = 1
	upperUUID = 3
)

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
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

// unpack reads what pack wrote into a Record. Its strings share p's
// memory, except UUIDs, which are written out again, all in one
// allocation.
func unpack(p string) Record {
	var r Record
	d := unpacker{p: p}
	r.Requester.Platform, r.Requester.UserID, r.Requester.Name = d.string(), d.string(), d.string()
	r.Channel, r.Message = d.string(), d.string()
	if n := d.uvarint(); n > 0 { // none: nil, as a copy of none is
		r.Words = make([]string, n)
	}
	words, uuids := d.off, 0
	for range r.Words { // count the UUIDs
		if h := d.uvarint(); h == lowerUUID || h == upperUUID {
			d.off += 16
			uuids++
		} else {
			d.off += int(h >> 1)
		}
	}
	var text strings.Builder // grown once: every string taken from it stays valid
	text.Grow(36 * uuids)
	d.off = words
	for i := range r.Words {
		h := d.uvarint()
		if h != lowerUUID && h != upperUUID {
			r.Words[i] = d.p[d.off : d.off+int(h>>1)]
			d.off += int(h >> 1)
			continue
		}
		var u [36]byte
		raw := d.p[d.off : d.off+16]
		d.off += 16
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
		r.Words[i] = all[len(all)-36:]
	}
	r.Approvers, r.Roles = d.strings(), d.strings()
	return r
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

type unpacker struct {
	p   string
	off int
}

func (d *unpacker) uvarint() uint64 {
	var x uint64
	for shift := 0; ; shift += 7 {
		c := d.p[d.off]
		d.off++
		x |= uint64(c&0x7f) << shift
		if c < 0x80 {
			return x
		}
	}
}

// strings reads a list; none is nil, as a copy of none is.
func (d *unpacker) strings() []string {
	n := d.uvarint()
	if n == 0 {
		return nil
	}
	list := make([]string, n)
	for i := range list {
		list[i] = d.string()
	}
	return list
}

func (d *unpacker) string() string {
	n := int(d.uvarint())
	s := d.p[d.off : d.off+n]
	d.off += n
	return s
}
