package store

import (
	"crypto/rand"
	"encoding/binary"
	"time"
)

// crockford is Crockford's base32 alphabet in lower case: no i, l, o or u,
// so an id read aloud or copied by hand from a terminal survives.
const crockford = "0123456789abcdefghjkmnpqrstvwxyz"

// NewRunID returns a run id for a run created at now: "r_" followed by the
// creation time in milliseconds since the Unix epoch as 10 base32 digits
// (good until the year 10889) and 30 random bits as 6 more, e.g.
// "r_01jd8xk3m2c7q9zt". Ids sort by creation time as plain strings (in
// SQL, in ls, in a spreadsheet), are 18 characters, short enough to type,
// and two processes creating runs in the same millisecond collide with
// probability 2^-30; the primary key catches that rare case.
//
// The ULID layout was chosen over a readable timestamp
// ("20261128T180012-ab12cd") for its length and millisecond order.
func NewRunID(now time.Time) string {
	ms := uint64(now.UnixMilli())
	var rnd [4]byte
	_, _ = rand.Read(rnd[:]) // crypto/rand.Read never fails (Go 1.24+)
	r := binary.BigEndian.Uint32(rnd[:]) >> 2

	var b [18]byte
	b[0], b[1] = 'r', '_'
	for i := 11; i >= 2; i-- {
		b[i] = crockford[ms&31]
		ms >>= 5
	}
	for i := 17; i >= 12; i-- {
		b[i] = crockford[r&31]
		r >>= 5
	}
	return string(b[:])
}
